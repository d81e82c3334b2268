import assert from 'node:assert/strict';
import { createUsageTap } from '../../../gateway/usage/usage-tap';

/** The tap's bytes: the stream without what the gateway asked for, whatever the chunking, characters split included. */
describe('usage tap: the bytes the client receives', () => {
  const chunk = (content: string, usage: boolean) => `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"finish_reason":null}]${usage ? ',"usage":null' : ''}}\n\n`;
  const events = (usage: boolean) => [
    chunk('Grüße ', usage), chunk('😀 ok', usage), chunk('"usage":null', usage),
    ...(usage ? ['data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":3,"total_tokens":6}}\n\n'] : []),
    'data: [DONE]\n\n',
  ];
  const through = (pieces: Buffer[]) => {
    const tap = createUsageTap('openai', 'text/event-stream', { stripAsked: true, collectText: true })!;
    const out = Buffer.concat([...pieces.map((p) => tap.push(p)), tap.end()]);
    return { out, usage: tap.reported().usage };
  };
  const want = Buffer.from(events(false).join(''));

  it('a chunk per event (the fast path)', () => {
    const { out, usage } = through(events(true).map((e) => Buffer.from(e)));
    assert.ok(out.equals(want), out.toString());
    assert.deepEqual(usage, { inputTokens: 3, outputTokens: 3, totalTokens: 6, source: 'reported' });
  });

  it('cut at every byte, through multi-byte characters', () => {
    const all = Buffer.from(events(true).join(''));
    for (let i = 1; i < all.length; i++) assert.ok(through([all.subarray(0, i), all.subarray(i)]).out.equals(want), `cut at ${i}`);
  });

  it('the chunks it cuts without the reader still count: the model from the first, their text for an estimate of a stream cut short', () => {
    const tap = createUsageTap('openai', 'text/event-stream', { stripAsked: true, collectText: true })!;
    const cut = events(true).slice(0, 3); // the upstream broke before the usage chunk
    const reader = createUsageTap('openai', 'text/event-stream', { stripAsked: false, collectText: true })!;
    for (const e of cut) {
      tap.push(Buffer.from(e));
      reader.push(Buffer.from(e));
    }
    assert.deepEqual(tap.reported(), { usage: undefined, final: false, stream: true, model: 'gpt-4o-mini' });
    assert.deepEqual(tap.outputText(), reader.outputText());
    assert.equal(tap.outputText().text, 'Grüße 😀 ok"usage":null');
  });

  // In JSON text the quote is the commonest character, and V8 searches a needle by its first
  // character: `"usage"` cost ≈ 190 ns per 250-character event, `usage"` ≈ 35 (json-scan.ts indexOfName).
  it('reads and strips a stream without searching it for a name with its opening quote first', () => {
    const needles: string[] = [];
    const { indexOf, includes, lastIndexOf } = String.prototype;
    const spy = (fn: (this: string, s: string, at?: number) => number | boolean) => function (this: string, s: string, at?: number) {
      if (typeof s === 'string' && s.length > 1 && s[0] === '"') needles.push(s);
      return fn.call(this, s, at);
    };
    String.prototype.indexOf = spy(indexOf) as typeof indexOf;
    String.prototype.includes = spy(includes) as typeof includes;
    String.prototype.lastIndexOf = spy(lastIndexOf) as typeof lastIndexOf;
    try {
      through(events(true).map((e) => Buffer.from(e)));
      through([Buffer.from(events(true).join(''))]);
    } finally {
      Object.assign(String.prototype, { indexOf, includes, lastIndexOf });
    }
    assert.deepEqual(needles, []);
  });

  it('without stripping, every chunk passes as it came', () => {
    const tap = createUsageTap('anthropic', 'text/event-stream; charset=utf-8', { stripAsked: false, collectText: false })!;
    const c = Buffer.from('event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":4,"output_tokens":1}}}\n\n');
    assert.equal(tap.push(c), c);
    assert.equal(createUsageTap('openai', 'audio/mpeg', { stripAsked: false, collectText: false }), null);
  });
});
