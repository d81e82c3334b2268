import { StringDecoder } from 'node:string_decoder';
import { InjectedUsageStripper } from '../core/usage/injected-usage';
import { indexOfName } from '../core/usage/json-scan';
import { JsonUsageReader } from '../core/usage/json-usage';
import { SseUsageReader } from '../core/usage/sse-usage';
import type { UsageDialect } from '../core/usage/usage';
import type { UsageTap } from '../runtime';

const empty = Buffer.alloc(0);

/**
 * The reader for one response body by its content type: SSE event by event, JSON from its end;
 * null for other bodies (files, audio). With `stripAsked`, the SSE bytes are rewritten to take
 * out what the gateway's own stream_options.include_usage added; otherwise chunks pass as they are.
 */
export function createUsageTap(dialect: UsageDialect, contentType: string | undefined, options: { stripAsked: boolean; collectText: boolean }): UsageTap | null {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'text/event-stream') return sseTap(dialect, options);
  if (type === 'application/json' || type.endsWith('+json')) return jsonTap(dialect);
  return null;
}

function sseTap(dialect: UsageDialect, options: { stripAsked: boolean; collectText: boolean }): UsageTap {
  const reader = new SseUsageReader(dialect, { collectText: options.collectText });
  const stripper = options.stripAsked ? new InjectedUsageStripper() : null;
  // Made for the first chunk that ends inside a character, if any (most end on an ASCII byte); it
  // may then hold the start of a character split between chunks.
  let decoder: StringDecoder | undefined;
  let pending = false;
  const decode = (chunk: Buffer): string => {
    const last = chunk.length ? chunk[chunk.length - 1]! : 0;
    if (!pending && last < 0x80) return chunk.toString('utf8');
    pending = last >= 0x80;
    return (decoder ??= new StringDecoder('utf8')).write(chunk);
  };
  return {
    rewrites: stripper !== null,
    push(chunk) {
      const heldBefore = pending;
      const text = decode(chunk);
      // The usual chunk, one whole event whose only usage member is the `"usage":null` the gateway
      // caused, at its end: nothing in it for the reader (once it knows the model), and cut from
      // the bytes (what the stripper would return, without decoding and encoding it again).
      if (stripper && !heldBefore && !pending && stripper.idle && endsInNullUsage(text) && reader.pushWithoutUsage(text)) return withoutNullUsage(chunk);
      reader.push(text);
      if (!stripper) return chunk;
      const out = stripper.push(text);
      // The chunk itself when the text is exactly its bytes and went through unchanged (no split character either side).
      return out === text && !heldBefore && !pending ? chunk : Buffer.from(out);
    },
    end() {
      const rest = decoder?.end() ?? '';
      if (rest) reader.push(rest);
      reader.end();
      if (!stripper) return empty;
      const out = stripper.push(rest) + stripper.end();
      return out ? Buffer.from(out) : empty;
    },
    reported: () => ({ usage: reader.usage, final: reader.final, stream: true, model: reader.model }),
    outputText: () => reader.outputText(),
  };
}

const nullUsageTail = ',"usage":null}\n\n';

/**
 * One single-line event ending `,"usage":null}` + blank line, with no other usage member (string
 * tests: V8 inlines them, where each Buffer search is a call into C++).
 */
function endsInNullUsage(text: string): boolean {
  const n = text.length;
  const tail = nullUsageTail.length;
  return n > tail
    && text.endsWith(nullUsageTail)
    && text.indexOf('\n') === n - 2
    && indexOfName(text, 'usage"') === n - tail + 1
    && text.indexOf('\r') < 0;
}

/** The event without its `,"usage":null` member. */
function withoutNullUsage(chunk: Buffer): Buffer {
  // The tail is ASCII: as many bytes as characters.
  const cut = chunk.length - nullUsageTail.length;
  const out = Buffer.allocUnsafe(cut + 3);
  chunk.copy(out, 0, 0, cut);
  out[cut] = 0x7d;
  out[cut + 1] = 0x0a;
  out[cut + 2] = 0x0a;
  return out;
}

function jsonTap(dialect: UsageDialect): UsageTap {
  const reader = new JsonUsageReader(dialect);
  let usage: ReturnType<JsonUsageReader['end']>;
  let ended = false;
  return {
    rewrites: false,
    push(chunk) {
      reader.push(chunk);
      return chunk;
    },
    end() {
      usage = reader.end();
      ended = true;
      return empty;
    },
    // A JSON body cut short has no usage to read.
    reported: () => ({ usage: ended ? usage : undefined, final: ended, stream: false }),
    outputText: () => ({ text: '', scale: 1 }),
  };
}
