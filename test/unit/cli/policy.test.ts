import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../gateway/cli/policy';

const example = 'examples/policies/team.policy.yaml';

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('cli/policy', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('validate: the example policy is valid', async () => {
    const r = await cli('validate', example);
    assert.equal(r.code, 0);
    assert.match(r.out, /^valid: 1 file, 6 rules, 0 warnings; version sha256:[0-9a-f]{64}$/);
  });

  it('validate: prints each diagnostic as file:line:col and exits 1 on errors; warnings alone exit 0', async () => {
    const bad = join(dir, 'bad.policy.yaml');
    writeFileSync(bad, readFileSync(example, 'utf8').replace('id: agents-capped', 'id: ci-small-models').replace('pattern: ignore (all )?', 'pattern: (?<!do not )ignore (all )?'));
    const r = await cli('validate', bad);
    assert.equal(r.code, 1);
    const lines = r.out.split('\n');
    assert.match(lines[0]!, /bad\.policy\.yaml:19:16: error: \/spec\/denyContent\/1\/pattern unsupported regular expression .*lookbehind/);
    assert.match(lines[1]!, /bad\.policy\.yaml:58:11: error: \/spec\/rules\/2\/id duplicate rule id "ci-small-models"/);
    assert.equal(lines.at(-1), 'invalid: 3 errors, 0 warnings');

    const shadowed = join(dir, 'shadow.policy.yaml');
    writeFileSync(shadowed, readFileSync(example, 'utf8').replace('models: [o1*, o3*, gpt-4.5*]', 'models: ["*"]'));
    const w = await cli('validate', shadowed);
    assert.equal(w.code, 0);
    assert.match(w.out, /warning: \/spec\/rules\/2\/id rule "agents-capped" is never reached: earlier rule "restricted-models"/);
  });

  it('validate --json', async () => {
    const r = await cli('validate', '--json', example);
    const body = JSON.parse(r.out);
    assert.equal(body.ok, true);
    assert.equal(body.rules, 6);
    assert.deepEqual(body.diagnostics, []);
  });

  it('test: the example policy tests pass', async () => {
    const r = await cli('test', example);
    assert.equal(r.code, 0);
    assert.equal(r.out.split('\n').at(-1), '12 passed, 0 failed');
  });

  it('test: a failure prints expectations and the explain trace; exit 1', async () => {
    const file = join(dir, 'fail.policy.yaml');
    writeFileSync(file, readFileSync(example, 'utf8').replace('expect: { action: deny, rule: deny-everything-else }\n\n  - name: agents use', 'expect: { action: allow, rule: agents-capped }\n\n  - name: agents use'));
    const r = await cli('test', file);
    assert.equal(r.code, 1);
    assert.match(r.out, /✗ CI may not use a large model for chat\n\s+at .*fail\.policy\.yaml:\d+:5\n\s+expected action allow, got deny\n\s+expected rule agents-capped, got deny-everything-else\n\s+explain:/);
    assert.match(r.out, /· ci-small-models: model "gpt-4o" does not match gpt-4o-mini\*, text-embedding-3-small/);
    assert.match(r.out, /✓ deny-everything-else: matches every request \(no conditions\)/);
    assert.equal(r.out.split('\n').at(-1), '11 passed, 1 failed');
    const json = JSON.parse((await cli('test', '--json', file)).out);
    assert.deepEqual([json.passed, json.failed, json.ok], [11, 1, false]);
    assert.equal(json.results.find((x: { passed: boolean }) => !x.passed).explain.at(-1).rule, 'deny-everything-else');
  });

  it('test: an invalid policy runs no tests and exits 1', async () => {
    const file = join(dir, 'invalid.policy.yaml');
    writeFileSync(file, 'kind: Policy\n');
    const r = await cli('test', file);
    assert.equal(r.code, 1);
    assert.match(r.out, /missing required property "apiVersion"/);
    assert.equal(r.out.split('\n').at(-1), '0 passed, 0 failed');
  });

  it('usage: --help exits 0, a missing command or file exits 2', async () => {
    assert.match((await cli('--help')).out, /Usage: gatehouse policy <command>/);
    assert.equal((await cli('validate')).code, 2);
    assert.equal((await cli('lint', example)).code, 2);
    assert.equal((await cli('validate', '--nope', example)).code, 2);
  });
});
