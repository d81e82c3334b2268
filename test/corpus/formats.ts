/**
 * Sensitive values built from their specifications, not from the detectors' patterns: numbering
 * plans (NANP, Ofcom, Bundesnetzagentur, ARCEP, TRAI, and E.164 country codes), card issuer
 * ranges with Luhn, the ISO 13616 IBAN registry with mod-97, the SSA's SSN rules, and the key and
 * token formats their issuers document. Each generator picks a documented layout too (grouping,
 * separators), as people write them.
 */
export interface Random {
  int(min: number, max: number): number;
}

export class Values {
  constructor(private readonly r: Random) {}

  pick<T>(xs: readonly T[]): T {
    return xs[this.r.int(0, xs.length - 1)];
  }

  digits(n: number, first = '0123456789'): string {
    let s = n > 0 ? first[this.r.int(0, first.length - 1)] : '';
    for (let i = 1; i < n; i++) s += this.r.int(0, 9);
    return s;
  }

  chars(n: number, alphabet: string): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.r.int(0, alphabet.length - 1)];
    return s;
  }

  // ---- cards: issuer (IIN) ranges and lengths, Luhn check digit (ISO/IEC 7812) ----

  card(): string {
    const [iin, length, groups] = this.pick(cardRanges);
    const prefix = typeof iin === 'string' ? iin : String(this.r.int(iin[0], iin[1]));
    const body = prefix + this.digits(length - prefix.length - 1);
    const number = body + luhnDigit(body);
    const style = this.pick(['compact', 'space', 'dash'] as const);
    return style === 'compact' ? number : group(number, groups, style === 'space' ? ' ' : '-');
  }

  /** A 16-digit number with a card's prefix whose Luhn digit is wrong (an order number). */
  luhnFailing(): string {
    const body = '4' + this.digits(14);
    return body + ((Number(luhnDigit(body)) + this.r.int(1, 9)) % 10);
  }

  // ---- IBAN: ISO 13616 registry structures, ISO 7064 mod 97-10 check digits ----

  iban(valid = true): string {
    const [country, structure] = this.pick(ibanStructures);
    let bban = '';
    for (const [, count, kind] of structure.matchAll(/(\d+)!([nac])/g)) {
      const alphabet = kind === 'n' ? '0123456789' : kind === 'a' ? 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' : 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
      bban += this.chars(Number(count), alphabet);
    }
    let check = ibanCheckDigits(country, bban);
    if (!valid) check = String((Number(check) + this.r.int(1, 90)) % 97 || 1).padStart(2, '0');
    const iban = country + check + bban;
    return this.r.int(0, 1) ? iban : iban.replace(/(.{4})(?=.)/g, '$1 ');
  }

  // ---- US SSN: area 001-899 except 666, group 01-99, serial 0001-9999 (SSA randomization rules) ----

  ssn(): { value: string; bare: boolean } {
    let area = this.r.int(1, 899);
    if (area === 666) area = 667;
    const a = String(area).padStart(3, '0');
    const g = String(this.r.int(1, 99)).padStart(2, '0');
    const s = String(this.r.int(1, 9999)).padStart(4, '0');
    const style = this.pick(['dash', 'dash', 'space', 'bare'] as const);
    return { value: style === 'dash' ? `${a}-${g}-${s}` : style === 'space' ? `${a} ${g} ${s}` : `${a}${g}${s}`, bare: style !== 'dash' };
  }

  // ---- phone numbers from the national numbering plans and E.164 ----

  /** A phone number; `bare` when it is a run of digits only (detectable near context only). */
  phone(): { value: string; bare: boolean } {
    const plan = this.pick(phonePlans);
    const nsn = plan.nsn(this);
    const style = this.pick(['national', 'national', 'international', 'e164'] as const);
    if (style === 'e164') return { value: `+${plan.cc}${nsn.replace(/\D/g, '')}`, bare: false };
    if (style === 'international') return { value: `+${plan.cc} ${plan.intl ? plan.intl(nsn) : nsn}`, bare: false };
    if (!plan.national) return { value: `+${plan.cc} ${nsn}`, bare: false };
    const national = plan.national(nsn, this);
    return { value: national, bare: /^\d+$/.test(national) };
  }

  // ---- keys and tokens in their issuers' documented formats ----

  token(): { kind: TokenKind; value: string } {
    const kind = this.pick(tokenKinds);
    return { kind, value: this.tokenOf(kind) };
  }

  tokenOf(kind: TokenKind): string {
    const base62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    const url = base62 + '_-';
    switch (kind) {
      // OpenAI: project, service-account and admin keys carry T3BlbkFJ ("OpenAI" in base64) in the middle.
      case 'openai': return `${this.pick(['sk-proj-', 'sk-svcacct-', 'sk-admin-'])}${this.chars(74, url)}T3BlbkFJ${this.chars(74, url)}`;
      case 'anthropic': return `${this.pick(['sk-ant-api03-', 'sk-ant-admin01-'])}${this.chars(93, url)}AA`;
      // GitHub: prefix, 30 random base62 characters and their CRC32 in 6 base62 digits (the format of 2021).
      case 'github': {
        const random = this.chars(30, base62);
        return this.pick(['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_']) + random + base62Crc32(random);
      }
      case 'github-pat': return `github_pat_${this.chars(22, base62)}_${this.chars(59, base62)}`;
      case 'slack': {
        const prefix = this.pick(['xoxb', 'xoxp', 'xoxa', 'xoxr', 'xoxs']);
        return prefix === 'xoxp'
          ? `xoxp-${this.digits(12)}-${this.digits(12)}-${this.digits(13)}-${this.chars(32, '0123456789abcdef')}`
          : `${prefix}-${this.digits(12)}-${this.digits(13)}-${this.chars(24, base62)}`;
      }
      // Slack incoming-webhook URLs (team T…, bot B…, 24-character secret) and workflow triggers.
      case 'slack-webhook': return this.r.int(0, 2)
        ? `https://hooks.slack.com/services/T${this.chars(this.pick([8, 10]), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}/B${this.chars(this.pick([8, 10]), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}/${this.chars(24, base62)}`
        : `https://hooks.slack.com/triggers/T${this.chars(10, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}/${this.digits(13)}/${this.chars(32, '0123456789abcdef')}`;
      case 'slack-app': return `xapp-1-A${this.chars(10, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}-${this.digits(13)}-${this.chars(64, '0123456789abcdef')}`;
      case 'gitlab': return this.r.int(0, 1)
        ? `glpat-${this.chars(20, url)}`
        : `glpat-${this.chars(this.r.int(37, 60), url)}.01.${this.chars(9, '0123456789abcdefghijklmnopqrstuvwxyz')}`;
      case 'google': return `AIza${this.chars(35, url)}`;
      case 'stripe': return `${this.pick(['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_'])}${this.chars(this.pick([24, 99]), base62)}`;
      case 'npm': {
        const random = this.chars(30, base62);
        return `npm_${random}${base62Crc32(random)}`;
      }
      case 'huggingface': return `hf_${this.chars(34, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz')}`;
      case 'aws-key-id': return this.pick(['AKIA', 'ASIA']) + this.chars(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567');
      case 'aws-secret': return this.chars(40, base62 + '+/').replace(/^(.{10})./, '$1/'); // 40 base64 characters
      case 'jwt': {
        const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ sub: this.digits(8), iat: this.r.int(1.6e9, 1.8e9) })}.${this.chars(43, url)}`;
      }
      case 'pem': {
        const label = this.pick(['RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);
        const lines = Array.from({ length: this.r.int(2, 5) }, () => this.chars(64, base62 + '+/'));
        return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----`;
      }
      case 'bearer': return this.chars(this.r.int(24, 48), url + '.~');
    }
  }

  // ---- e-mail and IP addresses (RFC 5321 local parts, RFC 4291 text forms) ----

  email(): string {
    const local = this.pick([
      () => `${this.chars(this.r.int(3, 8), 'abcdefghijklmnopqrstuvwxyz')}.${this.chars(this.r.int(3, 10), 'abcdefghijklmnopqrstuvwxyz')}`,
      () => `${this.chars(this.r.int(3, 10), 'abcdefghijklmnopqrstuvwxyz')}+${this.chars(4, 'abcdefghij')}`,
      () => `${this.chars(this.r.int(2, 6), 'abcdefghijklmnopqrstuvwxyz')}_${this.digits(2)}`,
    ])();
    return `${local}@${this.chars(this.r.int(3, 9), 'abcdefghijklmnopqrstuvwxyz')}.${this.pick(['com', 'org', 'io', 'co.uk', 'de', 'fr', 'example.net'])}`;
  }

  ip(): string {
    if (this.r.int(0, 1)) return [this.r.int(1, 223), this.r.int(0, 255), this.r.int(0, 255), this.r.int(1, 254)].join('.');
    const groups = Array.from({ length: 8 }, () => this.r.int(0, 0xffff).toString(16));
    groups[0] = this.pick(['2001', 'fe80', '2a02', 'fd00']);
    const form = this.r.int(0, 2);
    if (form === 0) return groups.join(':');
    if (form === 1) return groups.map((g) => g.padStart(4, '0')).join(':').toUpperCase();
    const from = this.r.int(1, 5);
    return `${groups.slice(0, from).join(':')}::${groups.slice(from + 2).join(':')}`;
  }

  // ---- hard negatives: shaped like values, but not ----

  negative(): string {
    return this.pick([
      () => [8, 4, 4, 4, 12].map((n) => this.chars(n, '0123456789abcdef')).join('-'), // UUID
      () => this.chars(40, '0123456789abcdef'), // git SHA-1
      () => this.chars(64, '0123456789abcdef'), // SHA-256
      () => this.luhnFailing(),
      () => this.luhnFailing().replace(/(\d{4})(?=\d)/g, '$1 '),
      () => `order #${this.digits(10)}`,
      () => `ORD-${this.r.int(2019, 2026)}-${this.digits(6)}`,
      () => `v${this.r.int(0, 20)}.${this.r.int(0, 40)}.${this.r.int(0, 200)}`,
      () => `${this.r.int(1, 12)}.${this.r.int(0, 30)}.${this.r.int(0, 30000)}`, // version / build
      () => new Date(this.r.int(1.5e12, 1.9e12)).toISOString(), // ISO timestamp
      () => new Date(this.r.int(1.5e12, 1.9e12)).toISOString().replace('T', ' ').slice(0, 19), // SQL timestamp
      () => String(this.r.int(1.5e12, 1.9e12)), // epoch milliseconds
      () => String(this.r.int(1.5e9, 1.9e9)), // epoch seconds
      () => `${this.r.int(0, 23)}:${this.digits(2, '012345')}:${this.digits(2, '012345')}`,
      () => `${String(this.r.int(1, 28)).padStart(2, '0')}.${String(this.r.int(1, 12)).padStart(2, '0')}.${this.r.int(1990, 2030)}`, // date
      () => `${this.r.int(1, 12)}/${this.r.int(1, 28)}/${this.r.int(1990, 2030)}`,
      () => this.pick(['1.3.6.1.4.1.', '2.16.840.1.', '1.2.840.113549.1.']) + `${this.r.int(1, 400)}.${this.r.int(1, 30)}.${this.r.int(1, 9)}`, // OID
      () => `$${this.r.int(1, 999)},${this.digits(3)},${this.digits(3)}.${this.digits(2)}`, // price
      () => `${this.r.int(1, 999)} ${this.digits(3)} ${this.digits(3)},${this.digits(2)} €`,
      () => `EUR ${this.r.int(1, 99)}.${this.digits(3)}.${this.digits(3)},${this.digits(2)}`,
      () => `${this.digits(8)}.${this.digits(2)}`, // amount
      () => `${this.digits(5)}-${this.digits(4)}`, // ZIP+4
      () => this.iban(false), // IBAN-shaped, mod-97 fails
    ])();
  }
}

