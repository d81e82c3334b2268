import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { auditRecordOf } from '../../builders/audit-record-of';
import { policyYaml } from '../../builders/policy';
import { FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../../helpers/gateway';

/**
 * Issue 21: token and spend budgets from the policy, through a running gateway and the openai
 * SDK: the reservation (prompt + max_tokens) is checked before forwarding, the real usage
 * settles it, and a request that would pass the limit gets 429 with Retry-After, never the upstream.
 */
describe('token and spend budgets through the gateway', () => {
  let upstream: FakeUpstream;
  let gateway: TestGateway;
  let client: OpenAI;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-budgets-'));
    writeFileSync(join(dir, 'budgets.policy.yaml'), policyYaml({
      defaultAction: 'deny',
      rules: [
        { id: 'local-tokens', match: { models: ['llama*'] }, action: 'allow', limits: { tokens: { total: 100, per: '1h' } } },
        { id: 'gpt-spend', match: { models: ['gpt-4o-mini', 'gpt-5*'] }, action: 'allow', limits: { spend: { amount: 0.0001, currency: 'USD', per: '1d', scope: 'group' } } },
      ],
    }));
    upstream = await new FakeUpstream().start();
    gateway = await startGateway({
      upstreams: [{ name: 'fake', url: upstream.url }],
      policy: { paths: ['budgets.policy.yaml'], watch: false },
      pricing: [{ model: 'gpt-4o-mini', input: 0.15, output: 0.6 }],
    }, { configDir: dir });
    client = new OpenAI({ baseURL: `${gateway.dataUrl}/v1`, apiKey: await gateway.token({ sub: 'ci-bot' }), maxRetries: 0 });
  });
  after(async () => {
    await gateway?.close();
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => upstream.reset());

  const refused = (p: Promise<unknown>) => p.then(() => assert.fail('admitted'), (e: unknown) => e as InstanceType<typeof OpenAI.APIError>);

  it('tokens: the usage settles the reservation; the request that would pass the limit is refused 429 ERR_LIMIT_TOKENS with Retry-After and the reset, and recorded', async () => {
    // "hello" reserves 2 + 50; the upstream reports 5 + 2 = 7 used.
    await client.chat.completions.create({ model: 'llama3', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] });
    // 7 + 2 + 90 = 99 fits only because the first one settled at 7, not at its 52.
    await client.chat.completions.create({ model: 'llama3', max_tokens: 90, messages: [{ role: 'user', content: 'hello' }] });
    assert.equal(upstream.requests.length, 2);
    const err = await refused(client.chat.completions.create({ model: 'llama3', max_tokens: 90, messages: [{ role: 'user', content: 'hello' }] }));
    assert.equal(err.status, 429);
    assert.equal(err.code, 'ERR_LIMIT_TOKENS');
    assert.match(err.message, /token limit of rule local-tokens reached: 100 tokens \(input \+ output\) per 3600 s for ci-bot; this request needs 92 more; resets at \d{4}-\d\d-\d\dT[\d:.]+Z \(in \d+ s\)/);
    const retryAfter = Number(err.headers?.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 3600, String(retryAfter));
    assert.equal(upstream.requests.length, 2, 'the refused request never reached the upstream');
    const record = await auditRecordOf(gateway, { requestId: err.headers?.get('x-request-id') ?? undefined });
    assert.deepEqual([record.kind, record.status, record.errorCode, record.decision?.rule], ['denied', 429, 'ERR_LIMIT_TOKENS', 'local-tokens']);
  });

  it('spend: reserved at the price, a reservation past the budget is refused 429 ERR_LIMIT_SPEND; an unpriced model under a spend limit 403', async () => {
    // 2 × 0.15 + 100 × 0.6 = 60.3 µUSD reserved of 100; it settles at the reported 5 + 2 tokens.
    await client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 100, messages: [{ role: 'user', content: 'hello' }] });
    await client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 150, messages: [{ role: 'user', content: 'hello' }] });
    const err = await refused(client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 200, messages: [{ role: 'user', content: 'hello' }] }));
    assert.deepEqual([err.status, err.code], [429, 'ERR_LIMIT_SPEND']);
    assert.match(err.message, /spend limit of rule gpt-spend reached: 0\.0001 USD per 86400 s for ci-bot; this request needs 0\.0001203 USD more/);
    const unpriced = await refused(client.chat.completions.create({ model: 'gpt-5-nano', messages: [{ role: 'user', content: 'hello' }] }));
    assert.deepEqual([unpriced.status, unpriced.code], [403, 'ERR_LIMIT_SPEND_UNPRICED']);
    assert.equal(upstream.requests.length, 2);
  });
});
