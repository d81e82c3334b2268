import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { configValidator } from '../../../gateway/core/config-schema';
import { loadConfig } from '../../../gateway/config/load-config';
import { runPolicyTests } from '../../../gateway/core/policy';
import { EventBus } from '../../../gateway/events';
import { silentLogger } from '../../../gateway/log';
import { createPolicyService } from '../../../gateway/policy/policy-service';

describe('examples/', () => {
  it('gatehouse.yaml is a valid config whose policy loads, and the policy tests pass', async () => {
    const loaded = await loadConfig('examples/gatehouse.yaml');
    const service = await createPolicyService({ ...loaded.config.policy, watch: false }, { configDir: loaded.configDir, log: silentLogger, events: new EventBus(), instance: { id: 'examples', name: 'examples' } });
    try {
      assert.equal(service.files!.length, 1);
      assert.match(service.files![0]!, /examples\/policies\/team\.policy\.yaml$/);
      const results = runPolicyTests(service.compiled!);
      assert.equal(results.length, 12);
      assert.deepEqual(results.filter((r) => !r.passed).map((r) => r.name), []);
    } finally {
      await service.close();
    }
  });

  it('gatehouse.yaml points only at documentation that exists (a README section by its title)', () => {
    const comments = readFileSync('examples/gatehouse.yaml', 'utf8').split('\n').filter((l) => l.startsWith('#')).join(' ').replace(/#\s*/g, '');
    assert.doesNotMatch(comments, /identity documentation/);
    const headings = readFileSync('README.md', 'utf8').split('\n').filter((l) => l.startsWith('#')).map((l) => l.replace(/^#+\s*/, ''));
    const cited = [...comments.matchAll(/see "([^"]+)" in README\.md/g)].map((m) => m[1]);
    assert.ok(cited.length > 0, 'the identity pointer names a README section');
    for (const title of cited) assert.ok(headings.includes(title!), `README.md has a section "${title}"`);
  });

  it("README's config snippets for the demo upstream and the audit sinks (http included) are valid config", () => {
    const readme = readFileSync('README.md', 'utf8');
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parse(m[1]!) as Record<string, unknown>);
    const demo = blocks.find((b) => JSON.stringify(b.upstreams ?? '').includes('"demo":true'));
    const sinks = blocks.find((b) => (b.audit as { sinks?: unknown[] } | undefined)?.sinks);
    const validate = configValidator();
    assert.ok(validate({ ...demo }), JSON.stringify(validate.errors));
    assert.ok(validate({ upstreams: [{ name: 'demo', demo: true }], ...sinks }), JSON.stringify(validate.errors));
    assert.ok((sinks!.audit as { sinks: { type: string }[] }).sinks.some((x) => x.type === 'http'), 'an http sink example');
  });
});
