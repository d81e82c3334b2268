/**
 * The JSON form a line of audit log format 2 must have (docs/audit-log-format.md, "Record bytes"):
 * RFC 8785's serialization of every value, except that an object's members stay in the order
 * they are written in, and member names are unique within each object. So:
 *
 * - no whitespace outside strings;
 * - strings hold every character as itself, except `"` and `\` (escaped as `\"` and `\\`) and
 *   U+0000..U+001F (`\b \t \n \f \r`, the others as `\u00xx` with lower-case hex): no other escape,
 *   no lone surrogate (RFC 8785 §3.2.2.2; I-JSON, RFC 7493 §2.1);
 * - numbers in the ECMAScript shortest round-trip form of a finite double (RFC 8785 §3.2.2.3):
 *   `1e+21`, not `1e21` or `1000000000000000000000`; `0`, not `-0` or `0.0`;
 * - no member name twice in one object (RFC 8259 §4 leaves what a parser then reads to each
 *   parser: the SIEM and the verifier could read different values from the same verified bytes).
 *
 * Every value thus has one form, so the bytes the chain hashes mean the same to every parser. It
 * is what `JSON.stringify` writes for plain data, but it is checked here by scanning the text, not
 * by comparing with a re-serialization: a verifier in another language can do the same.
 *
 * @example
 * jsonFormProblem('{"a":1,"b":[true,"x"]}') // => undefined
 * jsonFormProblem('{"a":1,"a":2}')          // => 'member name "a" appears twice in one object (at character 8)'
 * jsonFormProblem('{"a":1.0}')              // => 'number 1.0 is not in its shortest form (1) (at character 5)'
 */
export function jsonFormProblem(text: string): string | undefined {
  if (text.charCodeAt(0) !== 0x7b) return 'not a JSON object';
  // One entry per open container: the member names seen so far (an object), or undefined (an array).
  const open: (Set<string> | undefined)[] = [];
  let i = 0;
  const at = (what: string) => `${what} (at character ${i})`;
  for (;;) {
    // A value starts at i.
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      const object = c === 0x7b;
      i++;
      if (text.charCodeAt(i) === (object ? 0x7d : 0x5d)) {
        i++;
      } else {
        open.push(object ? new Set() : undefined);
        if (object) {
          const problem = memberName(open[open.length - 1]!);
          if (problem) return problem;
        }
        continue;
      }
    } else if (c === 0x22) {
      const end = stringEnd(text, i);
      if (typeof end === 'string') return at(end);
      i = end;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      number.lastIndex = i;
      const token = number.exec(text)?.[0];
      if (!token) return at('a number without digits');
      const value = Number(token);
      if (!Number.isFinite(value)) return at(`number ${token} is out of the double range`);
      if (String(value) !== token) return at(`number ${token} is not in its shortest form (${String(value)})`);
      i += token.length;
    } else if (text.startsWith('true', i)) i += 4;
    else if (text.startsWith('false', i)) i += 5;
    else if (text.startsWith('null', i)) i += 4;
    else return at(i >= text.length ? 'the text ends inside a value' : `unexpected ${describe(text, i)} where a value starts`);

    // After a value: a comma, the end of its container, or the end of the text.
    for (;;) {
      if (open.length === 0) return i === text.length ? undefined : at(`unexpected ${describe(text, i)} after the end of the object`);
      const names = open[open.length - 1];
      const d = text.charCodeAt(i);
      if (d === 0x2c) {
        i++;
        if (names) {
          const problem = memberName(names);
          if (problem) return problem;
        }
        break;
      }
      if (d !== (names ? 0x7d : 0x5d)) return at(`unexpected ${describe(text, i)} where ',' or '${names ? '}' : ']'}' belongs`);
      open.pop();
      i++;
    }
  }

  /** Reads `"name":` at i into `names`; a problem when it is not one or a repeat. */
  function memberName(names: Set<string>): string | undefined {
    if (text.charCodeAt(i) !== 0x22) return at(`unexpected ${describe(text, i)} where a member name belongs`);
    const end = stringEnd(text, i);
    if (typeof end === 'string') return at(end);
    // Escapes have one form each, so equal names are equal texts.
    const name = text.slice(i + 1, end - 1);
    if (names.has(name)) return at(`member name ${JSON.stringify(name)} appears twice in one object`);
    names.add(name);
    i = end;
    if (text.charCodeAt(i) !== 0x3a) return at(`unexpected ${describe(text, i)} where ':' belongs`);
    i++;
    return undefined;
  }
}

const number = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
// Characters a string holds as themselves: anything but '"', '\', controls and surrogates (checked one by one).
const plain = /[^"\\\u0000-\u001f\ud800-\udfff]*/y;
const shortEscapes = new Set(['"', '\\', 'b', 't', 'n', 'f', 'r']);
const shortFormOf = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d]);

/** Just past the string starting at `start` (a '"'), or why it is not in the required form. */
function stringEnd(text: string, start: number): number | string {
  let j = start + 1;
  for (;;) {
    plain.lastIndex = j;
    plain.exec(text);
    j = plain.lastIndex;
    const c = text.charCodeAt(j);
    if (j >= text.length) return 'unterminated string';
    if (c === 0x22) return j + 1;
    if (c === 0x5c) {
      const e = text[j + 1];
      if (shortEscapes.has(e)) {
        j += 2;
        continue;
      }
      const hex = /^u(00[01][0-9a-f])$/.exec(text.slice(j + 1, j + 6));
      if (!hex || shortFormOf.has(parseInt(hex[1], 16))) return `escape ${text.slice(j, e === 'u' ? j + 6 : j + 2)} is not in its one form (only control characters without a short escape are written as \\u00xx)`;
      j += 6;
    } else if (c < 0x20) {
      return `control character U+${c.toString(16).padStart(4, '0').toUpperCase()} unescaped in a string`;
    } else if (c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(j + 1) & 0xfc00) === 0xdc00) {
      j += 2;
    } else {
      return 'lone surrogate in a string (not I-JSON)';
    }
  }
}

function describe(text: string, i: number): string {
  return i >= text.length ? 'end of text' : JSON.stringify(text[i]);
}
