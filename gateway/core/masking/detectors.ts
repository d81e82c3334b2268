import { base62Crc32Valid, cardPrefixValid, ibanLength, ibanValid, luhnValid, ssnValid } from './checksums';
import type { PassName } from './passes';
import { contextWords, type ValueContext } from './value-context';
import { phoneDigits } from './phone-layout';
import { defaultPhoneRegions, internationalPhone, nationalPhone, regionPlans, type RegionPlan } from './phone-numbers';

/**
 * The built-in detectors. Each is one or more regex alternatives (compiled together into one
 * combined scan by `scanner.ts`) plus a check that validates a candidate (checksums, number
 * plans, context words), may narrow it, and gives its confidence.
 *
 * Every alternative starts at a token boundary (a lookbehind), so a long run of word characters
 * is tried once, not at each position: the scan stays linear. Context words are only looked for
 * BEFORE a candidate, so a streamed text decides the same way as the whole text.
 *
 * How to add a detector: add its name to `builtinDetectorNames` (and to the schema enums), give
 * it an alternative below with a `check`, a label, and a row in test/unit/core/masking/detectors.test.ts;
 * keep its pass's gates (`passes.ts`) and `quietAfter` (`quiet-text.ts`) true for it (see gateway/AGENTS.md).
 */
export const builtinDetectorNames = [
  'card', 'iban', 'ssn', 'email', 'phone', 'ip', 'aws-key', 'pem', 'jwt', 'bearer', 'api-key', 'github-token', 'secret',
] as const;
export type BuiltinDetectorName = (typeof builtinDetectorNames)[number];

/** Detectors the alias `secret` selects. */
export const secretDetectorNames: readonly BuiltinDetectorName[] = ['aws-key', 'pem', 'jwt', 'bearer', 'api-key', 'github-token', 'secret'];

/** A validated candidate: the span to mask (may be narrower than the regex match) and its confidence 0..1. */
export interface Hit {
  start: number;
  end: number;
  confidence: number;
}

export interface Alternative {
  detector: BuiltinDetectorName;
  /** Alternatives of one pass are combined into one regex; passes are kept apart so each starts on a narrow set of characters. */
  pass: PassName;
  /** Regex source; may contain capture groups (they are counted when combined). */
  source: string;
  /**
   * Validates the candidate text[start, end); `groups` are this alternative's own capture groups.
   * A detector that needs context words asks `context.has(words, start)`: the words before the
   * value and the member names of the JSON value holding it (see `value-context.ts`).
   */
  check(text: string, start: number, end: number, groups: readonly (string | undefined)[], context: ValueContext): Hit | null;
}

