import type { CompiledMasking, CompiledRule } from './compile';
import { parseConcretePath } from './json-path';
import { applyMasks, detect, ReportBuilder, type AttributedDetection } from './mask-text';
import { quietAfter } from './quiet-text';
import { riskyTailStart } from './stream-holdback';
import { memberNames } from './value-context';

/** Released text keeps this much unmasked context for lookbehinds and context words of later text. */
const contextKeep = 64;
/** Room of the list of released strings (see `released`): a stream keeps one for its life. */
const releasedRoom = 8;
const pemEnd = /-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/;
const valueEnd = /\s/;

export interface StreamTextMaskerOptions {
  /** Rules applied to this text (already selected for the copy and the slot's path). */
  rules: readonly CompiledRule[];
  hashKey?: Uint8Array | string;
  /** Longest tail held back; past it the oldest part is masked and released. Default 8192. */
  maxHoldChars?: number;
  /** Path reported for this text, e.g. $.choices[0].message.content; its member names count as context. */
  path: string;
  report?: ReportBuilder;
}

/**
 * Masks one text that arrives in pieces (a streamed answer). Each push returns at once
 * everything that can no longer become part of a detected value, masked; only the risky tail
 * waits for the next piece (see `riskyTailStart`). `end()` masks and returns what is left.
 *
 * @example
 * const m = new StreamTextMasker(compiled, { rules: selectRules(compiled, 'client'), path: '$' });
 * m.push('Write to jo')   // => 'Write to '
 * m.push('hn@example.c')  // => ''
 * m.push('om now. ')      // => '[REDACTED:EMAIL] now. '
 * m.end()                 // => ''
 */
export class StreamTextMasker {
  /**
   * The released text, as the strings it was released in, whose last `contextKeep` characters
   * are the context (see `context()`). Kept as parts rather than one string: a stream's event
   * mostly releases its text whole, the same string its caller keeps for the audit copy, so an
   * event adds a reference here instead of a new context string (which would live until the next
   * event, seconds later, be promoted and die in old space). The list has room for `releasedRoom`
   * (`join` reads the room past `releasedCount` as nothing); when it is full, its parts are
   * joined into one, a string per `releasedRoom` releases rather than per release. Made at the
   * first release.
   */
  private released: (string | undefined)[] | undefined;
  private releasedCount = 0;
  /** Characters in `released`. */
  private releasedChars = 0;
  private pending = '';
  /** Set while dropping the rest of a value whose start was released masked by a forced release. */
  private swallowing: RegExp | null = null;
  private readonly maxHold: number;
  private readonly hashKey: Uint8Array | string;
  private readonly customSpansWhitespace: boolean;
  /** Custom detectors are user regexes: `quietAfter` cannot rule them out. */
  private readonly hasCustom: boolean;
  /** The member names of the path (context for the detectors that need it). */
  private readonly names: string;

  constructor(private readonly compiled: CompiledMasking, private readonly options: StreamTextMaskerOptions) {
    this.maxHold = options.maxHoldChars ?? 8192;
    this.hashKey = options.hashKey ?? compiled.hashKey;
    this.customSpansWhitespace = options.rules.some((r) => r.custom.some((c) => c.spansWhitespace));
    this.hasCustom = options.rules.some((r) => r.custom.length > 0);
    this.names = namesOf(options.path);
  }

  /** Held-back characters right now (for tests and metrics). */
  get held(): number {
    return this.pending.length;
  }

  push(text: string): string {
    if (this.options.rules.length === 0) return text;
    if (this.swallowing) {
      text = this.swallow(this.pending + text);
      this.pending = '';
      if (this.swallowing) return '';
    }
    // The risky tail is found in the unreleased text alone (riskyTailStart never looks before
    // `from`), so a push that releases nothing costs no copy of the context.
    const tail = this.pending + text;
    const tailHold = riskyTailStart(tail, 0, this.customSpansWhitespace);
    // Nothing can be released (the new text only grows the risky tail): no scan needed yet.
    if (tailHold === 0 && tail.length <= this.maxHold) {
      this.pending = tail;
      return '';
    }
    const context = this.context();
    const from = context.length;
    const buf = context + tail;
    let hold = from + tailHold;
    const found = this.detectNew(buf, from);
    // A value that reaches into the held tail could still grow: hold it whole.
    for (let i = found.length - 1; i >= 0; i--) {
      const d = found[i];
      if (d.end > hold || d.end === buf.length) {
        if (d.start < hold) hold = Math.max(from, d.start);
      }
    }
    let forced = false;
    if (buf.length - hold > this.maxHold) {
      hold = buf.length - this.maxHold;
      forced = true;
    }
    const out = this.release(buf, from, hold, found);
    // The released part of this push: the pushed text itself when it went out whole.
    this.keepReleased(hold - from === text.length && tail === text ? text : tail.slice(0, hold - from));
    if (forced) {
      // A value cut by a forced release: its placeholder is out; drop the rest of it as it comes.
      const cut = found.find((d) => d.start < hold && d.end > hold);
      if (cut) {
        this.swallowing = cut.detector === 'pem' ? pemEnd : valueEnd;
        this.pending = this.swallow(this.pending);
      }
    }
    return out;
  }

