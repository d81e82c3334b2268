import assert from 'node:assert/strict';
import type { Decision } from '../../../gateway/core/types';
import { evaluatePolicy } from '../../../gateway/pipeline/evaluate-policy';
import type { Exchange } from '../../../gateway/pipeline/exchange';
import type { Runtime } from '../../../gateway/runtime';
import { heapAfterGc } from '../../helpers/heap';

/** A runtime whose policy allows everything under one rule with a max_tokens cap that clamps (as the bench's streaming rule). */
const rt = {
  policy: {
    decide: (): Decision => ({ action: 'allow', rule: 'capped', reasons: ['allowed by rule capped'], limits: { maxTokens: 4096, maxTokensMode: 'clamp' }, masks: [], explain: [], policyVersion: 'v1' }) as unknown as Decision,
  },
} as unknown as Runtime;

const exchange = () => ({ principal: { sub: 'a' }, request: { endpoint: 'chat', bodyBytes: 10 }, json: { model: 'm', messages: [] } }) as unknown as Exchange;

describe('pipeline/evaluate-policy: the stage', () => {
  it('adds the max_tokens it set to the decision\'s reasons, in a list of their exact size (a stream keeps its decision for its life)', () => {
    const stage = evaluatePolicy(rt);
    const one = exchange();
    stage(one);
    assert.deepEqual(one.decision!.reasons, ['allowed by rule capped', 'max_tokens set to 4096 by rule capped (the request set none)']);
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
    // Before: push grew the list of one to room for 19 (168 B where two need 32): 471 B per decision here, 405 after.
    const perDecision = (heapAfterGc() - before) / n;
    assert.ok(perDecision < 440, `a decision keeps ${perDecision.toFixed(0)} B (bound 440; 471 before)`);
    assert.equal(kept.length, n);
  });
});
