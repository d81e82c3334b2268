/**
 * Differential check of the masking code: a git ref (the base, default main) against the working
 * tree, both loaded in ONE process, on thousands of generated bodies and texts. Every output must
 * be byte for byte the same: the masking service's request copies (the audit copy, the upstream
 * bytes, the audit's JSON bytes, the report; the bytes for the body sent as four different texts), `maskJson`'s values and spans for each copy, and
 * `maskText`'s. Run it before landing any change to `core/masking/` (exit code 1 on a difference).
 *
 * Inputs: the quality corpus (`test/corpus/`: values built from their specifications, with hard
 * negatives) as bodies and as texts, those joined into bodies and single strings of every size the
 * scanner treats apart (its 1 KB and 16 KB thresholds), PII-free prose bodies, the bench's bodies
 * and the micro-benchmarks' 64 KB bodies; under six rule sets (the bench policy's, the default
 * audit alone, a subset with the hash style, partial style with a high confidence floor, field
 * paths, a custom detector).
 * Run: npx tsx bench/micro/masking-diff.ts [--base main] [--seeds 3] [--count 1200]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Faker, base, en } from '@faker-js/faker';
import { createCorpus } from '../../test/corpus/generator';
import { Values } from '../../test/corpus/formats';
import { extractBase } from './in-process-ab';
import { denseBody, mixedBody } from './masking-fixtures';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const repo = resolve(__dirname, '../..');
const baseRef = arg('base', 'main');
const seeds = Number(arg('seeds', '3'));
const count = Number(arg('count', '1200'));

type Masking = Awaited<ReturnType<typeof load>>;

async function load(root: string) {
  const m = (p: string) => import(join(root, 'gateway', p));
  const [compile, maskJson, maskText, service] = await Promise.all([
    m('core/masking/compile.ts'), m('core/masking/mask-json.ts'), m('core/masking/mask-text.ts'), m('masking/masking-service.ts'),
  ]);
  return {
    compileMaskingRules: compile.compileMaskingRules as typeof import('../../gateway/core/masking/compile').compileMaskingRules,
    maskJson: maskJson.maskJson as typeof import('../../gateway/core/masking/mask-json').maskJson,
    maskText: maskText.maskText as typeof import('../../gateway/core/masking/mask-text').maskText,
    createMaskingService: service.createMaskingService as typeof import('../../gateway/masking/masking-service').createMaskingService,
  };
}

type Rules = Parameters<Masking['compileMaskingRules']>[0];

/** Rule sets: each exercises another path of the service (one copy for both, two scans, the walker, custom regexes). */
const ruleSets: { name: string; rules: Rules }[] = [
  { name: 'bench policy (upstream = audit)', rules: [{ name: 'agents-upstream-pii', detectors: ['all'], where: ['upstream'] }] },
  { name: 'default audit only', rules: [] },
  { name: 'subset upstream, hash style', rules: [{ name: 'pii', detectors: ['card', 'email', 'secret'], where: ['upstream', 'client'], style: 'hash' }] },
  { name: 'partial style, confidence 0.8', rules: [{ name: 'p', detectors: ['all'], where: ['upstream'], style: 'partial', minConfidence: 0.8 }] },
  { name: 'field paths', rules: [
    { name: 'meta', detectors: ['phone', 'email', 'ssn'], fields: [{ path: '$.metadata', action: 'detect' }, { path: '$.messages[*].tool_calls', action: 'mask-whole' }], where: ['upstream'] },
    { name: 'rest', detectors: ['card', 'iban', 'secret'], where: ['upstream'] },
  ] },
  { name: 'custom detector', rules: [{ name: 'orders', detectors: ['all'], custom: [{ name: 'order', pattern: 'ORD-[0-9]{4}-[0-9]{6}' }], where: ['upstream'] }] },
];

