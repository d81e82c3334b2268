import type { Runtime } from '../runtime';
import type { Stage } from './exchange';

/**
 * Stage: mask the request.
 * Rules enforced:
 *  - the audit copy of the body (x.auditRequestBody) is always masked: every masking rule the
 *    decision lists (x.decision.masks) plus the default audit masking (config masking.auditDetectors);
 *  - the body sent upstream is masked only by rules whose `where` includes `upstream`, and only
 *    rewritten (x.upstreamBody) when something was masked; when that copy is the audit copy, its
 *    bytes are the audit copy's JSON text too (x.auditRequestJson: serialized once, for both);
 *  - x.maskReport records rule, detector, path and count, never the value.
 * Runs after policy and approval (masks come from the decision), before forward.
 */
export function maskRequest(rt: Runtime): Stage {
  return (x) => {
    const masked = rt.masking.maskRequest({ masks: x.decision?.masks, body: x.body, json: x.json });
    x.auditRequestBody = masked.auditBody;
    x.auditRequestJson = masked.auditJson;
    if (masked.upstreamBody) x.upstreamBody = masked.upstreamBody;
    if (masked.report.length > 0) x.maskReport = x.maskReport.concat(masked.report);
  };
}
