import { hash } from 'node:crypto';
import { boundAttributes, boundText, callerContext, callerTextLimits } from '../core/caller-context';
import { jsonPrefix } from '../core/json-prefix';
import { SerializedValue } from '../core/serialized-value';
import type { Principal } from '../core/types';
import type { AuditRecord } from '../generated/audit-record';
import type { ExchangeRecord } from '../runtime';
import type { RecordFields } from './log-writer';

/**
 * Builds arrival and outcome records from an ExchangeRecord. Only what masking prepared for the audit
 * (x.auditRequestBody, x.outcome.auditResponseBody) is stored; of the raw body, only its size and
 * SHA-256.
 */
export function arrivalFields(x: ExchangeRecord, maxBodyBytes: number): RecordFields {
  const fields: RecordFields = { kind: 'arrival', time: new Date(x.receivedAt).toISOString(), requestId: x.id };
  requestPart(x, maxBodyBytes, fields);
  return fields;
}

/**
 * The outcome record. When no arrival was written (the request was refused before forwarding),
 * the record carries the request part too and is named for why it ended: auth_failed (401),
 * denied (other 4xx), error (5xx).
 */
export function outcomeFields(x: ExchangeRecord, maxBodyBytes: number, arrived: boolean): RecordFields {
  const o = x.outcome;
  const status = o.status ?? (o.clientAborted ? 499 : undefined);
  // Filled in place rather than spread together: V8 spreads record-sized literals on a slow path.
  const fields: RecordFields = {
    kind: arrived ? 'outcome' : status === 401 ? 'auth_failed' : status !== undefined && status >= 500 ? 'error' : 'denied',
    requestId: x.id,
  };
  if (arrived) {
    fields.principal = principalPart(x.principal);
    fields.clientAddress = x.clientAddress;
    callerPart(x, fields);
    fields.model = x.request?.model;
    fields.decision = decisionPart(x);
  } else requestPart(x, maxBodyBytes, fields);
  fields.status = status;
  fields.errorCode = o.errorCode;
  fields.latencyMs = round(Number(process.hrtime.bigint() - x.startNs) / 1e6);
  fields.firstByteMs = o.firstByteMs === undefined ? undefined : round(o.firstByteMs);
  fields.usage = o.usage;
  fields.cost = o.cost;
  fields.responseBytes = o.responseBytes;
  fields.responseSha256 = o.responseSha256;
  fields.clientAborted = o.clientAborted || undefined;
  // What reached the client, when the response did not end whole (a whole one ends only after this record).
  if (o.clientAborted || o.upstreamError) fields.deliveredBytes = o.deliveredBytes ?? 0;
  fields.upstreamError = o.upstreamError;
  fields.details = o.errorDetails;
  if (o.auditResponseBody !== undefined) {
    // As for the request: the raw response fitting is the hint that spares serializing the masked copy just to measure it.
    const { body, truncated } = bounded(o.auditResponseBody, maxBodyBytes, o.responseBytes <= maxBodyBytes, o.auditResponseJson);
    fields.responseBody = body;
    fields.responseTruncated = truncated || o.responseTruncated || undefined;
  } else if (o.responseTruncated) fields.responseTruncated = true;
  return fields;
}

/** Adds the request's members to `part`. */
function requestPart(x: ExchangeRecord, maxBodyBytes: number, part: Partial<AuditRecord>): void {
  const r = x.request;
  part.principal = principalPart(x.principal);
  part.source = x.req.socket?.remoteAddress;
  part.method = r?.method ?? x.req.method;
  // A refused target is recorded as sent: the audit shows the attempt.
  part.path = r?.path ?? x.path ?? (x.req.url ?? '').split('?', 1)[0];
  part.clientAddress = x.clientAddress;
  callerPart(x, part);
  part.upstream = r?.upstream;
  part.endpoint = r?.endpoint;
  part.model = r?.model;
  part.stream = r?.stream;
  part.decision = decisionPart(x);
  part.policyVersion = x.decision?.policyVersion;
  part.approval = x.approval ? { id: x.approval.id, state: x.approval.state, by: x.approval.by, reason: x.approval.reason } : undefined;
  part.mask = x.maskReport.length ? x.maskReport : undefined;
  if (x.body) {
    part.bodyBytes = x.body.length;
    part.bodySha256 = hash('sha256', x.body, 'hex');
  } else if (r) part.bodyBytes = r.bodyBytes;
  if (x.auditRequestBody !== undefined) {
    const { body, truncated } = bounded(x.auditRequestBody, maxBodyBytes, (x.body?.length ?? 0) <= maxBodyBytes, x.auditRequestJson);
    part.requestBody = body;
    if (truncated) part.requestBodyTruncated = true;
  }
}

/** Who the caller says it is beyond its token: user agent, its own request id, its trace (bounded; core/caller-context.ts). */
function callerPart(x: ExchangeRecord, part: Partial<AuditRecord>): void {
  const c = callerContext(x.req.headers);
  part.userAgent = c.userAgent;
  part.callerRequestId = c.requestId;
  part.traceparent = c.traceparent;
}

/** The principal as records keep it (never the token itself), with its jti and mapped claim attributes, bounded. */
export function principalPart(p: Principal | undefined): AuditRecord['principal'] {
  if (!p) return undefined;
  return {
    issuer: p.issuer, subject: p.subject, clientId: p.clientId, groups: p.groups, tokenHash: p.tokenHash,
    ...(p.tokenId !== undefined ? { tokenId: boundText(p.tokenId, callerTextLimits.attribute) } : {}),
    ...(p.attributes !== undefined ? { attributes: boundAttributes(p.attributes) } : {}),
  };
}

function decisionPart(x: ExchangeRecord): AuditRecord['decision'] {
  const d = x.decision;
  return d ? { action: d.action, rule: d.rule, reasons: d.reasons } : undefined;
}

/**
 * Keeps a body within maxBodyBytes. `smallEnough` is a cheap hint (the raw body fits) that spares
 * serializing the masked body just to measure it; otherwise it is serialized and cut. `json`, the
 * body's JSON text when masking made it already, is what the record embeds (SerializedValue) and
 * what is measured and cut: the body is not serialized here at all.
 */
function bounded(body: unknown, max: number, smallEnough: boolean, json: Buffer | undefined): { body: unknown; truncated: boolean } {
  // (A body that is a string is a text, kept as one: not its JSON text.)
  if (typeof body !== 'string') {
    if (json) return smallEnough || json.length <= max ? { body: new SerializedValue(body, json), truncated: false } : { body: utf8Prefix(json, max), truncated: true };
    if (smallEnough) return { body, truncated: false };
  }
  // Serialized only up to the cut: its first `max` characters hold at least its first `max` bytes.
  const { text, complete } = typeof body === 'string' ? { text: body, complete: true } : jsonPrefix(body, max);
  if (complete && Buffer.byteLength(text) <= max) return { body, truncated: false };
  return { body: utf8Prefix(Buffer.from(text), max), truncated: true };
}

/** The first `max` bytes of UTF-8 text, cut on a code point boundary so the record stays valid I-JSON. */
function utf8Prefix(bytes: Buffer, max: number): string {
  const cut = bytes.subarray(0, max).toString('utf8');
  return cut.endsWith('\uFFFD') ? cut.slice(0, -1) : cut;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
