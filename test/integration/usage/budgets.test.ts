import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { auditRecordOf } from '../../builders/audit-record-of';
import { policyYaml } from '../../builders/policy';
import { FakeUpstream, chatSseAsDocumented } from '../../helpers/fake-upstream';
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
        { id: 'stream-tokens', match: { models: ['mistral*'] }, action: 'allow', limits: { tokens: { total: 100, per: '1h' } } },
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

  /**
   * A refusal's Retry-After is the whole seconds from the refusal to the window's reset (at least
   * 1), the message says the same reset and count, and the durable record keeps the reset: the
   * window opened with the first request (between `opened` bounds), lasts `windowS`, and the
   * refusal happened between `refusedAt` bounds — bounds taken around the calls, so no timing is assumed.
   */
  async function assertRefusalTiming(err: InstanceType<typeof OpenAI.APIError>, opened: [number, number], refusedAt: [number, number], windowS: number): Promise<void> {
    const header = err.headers?.get('retry-after') ?? '';
    assert.match(header, /^[1-9]\d*$/, 'Retry-After: an integer number of seconds, at least 1');
    const retryAfter = Number(header);
    const [, resetText, inText] = /resets at (\S+) \(in (\d+) s\)$/.exec(err.message) ?? assert.fail(err.message);
    const resetAt = Date.parse(resetText!);
    assert.ok(resetAt >= opened[0] + windowS * 1000 && resetAt <= opened[1] + windowS * 1000, `the window opened with the first request resets ${windowS} s later: ${resetText}`);
    assert.equal(Number(inText), retryAfter, 'the message and the header agree');
    assert.ok(retryAfter >= Math.ceil((resetAt - refusedAt[1]) / 1000) && retryAfter <= Math.ceil((resetAt - refusedAt[0]) / 1000), `Retry-After ${retryAfter} s is the time from the refusal to ${resetText}`);
    const record = await auditRecordOf(gateway, { requestId: err.headers?.get('x-request-id') ?? undefined });
    assert.equal((record.details as { resetAt?: string } | undefined)?.resetAt, resetText, 'the record keeps the reset');
  }

  it('tokens: the usage settles the reservation; the request that would pass the limit is refused 429 ERR_LIMIT_TOKENS with Retry-After and the reset, and recorded', async () => {
    // "hello" reserves 2 + 50; the upstream reports 5 + 2 = 7 used.
    const opened: [number, number] = [Date.now(), 0];
    await client.chat.completions.create({ model: 'llama3', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] });
    opened[1] = Date.now();
    // 7 + 2 + 90 = 99 fits only because the first one settled at 7, not at its 52.
    await client.chat.completions.create({ model: 'llama3', max_tokens: 90, messages: [{ role: 'user', content: 'hello' }] });
    assert.equal(upstream.requests.length, 2);
    const refusedAt: [number, number] = [Date.now(), 0];
    const err = await refused(client.chat.completions.create({ model: 'llama3', max_tokens: 90, messages: [{ role: 'user', content: 'hello' }] }));
    refusedAt[1] = Date.now();
    assert.equal(err.status, 429);
    assert.equal(err.code, 'ERR_LIMIT_TOKENS');
    assert.match(err.message, /token limit of rule local-tokens reached: 100 tokens \(input \+ output\) per 3600 s for ci-bot; this request needs 92 more; resets at \d{4}-\d\d-\d\dT[\d:.]+Z \(in \d+ s\)/);
    await assertRefusalTiming(err, opened, refusedAt, 3600);
    assert.equal(upstream.requests.length, 2, 'the refused request never reached the upstream');
    const record = await auditRecordOf(gateway, { requestId: err.headers?.get('x-request-id') ?? undefined });
    assert.deepEqual([record.kind, record.status, record.errorCode, record.decision?.rule], ['denied', 429, 'ERR_LIMIT_TOKENS', 'local-tokens']);
  });

  it('spend: reserved at the price, a reservation past the budget is refused 429 ERR_LIMIT_SPEND; an unpriced model under a spend limit 403', async () => {
    // 2 × 0.15 + 100 × 0.6 = 60.3 µUSD reserved of 100; it settles at the reported 5 + 2 tokens.
    const opened: [number, number] = [Date.now(), 0];
    await client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 100, messages: [{ role: 'user', content: 'hello' }] });
    opened[1] = Date.now();
    await client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 150, messages: [{ role: 'user', content: 'hello' }] });
    const refusedAt: [number, number] = [Date.now(), 0];
    const err = await refused(client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 200, messages: [{ role: 'user', content: 'hello' }] }));
    refusedAt[1] = Date.now();
    assert.deepEqual([err.status, err.code], [429, 'ERR_LIMIT_SPEND']);
    await assertRefusalTiming(err, opened, refusedAt, 86400);
    assert.match(err.message, /spend limit of rule gpt-spend reached: 0\.0001 USD per 86400 s for ci-bot; this request needs 0\.0001203 USD more/);
    const unpriced = await refused(client.chat.completions.create({ model: 'gpt-5-nano', messages: [{ role: 'user', content: 'hello' }] }));
    assert.deepEqual([unpriced.status, unpriced.code], [403, 'ERR_LIMIT_SPEND_UNPRICED']);
    assert.equal(upstream.requests.length, 2);
  });

  it('a stream past its reservation is not cut: the client gets every event, and what it really used counts', async () => {
    const deltas = Array.from({ length: 40 }, (_, i) => `word${i} `);
    // The upstream streams 40 deltas and reports 12 + 83 = 95 tokens: far past the 2 + 10 reserved.
    upstream.handler = (_req, res, body) => chatSseAsDocumented(res, JSON.parse(body.toString()), deltas, { prompt_tokens: 12, completion_tokens: 83, total_tokens: 95 });
    const stream = await client.chat.completions.create({ model: 'mistral-small', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hello' }] });
    const received: string[] = [];
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      received.push(chunk.choices[0]?.delta.content ?? '');
      finish ??= chunk.choices[0]?.finish_reason;
    }
    assert.equal(received.join(''), deltas.join(''), 'every delta reached the client');
    assert.equal(finish, 'stop');
    const outcome = await auditRecordOf(gateway, { kind: 'outcome', model: 'mistral-small' });
    assert.deepEqual([outcome.status, outcome.usage?.totalTokens, outcome.usage?.source, outcome.clientAborted, outcome.upstreamError], [200, 95, 'reported', undefined, undefined]);
    // The budget now holds 95 of 100: a request reserving 2 + 4 is refused, one reserving 2 + 3 fits.
    upstream.reset();
    const err = await refused(client.chat.completions.create({ model: 'mistral-small', max_tokens: 4, messages: [{ role: 'user', content: 'hello' }] }));
    assert.deepEqual([err.status, err.code], [429, 'ERR_LIMIT_TOKENS']);
    assert.match(err.message, /token limit of rule stream-tokens reached: 100 tokens \(input \+ output\) per 3600 s for ci-bot; this request needs 6 more/);
    await client.chat.completions.create({ model: 'mistral-small', max_tokens: 3, messages: [{ role: 'user', content: 'hello' }] });
    assert.equal(upstream.requests.length, 1, 'only the request that fits reached the upstream');
  });
});
