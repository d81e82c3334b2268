/**
 * A request's prompt text is its parts (system, messages, input, ...) joined by newlines. A
 * long-context prompt is megabytes, and on the data path nothing reads all of it: policy content
 * patterns scan only its two ends (`maxPromptScanBytes`), and often there are none. So the text
 * is joined on first read, and its ends are cut from the parts directly (`promptSource`), never
 * from a joined copy of the whole prompt.
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

const unjoined = new WeakMap<object, readonly string[]>();

/** Gives `target` an enumerable `promptText`: `source` itself, or its parts joined by newlines on first read. */
export function definePromptText<T extends object>(target: T, source: string | readonly string[]): T & { promptText: string } {
  let text = typeof source === 'string' ? source : source.length === 0 ? '' : source.length === 1 ? source[0]! : undefined;
  if (text === undefined) unjoined.set(target, source as readonly string[]);
  return Object.defineProperty(target, 'promptText', {
    enumerable: true,
    configurable: true,
    get(this: object): string {
      if (text === undefined) {
        text = unjoined.get(this)!.join(promptSeparator);
        unjoined.delete(this);
      }
      return text;
    },
    set(this: object, value: string) {
      unjoined.delete(this);
      text = value;
    },
  }) as T & { promptText: string };
}

/** The prompt as parts while they are not joined yet, else its text: what `promptLength` and `promptSlice` take. */
export function promptSource(holder: { promptText: string }): string | readonly string[] {
  return unjoined.get(holder) ?? holder.promptText ?? '';
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
