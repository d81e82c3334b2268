/**
 * A JSON object text with one member added in front: `{"a":1}` + max_tokens 5 →
 * `{"max_tokens":5,"a":1}`, without parsing or re-serializing the rest (a 4 MB prompt is copied
 * once, not serialized again). Only for a member the object does not have: with a duplicate name
 * most parsers keep the last one, so adding one that exists would not override it.
 * Returns undefined when the text is not an object (its first non-blank byte is not `{`).
 *
 * @example
 * prependMember(Buffer.from(' {"a":1}'), 'max_tokens', 5)?.toString()  // => ' {"max_tokens":5,"a":1}'
 * prependMember(Buffer.from('{}'), 'n', 1)?.toString()                   // => '{"n":1}'
 */
export function prependMember(text: Buffer, name: string, value: number | string | boolean | null): Buffer | undefined {
  const open = skipBlanks(text, 0);
  if (text[open] !== 0x7b /* { */) return undefined;
  const empty = text[skipBlanks(text, open + 1)] === 0x7d; /* } */
  const member = Buffer.from(`${JSON.stringify(name)}:${JSON.stringify(value)}${empty ? '' : ','}`);
  return Buffer.concat([text.subarray(0, open + 1), member, text.subarray(open + 1)]);
}

/** The index of the first byte at or after `i` that is not JSON whitespace (RFC 8259 §2). */
function skipBlanks(text: Buffer, i: number): number {
  while (i < text.length && (text[i] === 0x20 || text[i] === 0x09 || text[i] === 0x0a || text[i] === 0x0d)) i++;
  return i;
}
