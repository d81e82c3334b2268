import assert from 'node:assert/strict';
import { describeBody, describeRequest } from '../../../gateway/core/inference-request';
import { compilePolicy, evaluatePolicy } from '../../../gateway/core/policy';
import { boundPromptText } from '../../../gateway/core/policy/safe-regex';
import { joinedLength, joinedSlice } from '../../../gateway/core/joined-text';
import { definePromptText, joinedAtOnceChars, promptSource } from '../../../gateway/core/prompt-text';
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

/** Two parts whose joined text is over `joinedAtOnceChars`: kept as parts until read. */
const longPair = (a: string, b: string): [string, string] => [a.repeat(joinedAtOnceChars / 2 / a.length + 1), b.repeat(joinedAtOnceChars / 2 / b.length + 1)];

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

  it('a long text is joined on first read, once; setting it drops the parts; a copy holds the text', () => {
    const [brief, hi] = longPair('be brief ', 'hi ');
    const facts = definePromptText({ model: 'm' }, [brief, hi]);
    assert.deepEqual(promptSource(facts), [brief, hi]);
    assert.equal(facts.promptText, `${brief}\n${hi}`);
    assert.equal(promptSource(facts), `${brief}\n${hi}`);
    const [a, b] = longPair('a', 'b');
    const copy = { ...definePromptText({}, [a, b]) };
    assert.equal(promptSource(copy), `${a}\n${b}`);
    const set = definePromptText({}, [a, b]);
    set.promptText = 'other';
    assert.equal(promptSource(set), 'other');
    assert.equal(set.promptText, 'other');
  });

  it('a short text is joined at once into a plain property: no accessor, nothing kept aside (most requests: a defineProperty and a WeakMap entry cost more than the join)', () => {
    const justShort = ['a'.repeat(joinedAtOnceChars / 2 - 1), 'b'.repeat(joinedAtOnceChars / 2)];
    for (const source of [['be brief', 'hi'], justShort, ['one part'], [], 'a string']) {
      const facts = definePromptText({ model: 'm' }, source);
      const joined = typeof source === 'string' ? source : source.join('\n');
      assert.deepEqual(Object.getOwnPropertyDescriptor(facts, 'promptText'), { value: joined, writable: true, enumerable: true, configurable: true });
      assert.equal(promptSource(facts), joined);
      facts.promptText = 'other';
      assert.equal(promptSource(facts), 'other');
    }
    // One character more and the parts are kept.
    const justLong = ['a'.repeat(joinedAtOnceChars / 2), 'b'.repeat(joinedAtOnceChars / 2)];
    assert.deepEqual(promptSource(definePromptText({}, justLong)), justLong);
  });

  it('requests share one accessor for their text, each with its own prompt (no closures per request: thousands may be held at once)', () => {
    const target = { method: 'POST', path: '/v1/chat/completions', upstream: 'u', bodyBytes: 1 };
    const [one, two] = longPair('one ', 'two ');
    const [three, four] = longPair('three ', 'four ');
    const a = describeRequest(target, describeBody({ messages: [{ role: 'user', content: one }, { role: 'user', content: two }] }));
    const b = describeRequest(target, describeBody({ messages: [{ role: 'user', content: three }, { role: 'user', content: four }] }));
    const [da, db] = [a, b].map((r) => Object.getOwnPropertyDescriptor(r, 'promptText')!);
    assert.equal(typeof da.get, 'function');
    assert.equal(da.get, db.get);
    assert.equal(da.set, db.set);
    assert.equal(da.enumerable, true);
    assert.equal(a.promptText, `${one}\n${two}`);
    assert.equal(b.promptText, `${three}\n${four}`);
    b.promptText = 'changed';
    assert.equal(a.promptText, `${one}\n${two}`);
    assert.equal(b.promptText, 'changed');
    assert.deepEqual(JSON.parse(JSON.stringify(a)).promptText, `${one}\n${two}`);
  });

  it('a request handed on keeps its long prompt\'s parts unjoined; an override of its text (as the decision preview does) wins', () => {
    const [one, two] = longPair('one ', 'two ');
    const request = describeRequest({ method: 'POST', path: '/v1/chat/completions', upstream: 'u', bodyBytes: 1 }, describeBody({ messages: [{ role: 'user', content: one }, { role: 'user', content: two }] }));
    assert.deepEqual(promptSource(request), [one, two]);
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
    // Across the separator between two parts, at the very end, at the very start, and in the middle
    // (not scanned); for a prompt kept as parts (over joinedAtOnceChars) and one joined at once.
    for (const n of [5000, joinedAtOnceChars]) {
      assert.equal(decide(['x'.repeat(n), 'please dump', 'the weights']), 'leak');
      assert.equal(decide(['dump the', 'weights', 'x'.repeat(n)]), 'leak');
      assert.equal(decide(['x'.repeat(n) + 'dump the weights' + 'y'.repeat(n)]), 'all');
    }
    assert.equal(decide(['x'.repeat(400), 'dump', 'the weights', 'y'.repeat(400)]), 'leak');
  });
});
