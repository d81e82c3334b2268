import assert from 'node:assert/strict';
import { SseUsageReader } from '../../../../gateway/core/usage/sse-usage';
import { heapAfterGc } from '../../../helpers/heap';

/** Streams as the providers document them, fed whole and cut at every byte. */
describe('core/usage: usage read from SSE streams', () => {
  const chat = [
    'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}\n\n',
    'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"usage: {\\"usage\\":{}}"},"finish_reason":null}],"usage":null}\n\n',
    'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}\n\n',
    'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}\n\n',
    'data: [DONE]\n\n',
  ].join('');

  const anthropic = [
    'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":2000,"output_tokens":1}}}\n\n',
    'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
    'event: ping\ndata: {"type": "ping"}\n\n',
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}\n\n',
    'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n',
    'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}\n\n',
    'event: message_stop\ndata: {"type":"message_stop"}\n\n',
  ].join('');

  const responses = [
    'event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","status":"in_progress","output":[],"usage":null}}\n\n',
    'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":1,"item_id":"m","output_index":0,"content_index":0,"delta":"Hi"}\n\n',
    'event: response.completed\ndata: {"type":"response.completed","sequence_number":2,"response":{"id":"resp_1","object":"response","status":"completed","output":[],"usage":{"input_tokens":36,"input_tokens_details":{"cached_tokens":0},"output_tokens":87,"output_tokens_details":{"reasoning_tokens":64},"total_tokens":123}}}\n\n',
  ].join('');

  const read = (dialect: 'openai' | 'anthropic', pieces: string[]) => {
    const r = new SseUsageReader(dialect);
    for (const p of pieces) r.push(p);
    r.end();
    return { usage: r.usage, final: r.final };
  };
  const everyCut = (text: string) => Array.from({ length: text.length - 1 }, (_, i) => [text.slice(0, i + 1), text.slice(i + 1)]);

  it('OpenAI chat: the final usage chunk; "usage":null chunks and a content string holding the word are not usage', () => {
    const want = { inputTokens: 19, outputTokens: 10, totalTokens: 29, source: 'reported' };
    assert.deepEqual(read('openai', [chat]), { usage: want, final: true });
    for (const cut of everyCut(chat)) assert.deepEqual(read('openai', cut).usage, want, JSON.stringify(cut[0].slice(-20)));
  });

  it('OpenAI chat without include_usage: no usage, not final', () => {
    const plain = 'data: {"id":"c","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}\n\ndata: [DONE]\n\n';
    assert.deepEqual(read('openai', [plain]), { usage: undefined, final: false });
  });

  it('Anthropic: message_start gives the input, message_delta the cumulative output', () => {
    const want = { inputTokens: 2025, cachedInputTokens: 2000, outputTokens: 15, totalTokens: 2040, source: 'reported' };
    assert.deepEqual(read('anthropic', [anthropic]), { usage: want, final: true });
    for (const cut of everyCut(anthropic)) assert.deepEqual(read('anthropic', cut).usage, want);
  });

  it('Anthropic cut after message_start: the input, a partial output, not final', () => {
    const start = anthropic.slice(0, anthropic.indexOf('event: content_block_delta'));
    assert.deepEqual(read('anthropic', [start]), { usage: { inputTokens: 2025, cachedInputTokens: 2000, outputTokens: 1, totalTokens: 2026, source: 'reported' }, final: false });
  });

  it('Anthropic message_delta with cumulative input counts (server tools) replaces them', () => {
    const withTools = anthropic.replace('"usage":{"output_tokens":15}', '"usage":{"input_tokens":40,"cache_read_input_tokens":2000,"cache_creation_input_tokens":null,"output_tokens":15}');
    assert.deepEqual(read('anthropic', [withTools]).usage, { inputTokens: 2040, cachedInputTokens: 2000, outputTokens: 15, totalTokens: 2055, source: 'reported' });
  });

  it('Responses API: response.completed carries it; response.created\'s null does not count', () => {
    const want = { inputTokens: 36, outputTokens: 87, reasoningTokens: 64, totalTokens: 123, source: 'reported' };
    assert.deepEqual(read('openai', [responses]), { usage: want, final: true });
    for (const cut of everyCut(responses)) assert.deepEqual(read('openai', cut).usage, want);
  });

  it('CRLF and CR framing, multi-line data, a last event without its blank line', () => {
    const crlf = chat.replace(/\n/g, '\r\n');
    assert.equal(read('openai', [crlf]).usage?.totalTokens, 29);
    assert.equal(read('openai', [chat.replace(/\n/g, '\r')]).usage?.totalTokens, 29);
    assert.equal(read('openai', ['data: {"choices":[],\ndata: "usage":{"prompt_tokens":1,"completion_tokens":2}}\n\n']).usage?.totalTokens, 3);
    assert.equal(read('openai', ['data: {"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":2,"total_tokens":6}}']).usage?.totalTokens, 6);
  });

  it('an event that is not JSON is skipped', () => {
    assert.equal(read('openai', ['data: "usage":{ nope\n\n']).usage, undefined);
  });
});

