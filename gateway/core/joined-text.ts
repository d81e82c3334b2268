/**
 * A text given as its parts, read without joining them: `parts.join(separator)`'s length and
 * slices in time and memory proportional to the slice (and the number of parts). Used where a
 * megabyte text exists only as pieces: a prompt's messages (core/prompt-text.ts), a long masked
 * string's original slices and replacements (core/masking/mask-json.ts `maskedParts`).
 *
 * @example
 * joinedLength(['abc', 'def'], '\n')      // => 7
 * joinedSlice(['abc', 'def'], '\n', 2, 5) // => 'c\nd'
 */
export function joinedLength(parts: readonly string[], separator: string): number {
  let n = parts.length === 0 ? 0 : (parts.length - 1) * separator.length;
  for (const p of parts) n += p.length;
  return n;
}

/** `parts.join(separator).slice(from, to)` for 0 ≤ from ≤ to ≤ the joined length, without joining. */
export function joinedSlice(parts: readonly string[], separator: string, from: number, to: number): string {
  const pieces: string[] = [];
  let at = 0; // where the current part starts in the joined text
  for (let i = 0; i < parts.length && at < to; i++) {
    const part = parts[i]!;
    const end = at + part.length;
    if (end > from) pieces.push(part.slice(Math.max(0, from - at), Math.min(part.length, to - at)));
    if (i === parts.length - 1) break;
    // The separator after this part sits at [end, end + separator.length).
    const sepEnd = end + separator.length;
    if (sepEnd > from && end < to) pieces.push(separator.slice(Math.max(0, from - end), Math.min(separator.length, to - end)));
    at = sepEnd;
  }
  return pieces.length === 1 ? pieces[0]! : pieces.join('');
}
