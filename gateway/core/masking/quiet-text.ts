/**
 * A cheap proof that a scan of `text` cannot find a built-in detection ending after `from`, so a
 * stream masker may release new text without running the scanner. Most small streamed deltas
 * are prose; rescanning the kept context for each of them was most of a stream's masking cost.
 *
 * It never answers true wrongly (a false answer just means "scan"). The argument, per detector:
 *  - a detection ending after `from` covers at least its last character there;
 *  - card, SSN, phone, IPv4 and IPv6 values hold a digit, in the run that ends after `from`
 *    or ending after `from` (numbers end on a digit);
 *  - email: one run of non-blank characters holding an '@';
 *  - keys, tokens, JWTs, bearer values, AWS keys: one run of at least 15 non-blank characters;
 *  - an assigned secret (`password: …`): a value of at least 8, in a run that also holds the
 *    ':' or '=' (so at least 9 long), or right after it and some spaces or tabs;
 *  - an IBAN's last group is an alphanumeric run of capitals and digits, after a space that
 *    follows another capital or digit of it;
 *  - a PEM block needs '-----BEGIN' in the text.
 * A "run" here is a maximal stretch of characters other than space, tab, CR and LF: every
 * detector above excludes those four from the values it covers. Runs that end after `from`
 * are checked whole, including their part before it.
 *
 * Custom detectors are user regexes and are not covered: callers scan whenever a rule has one.
 *
 * @example
 * quietAfter('Thanks, see you tomorrow. And the', 25) // => true
 * quietAfter('call me on 555', 11)                     // => false (a digit)
 */
export function quietAfter(text: string, from: number): boolean {
  if (text.indexOf('-----BEGIN') >= 0) return false;
  let runStart = from;
  while (runStart > 0 && !isBlank(text.charCodeAt(runStart - 1))) runStart--;
  let assigns = false;
  let alnumStart = -1;
  let capitalsOnly = false;
  for (let i = runStart; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    if (c >= 48 && c <= 57) return false;
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (letter) {
      if (alnumStart < 0) {
        alnumStart = i;
        capitalsOnly = true;
      }
      if (c >= 97) capitalsOnly = false;
      continue;
    }
    if (alnumStart >= 0 && capitalsOnly && mayEndIban(text, alnumStart)) return false;
    alnumStart = -1;
    if (isBlank(c)) {
      if (i > runStart && !quietRun(text, runStart, i, assigns)) return false;
      runStart = i + 1;
      assigns = false;
    } else if (c === 64) return false;
    else if (c === 58 || c === 61) assigns = true;
  }
  return true;
}

/** Space, tab, LF, CR: no detected value contains them (except PEM blocks, ruled out above). */
function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** A run of capitals at `start` could be an IBAN's last group: one space back, another capital or digit. */
function mayEndIban(text: string, start: number): boolean {
  if (start < 2 || text.charCodeAt(start - 1) !== 32) return false;
  const c = text.charCodeAt(start - 2);
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
}

/** A run without digits or '@' (the caller checked): can it hold a token or an assigned secret? */
function quietRun(text: string, start: number, end: number, assigns: boolean): boolean {
  const length = end - start;
  if (length >= 15 || (assigns && length >= 9)) return false;
  if (length < 8) return true;
  let i = start;
  while (i > 0 && (text.charCodeAt(i - 1) === 32 || text.charCodeAt(i - 1) === 9)) i--;
  const before = i > 0 ? text.charCodeAt(i - 1) : 0;
  return before !== 58 && before !== 61;
}