// Context words, before a value or in its member names (a plural there names each value of an
// array: `phones`, `ssns`). Phones are named by nouns in keys: verbs like "call" and vague words
// like "contact" are context in prose only (`tool_calls`); "number" is context nowhere (an order
// number, a social security number).
const ssnContext = /\b(?:ssn|ss#|social[\s_-]*security|soc\.?\s*sec|tax[\s_-]*id|taxpayer|itin|tin)s?\b/i;
const phoneContext = /\b(?:phone|tel|telephone|mobile|cell|call|fax|whatsapp|sms|text me|contact)\b/i;
const phoneNames = /\b(?:phone|tel|telephone|mobile|cell|cellphone|fax|whatsapp|sms|msisdn)s?\b/i;
/** A phone word just before a value, then at most a "no."/"number", punctuation and quotes (never a string boundary). */
const adjacentPhoneWord = /\b(?:phone|tel|telephone|mobile|cell|call|fax|whatsapp|sms|text me|contact)(?:[ \t.:#=("'-]{0,3}(?:no|nr|number))?[ \t.:#=("'-]{1,4}$/i;
/** Matches nothing: asks a ValueContext about member names only. */
const nothing = /(?!)/;
const awsSecretContext = /(?:aws|secret|access[\s_-]*key)/i;

/** Case-insensitive regex source for a literal word, without the `i` flag (the combined scan is case-sensitive). */
function ci(word: string): string {
  return word.replace(/[a-z]/gi, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);
}

const nonDigit = /\D/g;
const digitsOf = (s: string) => s.replace(nonDigit, '');
/**
 * A hit, made in the shape of the scanner's `Detection` (its detector filled in there): a value
 * found is one object, not a hit and then a detection (issue 23: allocation per value).
 */
const full = (start: number, end: number, confidence: number): Hit => {
  const hit: Hit & { detector: string } = { detector: '', start, end, confidence };
  return hit;
};

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isUpperOrDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
}

/**
 * Whether text[start, end) lies inside a run shaped like an IBAN: a country code and two check
 * digits, then capitals and digits in groups (single spaces between), exactly as long as that
 * country's IBAN (ISO 13616). Such a run is one value: masked whole as an IBAN when its mod-97
 * holds, and never cut into a card, an SSN or a phone number when it does not.
 *
 * @example
 * insideIbanShape('SE84 4215 9376 4599 4332 1777', 5, 24) // => true
 */
export function insideIbanShape(text: string, start: number, end: number): boolean {
  // The country code lies at most 34 characters (and 8 group spaces) back.
  for (let h = start - 1; h >= 0 && start - h <= 42; h--) {
    const c = text.charCodeAt(h);
    if (c === 32) {
      if (h === 0 || text.charCodeAt(h - 1) === 32) return false;
      continue;
    }
    if (!isUpperOrDigit(c)) return false;
    if (h > 0 && isAlnum(text.charCodeAt(h - 1))) continue;
    // A group starts at h: the country code and check digits, or an earlier group.
    const want = ibanLength(text.slice(h, h + 2));
    if (!want || !isDigit(text.charCodeAt(h + 2)) || !isDigit(text.charCodeAt(h + 3))) continue;
    let count = 0;
    let i = h;
    for (; i < text.length && count < want; i++) {
      const d = text.charCodeAt(i);
      if (isUpperOrDigit(d)) count++;
      else if (d !== 32 || text.charCodeAt(i - 1) === 32) break;
    }
    // A group inside the BBAN may look like a country code too ("FK65 GI84 …"): look further back.
    if (count === want && i >= end && !isAlnum(text.charCodeAt(i))) return true;
  }
  return false;
}

function isAlnum(c: number): boolean {
  return isUpperOrDigit(c) || (c >= 97 && c <= 122);
}

/** A run of digit groups (single space or dash between groups): the whole run, so windows can be checked. */
function checkCard(text: string, start: number, end: number): Hit | null {
  // The run's digits, collected once; each group knows where its digits begin in them.
  let digits = '';
  const groups: { start: number; end: number; at: number }[] = [];
  for (let i = start; i < end;) {
    if (!isDigit(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < end && isDigit(text.charCodeAt(j))) j++;
    groups.push({ start: i, end: j, at: digits.length });
    digits += text.slice(i, j);
    i = j;
  }
  // Longest window of whole groups first: "order 12 4111 1111 1111 1111" finds the card inside.
  for (let size = groups.length; size >= 1; size--) {
    for (let i = 0; i + size <= groups.length; i++) {
      const first = groups[i];
      const last = groups[i + size - 1];
      const from = first.at;
      const to = last.at + last.end - last.start;
      if (to - from < 13 || to - from > 19) continue;
      // A window ends where the card's own grouping does: not inside "843-31-7208" after "9337 843";
      // and cards are printed in groups of three digits or more with one separator, not "5983 09 78 75 59".
      if (size > 1 && last.end < end && text[last.end] !== text[last.start - 1]) continue;
      if (size > 1 && !printedAsCard(text, groups, i, size)) continue;
      const number = digits.slice(from, to);
      if (cardPrefixValid(number) && luhnValid(number)) return insideIbanShape(text, first.start, last.end) ? null : full(first.start, last.end, 0.95);
    }
  }
  return null;
}

/** Groups of three digits or more, one kind of separator between them (not "6721 9485 3694-151667"). */
function printedAsCard(text: string, groups: readonly { start: number; end: number }[], from: number, size: number): boolean {
  const sep = text[groups[from + 1].start - 1];
  for (let k = from; k < from + size; k++) {
    if (groups[k].end - groups[k].start < 3 || (k > from && text[groups[k].start - 1] !== sep)) return false;
  }
  return true;
}

function checkIban(text: string, start: number, end: number): Hit | null {
  const want = ibanLength(text.slice(start, start + 2));
  if (!want) return null;
  // Take exactly the country's length of characters (a trailing word may have been swallowed).
  let count = 0;
  let i = start;
  for (; i < end && count < want; i++) if (text[i] !== ' ') count++;
  if (count !== want) return null;
  const next = text[i];
  if (next !== undefined && /[A-Za-z0-9]/.test(next)) return null;
  const compact = text.slice(start, i).replace(/ /g, '');
  return ibanValid(compact) ? full(start, i, 0.95) : null;
}

function checkSsn(text: string, start: number, end: number, g: readonly (string | undefined)[], context: ValueContext): Hit | null {
  const [area, sep, group, sep2, serial] = g as string[];
  if (sep !== sep2 || !ssnValid(area, group, serial) || (sep === ' ' && insideIbanShape(text, start, end))) return null;
  if (sep !== '-' && text[end] === ' ' && isDigit(text.charCodeAt(end + 1))) return null;
  if (sep === '-') return full(start, end, 0.85);
  const base = sep === ' ' ? 0.45 : 0.3;
  return full(start, end, context.has(ssnContext, start) ? base + 0.5 : base);
}

// runBreak's test, made once: a regular expression literal is a new object each time it is evaluated.
const doubledSeparator = /[ .-]{2}/;

/**
 * How many groups of one digit text[from, to) has: OIDs and versions (1.3.6.1.4.1) have many,
 * numbers few. Counted in place: called for every phone-shaped candidate.
 */
function oneDigitGroups(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    if (isDigit(text.charCodeAt(i)) && (i === from || !isDigit(text.charCodeAt(i - 1))) && (i + 1 === to || !isDigit(text.charCodeAt(i + 1)))) count++;
  }
  return count;
}

/**
 * Thousands grouping (1 234 567, 12.345.678): a first group of one to three digits not starting
 * with 0, then groups of three. Amounts are written so; national numbers (with their trunk 0, or
 * grouped by the plan) are not.
 */
function thousandsGrouped(value: string): boolean {
  return /^[1-9]\d{0,2}(?:[ .]\d{3}){2,}$/.test(value);
}

/**
 * '+', a country calling code and the national number (E.164), for every country. The run may
 * go on into another value ("+1 414 468 1751 4389 1442 3268 3879"): then the longest run of
 * whole groups from the '+' that is a number counts.
 */
function checkInternationalPhone(text: string, start: number, end: number, context: ValueContext): Hit | null {
  const run = runBreak(text, start, end);
  if (oneDigitGroups(text, start, run) > 2) return null;
  for (let to = run; to > start; to = lastGroupStart(text, start, to)) {
    const value = text.slice(start, to);
    const digits = phoneDigits(value);
    // E.164 numbers have at most 15 digits; a written "(0)" trunk hint adds one.
    if (digits === null || digits.length > 16) continue;
    if (digits.length < 8) return null;
    const validity = internationalPhone(value, digits);
    if (validity === 'valid') return full(start, to, 0.9);
    if (validity) return full(start, to, context.has(phoneContext, start, phoneNames) ? 0.8 : 0.6);
  }
  return null;
}

/**
 * Whether a candidate at `start` goes on the grouping of digits before it, as the tail of a
 * grouped card or order number does (4070 0843 4835 7855): the group just before it has the
 * length of its first group (an area code in parentheses starts a number of its own).
 */
function continuesGrouping(text: string, start: number, value: string): boolean {
  if (value[0] === '(') return false;
  const before = /(?:^|[^\w.-])(\d{1,6})([ -])$/.exec(text.slice(Math.max(0, start - 8), start));
  if (before === null) return false;
  // A grouping is written with one separator: "50 07.66.32.72.39" is a count, then a number.
  const first = /^(\d+)([ .-])?/.exec(value)!;
  return before[1].length === first[1].length && (first[2] === undefined || first[2] === before[2]);
}

/** Where a run of digits and separators stops being one number: at doubled separators ("9083. (3.9"), back to its last digit. */
function runBreak(text: string, start: number, end: number): number {
  const twice = doubledSeparator.exec(text.slice(start, end));
  let to = twice ? start + twice.index : end;
  while (to > start && !isDigit(text.charCodeAt(to - 1))) to--;
  return to;
}

/**
 * Where the run [start, to) ends once its last space-separated part is dropped (a part joined by
 * dashes or dots, 501-32-5705, is not cut), back to its last digit.
 */
function lastGroupStart(text: string, start: number, to: number): number {
  let i = to;
  while (i > start && text.charCodeAt(i - 1) !== 32) i--;
  while (i > start && !isDigit(text.charCodeAt(i - 1))) i--;
  return i;
}

/**
 * A national number of one of the configured regions: the longest run of whole groups that is
 * laid out like a phone number. Written with separators it is masked on its own; a bare run of
 * digits (an id, an order number) only when named. A number whose length fits but whose range
 * is not assigned (an unassigned area code, Ofcom's 07700 900xxx drama range) counts when written
 * exactly as the plan formats numbers, else only when named.
 */
function checkNationalPhone(text: string, start: number, end: number, plans: readonly RegionPlan[], context: ValueContext): Hit | null {
  const run = runBreak(text, start, end);
  // Shortening a run never turns an OID or a version into a number.
  if (oneDigitGroups(text, start, run) > 2) return null;
  for (let to = run; to > start; to = lastGroupStart(text, start, to)) {
    const value = text.slice(start, to);
    const digits = phoneDigits(value);
    if (digits === null || digits.length > 14) continue;
    // At least 9 digits: the numeric pass's gate (thinNumberRunEnd) passes shorter runs over.
    if (digits.length < 9 || thousandsGrouped(value)) return null;
    return nationalPhoneAt(text, start, to, value, digits, plans, context);
  }
  return null;
}

function nationalPhoneAt(text: string, start: number, end: number, value: string, digits: string, plans: readonly RegionPlan[], context: ValueContext): Hit | null {
  if (continuesGrouping(text, start, value)) return null;
  const compact = digits.length === value.length;
  // A bare run of digits is an id, an order number or a timestamp unless it is named: by a phone
  // word right before it ("phone: 4155552671") or by its member names (decided before the plans
  // are asked: they cost 10-40 µs a number). A phone word further back is not enough for it.
  const named = compact
    ? adjacentPhoneWord.test(contextWords(text.slice(Math.max(0, start - 24), start))) || context.has(nothing, start, phoneNames)
    : context.has(phoneContext, start, phoneNames);
  if (!named && compact) return null;
  const validity = nationalPhone(value, digits, plans);
  if (!validity || insideIbanShape(text, start, end)) return null;
  if (validity === 'valid') return full(start, end, named ? 0.9 : 0.75);
  // No weak hit without context: it would hide what else the run holds (an SSN after "14 ").
  if (!named && validity === 'possible') return null;
  return full(start, end, named ? 0.7 : 0.6);
}

function countColons(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 58) n++;
  return n;
}

/** Whether '::' occurs in text[from, to): searched in a slice, so it stops at `to`, not at the end of a long text. */
function hasDoubleColon(text: string, from: number, to: number): boolean {
  return text.slice(from, to).indexOf('::') >= 0;
}

/** IPv6: the regex starts at the first ':'; the check walks back over the first group. */
function checkIpv6(text: string, at: number, end: number): Hit | null {
  // Cheap refusal first: times like 12:34:56 have neither '::' nor seven colons.
  if (!hasDoubleColon(text, at, end) && countColons(text, at, end) < 7) return null;
  let start = at;
  while (start > 0 && at - start < 4 && /[0-9A-Fa-f]/.test(text[start - 1])) start--;
  if (start > 0 && /[\w:.]/.test(text[start - 1])) return null;
  if (text[end - 1] === ':' && text[end - 2] !== ':') return null;
  const value = text.slice(start, end);
  if (!/\d/.test(value)) return null;
  const halves = value.split('::');
  if (halves.length > 2) return null;
  const parts = (s: string) => (s === '' ? [] : s.split(':'));
  const head = parts(halves[0]);
  const tail = halves.length === 2 ? parts(halves[1]) : [];
  const all = [...head, ...tail];
  if (!all.every((p) => /^[0-9A-Fa-f]{1,4}$/.test(p))) return null;
  if (halves.length === 1 ? all.length !== 8 : all.length > 7) return null;
  return full(start, end, 0.85);
}

function checkAwsSecret(text: string, start: number, end: number, _g: readonly (string | undefined)[], context: ValueContext): Hit | null {
  const value = text.slice(start, end);
  // A hex digest (sha1 is 40 characters too) is not a key: keys mix cases and digits.
  if (!/[A-Z]/.test(value) || !/[a-z]/.test(value) || !/[0-9/+]/.test(value)) return null;
  return full(start, end, context.has(awsSecretContext, start) ? 0.85 : 0.3);
}

/** The value after `Bearer `: the token only, so the scheme word stays readable. */
function checkBearer(text: string, start: number, end: number): Hit | null {
  let s = start + 6;
  while (text[s] === ' ' || text[s] === '\t') s++;
  return full(s, end, 0.9);
}

function checkAssignment(_text: string, _start: number, end: number, g: readonly (string | undefined)[]): Hit | null {
  const value = g[0] ?? '';
  if (/^(?:\*+|x+|\[redacted[^\]]*\]|<[^>]*>|null|none|true|false|undefined|changeme)$/i.test(value)) return null;
  if (/^\[[A-Z-]+:/.test(value) || value.startsWith('[REDACTED')) return null;
  return full(end - value.length, end, 0.75);
}

const numericRunEnd = String.raw`(?![\w]|[ -]\d|-[A-Za-z])`;
const hex4 = '[0-9A-Fa-f]';

/** Email: the regex starts at '@' (fast to find); the check walks back over the local part. */
function isLocalPartChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
}

