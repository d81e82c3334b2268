import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus, type GatewayEventName, type GatewayEvents } from '../../../gateway/events';
import { createLogger } from '../../../gateway/log';
import { PolicyLoadError } from '../../../gateway/policy/policy-error';
import { createPolicyService } from '../../../gateway/policy/policy-service';
import type { PolicyService } from '../../../gateway/runtime';
import { chatRequest, policyYaml, principal } from '../../builders/policy';

function nextEvent<K extends GatewayEventName>(events: EventBus, name: K, timeoutMs = 5000): Promise<GatewayEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error(`no ${name} event within ${timeoutMs} ms`))), timeoutMs);
    const off = events.on(name, (payload) => (clearTimeout(timer), off(), resolve(payload)));
  });
}

const allowModel = (model: string) => policyYaml({ rules: [{ id: `allow-${model}`, match: { models: [model] }, action: 'allow' }] });

describe('policy/policy-service', () => {
  let dir: string;
  let events: EventBus;
  let logLines: string[];
  let service: PolicyService | undefined;
  const instance = { id: 'instance-under-test', name: 'gw-test' };
  const deps = () => ({ configDir: dir, events, log: createLogger({ level: 'debug', write: (l) => logLines.push(l) }), debounceMs: 20, instance });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-policy-'));
    events = new EventBus();
    logLines = [];
  });
  afterEach(async () => {
    await service?.close();
    service = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the embedded default when no policy is configured: allow (audit masking is built in)', async () => {
    service = await createPolicyService(undefined, deps());
    const d = service.decide(principal(), chatRequest());
    assert.deepEqual([d.action, d.rule, d.masks], ['allow', 'allow-authenticated', []]);
    assert.match(service.version, /^sha256:/);
    assert.deepEqual(service.files, []);
  });

  it('refuses to start on an invalid policy, with every diagnostic', async () => {
    writeFileSync(join(dir, 'bad.policy.yaml'), policyYaml({ rules: [{ id: 'a', action: 'allow', match: { content: ['(a)\\1'] } }, { id: 'a', action: 'deny' }] }));
    await assert.rejects(createPolicyService({ paths: ['bad.policy.yaml'] }, deps()), (err: unknown) => {
      assert.ok(err instanceof PolicyLoadError);
      assert.deepEqual(err.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code), ['ERR_POLICY_UNSAFE_REGEX', 'ERR_POLICY_DUPLICATE_RULE_ID']);
      assert.match(err.message, /bad\.policy\.yaml:\d+:\d+: error: \/spec\/rules\/0\/match\/content\/0 unsupported regular expression/);
      return true;
    });
  });

  it('refuses a folder without policy files and a missing file (fail closed)', async () => {
    await assert.rejects(createPolicyService({ paths: ['.'] }, deps()), /no \*\.policy\.yaml files/);
    await assert.rejects(createPolicyService({ paths: ['missing.policy.yaml'] }, deps()), /ENOENT/);
  });

  it('combines a folder by file name', async () => {
    writeFileSync(join(dir, '20-b.policy.yaml'), allowModel('b'));
    writeFileSync(join(dir, '10-a.policy.yaml'), allowModel('a'));
    writeFileSync(join(dir, 'notes.yaml'), 'not a policy');
    service = await createPolicyService({ paths: ['.'], watch: false }, deps());
    assert.deepEqual(service.compiled!.rules.map((r) => r.id), ['allow-a', 'allow-b']);
  });

  it('reload(): a good change swaps the snapshot and emits policy.reloaded; a bad one keeps serving and reports', async () => {
    const file = join(dir, 'team.policy.yaml');
    writeFileSync(file, allowModel('a'));
    service = await createPolicyService({ paths: [file], watch: false }, deps());
    const v1 = service.version;
    assert.equal(service.decide(principal(), chatRequest({ model: 'b' })).action, 'deny');

    writeFileSync(file, allowModel('b'));
    const reloaded = nextEvent(events, 'policy.reloaded');
    const ok = await service.reload();
    assert.equal(ok.ok, true);
    assert.notEqual(ok.version, v1);
    assert.deepEqual(await reloaded, { version: ok.version, files: [file], instance }, 'the event names the instance that reloaded');
    assert.equal(service.decide(principal(), chatRequest({ model: 'b' })).action, 'allow');

    writeFileSync(file, allowModel('c').replace('action: allow', 'action: allwo'));
    const failed = nextEvent(events, 'policy.reload_failed');
    const bad = await service.reload();
    assert.equal(bad.ok, false);
    assert.equal(bad.version, ok.version);
    assert.deepEqual(await failed, { errors: bad.errors, instance });
    assert.equal(bad.errors[0]!.path, '/spec/rules/0/action');
    assert.equal(bad.errors[0]!.line, 11);
    assert.equal(service.version, ok.version, 'the running policy keeps serving');
    assert.equal(service.decide(principal(), chatRequest({ model: 'b' })).action, 'allow');
    assert.ok(logLines.some((l) => /team\.policy\.yaml:11:\d+: error: \/spec\/rules\/0\/action must be one of/.test(l)), 'every diagnostic is logged with file:line:col');
  });

  it('reloads on file change (watch), including editors that replace the file', async () => {
    const file = join(dir, 'team.policy.yaml');
    writeFileSync(file, allowModel('a'));
    service = await createPolicyService({ paths: [file] }, deps());
    const reloaded = nextEvent(events, 'policy.reloaded');
    writeFileSync(join(dir, 'tmp-save'), allowModel('b'));
    const { renameSync } = await import('node:fs');
    renameSync(join(dir, 'tmp-save'), file);
    await reloaded;
    assert.equal(service.decide(principal(), chatRequest({ model: 'b' })).rule, 'allow-b');

    const failed = nextEvent(events, 'policy.reload_failed');
    writeFileSync(file, 'apiVersion: [');
    const { errors } = await failed;
    assert.equal(errors[0]!.file.endsWith('team.policy.yaml'), true);
    assert.equal(service.decide(principal(), chatRequest({ model: 'b' })).rule, 'allow-b');
  });

  it('explains lazily and enforces limits through admit()', async () => {
    writeFileSync(join(dir, 'p.policy.yaml'), policyYaml({ rules: [{ id: 'one-at-a-time', action: 'allow', limits: { concurrent: 1 } }] }));
    service = await createPolicyService({ paths: ['p.policy.yaml'], watch: false }, deps());
    const d = service.decide(principal(), chatRequest());
    assert.equal(d.explain[0]!.reason, 'matches every request (no conditions)');
    // The default (in-memory) counters answer synchronously.
    const admitNow = () => {
      const release = service!.admit(principal(), d);
      assert.ok(!(release instanceof Promise));
      return release;
    };
    const release = admitNow();
    assert.throws(admitNow, { code: 'ERR_POLICY_CONCURRENCY' });
    release();
    admitNow()();
  });
});
