/**
 * A request's prompt text is its parts (system, messages, input, ...) joined by newlines. A
 * long-context prompt is megabytes, and on the data path nothing reads all of it: policy content
 * patterns scan only its two ends (`maxPromptScanBytes`), and often there are none. So a long
 * prompt's text is joined on first read, and its ends are cut from the parts directly
 * (`promptSource`), never from a joined copy of the whole prompt; a short one is joined at once.
 *
 * The parts are known only for the very object `definePromptText` gave the property to, and only
 * while its text is theirs: setting `promptText` drops them, and a copy (`{ ...request }`) holds
 * the joined text, not the parts.
 *
 * @example
 * const facts = definePromptText({ model: 'gpt-4o' }, ['be brief', 'hi']);
 * promptSource(facts) // => ['be brief', 'hi'] (nothing joined yet)
 * facts.promptText    // => 'be brief\nhi'
 */
import { joinedLength, joinedSlice } from './joined-text';

/** Each holder's prompt: its parts while not joined yet, then the text. */
const sources = new WeakMap<object, string | readonly string[]>();

// One accessor pair for every holder, its state in `sources`: a holder keeps V8's fast (shared
// shape) properties, where a pair of closures per object made each one a dictionary (≈ 530 B more
// per request, thousands of which may be held or streaming at once).
const promptTextProperty: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: object): string {
    const source = sources.get(this);
    if (typeof source === 'string' || source === undefined) return source ?? '';
    const text = source.join(promptSeparator);
    sources.set(this, text);
    return text;
  },
  set(this: object, value: string) {
    sources.set(this, value);
  },
};

/**
 * A prompt up to this long is joined at once (a copy of at most this much) and is a plain
 * property: the accessor and its entry in `sources` (a defineProperty and a WeakMap entry per
 * holder, two holders per request) cost more than joining a short prompt, which is most of them.
 */
export const joinedAtOnceChars = 16 * 1024;

/** Gives `target` an enumerable `promptText`: `source` itself, or its parts joined by newlines (on first read when they are long). */
export function definePromptText<T extends object>(target: T, source: string | readonly string[]): T & { promptText: string } {
  const holder = target as T & { promptText: string };
  if (typeof source === 'string') holder.promptText = source;
  else if (source.length <= 1) holder.promptText = source.length === 0 ? '' : source[0]!;
  else if (joinedLength(source, promptSeparator) <= joinedAtOnceChars) holder.promptText = source.join(promptSeparator);
  else {
    sources.set(target, source);
    Object.defineProperty(target, 'promptText', promptTextProperty);
  }
  return holder;
}

/** The prompt as parts while they are not joined yet, else its text: what `promptLength` and `promptSlice` take. */
export function promptSource(holder: { promptText: string }): string | readonly string[] {
  return sources.get(holder) ?? holder.promptText ?? '';
}

/** What joins the parts of a prompt. */
export const promptSeparator = '\n';

/** The length of the prompt `promptSource` gave, without joining its parts. */
export function promptLength(source: string | readonly string[]): number {
  return typeof source === 'string' ? source.length : joinedLength(source, promptSeparator);
}

/** `promptText.slice(from, to)` of the prompt `promptSource` gave, without joining its parts. */
export function promptSlice(source: string | readonly string[], from: number, to: number): string {
  return typeof source === 'string' ? source.slice(from, to) : joinedSlice(source, promptSeparator, from, to);
}