export type TokenKind = 'openai' | 'anthropic' | 'github' | 'github-pat' | 'slack' | 'slack-app' | 'slack-webhook' | 'gitlab' | 'google' | 'stripe' | 'npm' | 'huggingface'
  | 'aws-key-id' | 'aws-secret' | 'jwt' | 'pem' | 'bearer';
export const tokenKinds: readonly TokenKind[] = ['openai', 'anthropic', 'github', 'github-pat', 'slack', 'slack-app', 'slack-webhook', 'gitlab', 'google', 'stripe', 'npm', 'huggingface', 'aws-key-id', 'aws-secret', 'jwt', 'pem', 'bearer'];

/** Card issuer ranges (IIN prefix or [from, to] of a 2-6 digit prefix), card length, print grouping. */
const cardRanges: readonly [string | [number, number], number, readonly number[]][] = [
  ['4', 16, [4, 4, 4, 4]], ['4', 13, [4, 4, 5]], ['4', 19, [4, 4, 4, 4, 3]], // Visa
  [[51, 55], 16, [4, 4, 4, 4]], [[2221, 2720], 16, [4, 4, 4, 4]], // Mastercard
  ['34', 15, [4, 6, 5]], ['37', 15, [4, 6, 5]], // American Express
  ['6011', 16, [4, 4, 4, 4]], ['65', 16, [4, 4, 4, 4]], [[644, 649], 16, [4, 4, 4, 4]], // Discover
  [[3528, 3589], 16, [4, 4, 4, 4]], // JCB
  ['36', 14, [4, 6, 4]], [[300, 305], 14, [4, 6, 4]], // Diners Club
  ['62', 16, [4, 4, 4, 4]], ['62', 19, [4, 4, 4, 4, 3]], // UnionPay
  [[2200, 2204], 16, [4, 4, 4, 4]], // Mir
];

