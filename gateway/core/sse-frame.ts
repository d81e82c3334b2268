/**
 * Server-sent event framing (WHATWG HTML, "Parsing an event stream"): an event is the lines up
 * to a blank line; a line ends with CRLF, LF or CR. Shared by every reader of upstream streams
 * (masking, usage), so they cut a stream into the same events.
 *
 * @example
 * findEventEnd('data: a\n\ndata: b') // => { end: 9, bodyEnd: 7 }
 * findEventEnd('data: a\n')          // => null (the event is not complete yet)
 */
export function findEventEnd(buf: string): { end: number; bodyEnd: number } | null {
  const n = buf.indexOf('\n\n');
  // Servers frame with LF; one scan for a CR spares two failed searches for CR framings.
  if (buf.indexOf('\r') < 0) return n >= 0 ? { end: n + 2, bodyEnd: n } : null;
  const rn = buf.indexOf('\r\n\r\n');
  const r = buf.indexOf('\r\r');
  let best: { end: number; bodyEnd: number } | null = null;
  if (n >= 0) best = { end: n + 2, bodyEnd: n };
  if (rn >= 0 && (!best || rn < best.bodyEnd)) best = { end: rn + 4, bodyEnd: rn };
  if (r >= 0 && (!best || r < best.bodyEnd)) best = { end: r + 2, bodyEnd: r };
  return best;
}

/**
 * The data of one event's body (its `data:` lines joined by LF, one leading space dropped),
 * or undefined when it has none.
 *
 * @example
 * eventData('event: ping\ndata: {"a":1}') // => '{"a":1}'
 */
export function eventData(body: string): string | undefined {
  // The common event is one data line: no split.
  if (body.startsWith('data:') && body.indexOf('\n') < 0 && body.indexOf('\r') < 0) return body.slice(body.charCodeAt(5) === 32 ? 6 : 5);
  let data: string | undefined;
  for (const line of body.split(/\r\n|\r|\n/)) {
    if (!line.startsWith('data:')) continue;
    const value = line.slice(line.charCodeAt(5) === 32 ? 6 : 5);
    data = data === undefined ? value : `${data}\n${value}`;
  }
  return data;
}
