import { eventData, findEventEnd } from '../sse-frame';
import { TextParts } from '../text-parts';
import { indexOfName, valueStart } from './json-scan';
import { normalizeUsage, type Usage, type UsageDialect } from './usage';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads token usage, and the model that answered, from a streamed response, event by event,
 * without touching the bytes:
 * - OpenAI chat/completions: the last chunk's `usage` (with `stream_options.include_usage`; the
 *   other chunks then carry `"usage":null`);
 * - OpenAI Responses: `response.completed` / `.incomplete` / `.failed` carry `response.usage`;
 * - Anthropic: `message_start` carries `message.usage` (the input, and an output count so far),
 *   each `message_delta` a cumulative `usage` whose members replace the earlier ones.
 *
 * The model (`model`) is each OpenAI chunk's `model`, Responses' `response.model`, Anthropic's
 * `message_start.message.model`: read from the first event that names it.
 *
 * Only events holding `"usage"` followed by an object are parsed, and, until the model is known,
 * the first event holding `"model"` followed by a string (keys in JSON text: a quote in a string
 * is escaped, so a bare `"usage"` cannot be inside one); the rest cost a search.
 *
 * @example
 * const r = new SseUsageReader('anthropic');
 * r.push('event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":12,"output_tokens":1}}}\n\n');
 * r.push('event: message_delta\ndata: {"type":"message_delta","delta":{},"usage":{"output_tokens":30}}\n\n');
 * r.usage // => { inputTokens: 12, outputTokens: 30, totalTokens: 42, source: 'reported' }
 * r.final // => true
 * r.model // => 'claude-sonnet-4-5' (had message_start said "model":"claude-sonnet-4-5")
 */
export class SseUsageReader {
  /** The text after the last complete event. */
  private carry = '';
  /** The provider's usage members seen so far. */
  private raw: Json | undefined;
  private sawFinal = false;
  private answeredBy: string | undefined;
  /**
   * The generated text of the stream's complete events (bounded), when asked for: what an
   * estimate reads if the stream ends without its usage. Read from each push's events as they
   * come, not kept as the events' text: that text (≈ 200 B per chat chunk against a few bytes of
   * content) would stay for the stream's life, thousands of streams at once.
   */
  private kept: TextParts | undefined;
  /** The text around the one generated-text value of the last event read in full, if it had one (see `keep`). */
  private frame: { head: string; tail: string } | undefined;
  private keptChars = 0;
  private seenChars = 0;

  constructor(private readonly dialect: UsageDialect, options: { collectText?: boolean } = {}) {
    if (options.collectText) this.kept = new TextParts();
  }

  /** The usage the stream reported so far, normalized; undefined when none. */
  get usage(): Usage | undefined {
    return normalizeUsage(this.raw, this.dialect);
  }

  /** The model the stream says answered (the provider's own name for it), once an event said it. */
  get model(): string | undefined {
    return this.answeredBy;
  }

  /**
   * Whether the stream's closing usage arrived (OpenAI's usage chunk, a Responses terminal event,
   * Anthropic's message_delta); before it, Anthropic's figures are the input and a partial output.
   */
  get final(): boolean {
    return this.sawFinal;
  }

  /**
   * The generated text of the events kept ('' unless collectText), and the factor to scale a
   * count of it by when the stream went on past what was kept (1 when all was kept).
   */
  outputText(): { text: string; scale: number } {
    if (!this.kept || this.keptChars === 0) return { text: '', scale: 1 };
    return { text: this.kept.text(), scale: this.seenChars / this.keptChars };
  }

  push(text: string): void {
    const all = this.carry.length ? this.carry + text : text;
    const complete = lastEventEnd(all);
    this.carry = complete < all.length ? all.slice(complete) : '';
    if (complete === 0) return;
    if (this.kept) this.keep(complete === all.length ? all : all.slice(0, complete));
    let at = this.nextKey(all, 0);
    while (at >= 0 && at < complete) {
      const next = this.readEventAround(all, at, complete);
      at = this.nextKey(all, next);
    }
  }

  /**
   * One whole event that the caller has already seen to hold no usage object (an OpenAI chunk whose
   * only usage member is the `"usage":null` the gateway asked for): taken without searching it
   * again (kept for an estimate like any other) when nothing is held back and the model is known;
   * false when it must go through `push`.
   *
   * @example
   * r.pushWithoutUsage('data: {"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hi"}}],"usage":null}\n\n') // => true once the model is known
   */
  pushWithoutUsage(event: string): boolean {
    if (this.carry.length || this.answeredBy === undefined) return false;
    if (this.kept) this.keep(event);
    return true;
  }

