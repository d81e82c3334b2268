import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listSegments, readSegmentLines } from '../../../gateway/audit/segment-files';
import { policyYaml } from '../../builders/policy';
import { nextEvent } from '../../builders/wait-for';
import { chatChunk, FakeUpstream, sendJson } from '../../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../../helpers/gateway';

/**
 * Issue 16 through the running gateway, with one rule `detectors: [all]` on every copy: what the
 * upstream receives, what the client receives, and the audit records on disk.
 */
describe('masking JSON bodies through the gateway (strings apart, member names as context)', () => {
  let upstream: FakeUpstream;
  let gateway: TestGateway;
  let client: OpenAI;
  let dir: string;
  const awsSecret = 'rUKiVb7qD9yC0S3Wj2xLm4NpQ8tZa5HfE1oGk6Rs';

  before(async () => {
    process.env.GATEHOUSE_TEST_PROVIDER_KEY = 'sk-provider-secret';
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-masking-json-'));
    writeFileSync(join(dir, 'masking.policy.yaml'), policyYaml({
      defaultAction: 'allow',
      rules: [],
      masking: [{ name: 'everything', detectors: ['all'], where: ['audit', 'upstream', 'client'] }],
    }));
    upstream = await new FakeUpstream().start();
    gateway = await startGateway(
      { upstreams: [{ name: 'fake', url: upstream.url, auth: { secret: { env: 'GATEHOUSE_TEST_PROVIDER_KEY' } } }], policy: { paths: ['masking.policy.yaml'], watch: false } },
      { configDir: dir },
    );
    client = new OpenAI({ baseURL: `${gateway.dataUrl}/v1`, apiKey: await gateway.token(), maxRetries: 0 });
  });
  after(async () => {
    await gateway?.close();
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => upstream.reset());

  /** Every audit record on disk of one request. */
  async function auditRecords(requestId: string): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (const seg of await listSegments(join(gateway.dataDir, 'audit'))) {
      for await (const line of readSegmentLines(seg.path)) {
        const r = JSON.parse(line.text) as Record<string, unknown>;
        if (r.requestId === requestId) out.push(r);
      }
    }
    return out;
  }

  it('issue 16: a card in the string after a secret assignment reaches neither the upstream nor the audit record', async () => {
    const outcome = nextEvent(gateway.runtime.events, 'audit.appended', (e) => e.kind === 'outcome');
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'x-api-key: abcdefghijklmnopqrstuvwxyz0123456789' }, { role: 'user', content: '4111111111111111' }],
    }).withResponse();
    const sent = JSON.parse(upstream.last.body.toString());
    assert.deepEqual(sent.messages.map((m: { content: string }) => m.content), ['x-api-key: [REDACTED:SECRET]', '[REDACTED:CARD]']);
    await outcome;
    const records = await auditRecords(res.response.headers.get('x-request-id')!);
    assert.deepEqual(records.map((r) => r.kind), ['arrival', 'outcome']);
    const text = JSON.stringify(records);
    assert.ok(text.includes('[REDACTED:CARD]'), text);
    assert.ok(!text.includes('4111111111111111') && !text.includes('abcdefghijklmnopqrstuvwxyz0123456789'), text);
  });

  it('issue 16: values under telling member names are masked in the request, the JSON response and the audit records', async () => {
    upstream.handler = (_req, res) => sendJson(res, 200, {
      id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: `{"customer":{"socialSecurityNumber":"876729346","phone_number":"040 6393551"},"secretAccessKey":"${awsSecret}"}` } }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    });
    const outcome = nextEvent(gateway.runtime.events, 'audit.appended', (e) => e.kind === 'outcome');
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'look this customer up' }],
      metadata: { ssn: '876729346', phone: '040 6393551', aws_secret_access_key: awsSecret },
    }).withResponse();
    const sent = JSON.parse(upstream.last.body.toString());
    assert.deepEqual(sent.metadata, { ssn: '[REDACTED:SSN]', phone: '[REDACTED:PHONE]', aws_secret_access_key: '[REDACTED:AWS-KEY]' });
    assert.equal(res.data.choices[0]!.message.content, '{"customer":{"socialSecurityNumber":"[REDACTED:SSN]","phone_number":"[REDACTED:PHONE]"},"secretAccessKey":"[REDACTED:AWS-KEY]"}');
    await outcome;
    const text = JSON.stringify(await auditRecords(res.response.headers.get('x-request-id')!));
    for (const value of ['876729346', '040 6393551', awsSecret]) assert.ok(!text.includes(value), `${value} in ${text}`);
  });

  it('streamed tool-call arguments: the keys in the JSON text name the values, for the client and the audit copy', async () => {
    const args = `{"socialSecurityNumber":"876729346","phone_number":"040 6393551","secretAccessKey":"${awsSecret}"}`;
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < args.length; i += 7) {
        res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, ...(i === 0 ? { id: 'call_1', type: 'function' } : {}), function: { ...(i === 0 ? { name: 'lookup' } : {}), arguments: args.slice(i, i + 7) } }] }, finish_reason: null }] })}\n\n`);
      }
      res.write(chatChunk('gpt-4o-mini', null, 'tool_calls'));
      res.end('data: [DONE]\n\n');
    };
    const outcome = nextEvent(gateway.runtime.events, 'audit.appended', (e) => e.kind === 'outcome');
    const { data: stream, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'look up' }] }).withResponse();
    let streamed = '';
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.tool_calls?.[0]?.function?.arguments ?? '';
    assert.equal(streamed, '{"socialSecurityNumber":"[REDACTED:SSN]","phone_number":"[REDACTED:PHONE]","secretAccessKey":"[REDACTED:AWS-KEY]"}');
    await outcome;
    const text = JSON.stringify(await auditRecords(response.headers.get('x-request-id')!));
    assert.ok(text.includes('[REDACTED:AWS-KEY]'), text);
    for (const value of ['876729346', '040 6393551', awsSecret]) assert.ok(!text.includes(value), `${value} in ${text}`);
  });
});
