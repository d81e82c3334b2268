import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { GatehouseConfig } from '../../../gateway/generated/gatehouse.config';
import { auditRecordOf } from '../../builders/audit-record-of';
import { collectEvents } from '../../builders/wait-for';
import { chatSseAsDocumented, FakeUpstream, sendJson } from '../../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../../helpers/gateway';

/**
 * Issue 21: usage and cost of every relayed response, through a running gateway with the real
 * openai and Anthropic SDKs, against upstreams that report usage, that do not, and that are cut
 * off mid-stream. The fake upstream speaks the providers' documented formats.
 */
describe('usage and cost through the gateway', () => {
  let upstream: FakeUpstream;
  let gateway: TestGateway;
  let withoutAsking: TestGateway;
  let openai: OpenAI;
  let openaiNotAsking: OpenAI;
  let anthropic: Anthropic;

  const config = (extra: Partial<GatehouseConfig> = {}): GatehouseConfig => ({
    upstreams: [{ name: 'fake', url: upstream.url }],
    pricing: [
      { model: 'gpt-4o-mini*', input: 0.15, cachedInput: 0.075, output: 0.6 },
      { model: 'claude-sonnet-4*', input: 3, cachedInput: 0.3, cacheWriteInput: 3.75, output: 15 },
      { model: 'llama*', input: 0.2, output: 0.2, currency: 'EUR' },
    ],
    ...extra,
  });
  const outcome = (g: TestGateway, requestId: string | null) => auditRecordOf(g, { requestId: requestId ?? undefined, kind: 'outcome' });
  const metrics = async (g: TestGateway) => {
    const token = readFileSync(join(g.dataDir, 'admin.token'), 'utf8').trim();
    return (await fetch(`${g.adminUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  };
  const sentBody = () => JSON.parse(upstream.last.body.toString('utf8')) as Record<string, unknown>;

  before(async () => {
    upstream = await new FakeUpstream().start();
    gateway = await startGateway(config());
    withoutAsking = await startGateway(config({ usage: { includeStreamUsage: false } }));
    openai = new OpenAI({ baseURL: `${gateway.dataUrl}/v1`, apiKey: await gateway.token(), maxRetries: 0 });
    openaiNotAsking = new OpenAI({ baseURL: `${withoutAsking.dataUrl}/v1`, apiKey: await withoutAsking.token(), maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: gateway.dataUrl, apiKey: await gateway.token(), maxRetries: 0 });
  });
  after(async () => {
    await gateway?.close();
    await withoutAsking?.close();
    await upstream?.stop();
  });
  beforeEach(() => upstream.reset());

  const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hello' }] };
  const streamUsage = { prompt_tokens: 8, completion_tokens: 2, total_tokens: 10, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } };

  it('a chat completion: the upstream\'s usage with its cached and reasoning parts, the cost at each part\'s rate, tokens and cost in /metrics by model and upstream', async () => {
    upstream.handler = (_req, res) => sendJson(res, 200, {
      id: 'chatcmpl-1', object: 'chat.completion', created: 0, model: 'gpt-4o-mini-2024-07-18',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1200, completion_tokens: 300, total_tokens: 1500, prompt_tokens_details: { cached_tokens: 1000 }, completion_tokens_details: { reasoning_tokens: 100 } },
    });
    const before = await metrics(gateway);
    const appended = collectEvents(gateway.runtime.events, ['audit.appended']);
    const { response } = await openai.chat.completions.create(chat).withResponse();
    const record = await outcome(gateway, response.headers.get('x-request-id'));
    appended.stop();
    // The event the extension's Audit Log view lists it from.
    const event = appended.list.find((e) => e.payload.id === record.id)?.payload;
    assert.deepEqual([event?.tokens, event?.cost, event?.costCurrency], [1500, 0.000285, 'USD']);
    assert.deepEqual(record.usage, { inputTokens: 1200, cachedInputTokens: 1000, outputTokens: 300, reasoningTokens: 100, totalTokens: 1500, source: 'reported' });
    // (200 × 0.15 + 1000 × 0.075 + 300 × 0.6) / 1e6
    assert.deepEqual(record.cost, { amount: 0.000285, currency: 'USD' });
    const text = await metrics(gateway);
    const value = (t: string, series: string) => Number(t.split('\n').find((l) => l.startsWith(series + ' '))?.split(' ')[1] ?? 0);
    assert.equal(value(text, 'gatehouse_tokens_total{direction="input",model="gpt-4o-mini",upstream="fake"}') - value(before, 'gatehouse_tokens_total{direction="input",model="gpt-4o-mini",upstream="fake"}'), 1200);
    assert.equal(value(text, 'gatehouse_tokens_total{direction="output",model="gpt-4o-mini",upstream="fake"}') - value(before, 'gatehouse_tokens_total{direction="output",model="gpt-4o-mini",upstream="fake"}'), 300);
    assert.ok(value(text, 'gatehouse_cost_total{currency="USD",model="gpt-4o-mini",upstream="fake"}') >= 0.000285);
    assert.ok(!/gatehouse_(tokens|cost)_total\{[^}]*(subject|principal|test-client)/.test(text), 'no per-caller labels');
  });

  it('a stream that did not ask for usage: the upstream is asked, and the client gets byte for byte the stream it gets when the gateway does not ask', async () => {
    upstream.handler = (_req, res, raw) => chatSseAsDocumented(res, JSON.parse(raw.toString('utf8')), ['Hello', ' world', ' — "usage":null ✓'], streamUsage);
    const asked = await openai.chat.completions.create({ ...chat, stream: true }).asResponse();
    const askedText = await asked.text();
    assert.deepEqual(sentBody().stream_options, { include_usage: true }, 'the gateway asked the upstream for usage');
    const plain = await openaiNotAsking.chat.completions.create({ ...chat, stream: true }).asResponse();
    const plainText = await plain.text();
    assert.equal(sentBody().stream_options, undefined, 'with includeStreamUsage off the body goes as sent');
    assert.equal(askedText, plainText);
    assert.ok(!askedText.includes('"usage"') && askedText.includes('"usage\\":null ✓'), askedText);
    assert.deepEqual((await outcome(gateway, asked.headers.get('x-request-id'))).usage, { inputTokens: 8, outputTokens: 2, totalTokens: 10, source: 'reported' });

    // Through the SDK's own stream reader: the same chunks, none of them a usage chunk.
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const c of await openai.chat.completions.create({ ...chat, stream: true })) chunks.push(c);
    assert.equal(chunks.length, 5);
    assert.ok(chunks.every((c) => c.choices.length === 1 && c.usage === undefined));
  });

  it('a big streamed prompt: the member is sent in front of the client\'s bytes, every other byte and the length right (issue 23: sent in parts, not copied)', async () => {
    upstream.handler = (_req, res, raw) => chatSseAsDocumented(res, JSON.parse(raw.toString('utf8')), ['Hi'], streamUsage);
    // Over `sendable`'s 64 KB: sent as its parts. Non-ASCII and escapes in the prompt, blanks in the JSON.
    const body = ` {"model":"gpt-4o-mini", "stream":true,"messages":[{"role":"user","content":"${'caf\\u00e9 ☕ \\n'.repeat(20_000)}"}]}`;
    const response = await fetch(`${gateway.dataUrl}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${await gateway.token()}`, 'content-type': 'application/json' }, body });
    assert.equal(response.status, 200);
    assert.ok(!(await response.text()).includes('"usage"'));
    const sent = upstream.last;
    assert.equal(sent.body.toString('utf8'), ` {"stream_options":{"include_usage":true},${body.slice(2)}`);
    assert.equal(Number(sent.headers['content-length']), sent.body.length);
    assert.equal(sent.headers['transfer-encoding'], undefined);
  });

  it('a stream that asked for usage keeps its usage chunk', async () => {
    upstream.handler = (_req, res, raw) => chatSseAsDocumented(res, JSON.parse(raw.toString('utf8')), ['Hi'], streamUsage);
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    const { data: stream, response } = await openai.chat.completions.create({ ...chat, stream: true, stream_options: { include_usage: true } }).withResponse();
    for await (const c of stream) chunks.push(c);
    assert.deepEqual(chunks.at(-1)?.usage, streamUsage);
    assert.ok(chunks.slice(0, -1).every((c) => c.usage === null));
    assert.equal((await outcome(gateway, response.headers.get('x-request-id'))).usage?.source, 'reported');
  });

  it('an upstream that reports no usage: counted with the tokenizer for an OpenAI model (estimated), bytes ÷ 4 for another (bytes)', async () => {
    upstream.handler = (_req, res, raw) => sendJson(res, 200, {
      id: 'c', object: 'chat.completion', created: 0, model: JSON.parse(raw.toString()).model,
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there, friend' }, finish_reason: 'stop' }],
    });
    const gpt = await openai.chat.completions.create({ ...chat, messages: [{ role: 'user', content: 'hello world' }] }).withResponse();
    // o200k_base: "hello world" is 2 tokens; "Hello there, friend" is 4.
    assert.deepEqual((await outcome(gateway, gpt.response.headers.get('x-request-id'))).usage, { inputTokens: 2, outputTokens: 4, totalTokens: 6, source: 'estimated' });
    const llama = await openai.chat.completions.create({ model: 'llama3.1:8b', messages: [{ role: 'user', content: 'hello world' }] }).withResponse();
    const record = await outcome(gateway, llama.response.headers.get('x-request-id'));
    // 11 bytes → 3; 19 bytes → 5.
    assert.deepEqual(record.usage, { inputTokens: 3, outputTokens: 5, totalTokens: 8, source: 'bytes' });
    assert.deepEqual(record.cost, { amount: 0.0000016, currency: 'EUR' });
  });

  it('a stream the client abandons: the output generated so far is counted and marked; an error answer counts nothing', async () => {
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'Hello there' }, finish_reason: null }], usage: null })}\n\n`);
      // and keeps the stream open
    };
    const aborted = once(upstream, 'aborted');
    const controller = new AbortController();
    const { data: stream, response } = await openai.chat.completions.create({ ...chat, stream: true }, { signal: controller.signal }).withResponse();
    for await (const c of stream) {
      assert.equal(c.choices[0]?.delta?.content, 'Hello there');
      controller.abort();
    }
    await aborted;
    const record = await outcome(gateway, response.headers.get('x-request-id'));
    assert.equal(record.clientAborted, true);
    assert.deepEqual(record.usage, { inputTokens: 1, outputTokens: 2, totalTokens: 3, source: 'estimated' });

    upstream.handler = (_req, res) => sendJson(res, 429, { error: { message: 'slow down', type: 'rate_limit_error', code: 'rate_limit_exceeded' } });
    const failed = await openai.chat.completions.create(chat).withResponse().catch((e: { headers?: Headers }) => e);
    const failure = await outcome(gateway, (failed as { headers?: Headers }).headers?.get('x-request-id') ?? null);
    assert.equal(failure.status, 429);
    assert.equal(failure.usage, undefined);
  });

  it('Anthropic messages, whole and streamed (Anthropic SDK): cache reads and writes are parts of the input, each priced at its rate', async () => {
    const usage = { input_tokens: 10, cache_creation_input_tokens: 200, cache_read_input_tokens: 1000, output_tokens: 50 };
    upstream.handler = (_req, res, raw) => {
      const body = JSON.parse(raw.toString('utf8'));
      if (!body.stream) return sendJson(res, 200, { id: 'msg_1', type: 'message', role: 'assistant', model: body.model, content: [{ type: 'text', text: 'Hi' }], stop_reason: 'end_turn', stop_sequence: null, usage });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const ev = (type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
      ev('message_start', { message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], model: body.model, stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } });
      ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
      ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hi' } });
      ev('content_block_stop', { index: 0 });
      ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 50 } });
      ev('message_stop', {});
      res.end();
    };
    const want = { inputTokens: 1210, cachedInputTokens: 1000, cacheCreationInputTokens: 200, outputTokens: 50, totalTokens: 1260, source: 'reported' };
    // (10 × 3 + 1000 × 0.3 + 200 × 3.75 + 50 × 15) / 1e6
    const cost = { amount: 0.00183, currency: 'USD' };
    const request = { model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user' as const, content: 'hello' }] };

    const whole = await anthropic.messages.create(request).withResponse();
    assert.equal(whole.data.usage.output_tokens, 50);
    const wholeRecord = await outcome(gateway, whole.response.headers.get('x-request-id'));
    assert.deepEqual([wholeRecord.usage, wholeRecord.cost], [want, cost]);

    const stream = anthropic.messages.stream(request);
    const final = await stream.finalMessage();
    assert.equal(final.usage.output_tokens, 50, 'the client sees the upstream\'s usage events untouched');
    const streamed = await outcome(gateway, (await stream.withResponse()).response.headers.get('x-request-id'));
    assert.deepEqual([streamed.usage, streamed.cost], [want, cost]);
  });

  it('an Anthropic stream cut after message_start: its input as reported, the output counted (bytes ÷ 4 for a non-OpenAI model)', async () => {
    let upstreamRes: ServerResponse | undefined;
    upstream.handler = (_req, res) => {
      upstreamRes = res;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const ev = (type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
      ev('message_start', { message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'claude-sonnet-4-5', stop_reason: null, stop_sequence: null, usage: { input_tokens: 25, output_tokens: 1 } } });
      ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
      ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hello, world' } });
    };
    const stream = anthropic.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hello' }] });
    // The upstream breaks once the client has the text: the gateway relayed it before the reset.
    stream.on('text', () => upstreamRes?.destroy());
    const err = await stream.finalMessage().then(() => null, (e: unknown) => e);
    assert.ok(err instanceof Error, 'the SDK sees a broken stream');
    const record = await outcome(gateway, (await stream.withResponse()).response.headers.get('x-request-id'));
    assert.equal(record.upstreamError, 'ERR_UPSTREAM_RESET');
    // "Hello, world" is 12 bytes → 3 output tokens; (25 × 3 + 3 × 15) / 1e6.
    assert.deepEqual([record.usage, record.cost], [{ inputTokens: 25, outputTokens: 3, totalTokens: 28, source: 'bytes' }, { amount: 0.00012, currency: 'USD' }]);
  });

  it('a Responses stream cut after its done events: the text its deltas carried is counted once, not again for each event that repeats it', async () => {
    let upstreamRes: ServerResponse | undefined;
    upstream.handler = (_req, res) => {
      upstreamRes = res;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let n = 0;
      const ev = (type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: n++, ...data })}\n\n`);
      const response = { id: 'resp_1', object: 'response', created_at: 0, status: 'in_progress', model: 'llama3', output: [], usage: null };
      const done = { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Hello, world', annotations: [] }] };
      // The events of the OpenAI Responses streaming reference, up to (not including) response.completed.
      ev('response.created', { response });
      ev('response.in_progress', { response });
      ev('response.output_item.added', { output_index: 0, item: { ...done, status: 'in_progress', content: [] } });
      ev('response.content_part.added', { item_id: 'msg_1', output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
      ev('response.output_text.delta', { item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hello,' });
      ev('response.output_text.delta', { item_id: 'msg_1', output_index: 0, content_index: 0, delta: ' world' });
      ev('response.output_text.done', { item_id: 'msg_1', output_index: 0, content_index: 0, text: 'Hello, world' });
      ev('response.content_part.done', { item_id: 'msg_1', output_index: 0, content_index: 0, part: done.content[0] });
      ev('response.output_item.done', { output_index: 0, item: done });
    };
    const { data: stream, response } = await openai.responses.create({ model: 'llama3', input: 'hello', stream: true }).withResponse();
    const seen: string[] = [];
    const err = await (async () => {
      for await (const e of stream) {
        seen.push(e.type);
        // The upstream breaks once the client has the last event: the gateway relayed them all.
        if (e.type === 'response.output_item.done') upstreamRes?.destroy();
      }
    })().then(() => null, (e: unknown) => e);
    assert.ok(err instanceof Error, 'the SDK sees a broken stream');
    assert.equal(seen.at(-1), 'response.output_item.done');
    const record = await outcome(gateway, response.headers.get('x-request-id'));
    assert.equal(record.upstreamError, 'ERR_UPSTREAM_RESET');
    // "Hello, world" once is 12 bytes → 3 output tokens ("hello" → 2 input); four times it would be 12.
    assert.deepEqual(record.usage, { inputTokens: 2, outputTokens: 3, totalTokens: 5, source: 'bytes' });
  });

  it('a model with no price: no cost on the record, counted as unpriced, never guessed', async () => {
    const { response } = await openai.chat.completions.create({ ...chat, model: 'gpt-5-nano' }).withResponse();
    const record = await outcome(gateway, response.headers.get('x-request-id'));
    assert.deepEqual(record.usage, { inputTokens: 5, outputTokens: 2, totalTokens: 7, source: 'reported' });
    assert.equal(record.cost, undefined);
    assert.match(await metrics(gateway), /^gatehouse_cost_unpriced_total\{upstream="fake"\} [1-9]/m);
    assert.ok(gateway.logLines.some((l) => l.includes('no price for this model') && l.includes('gpt-5-nano')));
  });
});
