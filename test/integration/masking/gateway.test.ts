import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Exchange } from '../../../gateway/pipeline/exchange';
import { policyYaml } from '../../builders/policy';
import { chatChunk, FakeUpstream, sendJson } from '../../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../../helpers/gateway';

/**
 * Masking through the running gateway with the openai SDK: the masking rules come from a policy
 * file, the policy decides which apply, the gateway's own masking service applies them. The
 * test only watches the exchanges go by (to read the audit copy), it changes nothing.
 */
describe('masking through the gateway', () => {
  let upstream: FakeUpstream;
  let gateway: TestGateway;
  let client: OpenAI;
  let dir: string;
  const seen: Exchange[] = [];

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
    const real = gateway.runtime.masking;
    gateway.runtime.masking = {
      maskRequest: (x) => { seen.push(x); real.maskRequest(x); },
      responseMasker: (x, type) => real.responseMasker(x, type),
    };
    client = new OpenAI({ baseURL: `${gateway.dataUrl}/v1`, apiKey: await gateway.token(), maxRetries: 0 });
  });
  after(async () => {
    await gateway?.close();
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    upstream.reset();
    seen.length = 0;
  });

  it('a prompt with a card number reaches the upstream masked (rule where: upstream)', async () => {
    const res = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'charge 4111 1111 1111 1111 for me@example.com' }] });
    const sent = JSON.parse(upstream.last.body.toString());
    assert.equal(sent.messages[0].content, 'charge [REDACTED:CARD] for me@example.com');
    assert.ok(!upstream.last.body.includes('4111'));
    // The fake echoes what it received: the client sees the masked card, and the email masked by the client rule.
    assert.equal(res.choices[0]!.message.content, 'echo: charge [REDACTED:CARD] for [REDACTED:EMAIL]');
    const x = seen[0]!;
    assert.equal((x.auditRequestBody as { messages: { content: string }[] }).messages[0]!.content, 'charge [REDACTED:CARD] for [REDACTED:EMAIL]');
    assert.deepEqual(x.maskReport.filter((e) => e.part === 'request').map((e) => [e.rule, e.detector, e.path, e.where]), [
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
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'contact?' }] });
    const deltas: string[] = [];
    for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) deltas.push(chunk.choices[0].delta.content);
    assert.equal(deltas.join(''), 'Sure, write to [REDACTED:EMAIL] and I will answer.');
    assert.equal(deltas[0], 'Sure, write to ', 'text before the risky tail is not held back');
    const x = seen[0]!;
    assert.deepEqual(x.outcome.auditResponseBody, { stream: true, texts: [{ path: '$.choices[0].message.content', text: 'Sure, write to [REDACTED:EMAIL] and I will answer.' }] });
  });

  it('a JSON response is masked for the client, and the audit copy keeps nothing unmasked', async () => {
    upstream.handler = (_req, res) => sendJson(res, 200, {
      id: 'c', object: 'chat.completion', created: 0, model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'mail ops@example.com, card 4111 1111 1111 1111' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    });
    const res = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(res.choices[0]!.message.content, 'mail [REDACTED:EMAIL], card 4111 1111 1111 1111');
    const audit = JSON.stringify(seen[0]!.outcome.auditResponseBody);
    assert.ok(!audit.includes('ops@example.com') && !audit.includes('4111'), audit);
    assert.deepEqual(seen[0]!.outcome.usage, { promptTokens: 1, completionTokens: 2, totalTokens: 3 });
  });
});
