/**
 * Bytes to send, whole or as parts sent one after another. A member added in front of a big
 * JSON body is a part of its own, so the body is not copied to make room for it (issue 23: a
 * fresh megabyte costs milliseconds of page faults on some hosts).
 */
export type ByteParts = Buffer | readonly Buffer[];

/** The number of bytes in all parts. */
export function partsLength(bytes: ByteParts): number {
  if (Buffer.isBuffer(bytes)) return bytes.length;
  let n = 0;
  for (const p of bytes as readonly Buffer[]) n += p.length;
  return n;
}

/** The bytes as one buffer (a copy when they are in parts). */
export function joinParts(bytes: ByteParts): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.concat(bytes as readonly Buffer[]);
}
