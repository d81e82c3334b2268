import { createHmac } from 'node:crypto';
import { detectorLabel, normalizeForHash } from './detectors';

export type MaskStyle = 'placeholder' | 'partial' | 'hash';

/**
 * The replacement for one detected value. Replacements contain no quotes, backslashes or
 * control characters, so masking inside a JSON-encoded string (tool arguments) keeps it valid.
 *
 * @example
 * replacement('placeholder', 'card', '4111 1111 1111 1111')          // => '[REDACTED:CARD]'
 * replacement('partial', 'card', '4111 1111 1111 1111')              // => '**** **** **** 1111'
 * replacement('hash', 'card', '4111 1111 1111 1111', Buffer.from('k')) // => '[CARD:9d2c4e1a]' (stable per key)
 */
export function replacement(style: MaskStyle, detector: string, value: string, hashKey?: Uint8Array | string): string {
  switch (style) {
    case 'partial':
      return partial(value) ?? placeholder(detector);
    case 'hash': {
      if (!hashKey) return placeholder(detector);
      const token = createHmac('sha256', hashKey).update(`${detector}\u0000${normalizeForHash(detector, value)}`).digest('hex').slice(0, 8);
      return `[${detectorLabel(detector)}:${token}]`;
    }
    default:
      return placeholder(detector);
  }
}

/** `[REDACTED:LABEL]` of each detector, made once: one is written for every value masked. */
const placeholders = new Map<string, string>();

function placeholder(detector: string): string {
  let text = placeholders.get(detector);
  if (text === undefined) {
    if (placeholders.size >= 1024) placeholders.clear(); // custom detectors' names come and go with policies
    placeholders.set(detector, (text = `[REDACTED:${detectorLabel(detector)}]`));
  }
  return text;
}

/**
 * Keeps the last four letters/digits and the separators, stars the rest; undefined when the value
 * is too short (fewer than 8 letters/digits) or too long (over 256 characters) to show a tail of.
 */
function partial(value: string): string | undefined {
  if (value.length > 256) return undefined;
  let alnum = 0;
  for (let i = 0; i < value.length; i++) if (isAlnum(value.charCodeAt(i))) alnum++;
  if (alnum < 8) return undefined;
  let keep = 4;
  const out: string[] = new Array(value.length);
  for (let i = value.length - 1; i >= 0; i--) {
    const c = value.charCodeAt(i);
    if (!isAlnum(c)) out[i] = /[\s\-.@()+:/_]/.test(value[i]) ? value[i] : '*';
    else if (keep > 0) {
      out[i] = value[i];
      keep--;
    } else out[i] = '*';
  }
  return out.join('');
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
