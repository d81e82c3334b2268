import assert from 'node:assert/strict';
import { boundAttributes, boundText, callerContext } from '../../../gateway/core/caller-context';
import { formatTraceparent, parseTraceparent } from '../../../gateway/core/trace-context';

// W3C Trace Context Level 1, §3.2 (traceparent), with the specification's own example values.
const id = '4bf92f3577b34da6a3ce929d0e0e4736';
const parent = '00f067aa0ba902b7';

describe('core/trace-context: parseTraceparent (W3C Trace Context §3.2)', () => {
  const cases: [string, string | string[] | undefined, ReturnType<typeof parseTraceparent>][] = [
    ['the specification example, sampled', `00-${id}-${parent}-01`, { traceId: id, parentId: parent, flags: 1 }],
    ['not sampled', `00-${id}-${parent}-00`, { traceId: id, parentId: parent, flags: 0 }],
    ['a later version with more fields after a dash (read as 00)', `01-${id}-${parent}-01-what-the-future-holds`, { traceId: id, parentId: parent, flags: 1 }],
    ['version 00 with anything after the flags', `00-${id}-${parent}-01-extra`, undefined],
    ['a later version whose extra part does not start with a dash', `01-${id}-${parent}-01x`, undefined],
    ['version ff', `ff-${id}-${parent}-01`, undefined],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${parent}-01`, undefined],
    ['an all-zero parent id', `00-${id}-${'0'.repeat(16)}-01`, undefined],
    ['upper-case hex', `00-${id.toUpperCase()}-${parent}-01`, undefined],
    ['a short trace id', `00-${id.slice(1)}-${parent}-01`, undefined],
    ['two headers joined by node', `00-${id}-${parent}-01, 00-${id}-${parent}-01`, undefined],
    ['two headers as a list', [`00-${id}-${parent}-01`, `00-${id}-${parent}-01`], undefined],
    ['absent', undefined, undefined],
  ];
  for (const [name, header, expected] of cases) it(name, () => assert.deepEqual(parseTraceparent(header), expected));

  it('formats version 00', () => assert.equal(formatTraceparent({ traceId: id, parentId: parent, flags: 1 }), `00-${id}-${parent}-01`));
});

describe('core/caller-context', () => {
  it('keeps user agent, caller request id and a valid traceparent, bounded', () => {
    assert.deepEqual(callerContext({ 'user-agent': 'OpenAI/Python 1.40.0', 'x-request-id': 'job-17', traceparent: `00-${id}-${parent}-01` }), {
      userAgent: 'OpenAI/Python 1.40.0', requestId: 'job-17', traceparent: `00-${id}-${parent}-01`,
    });
    assert.deepEqual(callerContext({ 'x-request-id': ['a', 'b'], traceparent: 'garbage' }), {});
    assert.equal(callerContext({ 'user-agent': 'u'.repeat(600) }).userAgent, `${'u'.repeat(511)}…`);
  });

  it('never cuts a surrogate pair in half', () => {
    assert.equal(boundText('ab😀cd', 4), 'ab…');
    assert.equal(boundText('abc😀d', 5), 'abc…');
    assert.equal(boundText('short', 5), 'short');
  });

  it('bounds claim attributes: each string and the length of a list', () => {
    const out = boundAttributes({ repository: 'r'.repeat(300), teams: Array.from({ length: 40 }, (_, i) => `t${i}`) });
    assert.equal(out.repository, `${'r'.repeat(255)}…`);
    assert.equal((out.teams as string[]).length, 32);
  });
});