function checkEmail(text: string, at: number, end: number): Hit | null {
  let s = at;
  while (s > 0 && at - s < 64 && isLocalPartChar(text.charCodeAt(s - 1))) s--;
  if (s === at || (s > 0 && isLocalPartChar(text.charCodeAt(s - 1)))) return null;
  if (text[s] === '.' || text[at - 1] === '.') return null;
  return full(s, end, 0.9);
}

/**
 * Provider key formats, from each issuer's documentation (each starts with its literal prefix and
 * a lookbehind, so it is tried only at a token boundary). The README's masking section lists them.
 */
const providerKeyFormats = [
  // OpenAI (sk-, sk-proj-, sk-svcacct-, sk-admin-) and Anthropic (sk-ant-api03-, sk-ant-admin01-, sk-ant-oat01-).
  String.raw`sk-(?<![\w-]sk-)[A-Za-z0-9_-]{20,}`,
  // Stripe secret and restricted keys, live and test mode (publishable pk_ keys are public), and webhook signing secrets.
  String.raw`[sr]k_(?<![\w-][sr]k_)(?:live|test)_[A-Za-z0-9]{16,}`,
  String.raw`whsec_(?<![\w-]whsec_)[A-Za-z0-9+/=]{32,}`,
  // Google API keys: AIza and 35 more characters.
  String.raw`AIza(?<![\w-]AIza)[0-9A-Za-z_-]{35}`,
  // Slack: bot xoxb-, user xoxp-, workspace xoxa-, refresh xoxr-, legacy xoxs-, rotating config xoxe- and
  // xoxe.xoxp-/xoxe.xoxb-, client session xoxc-/xoxd-, and app-level xapp-<digit>-.
  String.raw`xox(?<![\w-]xox)(?:[abcdeprs]|e\.xox[bp])-[A-Za-z0-9-]{10,}`,
  String.raw`xapp-(?<![\w-]xapp-)\d-[A-Za-z0-9-]{10,}`,
  // GitLab tokens by prefix (personal, OAuth app secret, deploy, runner, CI job, trigger, feed,
  // incoming mail, agent, SCIM, feature flag, workspace); routable tokens add .<version>.<crc> parts.
  String.raw`gl(?<![\w-]gl)(?:pat|oas|dt|rt|cbt|ptt|ft|imt|agent|soat|ffct|wt)-[A-Za-z0-9_-]{20,}(?:\.[A-Za-z0-9_-]+)*`,
  // npm granular tokens: npm_ and 36 base62 characters (the last 6 a CRC32 checksum).
  String.raw`npm_(?<![\w-]npm_)[A-Za-z0-9]{36}`,
  // Hugging Face user (hf_) and legacy organization (api_org_) tokens: 34 characters.
  String.raw`hf_(?<![\w-]hf_)[A-Za-z0-9]{34,}`,
  String.raw`api_org_(?<![\w-]api_org_)[A-Za-z0-9]{34,}`,
  // Slack incoming-webhook and workflow URLs (the path is the credential): services/T…/B…/<24>,
  // workflows/T…/A…/<id>/<secret>, triggers/T…/<id>/<secret>.
  String.raw`(?:https?://)?hooks(?<![\w.-]hooks)\.slack\.com/(?:services|workflows|triggers)/T[A-Z0-9]{6,12}(?:/[A-Za-z0-9]{6,64}){2,3}`,
];

