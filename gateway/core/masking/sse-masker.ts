import { StringDecoder } from 'node:string_decoder';
import { findEventEnd } from '../sse-frame';
import type { CompiledMasking, CompiledRule } from './compile';
import { matchPath, parseConcretePath } from './json-path';
import { maskText, ReportBuilder } from './mask-text';
import { flushEvent, readEvent, type Json, type TextSlot } from './sse-slots';
import { StreamTextMasker } from './stream-text-masker';
import { TextParts } from '../text-parts';

export interface SseMaskerOptions {
  /** Rules that mask what the client receives (selected for `client`); empty: pass text through. */
  rules: readonly CompiledRule[];
  hashKey?: Uint8Array | string;
  /** Longest text held back per slot. Default 8192. */
  maxHoldChars?: number;
  /** Raw text kept per slot for the audit copy (characters). Default 262144. */
  maxFinalChars?: number;
}

interface SlotState {
  masker: StreamTextMasker | null;
  /** Unmasked text seen so far (bounded), for the audit copy. */
  raw: TextParts;
  truncated: boolean;
  path: string;
}

/**
 * An incremental SSE parser and masker for streamed model responses: OpenAI chat
 * `choices[].delta.content` (and tool-call arguments), Responses API `response.output_text.delta`,
 * Anthropic `content_block_delta`. Text events are re-emitted with the text that is safe to
 * release, masked; the risky tail of each slot waits for the next event and is flushed in an
 * event of its own when the slot ends (finish_reason, content_block_stop, *.done, [DONE],
 * message_stop, response.completed, or the end of the stream). Other events pass through
 * byte for byte. Framing stays valid SSE: only whole events are emitted.
 *
 * @example
 * const sse = new SseMasker(compiled, { rules: selectRules(compiled, 'client') });
 * sse.push('data: {"choices":[{"index":0,"delta":{"content":"mail jo"}}]}\n\n')
 * // => 'data: {"choices":[{"index":0,"delta":{"content":"mail "}}]}\n\n'
 * sse.push('data: {"choices":[{"index":0,"delta":{"content":"e@x.io now"}}]}\n\n')
 * // => 'data: {"choices":[{"index":0,"delta":{"content":"[REDACTED:EMAIL] "}}]}\n\n'
 * sse.push('data: [DONE]\n\n')
 * // => 'data: {"choices":[{"index":0,"delta":{"content":"now"},"finish_reason":null}]}\n\ndata: [DONE]\n\n'
 */
export class SseMasker {
  readonly report = new ReportBuilder();
  private buffer = '';
  /** Made for the first chunk that ends inside a character, if any: most streams' chunks end on an ASCII byte. */
  private decoder: StringDecoder | undefined;
  /** The decoder may hold the start of a character (the last chunk it got ended on a non-ASCII byte). */
  private utf8Pending = false;
  private readonly slots = new Map<string, SlotState>();
  private template: Json | undefined;
  /** The data of the latest template event not parsed yet (the fast path keeps the text). */
  private templateText: string | undefined;
  /** The frame around the content of the last chat chunk read by `chatDelta` (see `readChatDelta`). */
  private lastFrame: ChatFrame | undefined;
  private readonly maxFinal: number;

  constructor(private readonly compiled: CompiledMasking, private readonly options: SseMaskerOptions) {
    this.maxFinal = options.maxFinalChars ?? 262_144;
  }

  /** Bytes in: the SSE text to send on (may be empty while an event is incomplete). */
  pushBytes(chunk: Buffer): string {
    // A chunk that ends on an ASCII byte, with nothing pending in the decoder, decodes on its own.
    const last = chunk.length ? chunk[chunk.length - 1] : 0;
    if (!this.utf8Pending && last < 0x80) return this.push(chunk.toString('utf8'));
    this.utf8Pending = last >= 0x80;
    return this.push((this.decoder ??= new StringDecoder('utf8')).write(chunk));
  }

  push(text: string): string {
    this.buffer += text;
    let out = '';
    for (;;) {
      const boundary = findEventEnd(this.buffer);
      if (!boundary) break;
      const raw = this.buffer.slice(0, boundary.end);
      this.buffer = this.buffer.slice(boundary.end);
      out += this.onEvent(raw, boundary.bodyEnd);
    }
    return out;
  }

  /** End of stream: an incomplete last event, and every held tail. */
  end(): string {
    if (this.decoder) this.buffer += this.decoder.end();
    let out = '';
    if (this.buffer.trim()) out += this.onEvent(this.buffer + '\n\n', this.buffer.length);
    this.buffer = '';
    return out + this.flush(['*']);
  }

  /** The unmasked text of each slot (bounded by maxFinalChars), for the audit copy: mask it before storing. */
  finalTexts(): { key: string; path: string; text: string; truncated: boolean }[] {
    return [...this.slots.entries()].map(([key, s]) => ({ key, path: s.path, text: s.raw.text(), truncated: s.truncated }));
  }

