import type { ByteParts } from './byte-parts';

/**
 * A JSON object text with one member added in front: `{"a":1}` + max_tokens 5 →
 * `{"max_tokens":5,"a":1}`, without parsing, re-serializing or copying the rest: the result is
 * parts (`byte-parts.ts`), the text's own bytes cut after its `{` with the member between (a 4 MB
 * prompt is not copied). Only for a member the object does not have: with a duplicate name most
 * parsers keep the last one, so adding one that exists would not override it.
 * Returns undefined when the text is not an object (its first non-blank byte is not `{`).
 *
 * @example
 * Buffer.concat(prependMember(Buffer.from(' {"a":1}'), 'max_tokens', 5)!).toString()  // => ' {"max_tokens":5,"a":1}'
 * Buffer.concat(prependMember(Buffer.from('{}'), 'n', 1)!).toString()                   // => '{"n":1}'
 */
export function prependMember(text: ByteParts, name: string, value: unknown): Buffer[] | undefined {
  return prependMemberBytes(text, memberBytes(name, value));
}

/** A member's bytes as `prependMemberBytes` adds it: alone in an empty object, or before others. */
export interface MemberBytes {
  alone: Buffer;
  beforeOthers: Buffer;
}

/** `"name":value` as bytes, once: for a member added to many texts (made at load, not per request). */
export function memberBytes(name: string, value: unknown): MemberBytes {
  const text = `${JSON.stringify(name)}:${JSON.stringify(value)}`;
  return { alone: Buffer.from(text), beforeOthers: Buffer.from(`${text},`) };
}

/** `prependMember` with the member's bytes made beforehand (they are shared, never written to). */
export function prependMemberBytes(text: ByteParts, member: MemberBytes): Buffer[] | undefined {
  const parts = Buffer.isBuffer(text) ? [text] : (text as readonly Buffer[]);
  const open = nonBlank(parts, 0, 0);
  if (!open || parts[open.part][open.at] !== 0x7b /* { */) return undefined;
  const next = nonBlank(parts, open.part, open.at + 1);
  const empty = next !== undefined && parts[next.part][next.at] === 0x7d; /* } */
  const cut = parts[open.part];
  const out = parts.slice(0, open.part);
  out.push(cut.subarray(0, open.at + 1), empty ? member.alone : member.beforeOthers);
  if (open.at + 1 < cut.length) out.push(cut.subarray(open.at + 1));
  for (let i = open.part + 1; i < parts.length; i++) out.push(parts[i]);
  return out;
}

/** Where the first byte at or after parts[part][at] that is not JSON whitespace (RFC 8259 §2) is. */
function nonBlank(parts: readonly Buffer[], part: number, at: number): { part: number; at: number } | undefined {
  for (; part < parts.length; part++, at = 0) {
    const p = parts[part];
    while (at < p.length && (p[at] === 0x20 || p[at] === 0x09 || p[at] === 0x0a || p[at] === 0x0d)) at++;
    if (at < p.length) return { part, at };
  }
  return undefined;
}