function group(digits: string, sizes: readonly number[], sep: string): string {
  const parts: string[] = [];
  let at = 0;
  for (const size of sizes) {
    parts.push(digits.slice(at, at + size));
    at += size;
  }
  return parts.join(sep);
}

function luhnDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

/** BBAN structures of the SWIFT IBAN registry (ISO 13616), in its n/a/c notation. */
const ibanStructures: readonly [string, string][] = [
  ['AD', '4!n4!n12!c'], ['AE', '3!n16!n'], ['AL', '8!n16!c'], ['AT', '5!n11!n'], ['AZ', '4!a20!c'], ['BA', '3!n3!n8!n2!n'],
  ['BE', '3!n7!n2!n'], ['BG', '4!a4!n2!n8!c'], ['BH', '4!a14!c'], ['BR', '8!n5!n10!n1!a1!c'], ['BY', '4!c4!n16!c'], ['CH', '5!n12!c'],
  ['CR', '4!n14!n'], ['CY', '3!n5!n16!c'], ['CZ', '4!n6!n10!n'], ['DE', '8!n10!n'], ['DK', '4!n9!n1!n'], ['DO', '4!c20!n'],
  ['EE', '2!n2!n11!n1!n'], ['EG', '4!n4!n17!n'], ['ES', '4!n4!n1!n1!n10!n'], ['FI', '6!n7!n1!n'], ['FO', '4!n9!n1!n'],
  ['FR', '5!n5!n11!c2!n'], ['GB', '4!a6!n8!n'], ['GE', '2!a16!n'], ['GI', '4!a15!c'], ['GL', '4!n9!n1!n'], ['GR', '3!n4!n16!c'],
  ['GT', '4!c20!c'], ['HR', '7!n10!n'], ['HU', '3!n4!n1!n15!n1!n'], ['IE', '4!a6!n8!n'], ['IL', '3!n3!n13!n'], ['IQ', '4!a3!n12!n'],
  ['IS', '4!n2!n6!n10!n'], ['IT', '1!a5!n5!n12!c'], ['JO', '4!a4!n18!c'], ['KW', '4!a22!c'], ['KZ', '3!n13!c'], ['LB', '4!n20!c'],
  ['LC', '4!a24!c'], ['LI', '5!n12!c'], ['LT', '5!n11!n'], ['LU', '3!n13!c'], ['LV', '4!a13!c'], ['MC', '5!n5!n11!c2!n'],
  ['MD', '2!c18!c'], ['ME', '3!n13!n2!n'], ['MK', '3!n10!c2!n'], ['MR', '5!n5!n11!n2!n'], ['MT', '4!a5!n18!c'],
  ['MU', '4!a2!n2!n12!n3!n3!a'], ['NL', '4!a10!n'], ['NO', '4!n6!n1!n'], ['PK', '4!a16!c'], ['PL', '8!n16!n'], ['PS', '4!a21!c'],
  ['PT', '4!n4!n11!n2!n'], ['QA', '4!a21!c'], ['RO', '4!a16!c'], ['RS', '3!n13!n2!n'], ['SA', '2!n18!c'], ['SC', '4!a2!n2!n16!n3!a'],
  ['SE', '3!n16!n1!n'], ['SI', '5!n8!n2!n'], ['SK', '4!n6!n10!n'], ['SM', '1!a5!n5!n12!c'], ['ST', '4!n4!n11!n2!n'],
  ['TL', '3!n14!n2!n'], ['TN', '2!n3!n13!n2!n'], ['TR', '5!n1!n16!c'], ['UA', '6!n19!c'], ['VA', '3!n15!n'], ['VG', '4!a16!n'],
  ['XK', '4!n10!n2!n'],
  // Registered since 2020: Burundi, Djibouti, Falklands, Honduras, Libya, Mongolia, Nicaragua, Oman,
  // Russia, Sudan, Somalia, El Salvador, Yemen.
  ['BI', '5!n5!n11!n2!n'], ['DJ', '5!n5!n11!n2!n'], ['FK', '2!a12!n'], ['HN', '4!a20!n'], ['LY', '3!n3!n15!n'], ['MN', '4!n12!n'],
  ['NI', '4!a20!n'], ['OM', '3!n16!c'], ['RU', '9!n5!n15!c'], ['SD', '2!n12!n'], ['SO', '4!n3!n12!n'], ['SV', '4!a20!n'],
  ['YE', '4!a4!n18!c'],
];