  private onEvent(raw: string, bodyEnd: number): string {
    const fast = this.onChatDelta(raw, bodyEnd);
    if (fast !== undefined) return fast;
    const lines = raw.slice(0, bodyEnd).split(/\r\n|\r|\n/);
    const dataLines: string[] = [];
    let eventName: string | undefined;
    for (const line of lines) {
      if (line.startsWith('data:')) dataLines.push(line.slice(line[5] === ' ' ? 6 : 5));
      else if (line.startsWith('event:')) eventName = line.slice(6).trim();
    }
    if (dataLines.length === 0) return raw;
    const data = dataLines.join('\n');
    if (data === '[DONE]') return this.flush(['*']) + raw;
    if (data[0] !== '{') return raw;
    let obj: Json;
    try {
      obj = JSON.parse(data) as Json;
    } catch {
      return raw;
    }
    const reading = readEvent(obj, eventName);
    if (Array.isArray(obj.choices) && obj.id !== undefined) {
      this.template = obj;
      this.templateText = undefined;
    }
    let changed = false;
    const ending = (key: string) => reading.ends.some((e) => endsSlot(e, key));
    for (const s of reading.slots) changed = this.onSlotText(s, ending(s.key)) || changed;
    const here = new Set(reading.slots.map((s) => s.key));
    const before = reading.ends.length ? this.flush(reading.ends, obj, here) : '';
    for (const w of reading.wholeTexts) changed = this.maskWhole(w) || changed;
    if (!changed) return before + raw;
    const other = lines.filter((l) => l !== '' && !l.startsWith('data:'));
    return before + [...other, `data: ${JSON.stringify(obj)}`].join('\n') + '\n\n';
  }

  /**
   * The common event, a one-line chat chunk with one content delta (see `chatDelta`), handled
   * without JSON.parse: the same effect as the general path, and the original bytes go out
   * untouched when the masker releases the text as it came. undefined: not that shape.
   */
  private onChatDelta(raw: string, bodyEnd: number): string | undefined {
    if (raw.charCodeAt(0) !== 100 || !raw.startsWith('data:')) return undefined;
    const data = raw.slice(raw.charCodeAt(5) === 32 ? 6 : 5, bodyEnd);
    const frame = this.readChatDelta(data);
    if (!frame) return undefined;
    const escaped = data.slice(frame.head.length + 1, data.length - frame.tail.length - 1);
    const text = escaped.includes('\\') ? (JSON.parse(`"${escaped}"`) as string) : escaped;
    if (frame.hasId) {
      // The frame's own text, not this event's: the event's text would live until the next event
      // (seconds on a slow stream), be promoted by the collector and die in old space.
      this.templateText = frame.template;
      this.template = undefined;
    }
    const released = this.feedSlot(frame.key, this.slots.has(frame.key) ? '' : frame.index === '0' ? firstChoicePath : `$.choices[${frame.index}].message.content`, text, false);
    if (released === null) return raw;
    return frame.before + JSON.stringify(released) + frame.after;
  }

  /**
   * The frame of a chat chunk (see `chatDelta`), or undefined when it is not that shape. The
   * chunks of one stream differ only in their content, so the last frame is tried first: the
   * content between the same head and tail, if it is a valid JSON string body, makes the same
   * match as the whole regex (a JSON text parses one way only).
   */
  private readChatDelta(data: string): ChatFrame | undefined {
    const last = this.lastFrame;
    // slice + ===, not startsWith/endsWith: V8 runs those char by char here (measured ~1 µs per chunk).
    if (last && data.length >= last.head.length + last.tail.length + 2
      && data.slice(0, last.head.length) === last.head && data.slice(data.length - last.tail.length) === last.tail
      && data.charCodeAt(last.head.length) === 34 && data.charCodeAt(data.length - last.tail.length - 1) === 34
      && jsonStringBody.test(data.slice(last.head.length + 1, data.length - last.tail.length - 1))) return last;
    const m = chatDelta.exec(data);
    if (!m) return undefined;
    const [, head, index, , tail] = m;
    this.lastFrame = {
      head, index, tail,
      key: index === '0' ? 'c0' : `c${index}`,
      hasId: head.includes('"id":') || tail.includes('"id":'),
      template: `${head}""${tail}`,
      before: `data: ${head}`,
      after: `${tail}\n\n`,
    };
    return this.lastFrame;
  }

  /** Feeds a slot's text through its masker and writes the released part back. True when changed. */
  private onSlotText(s: TextSlot, ends: boolean): boolean {
    const released = this.feedSlot(s.key, s.path, s.text, ends);
    if (released === null) return false;
    s.set(released);
    return true;
  }

  /** Feeds a slot's text through its masker: the text to send instead, or null when it goes as it came. */
  private feedSlot(key: string, path: string, text: string, ends: boolean): string | null {
    const state = this.slotState(key, path);
    if (!state.truncated) {
      if (state.raw.length + text.length > this.maxFinal) {
        state.raw.push(text.slice(0, this.maxFinal - state.raw.length));
        state.truncated = true;
      } else state.raw.push(text);
    }
    if (!state.masker) return null;
    // A slot that ends in this very event releases its tail here too, keeping the text in order.
    const released = state.masker.push(text) + (ends ? state.masker.end() : '');
    return released === text ? null : released;
  }

