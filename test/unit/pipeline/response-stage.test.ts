import assert from 'node:assert/strict';
import type { Exchange } from '../../../gateway/pipeline/exchange';
import { openResponseSteps, type ResponseHead, type ResponseStage, type ResponseStep } from '../../../gateway/pipeline/response-stage';

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
});