  /**
   * Keeps the generated text of whole events (the bound and the scale count the events' characters).
   * A stream's events differ only in their text (a chat chunk's content, an Anthropic delta's
   * text): an event with the same text before and after its value as the last event read in full,
   * and no quote or backslash between, has that value as its only generated text, taken without
   * searching the event's members again.
   */
  private keep(events: string): void {
    this.seenChars += events.length;
    if (this.keptChars >= maxKeptChars) return;
    this.keptChars += events.length;
    const f = this.frame;
    // slice + ===, not startsWith/endsWith (V8 compares those char by char here).
    if (f && events.length >= f.head.length + f.tail.length
      && events.slice(0, f.head.length) === f.head && events.slice(events.length - f.tail.length) === f.tail) {
      const value = events.slice(f.head.length, events.length - f.tail.length);
      if (value.indexOf('"') < 0 && value.indexOf('\\') < 0) {
        this.kept!.push(value);
        return;
      }
    }
    generatedText(events, this.kept!);
    this.frame = frameOf(events);
  }

  /** Where the next `"usage"` (or, while the model is unknown, `"model"`) key is, from `from`; -1 when none. */
  private nextKey(s: string, from: number): number {
    const usage = indexOfName(s, 'usage"', from);
    if (this.answeredBy !== undefined) return usage;
    const model = indexOfName(s, 'model"', from);
    return usage < 0 ? model : model < 0 ? usage : Math.min(usage, model);
  }

  /** End of the stream: a last event without its blank line still counts. */
  end(): void {
    if (indexOfName(this.carry, 'usage"') >= 0 || (this.answeredBy === undefined && indexOfName(this.carry, 'model"') >= 0)) this.readEvent(this.carry);
    this.carry = '';
  }

  /** Reads the event holding the key at `at` when its usage is an object (its model a string); returns where the next search starts. */
  private readEventAround(all: string, at: number, complete: number): number {
    // Both keys are 7 characters long.
    if (!valueFollows(all, at + 7, all.charCodeAt(at + 1) === 117 /* u */ ? 123 /* { */ : 34 /* " */)) return at + 7;
    const start = lastEventEnd(all.slice(0, at));
    const bounds = findEventEnd(all.slice(start, complete));
    const end = bounds ? start + bounds.end : complete;
    this.readEvent(all.slice(start, bounds ? start + bounds.bodyEnd : complete));
    return end;
  }

  private readEvent(body: string): void {
    const data = eventData(body);
    if (data === undefined || data.charCodeAt(0) !== 123) return;
    let obj: unknown;
    try {
      obj = JSON.parse(data);
    } catch {
      return;
    }
    if (!isObj(obj)) return;
    this.answeredBy ??= modelOf(obj, this.dialect);
    if (this.dialect === 'anthropic') {
      // message_start: message.usage; message_delta: usage, cumulative (its members replace).
      const u = obj.type === 'message_start' && isObj(obj.message) ? obj.message.usage : obj.usage;
      if (!isObj(u)) return;
      this.raw = { ...this.raw, ...numbersOf(u) };
      if (obj.type === 'message_delta') this.onFinal();
      return;
    }
    const u = isObj(obj.response) && isObj(obj.response.usage) ? obj.response.usage : obj.usage;
    if (!isObj(u)) return;
    this.raw = u;
    this.onFinal();
  }

  /** The closing usage arrived: nothing will be estimated, the kept text can go. */
  private onFinal(): void {
    this.sawFinal = true;
    if (this.kept) {
      this.kept = new TextParts();
      this.frame = undefined;
      this.keptChars = this.seenChars = 0;
    }
  }
}

/** Stream text kept for an estimate (characters): past it, the count is scaled by what followed. */
const maxKeptChars = 256 * 1024;
/** A member whose string value is generated text, up to the value's opening quote. */
const textMember = /"(?:content|text|delta|thinking|partial_json|arguments)":\s*"/g;

/**
 * The values of the members that carry generated text in the three formats (chat `content`,
 * tool-call `arguments`, Anthropic `text` / `thinking` / `partial_json`; Responses: see
 * `responsesText`), JSON escapes decoded, appended to `parts`. Whole events: a member never spans
 * two, so the text of events read one push at a time is the text of all of them read at once.
 */
