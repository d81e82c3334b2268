import assert from 'node:assert/strict';
import { policyOutliers, type VersionedInstance } from '../../../../gateway/core/fleet/policy-versions';

const at = (id: string, policyVersion: string, state: VersionedInstance['state'] = 'running'): VersionedInstance => ({ id, state, policyVersion });

describe('core/fleet/policy-versions', () => {
  const rows: [label: string, instances: VersionedInstance[], flagged: string[]][] = [
    ['one instance', [at('a', 'v1')], []],
    ['all on one version', [at('a', 'v1'), at('b', 'v1'), at('c', 'v1')], []],
    ['one of three differs', [at('a', 'v1'), at('b', 'v2'), at('c', 'v1')], ['b']],
    ['two of five on a minority version', [at('a', 'v1'), at('b', 'v2'), at('c', 'v1'), at('d', 'v3'), at('e', 'v1')], ['b', 'd']],
    ['a tie flags every running instance', [at('a', 'v1'), at('b', 'v2')], ['a', 'b']],
    ['a tie at the top flags the rest too', [at('a', 'v1'), at('b', 'v1'), at('c', 'v2'), at('d', 'v2'), at('e', 'v3')], ['a', 'b', 'c', 'd', 'e']],
    ['stopped and silent instances do not count', [at('a', 'v1'), at('b', 'v0', 'stopped'), at('c', 'v9', 'silent')], []],
    ['nor do they break a tie', [at('a', 'v1'), at('b', 'v2'), at('c', 'v1', 'stopped')], ['a', 'b']],
    ['no instance', [], []],
  ];
  for (const [label, instances, flagged] of rows) {
    it(label, () => assert.deepEqual([...policyOutliers(instances)].sort(), flagged));
  }
});
