/**
 * Checksum and number-plan checks used by the detectors: they turn "looks like" into "is".
 * Pure functions over strings of digits (separators already removed).
 */

/**
 * Luhn (mod 10) check of a digit string.
 *
 * @example
 * luhnValid('4111111111111111') // => true
 * luhnValid('4111111111111112') // => false
 */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * Whether a 13–19 digit string starts with an issuer prefix of a card network at a length that
 * network issues (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro, Mir).
 * Keeps Luhn-passing order numbers and epoch timestamps (which start with 1) out.
 *
 * @example
 * cardPrefixValid('4111111111111111') // => true
 * cardPrefixValid('1717171717171') // => false
 */
export function cardPrefixValid(d: string): boolean {
  const n = d.length;
  const p2 = +d.slice(0, 2);
  const p3 = +d.slice(0, 3);
  const p4 = +d.slice(0, 4);
  const p6 = +d.slice(0, 6);
  if (d[0] === '4') return n === 13 || n === 16 || n === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return n === 15; // Amex
  if (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925)) return n >= 16 && n <= 19; // Discover
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19; // JCB
  if (p2 === 36 || (p3 >= 300 && p3 <= 305) || p2 === 38 || p2 === 39) return n >= 14 && n <= 19; // Diners
  if (p2 === 62) return n >= 16 && n <= 19; // UnionPay
  if (p4 >= 2200 && p4 <= 2204) return n === 16; // Mir
  if (p2 === 50 || (p2 >= 56 && p2 <= 69)) return n >= 13 && n <= 19; // Maestro
  return false;
}

/** IBAN length per country (ISO 13616 registry). */
const ibanLengths: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28,
  CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23,
  GL: 18, GR: 27, GT: 28, HN: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32,
  LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28, NL: 18,
  NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31, SD: 18, SE: 24, SI: 19,
  SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
};

/** The IBAN length of a country code, or undefined when the country has no IBAN. */
export function ibanLength(country: string): number | undefined {
  return ibanLengths[country];
}

/**
 * ISO 7064 mod-97 check of a compact IBAN (no spaces, upper case), including its country length.
 *
 * @example
 * ibanValid('DE89370400440532013000') // => true
 * ibanValid('DE89370400440532013001') // => false
 */
export function ibanValid(iban: string): boolean {
  if (ibanLengths[iban.slice(0, 2)] !== iban.length) return false;
  let rem = 0;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

/**
 * US SSN number-plan check: area not 000, 666 or 900–999, group not 00, serial not 0000.
 *
 * @example
 * ssnValid('123', '45', '6789') // => true
 * ssnValid('666', '45', '6789') // => false
 */
export function ssnValid(area: string, group: string, serial: string): boolean {
  if (area === '000' || area === '666' || area[0] === '9') return false;
  if (group === '00' || serial === '0000') return false;
  // Numbers the SSA published as advertising samples are not anyone's and show up in docs.
  return !(area === '078' && group === '05' && serial === '1120');
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * The checksum of npm's token format (it follows GitHub's): the last 6 characters are the CRC32 of the
 * random part before them, in base62 (0-9A-Za-z), zero-padded (npm's changelog of the format and
 * its published sample).
 *
 * @example
 * base62Crc32Valid('qkJaB6MffYVzZXWqmcoF49yrUxP3wf0LsakP') // => true (npm's published sample)
 */
export function base62Crc32Valid(body: string): boolean {
  if (body.length < 7) return false;
  let crc = 0xffffffff;
  const random = body.length - 6;
  for (let i = 0; i < random; i++) crc = crcTable[(crc ^ body.charCodeAt(i)) & 0xff] ^ (crc >>> 8);
  let n = (crc ^ 0xffffffff) >>> 0;
  let check = '';
  for (let i = 0; i < 6; i++, n = Math.floor(n / 62)) check = base62[n % 62] + check;
  return n === 0 && check === body.slice(random);
}