function generatedText(all: string, parts: TextParts): void {
  if (!responsesType.test(all)) memberTexts(all, parts);
  else {
    for (let rest = all, bounds = findEventEnd(rest); rest.length; bounds = findEventEnd(rest)) {
      const event = bounds ? rest.slice(0, bounds.bodyEnd) : rest;
      if (!responsesType.test(event)) memberTexts(event, parts);
      else responsesText(event, parts);
      rest = bounds ? rest.slice(bounds.end) : '';
    }
  }
}

/**
 * The text before and after the value of `events`' one generated-text member (chat content, an
 * Anthropic delta's text, ...), when it has exactly one, without escapes, and is not a Responses
 * event (whose text is read from its parsed JSON); undefined otherwise.
 */
function frameOf(events: string): { head: string; tail: string } | undefined {
  if (responsesType.test(events)) return undefined;
  textMember.lastIndex = 0;
  if (!textMember.test(events)) return undefined;
  const start = textMember.lastIndex;
  const end = events.indexOf('"', start);
  if (end < 0 || events.lastIndexOf('\\', end) >= start) return undefined;
  textMember.lastIndex = end + 1;
  if (textMember.test(events)) return undefined;
  return { head: events.slice(0, start), tail: events.slice(end) };
}

/** A Responses streaming event's type member (a quote in a string value is escaped: text cannot match). */
const responsesType = /"type":\s*"response\./;

/**
 * A Responses streaming event's generated text: the `delta` of its `*.delta` events (output text,
 * refusal, reasoning and its summary, function-call and tool arguments, transcripts), never audio
 * bytes; the `*.done`, `content_part`, `output_item` and `response.*` events only repeat what the
 * deltas said (the OpenAI Responses streaming events reference), so a stream cut after them
 * counts each text once.
 */
function responsesText(event: string, parts: TextParts): void {
  const data = eventData(event);
  if (data === undefined) return;
  let obj: unknown;
  try {
    obj = JSON.parse(data);
  } catch {
    return;
  }
  if (!isObj(obj) || typeof obj.delta !== 'string' || typeof obj.type !== 'string') return;
  if (obj.type.endsWith('.delta') && obj.type !== 'response.audio.delta') parts.push(obj.delta);
}

/** The text members' values in `text`, appended to `parts`. */
function memberTexts(text: string, parts: TextParts): void {
  textMember.lastIndex = 0;
  // test, not exec: where the member's value starts is lastIndex (no match array per member).
  while (textMember.test(text)) {
    const start = textMember.lastIndex;
    let end = start;
    let escaped = false;
    for (; end < text.length && text.charCodeAt(end) !== 34; end++) {
      if (text.charCodeAt(end) === 92) {
        escaped = true;
        end++;
      }
    }
    if (end >= text.length) break;
    const raw = text.slice(start, end);
    if (!escaped) parts.push(raw);
    else {
      try {
        parts.push(JSON.parse(`"${raw}"`) as string);
      } catch {
        // not a JSON string after all: skipped
      }
    }
    textMember.lastIndex = end + 1;
  }
}

/** The members that hold counts (Anthropic's deltas leave the others out or null). */
function numbersOf(u: Json): Json {
  const out: Json = {};
  for (const k in u) if (typeof u[k] === 'number') out[k] = u[k];
  return out;
}

/** Whether the key ending at i is followed by `:` and a value starting with `open` (`{` an object, `"` a string; not `null`). */
function valueFollows(s: string, i: number, open: number): boolean {
  const start = valueStart(s, i);
  return start >= 0 && s.charCodeAt(start) === open;
}

/** The answering model an event names: an OpenAI chunk's `model`, Responses' `response.model`, Anthropic's message_start `message.model`. */
function modelOf(event: Json, dialect: UsageDialect): string | undefined {
  const holder = dialect === 'anthropic' ? (event.type === 'message_start' ? event.message : undefined) : isObj(event.response) ? event.response : event;
  const model = isObj(holder) ? holder.model : undefined;
  return typeof model === 'string' && model.length > 0 ? model : undefined;
}

/** Where the last complete event of `s` ends (0 when none has). */
export function lastEventEnd(s: string): number {
  let end = s.lastIndexOf('\n\n');
  end = end < 0 ? 0 : end + 2;
  if (s.indexOf('\r') < 0) return end;
  // CR framings: a blank line is also CRCR, LFCR (LF CR LF, CR LF CR LF).
  const rr = s.lastIndexOf('\r\r');
  if (rr >= 0 && rr + 2 > end) end = rr + 2;
  const nr = s.lastIndexOf('\n\r');
  if (nr >= 0) end = Math.max(end, s.charCodeAt(nr + 2) === 10 ? nr + 3 : nr + 2);
  return end;
}
