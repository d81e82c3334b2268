import type { ResponseMasker, Runtime } from '../runtime';
import type { Exchange } from './exchange';
import type { ResponseStage, ResponseStep } from './response-stage';

/**
 * Response stage: mask the response.
 * Rules enforced:
 *  - the client gets the body masked by the decision's rules whose `where` includes `client`
 *    (JSON buffered within masking.maxBufferedResponseBytes, then masked as text; SSE event by
 *    event, holding back at most masking.streamHoldbackMaxBytes of a possible match);
 *  - the audit copy (x.outcome.auditResponseBody) is always masked, bounded by
 *    masking.maxAuditBodyBytes (x.outcome.responseTruncated past it);
 *  - x.maskReport gets the response's entries (rule, detector, path, count; never the value).
 * JSON, text and SSE bodies; other content types pass untouched and unrecorded.
 */
export function maskResponse(rt: Runtime): ResponseStage {
  return (x, head) => {
    const masker = rt.masking.responseMasker({ masks: x.decision?.masks }, head.headers['content-type']);
    if (!masker) return undefined;
    return new MaskingStep(x, masker);
  };
}

/** The step over a response masker: one object per response, its methods shared (no closures per stream). */
class MaskingStep implements ResponseStep {
  // Even a body no client rule changes is re-framed (the masker may hold back a tail): no Content-Length.
  readonly rewrites = true;

  constructor(private readonly x: Exchange, private readonly masker: ResponseMasker) {}

  chunk(chunk: Buffer): Buffer {
    return this.masker.push(chunk);
  }

  end(): Buffer {
    const { x, masker } = this;
    const tail = masker.end();
    const audit = masker.audit();
    x.outcome.auditResponseBody = audit.body;
    x.outcome.auditResponseJson = audit.json;
    if (audit.truncated) x.outcome.responseTruncated = true;
    if (audit.report.length > 0) x.maskReport = x.maskReport.concat(audit.report);
    return tail;
  }
}
