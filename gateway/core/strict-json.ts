/**
 * Parses JSON text the way a strict reader must for security decisions: RFC 8259 grammar only
 * (no trailing commas, comments, single quotes, leading zeros or raw control characters in
 * strings), and no object with two members of the same name after unescaping ("sub" and
 * "\u0073ub" are one name), at any depth (RFC 7493 I-JSON §2.3, RFC 7515 §4, RFC 8725 §3.11).
 * JSON.parse keeps the last duplicate silently, so a verifier and a later reader (claim mapping,
 * audit) could see different claims; refusing the text removes the ambiguity.
 *
 * One left-to-right pass with an explicit stack (no recursion), so the cost is linear in the text
 * whatever its nesting; JSON.parse then builds the value from text the scan has accepted.
 *
 * @example
 * parseStrictJson('{"sub":"a","n":[1,{"x":true}]}') // => { ok: true, value: { sub: 'a', n: [1, { x: true }] } }
 * parseStrictJson('{"sub":"a","\\u0073ub":"b"}')    // => { ok: false, problem: 'duplicate', name: 'sub', offset: 11 }
 * parseStrictJson('{"a":1,}')                        // => { ok: false, problem: 'syntax', offset: 7 }
 */
export type StrictJson =
  | { ok: true; value: unknown }
  | { ok: false; problem: 'syntax'; offset: number }
  | { ok: false; problem: 'duplicate'; name: string; offset: number };

export function parseStrictJson(text: string): StrictJson {
  const problem = scan(text);
  if (problem) return problem;
  return { ok: true, value: JSON.parse(text) };
}

type Problem = Exclude<StrictJson, { ok: true }>;

/** One open container: the names seen so far in an object, or null for an array. */
type Frame = Set<string> | null;

class SyntaxFault {
  constructor(readonly offset: number) {}
}

function scan(text: string): Problem | undefined {
  const stack: Frame[] = [];
  let i = skipSpace(text, 0);
  try {
    for (;;) {
      // Here a value starts at i.
      const c = text.charCodeAt(i);
      if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
        const close = c === 0x7b ? 0x7d : 0x5d;
        i = skipSpace(text, i + 1);
        if (text.charCodeAt(i) === close) {
          i = skipSpace(text, i + 1);
        } else {
          const frame: Frame = c === 0x7b ? new Set() : null;
          stack.push(frame);
          if (frame) {
            const dup = memberName(text, i, frame);
            if (typeof dup !== 'number') return dup;
            i = dup;
          }
          continue;
        }
      } else if (c === 0x22 /* " */) {
        i = skipSpace(text, readString(text, i, false).end);
      } else {
        i = skipSpace(text, scanScalar(text, i));
      }
      // After a value: close containers, or move to the next element or member.
      for (;;) {
        if (stack.length === 0) {
          if (i !== text.length) throw new SyntaxFault(i);
          return undefined;
        }
        const frame = stack[stack.length - 1];
        const c2 = text.charCodeAt(i);
        if (c2 === 0x2c /* , */) {
          i = skipSpace(text, i + 1);
          if (frame) {
            const dup = memberName(text, i, frame);
            if (typeof dup !== 'number') return dup;
            i = dup;
          }
          break;
        }
        if (c2 === (frame ? 0x7d : 0x5d)) {
          stack.pop();
          i = skipSpace(text, i + 1);
          continue;
        }
        throw new SyntaxFault(i);
      }
    }
  } catch (err) {
    if (err instanceof SyntaxFault) return { ok: false, problem: 'syntax', offset: Math.min(err.offset, text.length) };
    throw err;
  }
}

/** Reads `"name" :` at i into the object's frame; the index of its value, or the duplicate found. */
function memberName(text: string, i: number, frame: Set<string>): number | Problem {
  if (text.charCodeAt(i) !== 0x22) throw new SyntaxFault(i);
  const { end, value } = readString(text, i, true);
  if (frame.has(value!)) return { ok: false, problem: 'duplicate', name: value!, offset: i };
  frame.add(value!);
  const colon = skipSpace(text, end);
  if (text.charCodeAt(colon) !== 0x3a /* : */) throw new SyntaxFault(colon);
  return skipSpace(text, colon + 1);
}

/** RFC 8259 §2: insignificant whitespace is space, tab, line feed and carriage return only. */
function skipSpace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
    i++;
  }
}

const escapes: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/**
 * A string starting at the quote at i: where it ends and, when asked, its value (escapes decoded
 * to the UTF-16 code units JSON.parse would produce, lone surrogates included).
 */
function readString(text: string, i: number, decode: boolean): { end: number; value?: string } {
  let out = '';
  let run = i + 1;
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x22) return { end: j + 1, value: decode ? out + text.slice(run, j) : undefined };
    if (c < 0x20) throw new SyntaxFault(j);
    if (c !== 0x5c /* \ */) continue;
    const e = text[j + 1];
    let unit: string;
    if (e === 'u') {
      const hex = text.slice(j + 2, j + 6);
      if (!/^[0-9A-Fa-f]{4}$/.test(hex)) throw new SyntaxFault(j);
      unit = String.fromCharCode(parseInt(hex, 16));
      if (decode) out += text.slice(run, j) + unit;
      j += 5;
    } else {
      const simple = e === undefined ? undefined : escapes[e];
      if (simple === undefined) throw new SyntaxFault(j);
      if (decode) out += text.slice(run, j) + simple;
      j += 1;
    }
    run = j + 1;
  }
  throw new SyntaxFault(text.length);
}

/** A number, `true`, `false` or `null` at i (RFC 8259 §3, §6); the index after it. */
function scanScalar(text: string, i: number): number {
  for (const word of ['true', 'false', 'null']) {
    if (text.startsWith(word, i)) return i + word.length;
  }
  let j = i;
  if (text.charCodeAt(j) === 0x2d /* - */) j++;
  if (text.charCodeAt(j) === 0x30 /* 0 */) j++;
  else if (isDigit(text.charCodeAt(j)) && text.charCodeAt(j) !== 0x30) j = digits(text, j);
  else throw new SyntaxFault(j);
  if (text.charCodeAt(j) === 0x2e /* . */) {
    if (!isDigit(text.charCodeAt(j + 1))) throw new SyntaxFault(j + 1);
    j = digits(text, j + 1);
  }
  const e = text.charCodeAt(j);
  if (e === 0x65 || e === 0x45 /* e E */) {
    j++;
    const sign = text.charCodeAt(j);
    if (sign === 0x2b || sign === 0x2d) j++;
    if (!isDigit(text.charCodeAt(j))) throw new SyntaxFault(j);
    j = digits(text, j);
  }
  return j;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function digits(text: string, i: number): number {
  while (isDigit(text.charCodeAt(i))) i++;
  return i;
}
