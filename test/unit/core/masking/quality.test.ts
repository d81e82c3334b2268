import assert from 'node:assert/strict';
import { compileMaskingRules } from '../../../../gateway/core/masking/compile';
import { maskJson } from '../../../../gateway/core/masking/mask-json';
import { maskText, selectRules } from '../../../../gateway/core/masking/mask-text';
import { SseMasker } from '../../../../gateway/core/masking/sse-masker';
import { createCorpus, detectorOf, kinds, type CorpusItem } from '../../../corpus/generator';
import { clientText } from '../../../builders/sse-text';

/**
 * Masking quality on the synthetic corpus (test/corpus, values built from their specifications):
 * recall for every kind of value planted and precision for every detector, and zero leaks when
 * responses are replayed as SSE split at every chunk boundary. The tables are printed;
 * test/corpus/README.md records them.
 */
const compiled = compileMaskingRules([{ name: 'all', detectors: ['all'] }], { hashKey: 'corpus', auditDetectors: [] });
const clientRules = selectRules(compiled, 'client');
const corpus = createCorpus(20240501, 600);
// A secret masked by another secret detector (an AWS key assigned to a key word) is masked all the same.
const secretGroup = new Set(['aws-key', 'pem', 'jwt', 'bearer', 'api-key', 'github-token', 'secret']);
const sameKind = (a: string, b: string) => a === b || (secretGroup.has(a) && secretGroup.has(b));

