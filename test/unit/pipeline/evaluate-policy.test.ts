import assert from 'node:assert/strict';
import type { Decision } from '../../../gateway/core/types';
import { evaluatePolicy } from '../../../gateway/pipeline/evaluate-policy';
import type { Exchange } from '../../../gateway/pipeline/exchange';
import type { Runtime } from '../../../gateway/runtime';
import { heapAfterGc } from '../../helpers/heap';

/**
 * A runtime whose policy allows everything under one rule with a max_tokens cap that clamps (as the
 * bench's streaming rule). As a compiled policy does, every decision of the rule shares its frozen
 * limits object (core/policy/compile-policy.ts).
 */
const cappedLimits = Object.freeze({ maxTokens: 4096, maxTokensMode: 'clamp' });
const rt = {
  policy: {
    decide: (): Decision => ({ action: 'allow', rule: 'capped', reasons: ['allowed by rule capped'], limits: cappedLimits, masks: [], explain: [], policyVersion: 'v1' }) as unknown as Decision,
  },
} as unknown as Runtime;

const exchange = () => ({ principal: { sub: 'a' }, request: { endpoint: 'chat', bodyBytes: 10 }, json: { model: 'm', messages: [] } }) as unknown as Exchange;

describe('pipeline/evaluate-policy: the stage', () => {
  it('adds the max_tokens it set to the decision\'s reasons, in a list of their exact size (a stream keeps its decision for its life)', () => {
    const stage = evaluatePolicy(rt);
    const one = exchange();
    stage(one);
    assert.deepEqual(one.decision!.reasons, ['allowed by rule capped', 'max_tokens set to 4096 by rule capped (the request set none)']);
    const two = exchange();
    stage(two);
    assert.equal(two.decision!.reasons, one.decision!.reasons, 'one list for the rule and field');
    assert.ok(Object.isFrozen(one.decision!.reasons));
    assert.equal((one.json as { max_tokens: number }).max_tokens, 4096);
    const n = 2000;
    // Warmed up: the first rounds also compile the stage and fill its caches.
    for (let i = 0; i < n; i++) stage(exchange());
    const kept: Decision[] = new Array(n);
    const before = heapAfterGc();
    for (let i = 0; i < n; i++) {
      const x = exchange();
      stage(x);
      kept[i] = x.decision!;
    }
    // Session 11: push grew the list of one to room for 19 (168 B where two need 32): 471 B per
    // decision here, 405 after. Session 13: the added reason's text and its list are one frozen
    // list per rule and field, not a text and a list per decision: 370 → 80–280 B.
    const perDecision = (heapAfterGc() - before) / n;
    assert.ok(perDecision < 330, `a decision keeps ${perDecision.toFixed(0)} B (bound 330; 370 with a text and a list each)`);
    assert.equal(kept.length, n);
  });

  it('a list per rule and field: another field, and a decision with reasons of its own, get theirs', () => {
    const stage = evaluatePolicy(rt);
    const chat = exchange();
    stage(chat);
    const responses = { ...exchange(), request: { endpoint: 'responses', bodyBytes: 10 } } as unknown as Exchange;
    stage(responses);
    assert.deepEqual(responses.decision!.reasons, ['allowed by rule capped', 'max_output_tokens set to 4096 by rule capped (the request set none)']);
    const more = { ...rt, policy: { decide: () => ({ ...rt.policy.decide(chat.principal!, chat.request!), reasons: ['allowed by rule capped', 'and why'] }) } } as unknown as Runtime;
    const x = exchange();
    evaluatePolicy(more)(x);
    assert.deepEqual(x.decision!.reasons, ['allowed by rule capped', 'and why', 'max_tokens set to 4096 by rule capped (the request set none)']);
    const after = exchange();
    stage(after);
    assert.equal(after.decision!.reasons, chat.decision!.reasons);
  });
});
