import { findEventEnd } from '../sse-frame';
import { indexOfName, objectEnd, skipSpace, valueStart } from './json-scan';

/**
 * Asking an OpenAI chat/completions stream for usage (`stream_options.include_usage: true`)
 * changes the stream in two documented ways: one more chunk before `data: [DONE]`, with
 * `"choices":[]` and the `usage` object, and a `"usage":null` member in every other chunk.
 * When the gateway asked on the caller's behalf, this undoes both, so the client receives the
 * bytes it would have received had the gateway not asked: the usage-only event is dropped, the
 * `usage` member is cut out of the others (with its comma; nothing else is re-serialized).
 *
 * @example
 * const s = new InjectedUsageStripper();
 * s.push('data: {"id":"c","choices":[{"index":0,"delta":{"content":"Hi"}}],"usage":null}\n\n')
 * // => 'data: {"id":"c","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n'
 * s.push('data: {"id":"c","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}\n\ndata: [DONE]\n\n')
 * // => 'data: [DONE]\n\n'
 */
export class InjectedUsageStripper {
  private carry = '';

  /** SSE text in; the text to send on (whole events only; an incomplete one waits for the rest). */
  push(text: string): string {
    let rest = this.carry.length ? this.carry + text : text;
    // The usual case: no usage member anywhere, nothing held back.
    if (indexOfName(rest, 'usage"') < 0 && rest.endsWith('\n\n') && rest.indexOf('\r') < 0) {
      this.carry = '';
      return rest;
    }
    let out = '';
    for (;;) {
      const bounds = findEventEnd(rest);
      if (!bounds) break;
      out += stripEvent(rest.slice(0, bounds.end));
      rest = rest.slice(bounds.end);
    }
    this.carry = rest;
    return out;
  }

  /** Nothing held back: the next text starts on an event. */
  get idle(): boolean {
    return this.carry.length === 0;
  }

  /** End of the stream: a last event without its blank line. */
  end(): string {
    const tail = this.carry;
    this.carry = '';
    return tail ? stripEvent(tail) : '';
  }
}

/** One whole event (with its blank line): '' when it is the usage-only chunk, else without its usage member. */
function stripEvent(raw: string): string {
  let at = indexOfName(raw, 'usage"');
  if (at < 0) return raw;
  let out = raw;
  while (at >= 0) {
    const value = valueAfterKey(out, at + 7);
    if (!value) {
      at = indexOfName(out, 'usage"', at + 7);
      continue;
    }
    // The chunk that exists only because usage was asked for: choices empty, usage an object.
    if (out.charCodeAt(value.start) === 123 && /"choices"\s*:\s*\[\s*\]/.test(out)) return '';
    out = cutMember(out, at, value.end);
    at = indexOfName(out, 'usage"', at);
  }
  return out;
}

/** The JSON value after `"usage"` ending at i: null or an object; undefined otherwise. */
function valueAfterKey(s: string, i: number): { start: number; end: number } | undefined {
  const start = valueStart(s, i);
  if (start < 0) return undefined;
  if (s.startsWith('null', start)) return { start, end: start + 4 };
  if (s.charCodeAt(start) !== 123) return undefined;
  const end = objectEnd(s, start);
  return end < 0 ? undefined : { start, end };
}

/** Removes the member from `from` (its key's quote) to `to` (after its value), with one adjacent comma. */
function cutMember(s: string, from: number, to: number): string {
  let before = from - 1;
  while (before >= 0 && isSpace(s.charCodeAt(before))) before--;
  if (s.charCodeAt(before) === 44) return s.slice(0, before) + s.slice(to);
  const after = skipSpace(s, to);
  if (s.charCodeAt(after) === 44) return s.slice(0, from) + s.slice(skipSpace(s, after + 1));
  return s.slice(0, from) + s.slice(to);
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}