  /** Drops text up to the end of the value being swallowed; returns what follows it. */
  private swallow(text: string): string {
    const m = this.swallowing!.exec(text);
    if (!m) return '';
    this.swallowing = null;
    this.released?.fill(undefined);
    this.releasedCount = 0;
    this.releasedChars = 0;
    return text.slice(m.index + (this.swallowing === null && m[0].trim() ? m[0].length : 0));
  }

  end(): string {
    if (this.swallowing) {
      this.pending = this.swallow(this.pending);
      if (this.swallowing) return '';
    }
    if (this.options.rules.length === 0 || this.pending.length === 0) return '';
    const context = this.context();
    const from = context.length;
    const buf = context + this.pending;
    const out = this.release(buf, from, buf.length, this.detectNew(buf, from));
    this.keepReleased(buf.slice(from));
    return out;
  }

  /** The last `contextKeep` characters released: unmasked context for lookbehinds and context words. */
  private context(): string {
    const parts = this.released;
    if (parts === undefined || this.releasedCount === 0) return '';
    const all = this.releasedCount === 1 ? parts[0]! : parts.join('');
    return all.length > contextKeep ? all.slice(all.length - contextKeep) : all;
  }

  /** Adds released text and drops the parts the context no longer reaches. */
  private keepReleased(text: string): void {
    if (text.length === 0) return;
    const parts = (this.released ??= new Array(releasedRoom));
    if (this.releasedCount === parts.length) {
      // Full: its parts become one (joined, not sliced: a slice would keep the joined text too).
      parts[0] = parts.join('');
      for (let i = 1; i < parts.length; i++) parts[i] = undefined;
      this.releasedCount = 1;
    }
    parts[this.releasedCount++] = text;
    this.releasedChars += text.length;
    let drop = 0;
    while (this.releasedChars - parts[drop]!.length >= contextKeep) this.releasedChars -= parts[drop++]!.length;
    if (drop === 0) return;
    const count = this.releasedCount;
    for (let i = drop; i < count; i++) parts[i - drop] = parts[i];
    for (let i = count - drop; i < count; i++) parts[i] = undefined;
    this.releasedCount = count - drop;
  }

  /**
   * The detections that matter for text from `from` on (those ending after it), among others.
   * Released text is never rescanned for its own sake: when no detection can end in the new
   * text (`quietAfter`), the scan is skipped.
   */
  private detectNew(buf: string, from: number): AttributedDetection[] {
    if (!this.hasCustom && quietAfter(buf, from)) return [];
    return detect(buf, this.compiled, this.options.rules, this.names);
  }

  private release(buf: string, from: number, hold: number, found: AttributedDetection[]): string {
    const applied: AttributedDetection[] = [];
    for (const d of found) {
      if (d.end <= from || d.start >= hold) continue;
      // Clamped to the released part: whatever overlaps earlier or later text is masked there.
      applied.push({ ...d, start: Math.max(d.start, from) - from, end: Math.min(d.end, hold) - from });
      this.options.report?.add(d.rule.name, d.detector, this.options.path);
    }
    const raw = buf.slice(from, hold);
    this.pending = buf.slice(hold);
    return applyMasks(raw, applied, this.hashKey);
  }
}

/** Member names by path: a stream's slots have a few paths, the same in every stream. */
const namesByPath = new Map<string, string>();
const maxPaths = 256;

/**
 * The member names of a path, one string shared by every masker of that path: each stream's
 * masker keeps them for the stream's life, and made per masker they were a few strings and
 * cons-strings (≈ 150 B) per stream.
 */
function namesOf(path: string): string {
  let names = namesByPath.get(path);
  if (names === undefined) {
    names = memberNames(parseConcretePath(path));
    // Paths with indexes are bounded by what upstreams send; past the bound, made per masker.
    if (namesByPath.size < maxPaths) namesByPath.set(path, names);
  }
  return names;
}
