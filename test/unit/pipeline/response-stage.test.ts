import assert from 'node:assert/strict';
import type { Exchange } from '../../../gateway/pipeline/exchange';
import { openResponseSteps, type ResponseHead, type ResponseStage, type ResponseStep } from '../../../gateway/pipeline/response-stage';
import { heapAfterGc } from '../../helpers/heap';

const x = {} as Exchange;
const json: ResponseHead = { status: 200, headers: { 'content-type': 'application/json' } };

/** A step that holds back the last `keep` bytes of what it has seen until the end, and logs what it was given. */
function holdTail(keep: number, log: string[], name: string): ResponseStep {
  let tail = Buffer.alloc(0);
  return {
    rewrites: true,
    chunk(c) {
      log.push(`${name}:${c}`);
      const all = Buffer.concat([tail, c]);
      tail = all.subarray(Math.max(0, all.length - keep));
      return all.subarray(0, all.length - tail.length);
    },
    end() {
      log.push(`${name}:end`);
      return tail;
    },
  };
}

/** A step that only reads: passes each chunk on as the same buffer. */
function reader(seen: Buffer[]): ResponseStep {
  return { rewrites: false, chunk: (c) => (seen.push(c), c), end: () => Buffer.alloc(0) };
}

const stage = (step: () => ResponseStep | undefined): ResponseStage => () => step();

describe('pipeline/response-stage: the response steps run as one', () => {
  it('no stage applies: null, so the relay passes bytes untouched', () => {
    assert.equal(openResponseSteps([], x, json), null);
    assert.equal(openResponseSteps([stage(() => undefined)], x, json), null);
  });

  it('one stage: its own step, no wrapper', () => {
    const step = reader([]);
    assert.equal(openResponseSteps([stage(() => step), stage(() => undefined)], x, json), step);
  });

  it('stages see each chunk in table order; a reader gets the very buffer (no copy)', () => {
    const seen: Buffer[] = [];
    const steps = openResponseSteps([stage(() => reader(seen)), stage(() => reader(seen))], x, json)!;
    const chunk = Buffer.from('abc');
    assert.equal(steps.chunk(chunk), chunk);
    assert.equal(seen[0], chunk);
    assert.equal(seen[1], chunk);
    assert.equal(steps.rewrites, false);
  });

  it('what an earlier step releases at its end passes through the later steps before they end', () => {
    const log: string[] = [];
    const steps = openResponseSteps([stage(() => holdTail(2, log, 'a')), stage(() => holdTail(1, log, 'b'))], x, json)!;
    const out = [steps.chunk(Buffer.from('hello')), steps.chunk(Buffer.from('!')), steps.end()].map(String).join('');
    assert.equal(out, 'hello!');
    assert.deepEqual(log, ['a:hello', 'b:hel', 'a:!', 'b:l', 'a:end', 'b:o!', 'b:end']);
    assert.equal(steps.rewrites, true);
  });

  it('a chunk a step holds back entirely goes no further', () => {
    const seen: Buffer[] = [];
    const steps = openResponseSteps([stage(() => holdTail(10, [], 'a')), stage(() => reader(seen))], x, json)!;
    assert.equal(steps.chunk(Buffer.from('short')).length, 0);
    assert.deepEqual(seen, []);
    assert.equal(String(steps.end()), 'short');
    assert.deepEqual(seen.map(String), ['short']);
  });

  it('three steps: opened in table order, each chunk and each release through the later ones', () => {
    const log: string[] = [];
    const opened: string[] = [];
    const open = (name: string, keep: number): ResponseStage => () => (opened.push(name), holdTail(keep, log, name));
    const steps = openResponseSteps([open('a', 2), stage(() => undefined), open('b', 1), open('c', 0)], x, json)!;
    assert.deepEqual(opened, ['a', 'b', 'c']);
    const out = [steps.chunk(Buffer.from('hello')), steps.end()].map(String).join('');
    assert.equal(out, 'hello');
    assert.deepEqual(log.filter((l) => l.endsWith(':end')), ['a:end', 'b:end', 'c:end']);
  });

  it('two steps keep one small object (a stream keeps its steps for its life)', () => {
    const a = reader([]);
    const b = reader([]);
    const stages = [stage(() => a), stage(() => b)];
    const n = 10_000;
    for (let i = 0; i < n; i++) openResponseSteps(stages, x, json); // warm-up
    const kept: (ResponseStep | null)[] = new Array(n);
    const before = heapAfterGc();
    for (let i = 0; i < n; i++) kept[i] = openResponseSteps(stages, x, json);
    // Before: the chained steps and a list of them (the list grown by push, then copied), 127 B; one object of a step and the rest, 49 B.
    const perResponse = (heapAfterGc() - before) / n;
    assert.ok(perResponse < 80, `two steps keep ${perResponse.toFixed(0)} B (bound 80; 127 with a list)`);
    assert.equal(kept.length, n);
  });
});
