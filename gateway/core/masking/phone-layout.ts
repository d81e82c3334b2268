/**
 * The digits of a phone-shaped candidate, or null when its layout is not a phone number's:
 * doubled separators, parentheses that are empty, unbalanced or around a separator, more than
 * two one-digit groups (OIDs and version strings like 1.3.6.1.4.1), dots mixed with other
 * separators or fewer than two of them (75648453.60 is an amount: dots separate phone groups only
 * on their own, in three groups or more), a date in front (2024-01-02 12:30, 01.02.2024 12:30),
 * or a US ZIP+4 code (07272-2966).
 *
 * One walk over the characters: it runs for every phone-shaped candidate, where five regular
 * expressions and a replace cost ≈ 0.3 µs a candidate. `phone-layout.test.ts` holds it to those
 * expressions (kept there) on generated candidates.
 *
 * @example
 * phoneDigits('+1 (415) 555-0100') // => '14155550100'
 * phoneDigits('1.3.6.1.4.1')       // => null (an OID)
 * phoneDigits('07272-2966')        // => null (a ZIP+4 code)
 */
export function phoneDigits(value: string): string | null {
  const n = value.length;
  if (dateInFront(value) || isZipPlus4(value)) return null;
  let oneDigitGroups = 0;
  let dots = false;
  let dotOnLine = false; // a '.' since the last line break
  let twoDots = false; // two '.' with no line break between
  let otherSeparator = false;
  let open = -1;
  let close = -1;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    const next = i + 1 < n ? value.charCodeAt(i + 1) : -1;
    // Doubled or empty separators: [ .-]{2}, (), [ .-]) and ([ .-].
    if (isSeparator(c) && (isSeparator(next) || next === 41)) return null;
    if (c === 40 && (next === 41 || isSeparator(next))) return null;
    if (isDigit(c)) {
      if ((i === 0 || !isDigit(value.charCodeAt(i - 1))) && !isDigit(next)) oneDigitGroups++;
    } else if (c === 46) {
      dots = true;
      if (dotOnLine) twoDots = true;
      dotOnLine = true;
    } else if (c === 10 || c === 13 || c === 0x2028 || c === 0x2029) {
      dotOnLine = false; // '.' in a regular expression stops at a line break
    } else if (c === 32 || c === 45 || c === 40 || c === 41) {
      otherSeparator = true;
      if (c === 40) {
        if (open >= 0) return null; // a second '('
        open = i;
      } else if (c === 41 && close < 0) close = i;
    }
  }
  if (dots && (otherSeparator || !twoDots)) return null;
  if (open >= 0 !== close >= 0 || close < open) return null;
  return oneDigitGroups > 2 ? null : digitsOf(value);
}

/** The digits of `value`, group by group (a string per digit would make one string each). */
function digitsOf(value: string): string {
  let digits = '';
  for (let i = 0; i < value.length;) {
    if (!isDigit(value.charCodeAt(i))) {
      i++;
      continue;
    }
    let end = i + 1;
    while (end < value.length && isDigit(value.charCodeAt(end))) end++;
    digits = i === 0 && end === value.length ? value : digits + value.slice(i, end);
    i = end;
  }
  return digits;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** ' ', '.' or '-'. */
function isSeparator(c: number): boolean {
  return c === 32 || c === 46 || c === 45;
}

/** Whether `value[from, from + count)` are digits. */
function digitsAt(value: string, from: number, count: number): boolean {
  if (from + count > value.length) return false;
  for (let i = from; i < from + count; i++) if (!isDigit(value.charCodeAt(i))) return false;
  return true;
}

/** '.' or '-'. */
function isDateSeparator(c: number): boolean {
  return c === 46 || c === 45;
}

/** A date opens the value: yyyy-mm-dd, or d.m.yyyy / dd-mm-yyyy with one or two digits for d and m. */
function dateInFront(value: string): boolean {
  if (digitsAt(value, 0, 4) && value.charCodeAt(4) === 45 && digitsAt(value, 5, 2) && value.charCodeAt(7) === 45 && digitsAt(value, 8, 2)) return true;
  for (let day = 1; day <= 2; day++) {
    if (!digitsAt(value, 0, day) || !isDateSeparator(value.charCodeAt(day))) continue;
    for (let month = 1; month <= 2; month++) {
      const at = day + 1;
      if (digitsAt(value, at, month) && isDateSeparator(value.charCodeAt(at + month)) && digitsAt(value, at + month + 1, 4)) return true;
    }
  }
  return false;
}

/** ddddd-dddd and nothing else. */
function isZipPlus4(value: string): boolean {
  return value.length === 10 && digitsAt(value, 0, 5) && value.charCodeAt(5) === 45 && digitsAt(value, 6, 4);
}
