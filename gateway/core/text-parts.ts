/** Parts (or joined runs of one size) that become one string: bounds the list a long stream keeps. */
const groupParts = 8;
/**
 * Room of the list at the first push. A list made by `[]` gets room for 17 at its first push, and
 * a stream keeps a few of these for its life, thousands of streams at once: 4 is enough for a
 * stream's first events, and the list doubles when it is full (most streams stay at 4 or 8).
 */
const firstRoom = 4;
/** The list of every TextParts before its first push (never written: a push makes room first). */
const noParts: (string | undefined)[] = [];

/**
 * A text that grows by small parts over a long time (a stream's events, seconds apart), kept
 * for reading once at the end. A string grown by `+=` adds a cons-string per part (≈ 32 B, as
 * much as a short part itself) for the text's life; here the parts are kept as they came, and
 * joined as a counter carries: every `groupParts` parts become one string, every `groupParts` of
 * those one string, and so on. So the list holds at most `groupParts - 1` entries of each size
 * (a few for a stream of a few dozen events), a push stores a reference (no new object: what an
 * event stores lives until the next event, long enough to be promoted and die in old space), and
 * each character is copied once per size, a few times in all.
 *
 * @example
 * const t = new TextParts();
 * t.push('Hel'); t.push('lo');
 * t.text() // => 'Hello'
 */
export class TextParts {
  /** The entries, largest first, then room: `join` reads the room past `count` as nothing. */
  private parts = noParts;
  private count = 0;
  /** Parts pushed: its digits in base `groupParts` are how many entries of each size the list holds. */
  private pushed = 0;
  private chars = 0;

  push(part: string): void {
    this.chars += part.length;
    let n = ++this.pushed;
    if (n % groupParts !== 0) {
      if (this.count === this.parts.length) this.grow();
      this.parts[this.count++] = part;
      return;
    }
    // The part completes a run of groupParts entries (and maybe a run of those, ...): one string.
    let joined = part;
    for (; n % groupParts === 0; n /= groupParts) joined = this.joinLast(joined);
    this.parts[this.count++] = joined;
  }

  /** Characters in all parts. */
  get length(): number {
    return this.chars;
  }

  text(): string {
    return this.count === 1 ? this.parts[0]! : this.parts.join('');
  }

  /** The last `groupParts - 1` entries and `last`, joined; their places become room. */
  private joinLast(last: string): string {
    const parts = this.parts;
    const from = this.count - (groupParts - 1);
    const run: (string | undefined)[] = new Array(groupParts);
    for (let i = 0; i < groupParts - 1; i++) run[i] = parts[from + i];
    run[groupParts - 1] = last;
    for (let i = from; i < this.count; i++) parts[i] = undefined;
    this.count = from;
    return run.join('');
  }

  private grow(): void {
    const bigger: (string | undefined)[] = new Array(Math.max(firstRoom, this.parts.length * 2));
    for (let i = 0; i < this.count; i++) bigger[i] = this.parts[i];
    this.parts = bigger;
  }
}
