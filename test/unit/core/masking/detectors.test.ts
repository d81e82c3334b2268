import assert from 'node:assert/strict';
import { compileMaskingRules } from '../../../../gateway/core/masking/compile';
import { maskText } from '../../../../gateway/core/masking/mask-text';
import { base62Crc32Valid, cardPrefixValid, ibanValid, luhnValid, ssnValid } from '../../../../gateway/core/masking/checksums';
import { alternatives } from '../../../../gateway/core/masking/detectors';
import { thinNumberRunEnd } from '../../../../gateway/core/masking/passes';
import { textContext } from '../../../../gateway/core/masking/value-context';

const compiled = compileMaskingRules([{ name: 'all', detectors: ['all'] }], { hashKey: 'test', auditDetectors: [] });
const found = (text: string) => maskText(text, compiled, { where: 'upstream' }).spans.map((s) => ({ detector: s.detector, value: text.slice(s.start, s.end) }));

/** [detector, text, the exact value that must be masked] */
const positives: [string, string, string][] = [
  ['card', 'card 4111 1111 1111 1111 thanks', '4111 1111 1111 1111'],
  ['card', 'pay with 4111-1111-1111-1111.', '4111-1111-1111-1111'],
  ['card', 'visa:4012888888881881', '4012888888881881'],
  ['card', 'amex 3782 822463 10005', '3782 822463 10005'],
  ['card', 'mc 5555555555554444 ok', '5555555555554444'],
  ['card', 'order 12 4111 1111 1111 1111 now', '4111 1111 1111 1111'],
  ['card', 'discover 6011111111111117', '6011111111111117'],
  ['card', 'visa13 4222222222222', '4222222222222'],
  ['card', 'ref 4716 6721 9485 3694-151667-0398', '3694-151667-0398'],
  ['iban', 'IBAN DE89 3704 0044 0532 0130 00 please', 'DE89 3704 0044 0532 0130 00'],
  ['iban', 'to GB82WEST12345698765432.', 'GB82WEST12345698765432'],
  ['iban', 'FR1420041010050500013M02606', 'FR1420041010050500013M02606'],
  ['ssn', 'ssn 123-45-6789', '123-45-6789'],
  ['ssn', 'SSN: 123456789', '123456789'],
  ['ssn', 'social security number 123 45 6789', '123 45 6789'],
  ['ssn', 'at 04:05:14 450-34-8920', '450-34-8920'],
  ['ssn', 'ref 4055 5966 5991 9337 843-31-7208', '843-31-7208'],
  // The printed 3-2-4 form is one value with another digit group after it.
  ['ssn', 'SSN 123-45-6789 42 days', '123-45-6789'],
  ['ssn', 'ssn 123-45-6789 1234', '123-45-6789'],
  ['iban', 'Honduras HN88CABF00000000000250005469', 'HN88CABF00000000000250005469'],
  ['phone', 'at 16:24:50 07.66.32.72.39.', '07.66.32.72.39'],
  ['phone', 'x 50 07.66.32.72.39', '07.66.32.72.39'],
  ['api-key', 'post to https://hooks.slack.com/services/T0ABCDEFG/B0ABCDEFG/abcdefghijklmnopqrstuvwx now', 'https://hooks.slack.com/services/T0ABCDEFG/B0ABCDEFG/abcdefghijklmnopqrstuvwx'],
  ['api-key', 'hooks.slack.com/triggers/T0123ABCDEF/1234567890123/0123456789abcdef0123456789abcdef', 'hooks.slack.com/triggers/T0123ABCDEF/1234567890123/0123456789abcdef0123456789abcdef'],
  ['phone', 'at 4332 7234 4851 5983 09 78 75 59 76.', '09 78 75 59 76'],
  ['email', 'write to john.doe+tag@example.co.uk today', 'john.doe+tag@example.co.uk'],
  ['email', '<a@b.io>', 'a@b.io'],
  ['phone', 'call +14155552671 now', '+14155552671'],
  ['phone', 'call +44 20 7946 0958', '+44 20 7946 0958'],
  ['phone', 'office (415) 555-2671', '(415) 555-2671'],
  ['phone', 'cell 415-555-2671', '415-555-2671'],
  ['phone', 'phone: 030 1234 5678', '030 1234 5678'],
  // National formats of the default regions, checked against their numbering plans.
  ['phone', 'ligne fixe 01 23 45 67 89 merci', '01 23 45 67 89'],
  ['phone', 'portable 06.12.34.56.78.', '06.12.34.56.78'],
  ['phone', 'London office 020 7946 0958', '020 7946 0958'],
  ['phone', 'mob 07400 123456 today', '07400 123456'],
  ['phone', 'Berlin 030 12345678', '030 12345678'],
  ['phone', 'Hamburg (040) 6393551', '(040) 6393551'],
  ['phone', 'Delhi 011 2345 6789', '011 2345 6789'],
  ['phone', 'Mumbai mobile 98765 43210', '98765 43210'],
  ['phone', 'US 1-415-555-2671', '1-415-555-2671'],
  ['phone', 'call 415.555.2671', '415.555.2671'],
  // E.164 for every country, and a drama-range number that needs its context.
  ['phone', 'Tokyo +81 3-1234-5678', '+81 3-1234-5678'],
  ['phone', 'tel +44 (0)20 7946 0958', '+44 (0)20 7946 0958'],
  ['phone', 'Madrid +34 612 34 56 78', '+34 612 34 56 78'],
  ['phone', 'call +14144681751 4389 1442 3268 3870 now', '+14144681751'],
  ['phone', 'phone: 07700 900123', '07700 900123'],
  ['phone', 'mobile 0123456789', '0123456789'],
  ['phone', 'id ORD-2021-480028 (305) 239-8365.', '(305) 239-8365'],
  ['phone', 'commit 6f8ab936d3 09.74.70.77.85.', '09.74.70.77.85'],
  ['phone', 'args {"tel":"0771097532"}', '0771097532'],
  ['phone', '{"mobilePhone":"6469891549"}', '6469891549'],
  ['phone', 'phone: (202) 405-9083. (3.9.21075)', '(202) 405-9083'],
  ['phone', 'ref 4899598556157650 0113 251 9554.', '0113 251 9554'],
  ['phone', 'ref 7/1/2026 (0341) 5265823.', '(0341) 5265823'],
  ['ip', 'host 192.168.10.254 down', '192.168.10.254'],
  ['ip', 'v6 2001:db8:85a3::8a2e:370:7334 up', '2001:db8:85a3::8a2e:370:7334'],
  ['ip', 'lo ::1 and', '::1'],
  ['aws-key', 'key AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE'],
  ['aws-key', 'temp ASIAY34FZKBOKMUTVV7A', 'ASIAY34FZKBOKMUTVV7A'],
  ['aws-key', 'AWS secret key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
  // The key straddles the end of the first context word's window and lies in the next one's.
  ['aws-key', `secret rotation done, the new AWS key ${'x'.repeat(20)} wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY ok`, 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
  // A full-form address is found even when a '::' follows later in the text.
  ['ip', 'full 2001:0db8:85a3:0000:0000:8a2e:0370:7334 and std::string later', '2001:0db8:85a3:0000:0000:8a2e:0370:7334'],
  ['pem', 'k: -----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY----- end', '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----'],
  ['pem', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA'],
  // Unfinished, written with a literal '\n' (a truncated JSON or .env string): the body is masked too.
  ['pem', 'KEY="-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0\\nBAQEFAASC', '-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0\\nBAQEFAASC'],
  ['jwt', 'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'],
  ['bearer', 'Authorization: Bearer abc123def456ghi789jkl', 'abc123def456ghi789jkl'],
  ['api-key', 'OPENAI_API_KEY sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234', 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234'],
  ['api-key', 'key sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWx-12_34', 'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWx-12_34'],
  ['api-key', 'sk-AbCdEfGhIjKlMnOpQrStUvWx', 'sk-AbCdEfGhIjKlMnOpQrStUvWx'],
  ['github-token', 'ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789', 'ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789'],
  ['github-token', 'gho_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789', 'gho_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789'],
  ['github-token', 'github_pat_11ABCDEFG0123456789abc_defghijklmnopqrstuvwxyz', 'github_pat_11ABCDEFG0123456789abc_defghijklmnopqrstuvwxyz'],
  // Provider keys in their issuers' documented formats.
  ['api-key', 'SLACK_APP_TOKEN=xapp-1-A0123ABCDEF-1234567890123-0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9 ok', 'xapp-1-A0123ABCDEF-1234567890123-0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9'],
  ['api-key', 'bot xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx.', 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx'],
  ['api-key', 'user xoxp-1234567890-1234567890-1234567890123-0123456789abcdef0123456789abcdef', 'xoxp-1234567890-1234567890-1234567890123-0123456789abcdef0123456789abcdef'],
  ['api-key', 'cfg xoxe.xoxp-1-Mi0yLTEyMzQ1Njc4OTAxMi0xMjM0NTY3ODkwMTIz end', 'xoxe.xoxp-1-Mi0yLTEyMzQ1Njc4OTAxMi0xMjM0NTY3ODkwMTIz'],
  ['api-key', 'GITLAB_TOKEN glpat-AbCdEfGhIj-KlMnOp_qrs then', 'glpat-AbCdEfGhIj-KlMnOp_qrs'],
  ['api-key', 'routable glpat-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abc.01.0a1b2c3d4 ok', 'glpat-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abc.01.0a1b2c3d4'],
  ['api-key', 'maps key AIzaSyA1b2C3d4E5f6G7h8I9j0K_l-M2n3O4p5Q.', 'AIzaSyA1b2C3d4E5f6G7h8I9j0K_l-M2n3O4p5Q'],
  ['api-key', 'stripe sk_live_51HcVbQ2eZvKYlo2C0a1b2c3d4 and', 'sk_live_51HcVbQ2eZvKYlo2C0a1b2c3d4'],
  ['api-key', 'restricted rk_test_4eC39HqLyjWDarjtT1zdp7dc', 'rk_test_4eC39HqLyjWDarjtT1zdp7dc'],
  ['api-key', 'webhook whsec_0123456789abcdefABCDEF0123456789ab', 'whsec_0123456789abcdefABCDEF0123456789ab'],
  ['api-key', '//registry.npmjs.org/:_authToken=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', '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'],
  ['api-key', 'HF_TOKEN hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGhIj', 'hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGhIj'],
  ['aws-key', 'sts ABIAQWERTYUIOPASDFGH bearer', 'ABIAQWERTYUIOPASDFGH'],
  ['secret', 'password: hunter2hunter2', 'hunter2hunter2'],
  ['secret', '{"client_secret":"s3cr3t-value-42"}', 's3cr3t-value-42'],
];

/** Texts in which nothing may be found. */
const negatives: [string, string][] = [
  ['luhn-failing 16 digits', 'ref 4111 1111 1111 1112'],
  ['epoch millis', 'ts 1717171717171'],
  ['order number', 'order 2024-000123-77 shipped'],
  ['uuid', 'id 550e8400-e29b-41d4-a716-446655440000'],
  ['digit-only uuid groups', '12345678-1234-4123-8123-123456789012'],
  ['sha1', 'commit da39a3ee5e6b4b0d3255bfef95601890afd80709'],
  ['sha256', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ['timestamp', '2024-05-01T12:34:56.789Z and 12:34:56'],
  ['version', 'v1.2.3 and 10.0.19041 and 1.2.3-beta.4'],
  ['bad iban checksum', 'DE89 3704 0044 0532 0130 01'],
  // A BBAN group may look like a country code ("GI84"): the run is still the FK IBAN's shape.
  ['bad iban with a code-like group', 'id FK65 GI84 5463 7950 27 over'],
  ['bad iban with a code-like group at the start', 'GE12 TR77 0685 7521 5547 88'],
  ['space-separated ssn with a group after it', 'ids 123 45 6789 12x'],
  // A run shaped like an IBAN is one value: failing mod-97, it is not cut into a card or a phone.
  ['IBAN-shaped run failing mod-97', 'IBAN SE84 4215 9376 4599 4332 1777.'],
  ['ssn area 000', '000-12-3456'],
  ['ssn area 666', '666-12-3456'],
  ['ssn area 9xx', '912-12-3456'],
  ['ssn group 00', '123-00-4567'],
  ['ssn serial 0000', '123-45-0000'],
  ['bare 9 digits without context', 'invoice 123456789 paid'],
  ['mixed separators ssn', '123-45 6789'],
  ['not an email', 'user@localhost and @handle and a@b'],
  ['ipv4 out of range', '256.1.1.1 and 1.2.3'],
  ['OID', 'oid 1.3.6.1.4.1.311.21.8 and 2.16.840.1.101.3.4.2.1'],
  ['German date and time', 'am 01.02.2024 12:30 Uhr'],
  ['price with spaces', 'total 1 234 567 890 EUR'],
  ['bare 10 digits without context', 'ticket 0123456789 closed and order 4155552671'],
  ['bare 10 digits with a phone word further back', 'the mobile RSS transmitter! ref 1736688471'],
  ['the tail of a grouped 16-digit order number', 'ref 4070 0843 4835 7855'],
  ['UUID with digit-only groups first', 'id 07902132-1252-c61a-c50a-ceb9531d8414'],
  ['a time, then a grouped number in parentheses', '(2029-08-20 18:45:07) (4307 0416 0946 3146)'],
  ['ISO date and time', 'at 2024-01-02 12:30:00 UTC'],
  ['decimal amount', 'build 75648453.60 and 0123456789.50'],
  ['time is not ipv6', '10:30:00'],
  ['short sk', 'sk-short'],
  ['placeholder secret', 'password: ********'],
  ['words', 'Bearer of bad news; the secret is out'],
  ['identifiers that share a key prefix', 'hf_hub_download(), npm_config_cache, xapp-store, sk_test_short, glpat-short, AIzaShort'],
  ['hex 40 without context', 'da39a3ee5e6b4b0d3255bfef95601890afd80709da39'],
  // A 60-character run whose first 40 characters end exactly where a context window ends: not a key.
  ['base64 run cut by a window', `AWS${' '.repeat(10)}my secret${' '.repeat(31)}Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6 end`],
  // A NUL separates the strings of a batched JSON body: context words do not reach across it.
  ['bare 9 digits with context behind a NUL', 'ssn\u0000123456789'],
];

describe('core/masking detectors', () => {
  for (const [detector, text, value] of positives) {
    it(`finds ${detector} in ${JSON.stringify(text.slice(0, 40))}`, () => {
      assert.deepEqual(found(text), [{ detector, value }]);
    });
  }
  for (const [name, text] of negatives) {
    it(`finds nothing in a ${name}`, () => {
      assert.deepEqual(found(text), []);
    });
  }
  it('a dashed SSN next to a phone number: both found', () => {
    assert.deepEqual(found('ids 123-45-6789 555-867-5309'), [{ detector: 'ssn', value: '123-45-6789' }, { detector: 'phone', value: '555-867-5309' }]);
  });
  it('a classic GitHub token whose CRC32 checksum holds is certain; one that fails is still masked', () => {
    const confidence = (text: string) => maskText(text, compiled, { where: 'upstream' }).spans.map((s) => s.confidence);
    assert.deepEqual(confidence('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'), [0.99]);
    assert.deepEqual(confidence('ghp_Zq3vK9mW2xLp7RtY4nB8cD1fG6hJ0s4WJSGp'), [0.97]);
  });
  it('a card-only rule does not cut a card out of an IBAN-shaped run either', () => {
    const cardOnly = compileMaskingRules([{ name: 'pci', detectors: ['card'] }], { hashKey: 'test', auditDetectors: [] });
    assert.equal(maskText('SE84 4215 9376 4599 4332 1777', cardOnly, { where: 'upstream' }).value, 'SE84 4215 9376 4599 4332 1777');
    assert.equal(maskText('ref 4215 9376 4599 4332', cardOnly, { where: 'upstream' }).value, 'ref [REDACTED:CARD]');
  });
  it('national numbers follow the configured regions and how each writes its numbers', () => {
    const only = (regions: string[], text: string) => {
      const c = compileMaskingRules([{ name: 'all', detectors: ['phone'] }], { hashKey: 'test', auditDetectors: [], phoneRegions: regions });
      return maskText(text, c, { where: 'upstream' }).value;
    };
    // Germany writes the trunk 0; India writes numbers with or without it.
    assert.equal(only(['DE'], 'ref 30 1234 5678'), 'ref 30 1234 5678');
    assert.equal(only(['DE'], 'ref 030 1234 5678'), 'ref [REDACTED:PHONE]');
    assert.equal(only(['IN'], 'ref 98765 43210'), 'ref [REDACTED:PHONE]');
    // A French number is not known where France is not configured; in E.164 it always is.
    assert.equal(only(['US'], 'ligne 01 23 45 67 89'), 'ligne 01 23 45 67 89');
    assert.equal(only(['US'], 'ligne +33 1 23 45 67 89'), 'ligne [REDACTED:PHONE]');
    // Unassigned ranges of a possible length (Ofcom's drama range, NANP area code 266): masked when
    // written as the plan writes numbers, else near context only.
    assert.equal(only(['GB'], 'see 07700 900123'), 'see [REDACTED:PHONE]');
    assert.equal(only(['GB'], 'see 077009 00123'), 'see 077009 00123');
    assert.equal(only(['GB'], 'mobile: 077009 00123'), 'mobile: [REDACTED:PHONE]');
    assert.equal(only(['US'], 'see (266) 819-0989'), 'see [REDACTED:PHONE]');
    assert.equal(only(['US'], 'see 2668 190 989'), 'see 2668 190 989');
  });
  it('refuses a phone region without a numbering plan at compile time', () => {
    assert.throws(() => compileMaskingRules([], { phoneRegions: ['DE', 'XX'] }), /#phoneRegions\/1 unknown phone region "XX"/);
  });
  it('bare 9 digits need SSN context before them, not after', () => {
    assert.deepEqual(found('ssn 123456789'), [{ detector: 'ssn', value: '123456789' }]);
    assert.deepEqual(found('123456789 is my ssn'), []);
  });
});

describe('core/masking checksums', () => {
  const table: [string, boolean, boolean][] = [
    ['4111111111111111', true, true], ['4111111111111112', false, true], ['378282246310005', true, true],
    ['1717171717171', false, false], ['9111111111111111', false, false],
  ];
  for (const [digits, luhn, prefix] of table) {
    it(`luhn/prefix of ${digits}`, () => {
      assert.equal(luhnValid(digits), luhn);
      assert.equal(cardPrefixValid(digits), prefix);
    });
  }
  it('iban mod-97 and country length', () => {
    assert.equal(ibanValid('DE89370400440532013000'), true);
    assert.equal(ibanValid('DE8937040044053201300'), false);
    assert.equal(ibanValid('XX89370400440532013000'), false);
  });
  it('npm token checksum (CRC32 of the random part, base62)', () => {
    assert.equal(base62Crc32Valid('qkJaB6MffYVzZXWqmcoF49yrUxP3wf0LsakP'), true);
    assert.equal(base62Crc32Valid('qkJaB6MffYVzZXWqmcoF49yrUxP3wf0LsakQ'), false);
  });
  it('ssn number plan', () => {
    assert.equal(ssnValid('123', '45', '6789'), true);
    assert.equal(ssnValid('900', '45', '6789'), false);
  });
});

describe('core/masking thinNumberRunEnd', () => {
  const numeric = alternatives.filter((a) => a.pass === 'numeric');
  /** Whether any numeric alternative validates a match starting at `at`. */
  const matchesAt = (text: string, at: number) => numeric.some((a) => {
    const re = new RegExp(a.source, 'y');
    re.lastIndex = at;
    const m = re.exec(text);
    return m !== null && a.check(text, at, at + m[0].length, m.slice(1), textContext(text)) !== null;
  });

  it('turns away only runs where no numeric value can start (20,000 random number-like strings)', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const alphabet = '0123456789 ().+-.x';
    let thin = 0;
    for (let n = 0; n < 20_000; n++) {
      let text = '';
      for (let i = 5 + Math.floor(random() * 30); i > 0; i--) text += alphabet[Math.floor(random() * (random() < 0.6 ? 10 : alphabet.length))];
      for (let at = 0; at < text.length; at++) {
        if (!/\d/.test(text[at]) || /\w/.test(text[at - 1] ?? '')) continue;
        const end = thinNumberRunEnd(text, at);
        if (end < 0) continue;
        thin++;
        for (let s = at; s < end; s++) {
          assert.ok(!matchesAt(text, s) && !(s > 0 && '+('.includes(text[s - 1]) && matchesAt(text, s - 1)), `${JSON.stringify(text)}: a value starts at ${s}, in the thin run ${at}..${end}`);
        }
      }
    }
    assert.ok(thin > 10_000, `only ${thin} thin runs: the test would prove little`);
  });

  it('passes dates and versions over, keeps numbers that may be values', () => {
    assert.equal(thinNumberRunEnd('at 2026-11-27T05:16', 3), 13);
    assert.equal(thinNumberRunEnd('build 2.13.2)', 6), 13);
    assert.equal(thinNumberRunEnd('ssn 123-45-6789', 4), -1);
    assert.equal(thinNumberRunEnd('+44 20 7946 09', 1), -1);
    assert.equal(thinNumberRunEnd('ip 10.0.0.1', 3), -1);
    assert.equal(thinNumberRunEnd('ip 1.2.3.4 up', 3), -1);
    assert.equal(thinNumberRunEnd('+1 234 5678 ', 1), -1);
    assert.equal(thinNumberRunEnd('12 345 678 x', 0), 11);
  });
});
