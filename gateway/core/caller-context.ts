import { parseTraceparent } from './trace-context';

/**
 * What a caller says about itself beyond its token, as the audit records keep it: its user
 * agent, its own request id (`x-request-id`, which the gateway answers with an id of its own), and
 * its W3C `traceparent` when valid. Caller text, so bounded: a record never grows with what a
 * caller chooses to send. Stored as sent (JSON escapes it); shown through displayText.
 *
 * @example
 * callerContext({ 'user-agent': 'OpenAI/Python 1.40.0', 'x-request-id': 'job-17' })
 * // → { userAgent: 'OpenAI/Python 1.40.0', requestId: 'job-17' }
 */
export interface CallerContext {
  userAgent?: string;
  requestId?: string;
  traceparent?: string;
}

/** Longest kept, in UTF-16 code units (a cut value ends with …). */
export const callerTextLimits = { userAgent: 512, requestId: 128, attribute: 256, attributeItems: 32 } as const;

export function callerContext(headers: { 'user-agent'?: string; 'x-request-id'?: string | string[]; traceparent?: string | string[] }): CallerContext {
  const out: CallerContext = {};
  const ua = headers['user-agent'];
  if (ua) out.userAgent = boundText(ua, callerTextLimits.userAgent);
  const id = headers['x-request-id'];
  if (typeof id === 'string' && id !== '') out.requestId = boundText(id, callerTextLimits.requestId);
  if (headers.traceparent !== undefined && parseTraceparent(headers.traceparent)) out.traceparent = (headers.traceparent as string).trim();
  return out;
}

/**
 * Cuts text to `max` code units without splitting a surrogate pair, marking the cut with …
 *
 * @example boundText('abcdef', 4) // → 'abc…'
 */
export function boundText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return text.slice(0, end) + '…';
}

/**
 * Mapped claim attributes (identity.issuers[].claims.attributes) bounded for a record: each
 * string cut to 256, at most 32 strings per list.
 *
 * @example boundAttributes({ repository: 'acme/app', teams: ['a', 'b'] }) // → the same
 */
export function boundAttributes(attributes: Record<string, string | string[]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(attributes)) {
    out[name] = typeof value === 'string'
      ? boundText(value, callerTextLimits.attribute)
      : value.slice(0, callerTextLimits.attributeItems).map((v) => boundText(v, callerTextLimits.attribute));
  }
  return out;
}
