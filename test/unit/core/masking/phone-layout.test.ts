import assert from 'node:assert/strict';
import fc from 'fast-check';
import { phoneDigits } from '../../../../gateway/core/masking/phone-layout';

/**
 * `phoneDigits` reads a candidate's layout in one walk; it replaced these regular expressions,
 * kept here as its reference: on every generated candidate both must give the same answer.
 */
function reference(value: string): string | null {
  if (/[ .-]{2}|\(\)|[ .-]\)|\([ .-]/.test(value) || /^\d{4}-\d\d-\d\d|^\d\d?[.-]\d\d?[.-]\d{4}/.test(value)) return null;
  if (value.includes('.') && (/[ ()-]/.test(value) || !/\..*\./.test(value))) return null;
  if (/^\d{5}-\d{4}$/.test(value)) return null;
  const open = value.indexOf('(');
  const close = value.indexOf(')');
  if (open >= 0 !== close >= 0 || close < open || value.indexOf('(', open + 1) > 0) return null;
  let groups = 0;
  for (let i = 0; i < value.length; i++) if (/\d/.test(value[i]) && !/\d/.test(value[i - 1] ?? '') && !/\d/.test(value[i + 1] ?? '')) groups++;
  return groups > 2 ? null : value.replace(/\D/g, '');
}

const chars = (alphabet: string, max: number) => fc.array(fc.constantFrom(...alphabet), { maxLength: max }).map((a) => a.join(''));
/** Candidates as the numeric pass gives them (digits and separators), with dates, ZIP codes and line breaks mixed in. */
const candidate = fc.oneof(
  chars('0123456789 ().+-', 24),
  chars('0123456789.', 16),
  chars('00112233445566778899 -', 20),
  chars('0123456789 ().-+\n\r\u2028x', 16),
  fc.tuple(fc.constantFrom('2024-01-02', '01.02.2024', '1-2-2024', '12.3.1999', '1.12-2024', '123-45-6789', '07272-2966', '(415) 555-0100', '+44 20 7946 0958'), chars('0123456789 .-()', 8))
    .map(([a, b]) => a + b),
);

describe('core/masking phone layout', () => {
  it('gives what the regular expressions it replaced give, on generated candidates', () => {
    let digits = 0;
    fc.assert(fc.property(candidate, (value) => {
      const got = phoneDigits(value);
      assert.equal(got, reference(value));
      if (got !== null) digits++;
    }), { numRuns: 200_000, seed: 77 });
    assert.ok(digits > 10_000, `candidates laid out as numbers (${digits})`);
  });

  it('turns away dates, ZIP+4 codes, OIDs, amounts and doubled separators', () => {
    assert.equal(phoneDigits('+1 (415) 555-0100'), '14155550100');
    assert.equal(phoneDigits('06.12.34.56.78'), '0612345678');
    for (const v of ['2024-01-02 1230', '01.02.2024 12', '07272-2966', '1.3.6.1.4.1', '75648453.60', '415  555 0100', '(415 555 0100', '( 415) 555 0100', '() 555 0100', '415 (555) (0100)', '415.555 0100']) {
      assert.equal(phoneDigits(v), null, v);
    }
  });
});