/** ISO 7064 mod 97-10 check digits of an IBAN. */
function ibanCheckDigits(country: string, bban: string): string {
  const rearranged = bban + country + '00';
  let rem = 0;
  for (const ch of rearranged) {
    const v = /\d/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const d of v) rem = (rem * 10 + Number(d)) % 97;
  }
  return String(98 - rem).padStart(2, '0');
}

/** CRC32 of the random part in base62, six characters: npm's token checksum (as GitHub's). */
function base62Crc32(text: string): string {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) {
    crc ^= text.charCodeAt(i);
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  let n = (crc ^ 0xffffffff) >>> 0;
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let out = '';
  for (let i = 0; i < 6; i++, n = Math.floor(n / 62)) out = alphabet[n % 62] + out;
  return out;
}

interface PhonePlan {
  cc: string;
  /** A national significant number from the plan, grouped as the plan writes it. */
  nsn(v: Values): string;
  /** The national form (trunk prefix and grouping); absent: only E.164 is generated. */
  national?(nsn: string, v: Values): string;
  /** The grouping after the country code, when it differs from the national one. */
  intl?(nsn: string): string;
}

const usAreaCodes = ['201', '202', '206', '212', '213', '214', '303', '305', '312', '404', '415', '503', '512', '617', '646', '702', '713', '718', '773', '808', '917', '971'];

