/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/ §3.2) `traceparent`:
 * `version-traceid-parentid-flags`, lowercase hex, 2-32-16-2 digits. Version ff is invalid;
 * a trace id or parent id of all zeros is invalid; version 00 is exactly 55 characters; a later
 * version may append fields after a `-` (read as version 00, as the spec asks of a parser).
 * Pure: the audit record and the tracer read the caller's header through it alike.
 *
 * @example
 * parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')
 * // → { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentId: '00f067aa0ba902b7', flags: 1 }
 * parseTraceparent('00-00000000000000000000000000000000-00f067aa0ba902b7-01') // → undefined
 */
export interface TraceParent {
  traceId: string;
  parentId: string;
  /** trace-flags as a number (bit 0: sampled). */
  flags: number;
}

const shape = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const zeros32 = '0'.repeat(32);
const zeros16 = '0'.repeat(16);

export function parseTraceparent(header: string | string[] | undefined): TraceParent | undefined {
  // Several traceparent headers (node joins them, or an array): the spec says it is invalid.
  if (typeof header !== 'string' || header.length < 55) return undefined;
  const m = shape.exec(header.trim());
  if (!m) return undefined;
  const [, version, traceId, parentId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === zeros32 || parentId === zeros16) return undefined;
  return { traceId, parentId, flags: parseInt(flags, 16) };
}

/** The header value for a context (version 00). */
export function formatTraceparent(t: TraceParent): string {
  return `00-${t.traceId}-${t.parentId}-${(t.flags & 0xff).toString(16).padStart(2, '0')}`;
}
