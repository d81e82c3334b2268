import { createHash } from 'node:crypto';
import type { Principal } from '../core/types';
import type { Exchange } from '../pipeline/exchange';
import type { AuditRecord } from '../generated/audit-record';
import type { RecordFields } from './log-writer';

/**
 * Builds arrival and outcome records from an Exchange. Only what masking prepared for the audit
 * (x.auditRequestBody, x.outcome.auditResponseBody) is stored; of the raw body, only its size and
 * SHA-256.
 */
export function arrivalFields(x: Exchange, maxBodyBytes: number): RecordFields {
  return { kind: 'arrival', time: new Date(x.receivedAt).toISOString(), requestId: x.id, ...requestPart(x, maxBodyBytes) };
}

/**
 * The outcome record. When no arrival was written (the request was refused before forwarding),
 * the record carries the request part too and is named for why it ended: auth_failed (401),
 * denied (other 4xx), error (5xx).
 */
export function outcomeFields(x: Exchange, maxBodyBytes: number, arrived: boolean): RecordFields {
  const o = x.outcome;
  const status = o.status ?? (o.clientAborted ? 499 : undefined);
  const fields: RecordFields = {
    kind: arrived ? 'outcome' : status === 401 ? 'auth_failed' : status !== undefined && status >= 500 ? 'error' : 'denied',
    requestId: x.id,
    ...(arrived ? { principal: principalPart(x.principal), model: x.request?.model, decision: decisionPart(x) } : requestPart(x, maxBodyBytes)),
    status,
    errorCode: o.errorCode,
    latencyMs: round(Number(process.hrtime.bigint() - x.startNs) / 1e6),
    firstByteMs: o.firstByteMs === undefined ? undefined : round(o.firstByteMs),
    usage: o.usage,
    responseBytes: o.responseBytes,
    responseSha256: o.responseSha256,
    clientAborted: o.clientAborted || undefined,
    upstreamError: o.upstreamError,
    details: o.errorDetails,
  };
  if (o.auditResponseBody !== undefined) {
    const { body, truncated } = bounded(o.auditResponseBody, maxBodyBytes, false);
    fields.responseBody = body;
    fields.responseTruncated = truncated || o.responseTruncated || undefined;
  } else if (o.responseTruncated) fields.responseTruncated = true;
  return fields;
}

function requestPart(x: Exchange, maxBodyBytes: number): Partial<AuditRecord> {
  const r = x.request;
  const part: Partial<AuditRecord> = {
    principal: principalPart(x.principal),
    method: r?.method ?? x.req.method,
    path: r?.path ?? (x.req.url ?? '').split('?', 1)[0],
    upstream: r?.upstream,
    endpoint: r?.endpoint,
    model: r?.model,
    stream: r?.stream,
    decision: decisionPart(x),
    policyVersion: x.decision?.policyVersion,
    approval: x.approval ? { id: x.approval.id, state: x.approval.state, by: x.approval.by, reason: x.approval.reason } : undefined,
    mask: x.maskReport.length ? x.maskReport : undefined,
  };
  if (x.body) {
    part.bodyBytes = x.body.length;
    part.bodySha256 = createHash('sha256').update(x.body).digest('hex');
  } else if (r) part.bodyBytes = r.bodyBytes;
  if (x.auditRequestBody !== undefined) {
    const { body, truncated } = bounded(x.auditRequestBody, maxBodyBytes, (x.body?.length ?? 0) <= maxBodyBytes);
    part.requestBody = body;
    if (truncated) part.requestBodyTruncated = true;
  }
  return part;
}

function principalPart(p: Principal | undefined): AuditRecord['principal'] {
  if (!p) return undefined;
  return { issuer: p.issuer, subject: p.subject, clientId: p.clientId, groups: p.groups, tokenHash: p.tokenHash };
}

function decisionPart(x: Exchange): AuditRecord['decision'] {
  const d = x.decision;
  return d ? { action: d.action, rule: d.rule, reasons: d.reasons } : undefined;
}

/**
 * Keeps a body within maxBodyBytes. `smallEnough` is a cheap hint (the raw body fits) that spares
 * serializing the masked body just to measure it; otherwise it is serialized and cut.
 */
function bounded(body: unknown, max: number, smallEnough: boolean): { body: unknown; truncated: boolean } {
  if (smallEnough && typeof body !== 'string') return { body, truncated: false };
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  if (text === undefined || Buffer.byteLength(text) <= max) return { body, truncated: false };
  // Cut on a code point boundary so the record stays valid I-JSON.
  let cut = Buffer.from(text).subarray(0, max).toString('utf8');
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return { body: cut, truncated: true };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