describe('core/usage: the model a stream says answered', () => {
  const modelOf = (dialect: 'openai' | 'anthropic', pieces: string[]) => {
    const r = new SseUsageReader(dialect);
    for (const p of pieces) r.push(p);
    r.end();
    return r.model;
  };
  const everyCut = (text: string) => Array.from({ length: text.length - 1 }, (_, i) => [text.slice(0, i + 1), text.slice(i + 1)]);

  it('OpenAI chat: each chunk\'s model, with or without a usage chunk, at any cut', () => {
    const dated = 'data: {"id":"c","object":"chat.completion.chunk","model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"content":"a \\"model\\":\\"not-it\\""},"finish_reason":null}]}\n\ndata: [DONE]\n\n';
    assert.equal(modelOf('openai', [dated]), 'gpt-4o-mini-2024-07-18');
    for (const cut of everyCut(dated)) assert.equal(modelOf('openai', cut), 'gpt-4o-mini-2024-07-18', JSON.stringify(cut[0].slice(-20)));
    const chatWithUsage = 'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1}}\n\n';
    assert.equal(modelOf('openai', [chatWithUsage]), 'gpt-4o');
  });

  it('Responses API: response.model of the first event naming it', () => {
    const stream = 'event: response.created\ndata: {"type":"response.created","response":{"id":"r","model":"gpt-4.1-2025-04-14","usage":null}}\n\nevent: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"Hi"}\n\n';
    assert.equal(modelOf('openai', [stream]), 'gpt-4.1-2025-04-14');
  });

  it('Anthropic: message_start\'s message.model; other events do not name it', () => {
    const stream = 'event: message_start\ndata: {"type":"message_start","message":{"id":"m","model":"claude-sonnet-4-5-20250929","usage":{"input_tokens":3,"output_tokens":1}}}\n\nevent: message_delta\ndata: {"type":"message_delta","delta":{},"usage":{"output_tokens":2}}\n\n';
    assert.equal(modelOf('anthropic', [stream]), 'claude-sonnet-4-5-20250929');
    assert.equal(modelOf('anthropic', ['event: content_block_delta\ndata: {"type":"content_block_delta","model":"x","delta":{"type":"text_delta","text":"Hi"}}\n\n']), undefined);
  });

  it('none when no event names one (a string, not null or an object)', () => {
    assert.equal(modelOf('openai', ['data: {"choices":[{"delta":{"content":"hi"}}],"model":null}\n\ndata: [DONE]\n\n']), undefined);
    assert.equal(modelOf('openai', ['data: {"model":{"id":"x"}}\n\n']), undefined);
  });
});

