import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MaskReportEntry } from '../../../gateway/core/types';
import type { AuditRecord } from '../../../gateway/generated/audit-record';
import { policyYaml } from '../../builders/policy';
import { chatChunk, FakeUpstream, sendJson } from '../../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../../helpers/gateway';

/**
 * Masking through the running gateway with the openai SDK: the masking rules come from a policy
 * file, the policy decides which apply, the gateway's own masking service applies them. The audit
 * copies are read from the request's durable records (written before the response ends).
 */
describe('masking through the gateway', () => {
  let upstream: FakeUpstream;
  let gateway: TestGateway;
  let client: OpenAI;
  let dir: string;

  before(async () => {
    process.env.GATEHOUSE_TEST_PROVIDER_KEY = 'sk-provider-secret';
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-masking-it-'));
    writeFileSync(join(dir, 'masking.policy.yaml'), policyYaml({
      defaultAction: 'allow',
      rules: [],
      masking: [
        { name: 'pci-upstream', detectors: ['card'], where: ['upstream'] },
        { name: 'contacts-client', detectors: ['email'], where: ['client'] },
      ],
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
  beforeEach(() => {
    upstream.reset();
  });

  it('a prompt with a card number reaches the upstream masked (rule where: upstream)', async () => {
    const { data: res, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'charge 4111 1111 1111 1111 for me@example.com' }] }).withResponse();
    const sent = JSON.parse(upstream.last.body.toString());
    assert.equal(sent.messages[0].content, 'charge [REDACTED:CARD] for me@example.com');
    assert.ok(!upstream.last.body.includes('4111'));
    // The fake echoes what it received: the client sees the masked card, and the email masked by the client rule.
    assert.equal(res.choices[0]!.message.content, 'echo: charge [REDACTED:CARD] for [REDACTED:EMAIL]');
    const { arrival } = await records(response);
    assert.equal((arrival.requestBody as { messages: { content: string }[] }).messages[0]!.content, 'charge [REDACTED:CARD] for [REDACTED:EMAIL]');
    assert.deepEqual((arrival.mask as MaskReportEntry[]).filter((e) => e.part === 'request').map((e) => [e.rule, e.detector, e.path, e.where]), [
      ['pci-upstream', 'card', '$.messages[0].content', ['audit', 'upstream']],
      ['contacts-client', 'email', '$.messages[0].content', ['audit']],
    ]);
  });

  it('a streamed response with an email split across chunks reaches the client masked (rule where: client)', async () => {
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const d of ['Sure, write to jo', 'hn.smi', 'th@exam', 'ple.org and ', 'I will answer.']) res.write(chatChunk('gpt-4o-mini', d));
      res.write(chatChunk('gpt-4o-mini', null, 'stop'));
      res.end('data: [DONE]\n\n');
    };
    const { data: stream, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'contact?' }] }).withResponse();
    const deltas: string[] = [];
    for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) deltas.push(chunk.choices[0].delta.content);
    assert.equal(deltas.join(''), 'Sure, write to [REDACTED:EMAIL] and I will answer.');
    assert.equal(deltas[0], 'Sure, write to ', 'text before the risky tail is not held back');
    const { outcome } = await records(response);
    assert.deepEqual(outcome.responseBody, { stream: true, texts: [{ path: '$.choices[0].message.content', text: 'Sure, write to [REDACTED:EMAIL] and I will answer.' }] });
  });

  it('a JSON response is masked for the client, and the audit copy keeps nothing unmasked', async () => {
    upstream.handler = (_req, res) => sendJson(res, 200, {
      id: 'c', object: 'chat.completion', created: 0, model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'mail ops@example.com, card 4111 1111 1111 1111' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    });
    const { data: res, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    assert.equal(res.choices[0]!.message.content, 'mail [REDACTED:EMAIL], card 4111 1111 1111 1111');
    const { outcome } = await records(response);
    const audit = JSON.stringify(outcome.responseBody);
    assert.ok(audit.includes('[REDACTED:EMAIL]') && !audit.includes('ops@example.com') && !audit.includes('4111'), audit);
    assert.deepEqual(outcome.usage, { inputTokens: 1, outputTokens: 2, totalTokens: 3, source: 'reported' });
  });

  /** The request's arrival and outcome records: durable before the client saw its response end. */
  async function records(response: Response): Promise<{ arrival: AuditRecord; outcome: AuditRecord }> {
    const found = await gateway.runtime.audit.query({ requestId: response.headers.get('x-request-id')! });
    const arrival = found.find((r) => r.kind === 'arrival');
    const outcome = found.find((r) => r.kind === 'outcome');
    assert.ok(arrival && outcome, JSON.stringify(found));
    return { arrival, outcome };
  }
});
