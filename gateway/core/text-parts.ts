/** Parts added before they are joined into one: bounds the list a long stream keeps. */
const groupParts = 16;

/**
 * A text that grows by small parts over a long time (a stream's events, seconds apart), kept
 * for reading once at the end. A string grown by `+=` adds a cons-string per part (≈ 32 B, as
 * much as a short part itself) for the text's life; here the parts are kept as they came and
 * every `groupParts` of them joined into one string, so each character is copied once and the
 * text keeps ≈ one string per `groupParts` parts.
 *
 * @example
 * const t = new TextParts();
 * t.push('Hel'); t.push('lo');
 * t.text() // => 'Hello'
 */
export class TextParts {
  private readonly parts: string[] = [];
  /** Parts before this index are joined groups; from it on, parts as they came. */
  private joined = 0;
  private chars = 0;

  push(part: string): void {
    const parts = this.parts;
    parts.push(part);
    this.chars += part.length;
    if (parts.length - this.joined < groupParts) return;
    const group = parts.slice(this.joined).join('');
    parts.length = this.joined;
    parts.push(group);
    this.joined++;
  }

  /** Characters in all parts. */
  get length(): number {
    return this.chars;
  }

  text(): string {
    return this.parts.join('');
  }
}
