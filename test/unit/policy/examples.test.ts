import assert from 'node:assert/strict';
import { loadConfig } from '../../../gateway/config/load-config';
import { runPolicyTests } from '../../../gateway/core/policy';
import { EventBus } from '../../../gateway/events';
import { silentLogger } from '../../../gateway/log';
import { createPolicyService } from '../../../gateway/policy/policy-service';

describe('examples/', () => {
  it('gatehouse.yaml is a valid config whose policy loads, and the policy tests pass', async () => {
    const loaded = await loadConfig('examples/gatehouse.yaml');
    const service = await createPolicyService({ ...loaded.config.policy, watch: false }, { configDir: loaded.configDir, log: silentLogger, events: new EventBus() });
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
});