/** Plans: NANP (US), Ofcom (GB), Bundesnetzagentur (DE), ARCEP (FR), TRAI (IN), and E.164 numbers of other countries. */
const phonePlans: readonly PhonePlan[] = [
  {
    cc: '1',
    nsn: (v) => `${v.pick(usAreaCodes)} ${v.digits(3, '23456789')} ${v.digits(4)}`,
    national: (n, v) => {
      const [a, b, c] = n.split(' ');
      return v.pick([`(${a}) ${b}-${c}`, `${a}-${b}-${c}`, `${a}.${b}.${c}`, `1-${a}-${b}-${c}`, `${a}${b}${c}`]);
    },
  },
  {
    cc: '44',
    nsn: (v) => v.pick([
      () => `20 ${v.digits(4, '378')} ${v.digits(4)}`,
      () => `${v.pick(['113', '121', '131', '141', '161', '191'])} ${v.digits(3, '2345678')} ${v.digits(4)}`,
      () => `7${v.digits(3, '4579')} ${v.digits(6)}`,
    ])(),
    national: (n, v) => v.pick([`0${n}`, `0${n.replace(/ /g, '')}`]),
  },
  {
    cc: '49',
    nsn: (v) => v.pick([
      () => `30 ${v.digits(8, '23456789')}`,
      () => `${v.pick(['40', '89', '69'])} ${v.digits(7, '23456789')}`,
      () => `${v.pick(['221', '211', '711', '341'])} ${v.digits(7, '23456789')}`,
      () => `${v.pick(['151', '152', '157', '159'])} ${v.digits(8)}`,
      () => `${v.pick(['160', '162', '170', '171', '172', '173', '175', '176', '177', '178', '179'])} ${v.digits(7)}`,
    ])(),
    national: (n, v) => {
      const [area, sub] = n.split(' ');
      return v.pick([`0${area} ${sub}`, `(0${area}) ${sub}`, `0${area}-${sub}`, `0${area} ${sub.slice(0, 4)} ${sub.slice(4)}`]);
    },
  },
  {
    cc: '33',
    nsn: (v) => v.pick([() => `${v.digits(1, '12345')}${v.digits(8)}`, () => `6${v.digits(8)}`, () => `7${v.digits(1, '3456789')}${v.digits(7)}`, () => `9${v.digits(8)}`])(),
    national: (n, v) => {
      const pairs = `0${n}`.match(/\d\d/g)!;
      return v.pick([pairs.join(' '), pairs.join('.'), pairs.join('')]);
    },
    intl: (n) => `${n[0]} ${n.slice(1).match(/\d\d/g)!.join(' ')}`,
  },
  {
    cc: '91',
    nsn: (v) => v.pick([() => `${v.digits(5, '6789')} ${v.digits(5)}`, () => `${v.pick(['11', '22', '33', '44', '80'])} ${v.digits(4, '2345')} ${v.digits(4)}`])(),
    national: (n, v) => (n.length === 11 ? v.pick([n, `0${n}`]) : `0${n}`),
  },
  { cc: '81', nsn: (v) => v.pick([`3-${v.digits(4)}-${v.digits(4)}`, `90-${v.digits(4)}-${v.digits(4)}`]) },
  { cc: '34', nsn: (v) => `6${v.digits(2)} ${v.digits(2)} ${v.digits(2)} ${v.digits(2)}` },
  { cc: '39', nsn: (v) => v.pick([`06 ${v.digits(4)} ${v.digits(4)}`, `3${v.digits(2, '23456789')} ${v.digits(3)} ${v.digits(4)}`]) },
  { cc: '55', nsn: (v) => `${v.pick(['11', '21', '31'])} 9${v.digits(4)}-${v.digits(4)}` },
  { cc: '61', nsn: (v) => `4${v.digits(2)} ${v.digits(3)} ${v.digits(3)}` },
  { cc: '52', nsn: (v) => `${v.pick(['55', '33', '81'])} ${v.digits(4)} ${v.digits(4)}` },
  { cc: '86', nsn: (v) => `1${v.pick(['3', '5', '8'])}${v.digits(1)} ${v.digits(4)} ${v.digits(4)}` },
];