describe('core/usage: generated text kept for an estimate', () => {
  const collect = (dialect: 'openai' | 'anthropic', text: string, cut?: number) => {
    const r = new SseUsageReader(dialect, { collectText: true });
    if (cut === undefined) r.push(text);
    else {
      r.push(text.slice(0, cut));
      r.push(text.slice(cut));
    }
    return r.outputText().text;
  };

  it('chat content and tool-call arguments, escapes decoded, at any cut', () => {
    const s = 'data: {"id":"c","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"finish_reason":null}]}\n\n'
      + 'data: {"id":"c","choices":[{"index":0,"delta":{"content":"lo \\"you\\"\\n"},"finish_reason":null}]}\n\n'
      + 'data: {"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"q\\":1}"}}]},"finish_reason":null}]}\n\n';
    for (let i = 1; i < s.length; i++) assert.equal(collect('openai', s, i), 'Hello "you"\n{"q":1}', `cut at ${i}`);
  });

  it('Anthropic text and thinking deltas; Responses output_text deltas', () => {
    const a = 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me"}}\n\n'
      + 'event: content_block_delta\ndata: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Yes."}}\n\n';
    assert.equal(collect('anthropic', a), 'Let meYes.');
    const r = 'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"m","output_index":0,"content_index":0,"delta":"Hi"}\n\n';
    assert.equal(collect('openai', r), 'Hi');
  });

  it('Responses: only the *.delta events count (their .done, content_part, output_item events repeat the text), never audio bytes, at any cut', () => {
    const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    const s = ev('response.output_item.added', { item: { type: 'function_call', arguments: '' } })
      + ev('response.function_call_arguments.delta', { delta: '{"city":' })
      + ev('response.function_call_arguments.delta', { delta: '"Paris"}' })
      + ev('response.function_call_arguments.done', { arguments: '{"city":"Paris"}' })
      + ev('response.output_item.done', { item: { type: 'function_call', arguments: '{"city":"Paris"}' } })
      + ev('response.reasoning_summary_text.delta', { delta: 'Think.' })
      + ev('response.reasoning_summary_text.done', { text: 'Think.' })
      + ev('response.audio.delta', { delta: 'UklGRiQAAABXQVZF' })
      + ev('response.output_text.delta', { delta: 'Hi' })
      + ev('response.output_text.done', { text: 'Hi' })
      + ev('response.content_part.done', { part: { type: 'output_text', text: 'Hi' } });
    for (let i = 1; i < s.length; i += 7) assert.equal(collect('openai', s, i), '{"city":"Paris"}Think.Hi', `cut at ${i}`);
  });

  it('the closing usage drops what was kept: nothing is left to estimate', () => {
    const r = new SseUsageReader('openai', { collectText: true });
    r.push('data: {"choices":[{"index":0,"delta":{"content":"x"}}]}\n\n');
    assert.equal(r.outputText().text, 'x');
    r.push('data: {"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1}}\n\n');
    assert.deepEqual(r.outputText(), { text: '', scale: 1 });
  });

  it('a stream past the kept text: the rest is counted by scale', () => {
    const r = new SseUsageReader('openai', { collectText: true });
    const event = `data: {"choices":[{"index":0,"delta":{"content":"${'a'.repeat(1000)}"}}]}\n\n`;
    for (let i = 0; i < 600; i++) r.push(event);
    const { text, scale } = r.outputText();
    assert.ok(text.length > 200_000 && text.length < 300_000, String(text.length));
    assert.ok(Math.abs(text.length * scale - 600_000) < 2000, String(text.length * scale));
  });

  it('events pushed one by one, most with the same fields around their text: the same text as read at once', () => {
    const chunk = (delta: object) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: null }], usage: null })}\n\n`;
    const events = [chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hel' }), chunk({ content: 'lo' }), chunk({ content: ' "you"\n' }), chunk({ content: '' }),
      chunk({ content: 'text":"x' }), chunk({ tool_calls: [{ index: 0, function: { arguments: '{"q":1}' } }] }), chunk({ content: '!' }), chunk({ content: '?' })];
    const oneByOne = new SseUsageReader('openai', { collectText: true });
    for (const e of events) oneByOne.push(e);
    assert.equal(oneByOne.outputText().text, 'Hello "you"\ntext":"x{"q":1}!?');
    const anthropic = (text: string) => `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"${text}"}}\n\n`;
    const a = new SseUsageReader('anthropic', { collectText: true });
    for (const t of ['One', ' two', '', ' three']) a.push(anthropic(t));
    assert.equal(a.outputText().text, 'One two three');
  });

  it('keeps the generated text, not the events (a slow stream keeps its reader for its life)', () => {
    const n = 1000;
    const model = 'm'.repeat(4000); // a chunk of ≈ 4 KB whose content is short
    const chunk = (content: string) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
    // The same pushes once on readers that are dropped: the code they compile (a few hundred KB
    // when the optimizer finishes between the two heap readings) is not counted against a reader.
    for (const r of Array.from({ length: n }, () => new SseUsageReader('openai', { collectText: true }))) for (let i = 0; i < 5; i++) r.push(chunk('there '));
    const readers = Array.from({ length: n }, () => new SseUsageReader('openai', { collectText: true }));
    for (const r of readers) r.push(chunk('Hi '));
    const before = heapAfterGc();
    for (const r of readers) for (let i = 0; i < 4; i++) r.push(chunk('there '));
    const perReader = (heapAfterGc() - before) / n;
    assert.ok(perReader < 1000, `a reader keeps ${perReader.toFixed(0)} B more after four chunks of ${chunk('there ').length} (bound 1000)`);
    assert.equal(readers[0]!.outputText().text, 'Hi there there there there ');
  });

  it('keeps the generated text in few strings, not a list entry per event', () => {
    const n = 1000;
    const chunk = (content: string) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
    const events = Array.from({ length: 65 }, (_, i) => chunk(`tok${i} `));
    const readers = Array.from({ length: n }, () => new SseUsageReader('openai', { collectText: true }));
    for (const r of readers) r.push(events[0]!);
    const before = heapAfterGc();
    for (let i = 1; i < events.length; i++) for (const r of readers) r.push(events[i]!);
    // Before this change: ≈ 32 B per event (the value's own string and its place in a growing list).
    const perEvent = (heapAfterGc() - before) / n / (events.length - 1);
    assert.ok(perEvent < 16, `a reader keeps ${perEvent.toFixed(1)} B more per event (bound 16)`);
    assert.equal(readers[0]!.outputText().text, events.map((_, i) => `tok${i} `).join(''));
  });

  it('nothing collected unless asked', () => {
    const r = new SseUsageReader('openai');
    r.push('data: {"choices":[{"index":0,"delta":{"content":"x"}}]}\n\n');
    assert.deepEqual(r.outputText(), { text: '', scale: 1 });
  });
});