/** Generated inputs: JSON bodies and free texts. */
function inputs(): { bodies: unknown[]; texts: string[] } {
  const bodies: unknown[] = [];
  const texts: string[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const corpus = createCorpus(1000 + seed, count);
    for (const item of corpus) {
      bodies.push(item.body);
      texts.push(item.text ?? JSON.stringify(item.body));
    }
    // Joined: bodies of several items' messages and one long string each, around the scanner's
    // 1 KB and 16 KB thresholds and past them.
    const prose = corpus.map((c) => c.text ?? JSON.stringify(c.body));
    for (const size of [900, 1100, 4000, 15_000, 17_000, 40_000]) {
      let k = 0;
      for (let n = 0; n < 12; n++) {
        let text = '';
        const messages: unknown[] = [];
        while (text.length < size) {
          const t = prose[k++ % prose.length];
          text += (text ? '\n' : '') + t;
          messages.push({ role: 'user', content: t });
        }
        texts.push(text);
        bodies.push({ model: 'gpt-4o', messages: [{ role: 'user', content: text }] });
        bodies.push({ model: 'gpt-4o', messages });
      }
    }
  }
  // PII-free: prose and the corpus's hard negatives only.
  const f = new Faker({ locale: [en, base] });
  f.seed(99);
  const v = new Values({ int: (min, max) => f.number.int({ min, max }) });
  for (let i = 0; i < 600; i++) {
    const parts: string[] = [];
    const n = f.number.int({ min: 1, max: 200 });
    for (let j = 0; j < n; j++) parts.push(f.helpers.arrayElement([() => f.lorem.sentence(), () => `ref ${v.negative()}`, () => f.hacker.phrase()])());
    const text = parts.join(' ');
    texts.push(text);
    bodies.push({ model: 'gpt-4o', messages: [{ role: 'user', content: text }], max_tokens: 256 });
  }
  const benchBodies = join(repo, 'bench/bodies');
  for (const file of readdirSync(benchBodies)) {
    if (!file.endsWith('.json')) continue;
    try {
      bodies.push(JSON.parse(readFileSync(join(benchBodies, file), 'utf8')));
    } catch {
      // not a JSON body
    }
  }
  bodies.push(mixedBody().body, denseBody().body);
  texts.push(mixedBody().text);
  return { bodies, texts };
}

/** Everything a variant makes of one input, as one string to compare. */
function outputs(v: Masking, rules: Rules, bodies: unknown[], texts: string[]): string[] {
  const compiled = v.compileMaskingRules(rules, { hashKey: 'diff' });
  const masks = Object.freeze(rules!.map((r) => r.name));
  const log = { info() {}, warn() {}, error() {}, debug() {} } as never;
  const service = v.createMaskingService(undefined, { getCompiled: () => compiled, log });
  const out: string[] = [];
  const hex = (b: Buffer | undefined) => (b ? b.toString('hex') : '-');
  for (const body of bodies) {
    const bytes = Buffer.from(JSON.stringify(body));
    const r = service.maskRequest({ masks, body: bytes, json: body });
    const parts = [JSON.stringify(r.auditBody), hex(r.upstreamBody), hex(r.auditJson), JSON.stringify(r.report)];
    // The upstream bytes are the client's where they can be (core/json-splice.ts): the same body
    // sent as other texts must give the same bytes (ASCII with \u escapes, pretty-printed, '/' escaped).
    const ascii = JSON.stringify(body).replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    for (const form of [ascii, JSON.stringify(body, null, 1), ascii.replaceAll('/', '\\/')]) {
      const f = service.maskRequest({ masks, body: Buffer.from(form), json: body });
      parts.push(hex(f.upstreamBody), hex(f.auditJson));
    }
    for (const where of ['audit', 'upstream', 'client'] as const) {
      const m = v.maskJson(body, compiled, { where, ruleNames: masks });
      parts.push(JSON.stringify([m.value, m.changed, m.report, m.spans]));
    }
    out.push(parts.join('\n'));
  }
  for (const text of texts) {
    const r = service.maskRequest({ masks, body: Buffer.from(text) });
    const m = v.maskText(text, compiled, { where: 'audit', ruleNames: masks, path: '$.messages[0].content' });
    out.push(`${JSON.stringify(r.auditBody)}\n${JSON.stringify([m.value, m.report, m.spans])}`);
  }
  return out;
}

async function main() {
  const base = await load(extractBase(repo, baseRef, 'masking-diff'));
  const tree = await load(repo);
  const { bodies, texts } = inputs();
  let differences = 0;
  for (const set of ruleSets) {
    const a = outputs(base, set.rules, bodies, texts);
    const b = outputs(tree, set.rules, bodies, texts);
    let here = 0;
    for (let i = 0; i < a.length; i++) {
      if (a[i] === b[i]) continue;
      if (here++ < 3) {
        const input = i < bodies.length ? JSON.stringify(bodies[i]) : texts[i - bodies.length];
        process.stdout.write(`DIFFERENT (${set.name}) input ${i}: ${input.slice(0, 300)}\n  base: ${a[i].slice(0, 600)}\n  tree: ${b[i].slice(0, 600)}\n`);
      }
    }
    differences += here;
    process.stdout.write(`${set.name}: ${a.length} inputs, ${here} different\n`);
  }
  const chars = bodies.reduce<number>((n, b) => n + JSON.stringify(b).length, 0) + texts.reduce((n, t) => n + t.length, 0);
  process.stdout.write(`${baseRef} against the tree: ${bodies.length} bodies and ${texts.length} texts (${(chars / 1e6).toFixed(1)} M characters) × ${ruleSets.length} rule sets, ${differences} different\n`);
  process.exitCode = differences ? 1 : 0;
}

void main();