/** A provider key; an npm token whose checksum holds is certain. */
function checkProviderKey(text: string, start: number, end: number): Hit {
  const npm = text.startsWith('npm_', start) && base62Crc32Valid(text.slice(start + 4, end));
  return full(start, end, npm ? 0.99 : 0.95);
}

/** A GitHub token; a classic one (gh?_ + 30 + 6) whose CRC32 checksum holds is certain. */
function checkGithubToken(text: string, start: number, end: number): Hit {
  const classic = text[start + 3] === '_' && end - start === 40 && base62Crc32Valid(text.slice(start + 4, end));
  return full(start, end, classic ? 0.99 : 0.97);
}

/** Settings of the built-in detectors (config `masking.phoneRegions`). */
export interface DetectorSettings {
  /** Regions whose national phone formats are recognized (ISO 3166-1 alpha-2); E.164 numbers are, for every country. */
  phoneRegions?: readonly string[];
}

/**
 * The built-in alternatives, in priority order: at one position, the first alternative (of a
 * pass) that validates wins. Throws for a phone region without a numbering plan.
 */
export function builtinAlternatives(settings: DetectorSettings = {}): readonly Alternative[] {
  const phonePlans = regionPlans(settings.phoneRegions ?? defaultPhoneRegions);
  return [
    {
      // A whole block, or an unfinished one to the end of its base64 (line breaks real, or written
      // as a literal '\n' inside a JSON or .env string).
      detector: 'pem', pass: 'literal',
      source: String.raw`-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:[^\u0000]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s:,\\-]*)`,
      check: (_t, s, e) => full(s, e, 0.99),
    },
    {
      detector: 'bearer', pass: 'literal',
      source: String.raw`[Bb](?<![A-Za-z][Bb])earer[ \t]+[A-Za-z0-9._~+/-]{16,}=*(?![A-Za-z0-9._~+/=-])`,
      check: checkBearer,
    },
    {
      detector: 'jwt', pass: 'literal',
      source: String.raw`eyJ(?<![\w-]eyJ)[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}(?![\w-])`,
      check: (_t, s, e) => full(s, e, 0.95),
    },
    {
      // Provider API keys and tokens, each in its issuer's documented format (README: Masking).
      detector: 'api-key', pass: 'literal',
      source: `(?:${providerKeyFormats.join('|')})(?![\\w-])`,
      check: checkProviderKey,
    },
    {
      detector: 'github-token', pass: 'literal',
      source: String.raw`(?:gh(?<!\wgh)[pousr]_[A-Za-z0-9]{36,255}|github_pat_(?<!\wgithub_pat_)[A-Za-z0-9_]{22,255})(?!\w)`,
      check: checkGithubToken,
    },
    {
      // AWS unique-ID prefixes of credentials and IAM entities (IAM user guide, "Unique identifiers").
      detector: 'aws-key', pass: 'literal',
      source: String.raw`A(?<![A-Za-z0-9]A)(?:KIA|SIA|BIA|CCA|GPA|IDA|ROA|IPA|NPA|NVA|PKA|SCA)[A-Z0-9]{16}(?![A-Za-z0-9])`,
      check: (_t, s, e) => full(s, e, 0.95),
    },
    {
      detector: 'secret', pass: 'assignment',
      source: String.raw`[:=](?<=(?<![A-Za-z0-9])(?:${['password', 'passwd', 'pwd', 'secret', 'client_secret', 'secret_key', 'secret_access_key', 'api_key', 'apikey', 'api-key', 'access_token', 'auth_token', 'refresh_token', 'private_key'].map(ci).join('|')})["']?[ \t]*[:=])[ \t]*["']?([^\s"',;]{8,200})`,
      check: checkAssignment,
    },
    {
      detector: 'email', pass: 'email',
      source: String.raw`@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![\w-]|\.[A-Za-z0-9])`,
      check: checkEmail,
    },
    {
      detector: 'iban', pass: 'iban',
      source: String.raw`[A-Z](?<![A-Za-z0-9][A-Z])[A-Z]\d{2}(?: ?[A-Z0-9]){11,34}`,
      check: checkIban,
    },
    {
      detector: 'card', pass: 'numeric',
      source: String.raw`\d(?<![\w-]\d)(?:[ -]?\d){12,200}${numericRunEnd}`,
      check: checkCard,
    },
    {
      detector: 'ssn', pass: 'numeric',
      // The dashed form (the SSA's printed 3-2-4) is one value even with a digit group after a
      // space ("123-45-6789 5550"); the other forms end where the run ends.
      source: String.raw`(\d(?<![\w-]\d)\d\d)([- ]?)(\d{2})([- ]?)(\d{4})(?![\w]|-\d|-[A-Za-z])`,
      check: checkSsn,
    },
    {
      detector: 'ip', pass: 'numeric',
      source: String.raw`\d(?<![\w.]\d)\d{0,2}(?:\.\d{1,3}){3}(?!\w|\.\d)`,
      check: checkIpv4,
    },
    {
      detector: 'phone', pass: 'numeric',
      source: String.raw`\+(?<![\w+]\+)\d[\d ().-]{5,20}\d(?![\d\w])`,
      check: (t, s, e, _g, c) => checkInternationalPhone(t, s, e, c),
    },
    {
      // National numbers: a run of digits and separators, from a digit or '(' at a boundary (not
      // after '#', an order number, or ':', a time); the numbering plans
      // decide (IPv4 addresses are tried first: dotted quads are not phones).
      detector: 'phone', pass: 'numeric',
      source: String.raw`(?:\((?<![\w+(.#-]\()\d|\d(?<![\w+(.#:-]\d))[\d ().-]{7,24}\d(?![\w]|[ .-]\d|[.-][A-Za-z])`,
      check: (t, s, e, _g, c) => checkNationalPhone(t, s, e, phonePlans, c),
    },
    {
      detector: 'ip', pass: 'ipv6',
      source: String.raw`:(?:${hex4}{0,4}:){1,6}${hex4}{0,4}(?![\w:]|\.\d)`,
      check: checkIpv6,
    },
    {
      detector: 'aws-key', pass: 'aws-secret',
      source: String.raw`(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])`,
      check: checkAwsSecret,
    },
  ];
}

/** The alternatives with the default settings. */
export const alternatives = builtinAlternatives();

function checkIpv4(text: string, start: number, end: number): Hit | null {
  const parts = text.slice(start, end).split('.');
  if (parts.length !== 4 || parts.some((p) => p.length > 1 && p[0] === '0') || parts.some((p) => +p > 255)) return null;
  return full(start, end, 0.8);
}

/** Placeholder label of a detector: `card` → `CARD`. */
export function detectorLabel(detector: string): string {
  return detector.toUpperCase();
}

/** The canonical form hashed by the hash style, so formatting differences do not change the token. */
export function normalizeForHash(detector: string, value: string): string {
  switch (detector) {
    case 'card': case 'phone': case 'ssn':
      return digitsOf(value);
    case 'iban':
      return value.replace(/ /g, '').toUpperCase();
    case 'email':
      return value.toLowerCase();
    default:
      return value;
  }
}
