import * as assert from 'node:assert/strict';
import { SseParser, type SseMessage } from '../../../../extension/admin/sse-parser';

function parse(chunks: string[]): { messages: SseMessage[]; retries: number[]; parser: SseParser } {
  const messages: SseMessage[] = [];
  const retries: number[] = [];
  const parser = new SseParser((m) => messages.push(m), (ms) => retries.push(ms));
  for (const c of chunks) parser.push(c);
  return { messages, retries, parser };
}

describe('SseParser', () => {
  const cases: { name: string; chunks: string[]; expected: SseMessage[] }[] = [
    { name: 'one event with id and name', chunks: ['id: 7\nevent: audit.appended\ndata: {"a":1}\n\n'], expected: [{ id: '7', event: 'audit.appended', data: '{"a":1}' }] },
    { name: 'default event name', chunks: ['data: x\n\n'], expected: [{ id: undefined, event: 'message', data: 'x' }] },
    { name: 'multi-line data joined with newlines', chunks: ['data: a\ndata: b\n\n'], expected: [{ id: undefined, event: 'message', data: 'a\nb' }] },
    { name: 'comments (keep-alives) ignored', chunks: [': ping\n\n: ping\n\ndata: y\n\n'], expected: [{ id: undefined, event: 'message', data: 'y' }] },
    { name: 'CRLF line ends', chunks: ['id: 1\r\ndata: z\r\n\r\n'], expected: [{ id: '1', event: 'message', data: 'z' }] },
    { name: 'CRLF split across chunks', chunks: ['data: z\r', '\n\r', '\n'], expected: [{ id: undefined, event: 'message', data: 'z' }] },
    { name: 'chunks split anywhere', chunks: ['ev', 'ent: a', 'pproval.requested\nda', 'ta: {"id":"r1"}\n', '\n'], expected: [{ id: undefined, event: 'approval.requested', data: '{"id":"r1"}' }] },
    { name: 'no value after the colon-less field', chunks: ['data\n\n'], expected: [{ id: undefined, event: 'message', data: '' }] },
    { name: 'id persists to later events', chunks: ['id: 5\ndata: a\n\ndata: b\n\n'], expected: [{ id: '5', event: 'message', data: 'a' }, { id: '5', event: 'message', data: 'b' }] },
    { name: 'an event without data is not dispatched', chunks: ['event: x\n\n'], expected: [] },
    { name: 'incomplete event is held back', chunks: ['data: partial\n'], expected: [] },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(parse(c.chunks).messages, c.expected));
  }

  it('tracks the last event id for resuming', () => {
    assert.equal(parse(['id: 3\ndata: a\n\nid: 4\ndata: b\n\n']).parser.lastEventId, '4');
  });

  it('reports retry, ignoring non-numeric values', () => {
    assert.deepEqual(parse(['retry: 1500\nretry: soon\n\n']).retries, [1500]);
  });
});
