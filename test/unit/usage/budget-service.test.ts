import assert from 'node:assert/strict';
import { createAlertFiring, type AlertFiring } from '../../../gateway/alerts/alert-firing';
import { EventBus } from '../../../gateway/events';
import { budgetLines } from '../../../gateway/core/usage/budget';
import { compilePricing } from '../../../gateway/core/usage/pricing';
import type { Decision, DecisionLimits, InferenceRequest, Principal } from '../../../gateway/core/types';
import type { GatehouseError } from '../../../gateway/errors';
import { silentLogger } from '../../../gateway/log';
import { MemoryCounterStore } from '../../../gateway/state/memory-counter-store';
import { createBudgetService } from '../../../gateway/usage/budget-service';
import { RecordingAudit } from '../../builders/recording-audit';
import { collectEvents } from '../../builders/wait-for';

/** Issue 21: token and spend budgets reserved before forwarding and settled with the real usage. */
describe('usage: token and spend budgets', () => {
  let clock = Date.parse('2026-03-01T10:00:00.000Z');
  let events: EventBus;
  let audit: RecordingAudit;
  let firing: AlertFiring;
  const budgets = () => createBudgetService({ counters: new MemoryCounterStore(), prices: compilePricing([{ model: 'gpt-4o-mini', input: 0.15, output: 0.6 }, { model: 'eu-model', input: 1, output: 1, currency: 'EUR' }]), log: silentLogger, alerts: firing, now: () => clock });
  const decision = (limits: DecisionLimits): Decision => ({ action: 'allow', rule: 'team-chat', reasons: [], limits, masks: [], explain: [], policyVersion: 'v' });
  const bob: Principal = { issuer: 'https://idp.test', subject: 'bob', groups: ['ml'] };
  const ann: Principal = { issuer: 'https://idp.test', subject: 'ann', groups: ['ml'] };
  const solo: Principal = { issuer: 'https://idp.test', subject: 'solo', groups: [] };
  const request = (maxTokens: number | undefined, model = 'gpt-4o-mini'): InferenceRequest => ({ method: 'POST', path: '/v1/chat/completions', endpoint: 'chat', upstream: 'openai', model, stream: false, promptText: 'hi', maxTokens, bodyBytes: 60 });
  const usage = (input: number, output: number) => ({ inputTokens: input, outputTokens: output, totalTokens: input + output, source: 'reported' as const });
  const refusal = async (p: unknown): Promise<GatehouseError> => {
    try {
      await p;
    } catch (e) {
      return e as GatehouseError;
    }
    return assert.fail('admitted');
  };
  const tokens100 = decision({ tokens: { total: 100, windowSeconds: 3600, scope: 'principal' } });

  beforeEach(() => {
    clock = Date.parse('2026-03-01T10:00:00.000Z');
    events = new EventBus();
    audit = new RecordingAudit();
    firing = createAlertFiring({ events, audit, log: silentLogger, now: () => clock });
  });
  afterEach(() => firing.close());

  it('reserves prompt + max_tokens, settles with the usage, refuses the request that would pass the limit (429, Retry-After, which limit and when it resets)', async () => {
    const b = budgets();
    const first = await b.reserve(bob, tokens100, request(50)); // 1 + 50 reserved
    b.settle(first!, { usage: usage(5, 2) }); // 7 used
    clock += 600_000;
    const err = await refusal(b.reserve(bob, tokens100, request(95))); // 7 + 96 > 100
    assert.equal(err.status, 429);
    assert.equal(err.code, 'ERR_LIMIT_TOKENS');
    assert.equal(err.headers?.['retry-after'], '3000');
    assert.equal(err.message, 'token limit of rule team-chat reached: 100 tokens (input + output) per 3600 s for bob; this request needs 96 more; resets at 2026-03-01T11:00:00.000Z (in 3000 s)');
    assert.ok(await b.reserve(bob, tokens100, request(90)), '7 + 91 fits');
    assert.ok(await b.reserve(ann, tokens100, request(95)), 'per principal: ann has her own');
  });

  it('a stream past its reservation is not refused mid-way, but its overshoot counts; the next window starts afresh', async () => {
    const b = budgets();
    const r = await b.reserve(bob, tokens100, request(10));
    b.settle(r!, { usage: usage(20, 150) });
    assert.equal((await refusal(b.reserve(bob, tokens100, request(undefined)))).code, 'ERR_LIMIT_TOKENS');
    clock += 3_600_000;
    assert.ok(await b.reserve(bob, tokens100, request(undefined)));
  });

  it('nothing used (refused later, upstream down): the reservation goes back whole', async () => {
    const b = budgets();
    const r = await b.reserve(bob, tokens100, request(99));
    b.settle(r!, {});
    assert.ok(await b.reserve(bob, tokens100, request(99)));
  });

  it('scope group: the members share one budget per group; a caller without groups counts alone; scope rule: everyone', async () => {
    const b = budgets();
    const group = decision({ tokens: { output: 100, windowSeconds: 60, scope: 'group' } });
    await b.reserve(bob, group, request(60));
    assert.equal((await refusal(b.reserve(ann, group, request(60)))).code, 'ERR_LIMIT_TOKENS');
    assert.ok(await b.reserve(solo, group, request(60)));
    assert.deepEqual(budgetLines(decision({ tokens: { total: 5, windowSeconds: 60, scope: 'rule' } }).limits, 'r', bob).map((l) => [l.key, l.holder]), [['r\u0000tokens.total\u0000rule', 'rule r']]);
  });

  it('spend: reserved at the model\'s price, settled at the cost; a model without a price in the budget\'s currency is refused 403', async () => {
    const b = budgets();
    // 1 USD per day; 1 000 000 output tokens at 0.6 per million = 0.6 USD reserved.
    const spend = decision({ spend: { amount: 1, currency: 'USD', windowSeconds: 86400, scope: 'principal' } });
    const r = await b.reserve(bob, spend, request(1_000_000));
    b.settle(r!, { usage: usage(10, 10), cost: { amount: 0.0000075, currency: 'USD' } });
    assert.ok(await b.reserve(bob, spend, request(1_000_000)), 'settled down to almost nothing');
    const over = await refusal(b.reserve(bob, spend, request(1_000_000)));
    assert.equal(over.code, 'ERR_LIMIT_SPEND');
    assert.match(over.message, /^spend limit of rule team-chat reached: 1 USD per 86400 s for bob; this request needs 0\.6 USD more; resets at /);
    for (const model of ['llama3', 'eu-model']) {
      const unpriced = await refusal(b.reserve(bob, spend, request(10, model)));
      assert.deepEqual([unpriced.status, unpriced.code], [403, 'ERR_LIMIT_SPEND_UNPRICED']);
    }
  });

  it('a request refused by one budget holds nothing in the others', async () => {
    const b = budgets();
    const both = decision({ tokens: { total: 1000, windowSeconds: 3600, scope: 'principal' }, spend: { amount: 0.0001, currency: 'USD', windowSeconds: 3600, scope: 'principal' } });
    assert.equal((await refusal(b.reserve(bob, both, request(900)))).code, 'ERR_LIMIT_SPEND'); // 900 × 0.6e-6 > 0.0001
    assert.ok(await b.reserve(bob, decision({ tokens: { total: 1000, windowSeconds: 3600, scope: 'principal' } }), request(998)), 'the tokens it reserved went back');
  });

  it('no token or spend limit: nothing reserved', () => {
    assert.equal(budgets().reserve(bob, decision({ rate: { requests: 1, windowSeconds: 1 } }), request(10)), undefined);
  });

  describe('alerts at fractions of a budget (alertAt)', () => {
    const warned = decision({ tokens: { total: 100, windowSeconds: 3600, scope: 'principal', alertAt: [0.8, 1] } });
    /** What a refusal gives back reaches the counters on a later tick (nobody waits for it). */
    const settled = () => new Promise((r) => setImmediate(r));
    let fired: ReturnType<typeof collectEvents<'alert.fired'>>;
    beforeEach(() => (fired = collectEvents(events, ['alert.fired'])));
    afterEach(() => fired.stop());
    const messages = () => fired.list.map((e) => e.payload.message);

    it('the settlement that takes the window past 80 %, then past 100 %, alerts each once; further requests in the window alert nothing', async () => {
      const b = budgets();
      await b.settle((await b.reserve(bob, warned, request(undefined)))!, { usage: usage(60, 25) }); // 85
      assert.deepEqual(messages(), ['token budget of rule team-chat at 80 %: 85 used of 100 tokens (input + output) per 3600 s for bob; resets at 2026-03-01T11:00:00.000Z']);
      clock += 60_000;
      await b.settle((await b.reserve(bob, warned, request(undefined)))!, { usage: usage(10, 10) }); // 105: over, but admitted
      assert.equal(fired.list.length, 2);
      assert.deepEqual([fired.list[1]!.payload.severity, fired.list[1]!.payload.principal], ['high', 'bob']);
      assert.match(messages()[1]!, /^token budget of rule team-chat at 100 %: 105 used of 100 tokens/);
      await refusal(b.reserve(bob, warned, request(undefined)));
      await settled();
      assert.equal(fired.list.length, 2, 'a refusal crosses nothing');
      assert.deepEqual(audit.records.map((r) => [r.kind, (r.fields.budget as { fraction: number }).fraction]), [['alert', 0.8], ['alert', 1]]);
      clock += 3_600_000; // the next window warns afresh
      await b.settle((await b.reserve(bob, warned, request(undefined)))!, { usage: usage(80, 0) });
      assert.equal(fired.list.length, 3);
      assert.match(messages()[2]!, /at 80 %: 80 used of .* resets at 2026-03-01T12:01:00\.000Z$/);
    });

    it('a reservation counts (the admission crosses); a count that falls back and crosses again in the same window does not alert twice', async () => {
      const b = budgets();
      const big = await b.reserve(bob, warned, request(90)); // 1 + 90 reserved: past 80 %
      assert.deepEqual(messages().map((m) => m.split(' of 100')[0]), ['token budget of rule team-chat at 80 %: 91 used']);
      await b.settle(big!, { usage: usage(1, 4) }); // back to 5
      await b.settle((await b.reserve(bob, warned, request(90)))!, { usage: usage(1, 4) }); // up to 96 and back
      assert.equal(fired.list.length, 1);
    });

    it('reservations given back for a request another budget refused alert nothing; budgets without alertAt never alert', async () => {
      const b = budgets();
      const both = decision({
        tokens: { total: 1000, windowSeconds: 3600, scope: 'principal', alertAt: [0.5] },
        spend: { amount: 0.0001, currency: 'USD', windowSeconds: 3600, scope: 'principal' },
      });
      assert.equal((await refusal(b.reserve(bob, both, request(900)))).code, 'ERR_LIMIT_SPEND'); // tokens took 901 of 1000 first
      await settled();
      await b.settle((await b.reserve(bob, tokens100, request(99)))!, { usage: usage(50, 70) });
      assert.equal(fired.list.length, 0);
    });
  });
});
