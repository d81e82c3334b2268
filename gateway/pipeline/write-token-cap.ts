import { jsonBytes } from '../core/json-bytes';
import { prependMember } from '../core/json-member';
import type { Stage } from './exchange';

/**
 * Stage: the policy's max_tokens cap into the bytes that go upstream.
 * Rules enforced:
 *  - evaluate-policy.ts set the cap on x.json (x.tokenCap); when masking rewrote the body it
 *    serialized x.json, cap included, so the upstream bytes already carry it;
 *  - otherwise a member the body lacked is added to its bytes as sent (a big prompt is copied
 *    once, not serialized again), and a value changed in place re-serializes x.json.
 * Runs after maskRequest (the only stage before it that writes x.upstreamBody), before
 * askStreamUsage. Split from the policy stage so a masked big prompt is not copied twice (issue 23).
 */
export function writeTokenCap(): Stage {
  return (x) => {
    const cap = x.tokenCap;
    if (!cap || x.upstreamBody) return;
    const spliced = cap.added !== undefined && x.body ? prependMember(x.body, cap.added, cap.limit) : undefined;
    x.upstreamBody = spliced ?? jsonBytes(x.json);
  };
}
