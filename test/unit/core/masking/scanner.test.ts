import assert from 'node:assert/strict';
import fc from 'fast-check';
import { alternatives, builtinDetectorNames } from '../../../../gateway/core/masking/detectors';
import { fixedMatchLength } from '../../../../gateway/core/masking/fixed-length';
import { passes, type PassSpec } from '../../../../gateway/core/masking/passes';
import { createScanner, scanAloneLength, type Detection } from '../../../../gateway/core/masking/scanner';
import { textContext } from '../../../../gateway/core/masking/value-context';
import { createCorpus } from '../../../corpus/generator';
import { Values } from '../../../corpus/formats';

/**
 * The scanner takes shortcuts for speed (triggers, candidate start positions, on long texts
 * only for email). These tests hold them to what a plain global scan of the same regexes finds,
 * over the corpus texts, short and joined into long ones.
 */
const texts: string[] = [];
const strings = (v: unknown): void => {
  if (typeof v === 'string') texts.push(v);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) strings(x);
};
for (const item of createCorpus(31337, 200)) strings(item.body);
const crafted = [
  'mail a@b.io, x@@y.com, @home, me@ex.ample.org. and "q@w.de"',
  'a.b@c.io@d.io and ..@x.io and 1@2.io',
  '+1 (415) 555-2671, 4111 1111 1111 1111, 123-45-6789, 10.0.0.1 and (030) 1234 5678',
  'password: hunter2hunter2, "api_key" = "abcdefghij12", Secret_Key:\tqwertyuiop1; PWD=abcdefgh9 x: y',
  "auth_token :  'zzzzzzzzzz' {\"client_secret\":\"s3cr3t-value\",\"status\":\"ok\"} apikey==abcdefghijk",
  'hosts fe80::1, 2001:db8::ff00:42:8329 and 2001:0db8:0000:0000:0000:ff00:0042:8329 at 12:30:45',
  'upper FE80::ABCD:1 and 2001:0DB8:85A3::8A2E:0370:7334, link FEBC:ABCD::1',
];
// Long texts take other paths (past 1024 characters the email regex runs only at each '@', the
// assignment regex at each ':' and '=').
for (let i = 0; i + 40 <= texts.length; i += 40) texts.push([...texts.slice(i, i + 40), ...crafted].join('\n'));
texts.push(...crafted);

/** The reference: the alternatives' regex, global over the whole text, each match validated. */
function globalScan(pass: string, text: string): Detection[] {
  const alts = alternatives.filter((a) => a.pass === pass);
  assert.equal(alts.length, 1, `one alternative in the ${pass} pass`);
  const [alt] = alts;
  const re = new RegExp(alt.source, 'g');
  const out: Detection[] = [];
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const hit = alt.check(text, m.index, m.index + m[0].length, m.slice(1), textContext(text));
    if (hit && hit.end > hit.start) {
      out.push({ detector: alt.detector, start: hit.start, end: hit.end, confidence: hit.confidence });
      re.lastIndex = Math.max(hit.end, m.index + 1);
    } else re.lastIndex = m.index + 1;
  }
  return out;
}

