import assert from 'node:assert/strict';
import { compileMaskingRules } from '../../../../gateway/core/masking/compile';
import { maskText, selectRules } from '../../../../gateway/core/masking/mask-text';
import { SseMasker } from '../../../../gateway/core/masking/sse-masker';
import { StreamTextMasker } from '../../../../gateway/core/masking/stream-text-masker';
import { clientText } from '../../../builders/sse-text';

/**
 * Issue 16, defect 2: a streamed PEM whose lines were written with a literal '\n' (a key inside
 * a JSON or .env string) leaked its body when the cut fell inside the closing END line. Every
 * cut of every PEM shape, in the stream text masker and through the SSE masker: no line of the
 * key's body may reach the client, and the stream masks as the whole text does.
 */
describe('core/masking streamed PEM blocks', () => {
  const compiled = compileMaskingRules([{ name: 'all', detectors: ['all'], where: ['client'] }], { hashKey: 'k', auditDetectors: [] });
  const rules = selectRules(compiled, 'client');
  const lines = ['MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7', 'VJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDu', 'ictGeurT8jNbvJZHtCSuYEvuNMoSfm76oqFvAp8Gy0iz5sxjZmSn'];
  const shapes: [string, string][] = [];
  for (const [name, nl] of [['literal \\n', '\\n'], ['line feeds', '\n'], ['CR LF', '\r\n']]) {
    for (const label of ['PRIVATE KEY', 'RSA PRIVATE KEY', 'OPENSSH PRIVATE KEY', 'EC PRIVATE KEY']) {
      shapes.push([`${label}, ${name}`, `PRIVATE_KEY="-----BEGIN ${label}-----${nl}${lines.join(nl)}${nl}-----END ${label}-----" and the rest.`]);
    }
    shapes.push([`unfinished, ${name}`, `key: -----BEGIN PRIVATE KEY-----${nl}${lines.join(nl)}`]);
  }
  /** No 12-character piece of a body line reaches the output. */
  const leaks = (out: string) => lines.flatMap((l) => Array.from({ length: l.length - 11 }, (_, i) => l.slice(i, i + 12))).filter((piece) => out.includes(piece));

  for (const [name, text] of shapes) {
    it(`${name}: the stream text masker, at every cut`, () => {
      const whole = maskText(text, compiled, { where: 'client' }).value;
      assert.deepEqual(leaks(whole), [], whole);
      for (let cut = 0; cut <= text.length; cut++) {
        const m = new StreamTextMasker(compiled, { rules, path: '$' });
        const out = m.push(text.slice(0, cut)) + m.push(text.slice(cut)) + m.end();
        assert.equal(out, whole, `cut at ${cut - text.length} from the end`);
      }
    });
  }

  for (const [name, text] of shapes) {
    it(`${name}: the SSE masker, at every cut, and at every pair of cuts around the END line`, () => {
      const whole = maskText(text, compiled, { where: 'client' }).value;
      assert.deepEqual(leaks(whole), [], whole);
      const chunk = (content: string) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
      const stream = (pieces: string[]) => {
        const sse = new SseMasker(compiled, { rules });
        let out = '';
        for (const p of pieces) out += sse.push(chunk(p));
        return clientText(out + sse.push('data: [DONE]\n\n') + sse.end());
      };
      for (let cut = 0; cut <= text.length; cut++) assert.equal(stream([text.slice(0, cut), text.slice(cut)]), whole, `cut at ${cut - text.length} from the end`);
      const end = text.indexOf('-----END');
      if (end < 0) return;
      for (let a = end - 3; a < end + 30; a++) for (let b = a + 1; b < end + 32; b++) assert.equal(stream([text.slice(0, a), text.slice(a, b), text.slice(b)]), whole, `cuts at ${a} and ${b}`);
    });
  }
});
