import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../gateway/cli/mask';

/** Runs the command with stdout/stderr captured. */
async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  try {
    return { code: await run(argv), out, err };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

describe('gatehouse mask preview', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-mask-cli-'));
  const policy = join(dir, 'policy.yaml');
  const sample = join(dir, 'sample.json');
  writeFileSync(policy, 'apiVersion: gatehouse/v1\nkind: Policy\nspec:\n  masking:\n    - name: pci\n      detectors: [card]\n      where: [upstream]\n      style: partial\n');
  writeFileSync(sample, JSON.stringify({ messages: [{ role: 'user', content: 'card 4111 1111 1111 1111 and a@b.io' }] }));

  it('prints the masked payload and the spans', async () => {
    const r = await cli(['preview', '--policy', policy, '--sample', sample, '--where', 'upstream']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /"content": "card \*\*\*\* \*\*\*\* \*\*\*\* 1111 and a@b\.io"/);
    assert.match(r.out, /pci\s+card\s+\$\.messages\[0\]\.content\s+5\s+24\s+0\.95/);
  });

  it('--json gives masked, spans and report', async () => {
    const r = await cli(['preview', '--policy', policy, '--sample', sample, '--json']);
    const parsed = JSON.parse(r.out);
    assert.deepEqual(parsed.spans.map((s: { detector: string }) => s.detector), ['card', 'email']);
    assert.equal(parsed.masked.messages[0].content, 'card **** **** **** 1111 and [REDACTED:EMAIL]');
  });

  it('pins policy errors to file:line:col and exits 1', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'spec:\n  masking:\n    - name: x\n      detectors: [card]\n      custom:\n        - name: evil\n          pattern: \"(?<=key=)\\\\w+\"\n');
    const r = await cli(['preview', '--policy', bad, '--sample', sample]);
    assert.equal(r.code, 1);
    assert.match(r.err, /bad\.yaml:7:\d+: error: \/spec\/masking\/0\/custom\/0\/pattern unsupported regular expression .*lookbehind/);
  });

  it('usage errors exit 2; --help exits 0', async () => {
    assert.equal((await cli(['preview', '--policy', policy])).code, 2);
    const help = await cli(['preview', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /Usage: gatehouse mask preview/);
  });
});
