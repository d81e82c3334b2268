import assert from 'node:assert/strict';
import OpenAI, { toFile } from 'openai';
import { FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../../helpers/gateway';
import { rawPost } from '../../helpers/raw-http';

describe('proxy: the openai SDK through the gateway', () => {
  let upstream: FakeUpstream;
  let gateway: TestGateway;
  let client: OpenAI;
  let token: string;

  before(async () => {
    process.env.GATEHOUSE_TEST_PROVIDER_KEY = 'sk-provider-secret';
    upstream = await new FakeUpstream().start();
    gateway = await startGateway({
      upstreams: [{ name: 'fake', url: upstream.url, auth: { secret: { env: 'GATEHOUSE_TEST_PROVIDER_KEY' } } }],
    });
    token = await gateway.token();
    client = new OpenAI({ baseURL: `${gateway.dataUrl}/v1`, apiKey: token, maxRetries: 0 });
  });
  after(async () => {
    await gateway?.close();
    await upstream?.stop();
  });
  beforeEach(() => upstream.reset());

  it('answers a chat completion and injects the provider key instead of the caller token', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello gateway' }] })
      .withResponse();
    assert.equal(data.choices[0]!.message.content, 'echo: hello gateway');
    assert.match(response.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(upstream.last.headers.authorization, 'Bearer sk-provider-secret');
    assert.equal(upstream.last.headers['x-request-id'], response.headers.get('x-request-id'));
    assert.equal(upstream.last.path, '/v1/chat/completions');
  });

  it('streams chat deltas in order, each as the upstream sent it', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'one two three' }] });
    const deltas: string[] = [];
    for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) deltas.push(chunk.choices[0].delta.content);
    assert.deepEqual(deltas, ['echo: ', 'one ', 'two ', 'three']);
  });

  it('passes Anthropic-style SSE through unchanged', async () => {
    const text = await rawPost(`${gateway.dataUrl}/v1/messages`, { model: 'claude-3-5', stream: true, max_tokens: 10, messages: [{ role: 'user', content: 'hi there' }] }, { 'x-api-key': token });
    assert.equal(text.status, 200);
    const events = text.body.split('\n\n').filter(Boolean).map((e) => e.split('\n')[0]);
    assert.deepEqual(events.slice(0, 3), ['event: message_start', 'event: content_block_start', 'event: content_block_delta']);
    assert.equal(events.at(-1), 'event: message_stop');
    assert.equal(upstream.last.headers['x-api-key'], undefined, 'the caller x-api-key must not reach the upstream');
  });

  it('lists models and streams a file upload to the upstream', async () => {
    const models = await client.models.list();
    assert.equal(models.data[0]!.id, 'gpt-4o-mini');
    const content = Buffer.alloc(200_000, 'a');
    const file = await client.files.create({ file: await toFile(content, 'train.jsonl'), purpose: 'fine-tune' });
    assert.equal(file.id, 'file-1');
    assert.ok(upstream.last.body.includes(content), 'the upstream received the whole upload');
    assert.match(String(upstream.last.headers['content-type']), /^multipart\/form-data/);
  });

  it('strips hop-by-hop headers, including those named in Connection, but never the injected key', async () => {
    const res = await rawPost(`${gateway.dataUrl}/v1/chat/completions`, { model: 'm', messages: [{ role: 'user', content: 'x' }] }, {
      authorization: `Bearer ${token}`,
      // x-stainless-* is forwarded (SDK telemetry), except when Connection names it as hop-by-hop.
      connection: 'keep-alive, authorization, x-stainless-drop-me',
      'x-stainless-drop-me': 'secret-ish',
      'x-stainless-keep-me': 'yes',
      'proxy-authorization': 'Basic abc',
      te: 'trailers',
    });
    assert.equal(res.status, 200);
    const h = upstream.last.headers;
    assert.equal(h.authorization, 'Bearer sk-provider-secret');
    assert.equal(h['x-stainless-drop-me'], undefined);
    assert.equal(h['proxy-authorization'], undefined);
    assert.equal(h.te, undefined);
    assert.equal(h['x-stainless-keep-me'], 'yes');
  });

  it('serves health openly and metrics only with the admin token', async () => {
    assert.equal((await fetch(`${gateway.adminUrl}/healthz`)).status, 200);
    assert.equal((await fetch(`${gateway.adminUrl}/metrics`)).status, 401);
    const { readFileSync } = await import('node:fs');
    const token = readFileSync(`${gateway.dataDir}/admin.token`, 'utf8').trim();
    const metrics = await (await fetch(`${gateway.adminUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    assert.match(metrics, /gatehouse_requests_total\{endpoint="chat",status="200"\} \d+/);
    assert.match(metrics, /gatehouse_request_duration_seconds_bucket/);
    // The audit writer's group commit: every request so far left durable records, in fewer syncs than records.
    const count = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics)?.[1]);
    assert.ok(count('gatehouse_audit_records_total') >= 2, metrics);
    assert.ok(count('gatehouse_audit_syncs_total') >= 1);
    assert.ok(count('gatehouse_audit_syncs_total') <= count('gatehouse_audit_records_total'));
    assert.equal(count('gatehouse_audit_write_failures_total'), 0);
  });
});