describe('core/masking scanner', () => {
  for (const [pass, detector] of [['email', 'email'], ['assignment', 'secret']] as const) {
    it(`the ${pass} pass finds what a global scan finds, on ${texts.length} texts`, () => {
      const scanner = createScanner([detector], []);
      let found = 0;
      for (const text of texts) {
        const got = scanner.scan(text);
        assert.deepEqual(got, globalScan(pass, text), text);
        found += got.length;
      }
      assert.ok(found > 100, `the texts hold values (${found})`);
    });
  }

  it(`the ipv6 pass finds what a global scan finds, on ${texts.length} texts`, () => {
    const scanner = createScanner(['ip'], []);
    let found = 0;
    for (const text of texts) {
      const got = scanner.scan(text).filter((d) => text.slice(d.start, d.end).includes(':'));
      assert.deepEqual(got, globalScan('ipv6', text), text);
      found += got.length;
    }
    assert.ok(found > 100, `the texts hold IPv6 addresses (${found})`);
  });

  it('runs a pass\'s trigger only on texts too short for the pass to search for its starts (on a long one it would scan the text once more)', () => {
    const trigger = passes.find((p) => p.name === 'ipv6')!.trigger!;
    let calls = 0;
    trigger.test = function (this: RegExp, text: string) {
      calls++;
      return RegExp.prototype.test.call(this, text);
    };
    try {
      const scanner = createScanner(['ip'], []);
      const long = 'host fe80::1 and 2001:db8::ff00:42:8329; '.repeat(40);
      assert.ok(long.length >= 1024);
      assert.equal(scanner.scan(long).length, 80);
      assert.equal(calls, 0, 'the trigger ran on a long text');
      assert.equal(scanner.scan('host fe80::1').length, 1);
      assert.equal(scanner.scan('no address here').length, 0);
      assert.equal(calls, 2, 'short texts still go through the trigger');
    } finally {
      delete (trigger as { test?: unknown }).test;
    }
  });

  it(`scanEach finds in each text what scan finds in it alone (${texts.length} texts in batches, all detectors, with member names)`, () => {
    const scanner = createScanner(builtinDetectorNames, []);
    const names = ['', 'customer ssn', 'aws_secret_access_key', 'billing phone', 'note'];
    let found = 0;
    for (let i = 0; i < texts.length; i += 7) {
      const batch = texts.slice(i, i + 7);
      const got = scanner.scanEach(batch, (k) => names[(i + k) % names.length]);
      const alone = batch.flatMap((t, k) => scanner.scan(t, names[(i + k) % names.length]).map((d) => ({ ...d, segment: k })));
      assert.deepEqual(got, alone, batch.join(' | '));
      found += got.length;
    }
    assert.ok(found > 200, `the texts hold values (${found})`);
  });

  it('scanEach finds in a long text scanned alone (a big prompt) what scan finds in it, wherever it stands in the batch', () => {
    const scanner = createScanner(builtinDetectorNames, []);
    const names = ['', 'customer ssn', 'aws_secret_access_key', 'billing phone', 'note'];
    let long = '';
    for (let i = 0; long.length < scanAloneLength; i++) long += texts[i % texts.length] + '\n';
    const longer = long + texts.slice(0, 50).join(' ');
    const short = texts.slice(0, 6);
    const batches = [[long, ...short], [...short, long], [short[0], long, short[1], longer, short[2]], [long, longer], [short[3], long, longer, short[4]]];
    for (const batch of batches) {
      const got = scanner.scanEach(batch, (k) => names[k % names.length]);
      const alone = batch.flatMap((t, k) => scanner.scan(t, names[k % names.length]).map((d) => ({ ...d, segment: k })));
      assert.deepEqual(got, alone);
      assert.ok(got.filter((d) => batch[d.segment].length >= scanAloneLength).length > 10, 'the long texts hold values');
    }
  });

  it('no match of a pass is shorter than its minLength (the windows opened by member names skip shorter strings)', () => {
    let checked = 0;
    for (const p of passes.filter((x) => x.minLength)) {
      const alts = alternatives.filter((a) => a.pass === p.name).map((a) => new RegExp(a.source, 'g'));
      for (const text of texts) {
        for (const re of alts) {
          re.lastIndex = 0;
          for (let m = re.exec(text); m; m = re.exec(text)) {
            assert.ok(m[0].length >= p.minLength!, `${p.name}: ${JSON.stringify(m[0])}`);
            checked++;
          }
        }
      }
    }
    assert.ok(checked > 20, `matches checked (${checked})`);
  });

  it('finds starts by their fixed length (test, no match arrays) exactly as by exec: on corpus texts and texts of values built from their specifications', () => {
    // The reference: every start pattern made one whose length the analysis cannot fix (an empty
    // group, optional: the same matches), so the scanner takes the exec path for it.
    const execPasses: PassSpec[] = passes.map((p) => (p.starts ? { ...p, starts: new RegExp(`(?:${p.starts.source})(?:){0,1}`, p.starts.flags) } : p));
    for (const p of execPasses) if (p.starts) assert.equal(fixedMatchLength(p.starts), undefined, p.name);
    const byLength = createScanner(builtinDetectorNames, []);
    const byExec = createScanner(builtinDetectorNames, [], {}, execPasses);
    let found = 0;
    const same = (list: string[]) => {
      for (const text of list) {
        const got = byLength.scan(text);
        assert.deepEqual(got, byExec.scan(text), JSON.stringify(text));
        found += got.length;
      }
      const names = () => 'content phone';
      assert.deepEqual(byLength.scanEach(list, names), byExec.scanEach(list, names));
    };
    same(texts);
    // Values from their specifications (numbering plans, SSA, ISO 13616, card ranges, RFC 5321,
    // hard negatives such as timestamps and versions) glued with what may sit next to a start:
    // a word character, '+', '(', a boundary, separators. Some texts past 1024 characters, where
    // the email pass also searches for its starts.
    fc.assert(fc.property(fc.integer(), fc.array(fc.tuple(fc.nat(9), fc.constantFrom('', ' ', 'x', '_', '+', '(', ')', '-', '.', '\0', ', call ', ' ssn ', 'a1', '9')), { minLength: 1, maxLength: 12 }), fc.boolean(), (seed, parts, long) => {
      let state = seed >>> 0;
      const v = new Values({ int: (min, max) => { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return min + (state % (max - min + 1)); } });
      const value = (k: number) => [() => v.phone().value, () => v.phone().value, () => v.ssn().value, () => v.card(), () => v.iban(), () => v.email(), () => v.ip(), () => v.negative(), () => v.negative(), () => v.digits(7 + (k % 5))][k]();
      let text = parts.map(([k, glue]) => value(k) + glue).join('');
      if (long) while (text.length < 1100) text += ' ' + text;
      same([text, text.slice(1), `+${text}`]);
    }), { numRuns: 400 });
    assert.ok(found > 1000, `the texts hold values (${found})`);
  });

  it('the numeric start pattern marks the same positions as \\b\\d followed by six run characters', () => {
    const starts = passes.find((p) => p.name === 'numeric')!.starts!;
    const reference = /\b\d(?=[\d ().+-]{6})/g;
    const positions = (re: RegExp, text: string) => {
      const at: number[] = [];
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        at.push(m.index);
        re.lastIndex = m.index + 1; // as scanStarts resumes after a start without a hit
      }
      return at;
    };
    let marked = 0;
    for (const text of texts) {
      const got = positions(starts, text);
      assert.deepEqual(got, positions(reference, text), text);
      marked += got.length;
    }
    assert.ok(marked > 50, `the texts hold numbers (${marked})`);
  });
});