function at(body: unknown, path: string): string {
  let v: unknown = body;
  for (const m of path.slice(1).matchAll(/\.([^.[]+)|\['((?:[^'\\]|\\.)*)'\]|\[(\d+)\]/g)) v = (v as Record<string, unknown>)[m[1] ?? m[2] ?? Number(m[3])];
  return typeof v === 'string' ? v : String(v);
}

const overlaps = (a: string, b: string) => a.includes(b) || b.includes(a);

describe('core/masking quality on the synthetic corpus', function () {
  this.timeout(120_000);

  it('recall >= 99.5 % for every kind of value, precision >= 98 % for every detector', () => {
    const byKind = new Map<string, { detector: string; planted: number; found: number }>();
    const byDetector = new Map<string, { spans: number; tp: number }>();
    const misses: string[] = [];
    const falsePositives: string[] = [];
    for (const item of corpus) {
      const r = maskJson(item.body, compiled, { where: 'upstream' });
      const masked = JSON.stringify(r.value);
      // Values inside JSON-encoded tool arguments carry escaped newlines.
      const spans = r.spans.map((s) => ({ detector: s.detector, value: at(item.body, s.path).slice(s.start, s.end).replace(/\\n/g, '\n') }));
      for (const p of item.planted) {
        const once = JSON.stringify(p.value).slice(1, -1);
        const leaked = masked.includes(once) || masked.includes(JSON.stringify(once).slice(1, -1));
        const caught = !leaked && spans.some((s) => overlaps(s.value, p.value) && sameKind(s.detector, p.detector));
        const row = byKind.get(p.kind) ?? { detector: p.detector, planted: 0, found: 0 };
        byKind.set(p.kind, row);
        row.planted++;
        if (caught) row.found++;
        else misses.push(`${p.kind}: ${JSON.stringify(p.value)}${leaked ? ' (leaked)' : ''}`);
      }
      for (const s of spans) {
        const tp = item.planted.some((p) => overlaps(s.value, p.value) && sameKind(p.detector, s.detector));
        const row = byDetector.get(s.detector) ?? { spans: 0, tp: 0 };
        byDetector.set(s.detector, row);
        row.spans++;
        if (tp) row.tp++;
        else falsePositives.push(`${s.detector}: ${JSON.stringify(s.value)}`);
      }
    }
    console.table(kinds.map((k) => ({ kind: k, detector: detectorOf[k], planted: byKind.get(k)?.planted, found: byKind.get(k)?.found, recall: pct(byKind.get(k)?.found ?? 0, byKind.get(k)?.planted ?? 0) })));
    console.table([...byDetector.entries()].sort().map(([d, s]) => ({ detector: d, spans: s.spans, 'true positives': s.tp, precision: pct(s.tp, s.spans) })));
    const negatives = corpus.reduce((n, i) => n + i.negatives.length, 0);
    console.log(`      ${corpus.length} bodies, ${corpus.reduce((n, i) => n + i.planted.length, 0)} planted values, ${negatives} hard negatives`);
    if (misses.length) console.log('misses (first 10):', misses.slice(0, 10));
    if (falsePositives.length) console.log('false positives (first 10):', falsePositives.slice(0, 10));
    for (const k of kinds) {
      const s = byKind.get(k)!;
      assert.ok(s.planted >= 50, `${k}: too few samples (${s.planted})`);
      assert.ok(s.found / s.planted >= 0.995, `${k} recall ${pct(s.found, s.planted)}`);
    }
    for (const [d, s] of byDetector) assert.ok(s.tp / s.spans >= 0.98, `${d} precision ${pct(s.tp, s.spans)}`);
  });

  const responses = corpus.filter((i): i is CorpusItem & { text: string } => typeof i.text === 'string').slice(0, 24);

  it('a response split into two deltas at every character leaks no planted value', () => {
    let runs = 0;
    for (const item of responses) {
      const expected = maskText(item.text, compiled, { where: 'client' }).value;
      for (let k = 0; k <= item.text.length; k++) {
        const sse = new SseMasker(compiled, { rules: clientRules });
        const out = sse.push(chatEvent(item.text.slice(0, k)) + chatEvent(item.text.slice(k))) + sse.push('data: [DONE]\n\n') + sse.end();
        const text = clientText(out);
        assertNoLeak(item, text, `split at ${k}`);
        assert.equal(text, expected, `split at ${k}`);
        runs++;
      }
    }
    console.log(`      ${runs} two-delta splits replayed`);
  });

  it('a response streamed as small deltas (Anthropic and OpenAI framing) leaks nothing and matches the unstreamed masking', () => {
    for (const [n, item] of responses.entries()) {
      const deltas: string[] = [];
      for (let i = 0; i < item.text.length;) {
        const size = 1 + ((i * 7 + n) % 6);
        deltas.push(item.text.slice(i, i + size));
        i += size;
      }
      const anthropic = n % 2 === 1;
      const sse = new SseMasker(compiled, { rules: clientRules });
      let out = '';
      for (const d of deltas) out += sse.push(anthropic ? anthropicEvent(d) : chatEvent(d));
      out += sse.push(anthropic ? 'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n' : 'data: [DONE]\n\n') + sse.end();
      const text = clientText(out);
      assertNoLeak(item, text, `item ${n}`);
      assert.equal(text, maskText(item.text, compiled, { where: 'client' }).value, `item ${n}`);
    }
  });

  it('the SSE bytes split at every byte boundary give the same client output', () => {
    let runs = 0;
    for (const item of responses.slice(0, 2)) {
      const deltas = item.text.match(/[\s\S]{1,40}/g)!;
      const stream = Buffer.from(deltas.map(chatEvent).join('') + 'data: [DONE]\n\n');
      const whole = new SseMasker(compiled, { rules: clientRules });
      const reference = whole.pushBytes(stream) + whole.end();
      assertNoLeak(item, clientText(reference), 'whole');
      for (let k = 1; k < stream.length; k++) {
        const sse = new SseMasker(compiled, { rules: clientRules });
        const out = sse.pushBytes(stream.subarray(0, k)) + sse.pushBytes(stream.subarray(k)) + sse.end();
        if (out !== reference) assert.equal(out, reference, `byte split at ${k}`);
        runs++;
      }
    }
    console.log(`      ${runs} byte splits replayed`);
  });
});

function pct(a: number, b: number): string {
  return b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(2)} %`;
}

function assertNoLeak(item: CorpusItem, text: string, where: string): void {
  for (const p of item.planted) if (item.text!.includes(p.value)) assert.ok(!text.includes(p.value), `${where}: ${p.detector} ${JSON.stringify(p.value)} leaked`);
}

function chatEvent(content: string): string {
  return `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
}

function anthropicEvent(text: string): string {
  return `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })}\n\n`;
}

