import { Metadata } from 'libphonenumber-js/core';
import {
  getCountries, getCountryCallingCode, getExampleNumber, isSupportedCountry, parsePhoneNumberFromString, type CountryCode,
} from 'libphonenumber-js/max';
import maxMetadata from 'libphonenumber-js/max/metadata';
import examples from 'libphonenumber-js/mobile/examples';

/**
 * Phone numbers checked against the numbering plans: Google's libphonenumber metadata (through
 * `libphonenumber-js`), not a pattern per country. The `max` metadata is used: with `min`,
 * validation checks lengths only and calls e.g. any 9-digit string after a German trunk 0 valid.
 *
 * A candidate is either international (E.164: '+', a country calling code, the national number)
 * for every country, or national for one of the configured regions, written as that region
 * writes it: with its national (trunk) prefix (`01 23 45 67 89` in France, `030 1234 5678` in
 * Germany), or without it where the plan formats numbers without one (`(415) 555-2671` in the
 * US, `98765 43210` in India).
 *
 * The library costs 10–40 µs per parse (far more right after a major GC, when V8 has dropped the
 * compiled forms of its large patterns), so cheap tests built once from the same metadata
 * (calling codes, national prefixes, possible lengths) turn most candidates away before it, and
 * answers are remembered per candidate text.
 */
export const defaultPhoneRegions: readonly string[] = ['US', 'GB', 'DE', 'FR', 'IN'];

/**
 * `valid`: in an assigned range of the plan. The others only have a length the plan allows (an
 * unassigned area code, a range reserved for drama): `formatted` is written exactly as the plan
 * formats numbers (same digit groups), `possible` is not.
 */
export type PhoneValidity = 'valid' | 'formatted' | 'possible';

export interface RegionPlan {
  region: CountryCode;
  /** The national (trunk) prefix, e.g. '0'; '' when the plan has none. */
  prefix: string;
  /** Whether national numbers are written without the prefix too (the plan formats them so). */
  prefixOptional: boolean;
  /** Possible lengths of the national significant number. */
  lengths: ReadonlySet<number>;
}

interface NationalPlanMethods {
  nationalPrefix(): string | undefined;
  possibleLengths(): number[];
}

const metadata = new Metadata(maxMetadata);

function regionPlan(region: CountryCode): RegionPlan {
  metadata.selectNumberingPlan(region);
  // nationalPrefix() is on the plan at run time, not in the library's typings.
  const plan = metadata.numberingPlan as unknown as NationalPlanMethods;
  const prefix = plan.nationalPrefix() ?? '';
  const example = getExampleNumber(region, examples);
  const bare = example ? example.format('NATIONAL', { nationalPrefix: false }).replace(/\D/g, '') : '';
  return { region, prefix, prefixOptional: !prefix || (example !== undefined && bare === example.nationalNumber), lengths: new Set(plan.possibleLengths()) };
}

const plans = new Map<string, RegionPlan>();

/** The plan of each region (built once per region). Throws for a region the metadata does not know. */
export function regionPlans(regions: readonly string[]): RegionPlan[] {
  return regions.map((r) => {
    let plan = plans.get(r);
    if (!plan) {
      if (!isSupportedCountry(r)) throw new Error(`unknown phone region "${r}" (an ISO 3166-1 alpha-2 code with a numbering plan)`);
      plans.set(r, (plan = regionPlan(r)));
    }
    return plan;
  });
}

/** Whether `region` is a region code with a numbering plan in the metadata. */
export function isPhoneRegion(region: string): boolean {
  return isSupportedCountry(region);
}

/**
 * Answers already given, by candidate text: a conversation resends its earlier messages on every
 * turn, and a request's audit and upstream copies are scanned apart, so the same numbers come back
 * often. Bounded: emptied when full.
 */
const answers = new Map<string, PhoneValidity | null>();
const maxAnswers = 4096;

function remember(key: string, answer: PhoneValidity | null): PhoneValidity | null {
  if (answers.size >= maxAnswers) answers.clear();
  answers.set(key, answer);
  return answer;
}

/** Calling code → possible lengths of the national numbers of its regions. */
const callingCodes = new Map<string, Set<number>>();
for (const region of getCountries()) {
  const code = getCountryCallingCode(region);
  metadata.selectNumberingPlan(region);
  const lengths = callingCodes.get(code) ?? new Set<number>();
  for (const n of metadata.numberingPlan!.possibleLengths()) lengths.add(n);
  callingCodes.set(code, lengths);
}

/**
 * An international number: `digits` are the candidate's digits after the '+' (a written
 * "(0)" trunk hint included, which the library drops).
 *
 * @example
 * internationalPhone('+44 20 7946 0958', '442079460958') // => 'valid'
 * internationalPhone('+1 111 111 1111', '11111111111')   // => 'possible'
 */
export function internationalPhone(value: string, digits: string): PhoneValidity | null {
  let known = false;
  for (let k = 1; k <= 3 && !known; k++) {
    const lengths = callingCodes.get(digits.slice(0, k));
    if (lengths) known = lengths.has(digits.length - k) || (value.includes('(0)') && lengths.has(digits.length - k - 1));
  }
  if (!known) return null;
  const cached = answers.get(value);
  if (cached !== undefined) return cached;
  const number = parsePhoneNumberFromString(value);
  return remember(value, !number ? null : number.isValid() ? 'valid' : number.isPossible() ? 'possible' : null);
}

/**
 * A national number of one of `plans`' regions, written with the region's national prefix, or
 * without it where the region writes numbers so.
 *
 * @example
 * nationalPhone('01 23 45 67 89', '0123456789', regionPlans(['FR']))   // => 'valid'
 * nationalPhone('3012345678', '3012345678', regionPlans(['DE']))       // => null (Germany writes the 0)
 */
export function nationalPhone(value: string, digits: string, plans: readonly RegionPlan[]): PhoneValidity | null {
  const key = `${plans.map((p) => p.region).join()} ${value}`;
  const cached = answers.get(key);
  return cached !== undefined ? cached : remember(key, askPlans(value, digits, plans));
}

function askPlans(value: string, digits: string, plans: readonly RegionPlan[]): PhoneValidity | null {
  let best: PhoneValidity | null = null;
  for (const plan of plans) {
    const prefixed = plan.prefix !== '' && digits.startsWith(plan.prefix) && plan.lengths.has(digits.length - plan.prefix.length);
    const bare = plan.prefixOptional && plan.lengths.has(digits.length);
    if (!prefixed && !bare) continue;
    const number = parsePhoneNumberFromString(value, plan.region);
    if (!number) continue;
    if (number.isValid()) return 'valid';
    if (best === 'formatted' || !number.isPossible()) continue;
    const groups = groupLengths(value);
    if (groups.includes(',') && groupLengths(number.formatNational()) === groups) best = 'formatted';
    // A bare run of digits of a possible length is too weak a sign: its prefix must be written.
    else if (prefixed) best = 'possible';
  }
  return best;
}

/** '(266) 819-0989' -> '3,3,4' */
function groupLengths(text: string): string {
  return text.split(/\D+/).filter((g) => g !== '').map((g) => g.length).join(',');
}
