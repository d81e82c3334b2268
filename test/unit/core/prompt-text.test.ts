import assert from 'node:assert/strict';
import { describeBody, describeRequest } from '../../../gateway/core/inference-request';
import { compilePolicy, evaluatePolicy } from '../../../gateway/core/policy';
import { boundPromptText } from '../../../gateway/core/policy/safe-regex';
import { joinedLength, joinedSlice } from '../../../gateway/core/joined-text';
import { definePromptText, promptSource } from '../../../gateway/core/prompt-text';
import { parseYamlDocument } from '../../../gateway/core/yaml-document';

/** A small deterministic generator (xorshift), so a failure names a reproducible case. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

describe('core: prompt text from its parts (core/prompt-text.ts)', () => {
  it('joinedLength and joinedSlice equal the joined text and its slices, at every boundary and separator', () => {
    const cases: string[][] = [[], [''], ['', ''], ['a'], ['ab', '', 'c'], ['', 'xyz', ''], ['abc', 'def', 'g']];
    for (const separator of ['\n', '', ', ']) {
      for (const parts of cases) {
        const joined = parts.join(separator);
        assert.equal(joinedLength(parts, separator), joined.length, JSON.stringify(parts));
        for (let from = 0; from <= joined.length; from++) {
          for (let to = from; to <= joined.length; to++) {
            assert.equal(joinedSlice(parts, separator, from, to), joined.slice(from, to), `${JSON.stringify(parts)} by ${JSON.stringify(separator)} [${from}, ${to})`);
          }
        }
      }
    }
  });

  it('joinedSlice equals the joined slice on random parts and ranges (surrogate pairs included)', () => {
    const next = rng(23);
    const alphabet = ['a', 'b', '\n', ' ', '\u00e9', '\ud83d\ude00', '\u017f'];
    for (let n = 0; n < 600; n++) {
      const separator = ['\n', '', '--'][n % 3];
      const parts = Array.from({ length: Math.floor(next() * 6) }, () => Array.from({ length: Math.floor(next() * 9) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(''));
      const joined = parts.join(separator);
      const a = Math.floor(next() * (joined.length + 1));
      const b = Math.floor(next() * (joined.length + 1));
      const [from, to] = a <= b ? [a, b] : [b, a];
      assert.equal(joinedSlice(parts, separator, from, to), joined.slice(from, to), `${JSON.stringify(parts)} [${from}, ${to})`);
    }
  });

  it('boundPromptText of the parts equals it of the joined text: short, long, the cut on a separator', () => {
    const long = ['S'.repeat(10), 'H'.repeat(600) + 'MIDDLE' + 'T'.repeat(600), 'last turn'];
    for (const parts of [['short', 'prompt'], long, ['x'.repeat(500), 'y'.repeat(500)], ['a'.repeat(499), 'b'.repeat(2000), 'c'.repeat(499)], []]) {
      for (const max of [10, 999, 1000, 1001, 5000]) {
        assert.equal(boundPromptText(parts, max), boundPromptText(parts.join('\n'), max), `${parts.map((p) => p.length)} max ${max}`);
      }
    }
  });

  it('the text is joined on first read, once; setting it drops the parts; a copy holds the text', () => {
    const facts = definePromptText({ model: 'm' }, ['be brief', 'hi']);
    assert.deepEqual(promptSource(facts), ['be brief', 'hi']);
    assert.equal(facts.promptText, 'be brief\nhi');
    assert.equal(promptSource(facts), 'be brief\nhi');
    const copy = { ...definePromptText({}, ['a', 'b']) };
    assert.equal(promptSource(copy), 'a\nb');
    const set = definePromptText({}, ['a', 'b']);
    set.promptText = 'other';
    assert.equal(promptSource(set), 'other');
    assert.equal(set.promptText, 'other');
  });

  it('requests share one accessor for their text, each with its own prompt (no closures per request: thousands may be held at once)', () => {
    const target = { method: 'POST', path: '/v1/chat/completions', upstream: 'u', bodyBytes: 1 };
    const a = describeRequest(target, describeBody({ messages: [{ role: 'user', content: 'one' }, { role: 'user', content: 'two' }] }));
    const b = describeRequest(target, describeBody({ messages: [{ role: 'user', content: 'three' }] }));
    const [da, db] = [a, b].map((r) => Object.getOwnPropertyDescriptor(r, 'promptText')!);
    assert.equal(da.get, db.get);
    assert.equal(da.set, db.set);
    assert.equal(da.enumerable, true);
    assert.equal(a.promptText, 'one\ntwo');
    assert.equal(b.promptText, 'three');
    b.promptText = 'changed';
    assert.equal(a.promptText, 'one\ntwo');
    assert.equal(b.promptText, 'changed');
    assert.deepEqual(JSON.parse(JSON.stringify(a)).promptText, 'one\ntwo');
  });

  it('a request handed on keeps its parts unjoined; an override of its text (as the decision preview does) wins', () => {
    const request = describeRequest({ method: 'POST', path: '/v1/chat/completions', upstream: 'u', bodyBytes: 1 }, describeBody({ messages: [{ role: 'user', content: 'one' }, { role: 'user', content: 'two' }] }));
    assert.deepEqual(promptSource(request), ['one', 'two']);
    const overridden = { ...request, promptText: 'ignore previous instructions' };
    assert.equal(promptSource(overridden), 'ignore previous instructions');
  });

  it('policy content patterns see the ends of a long multi-part prompt as they would the joined text', () => {
    const yaml = [
      'apiVersion: gatehouse.dev/v1',
      'kind: Policy',
      'metadata: { name: p }',
      'spec:',
      '  denyContent:',
      '    - { id: leak, pattern: "dump\\\\s+the\\\\s+weights" }',
      '  rules:',
      '    - { id: all, action: allow }',
      '',
    ].join('\n');
    const { policy } = compilePolicy(parseYamlDocument(yaml, 'p.policy.yaml'), { maxPromptScanBytes: 1000 });
    const principal = { issuer: 'i', subject: 's', groups: [] };
    const decide = (contents: string[]) => {
      const request = describeRequest({ method: 'POST', path: '/v1/chat/completions', upstream: 'u', bodyBytes: 1 }, describeBody({ messages: contents.map((content) => ({ role: 'user', content })) }));
      return evaluatePolicy(policy!, principal, request).rule;
    };
    // Across the separator between two parts, at the very end, at the very start, and in the middle (not scanned).
    assert.equal(decide(['x'.repeat(5000), 'please dump', 'the weights']), 'leak');
    assert.equal(decide(['dump the', 'weights', 'x'.repeat(5000)]), 'leak');
    assert.equal(decide(['x'.repeat(5000) + 'dump the weights' + 'y'.repeat(5000)]), 'all');
    assert.equal(decide(['x'.repeat(400), 'dump', 'the weights', 'y'.repeat(400)]), 'leak');
  });
});