  private maskWhole(s: TextSlot): boolean {
    const rules = this.rulesFor(s.path);
    if (rules.length === 0) return false;
    const r = maskText(s.text, this.compiled, { where: 'client', ruleNames: rules.map((x) => x.name), hashKey: this.options.hashKey, spans: false, path: s.path });
    if (!r.changed) return false;
    s.set(r.value);
    return true;
  }

  /** Events carrying the held tails of the slots that end here. */
  private flush(ends: string[], template?: Json, skip?: Set<string>): string {
    let out = '';
    for (const [key, state] of this.slots) {
      if (skip?.has(key) || !ends.some((e) => endsSlot(e, key)) || !state.masker) continue;
      const text = state.masker.end();
      if (!text) continue;
      const ev = flushEvent(key, text, key.startsWith('c') || key.startsWith('l') ? this.chatTemplate() : template);
      out += (ev.event ? `event: ${ev.event}\n` : '') + `data: ${JSON.stringify(ev.data)}\n\n`;
    }
    return out;
  }

  private chatTemplate(): Json | undefined {
    if (this.templateText !== undefined) {
      this.template = JSON.parse(this.templateText) as Json;
      this.templateText = undefined;
    }
    return this.template;
  }

  private slotState(key: string, path: string): SlotState {
    let state = this.slots.get(key);
    if (!state) {
      const rules = this.rulesFor(path);
      state = {
        masker: rules.length
          ? new StreamTextMasker(this.compiled, { rules, hashKey: this.options.hashKey, maxHoldChars: this.options.maxHoldChars, path, report: this.report })
          : null,
        raw: new TextParts(),
        truncated: false,
        path,
      };
      this.slots.set(key, state);
    }
    return state;
  }

  /** Rules whose detectors cover this slot's path (rules without fields cover everything). */
  private rulesFor(path: string): readonly CompiledRule[] {
    // No client rule (the audit copy only): no path to parse for each slot.
    if (this.options.rules.length === 0) return this.options.rules;
    const concrete = parseConcretePath(path);
    const covers = (r: CompiledRule) => r.detectPaths === null || r.detectPaths.some((p) => matchPath(p, concrete) !== false);
    // Every rule covers the path (the usual case): the masker's own list, not a copy per slot,
    // which a stream would keep for its life (a list made by filter has room for 17).
    return this.options.rules.every(covers) ? this.options.rules : this.options.rules.filter(covers);
  }
}

/** The frame of a chat chunk around its content, and what the fast path derives from it once. */
interface ChatFrame {
  /** The data up to the content string, without its opening quote (chatDelta's group 1). */
  head: string;
  /** The choice index as written. */
  index: string;
  /** The data after the content string, without its closing quote (group 4). */
  tail: string;
  key: string;
  /** Whether the chunk carries an id (the template for flushed tails). */
  hasId: boolean;
  /**
   * The chunk with an empty content: the template for flushed tails. Every chunk of this frame
   * has the same fields around its content, so this one stands for the latest of them.
   */
  template: string;
  /** `data: ` + head, and tail + the blank line: a re-emitted chunk is before + content + after. */
  before: string;
  after: string;
}

/** The first choice's content path (one string, not one per stream). */
const firstChoicePath = '$.choices[0].message.content';

/** The body of a JSON string: chatDelta's content group. */
const jsonStringBody = /^(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9A-Fa-f]{4}))*$/;

const scalar = String.raw`(?:"[^"\\\u0000-\u001f]*"|0|-?[1-9]\d*|null|true|false)`;
const otherKey = String.raw`"(?!(?:choices|usage)")[A-Za-z_]+":`;
/**
 * One chat chunk with a single content delta and otherwise only scalar fields (no escapes in
 * them), compact as OpenAI-compatible servers write it:
 * {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}]}
 * Groups: everything before the content string (a "role" may precede it), the choice index, the
 * content as escaped, everything after it. Anything else (tool calls, reasoning, usage, a
 * finish_reason, whitespace) takes the general path.
 */
const chatDelta = new RegExp(String.raw`^(\{(?:${otherKey}${scalar},)*"choices":\[\{"index":(0|[1-9]\d{0,5}),"delta":\{(?:"role":"[a-z]+",)?"content":)"((?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9A-Fa-f]{4}))*)"(\}(?:,"logprobs":null)?,"finish_reason":null\}\](?:,${otherKey}${scalar})*\})$`);

function endsSlot(end: string, key: string): boolean {
  if (end === '*') return true;
  if (end.endsWith('*')) {
    const prefix = end.slice(0, -1);
    return key === prefix || key.startsWith(prefix + 'r') || key.startsWith(prefix + 't');
  }
  return end === key;
}

