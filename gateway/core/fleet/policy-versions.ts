/** What the policy check needs of an instance: its id, whether it runs, and the version it reported. */
export interface VersionedInstance {
  id: string;
  state: 'running' | 'silent' | 'stopped';
  policyVersion: string;
}

/**
 * The running instances whose policy version differs from the fleet's: the version most running
 * instances run is the fleet's, and every running instance on another one is flagged; on a tie
 * (two instances, two versions) there is no fleet's version and every running instance is
 * flagged. Instances that are silent or stopped run nothing now, so they never count.
 *
 * @example
 * policyOutliers([
 *   { id: 'a', state: 'running', policyVersion: 'sha256:1' },
 *   { id: 'b', state: 'running', policyVersion: 'sha256:1' },
 *   { id: 'c', state: 'running', policyVersion: 'sha256:2' },
 *   { id: 'd', state: 'stopped', policyVersion: 'sha256:0' },
 * ]) // Set { 'c' }
 */
export function policyOutliers(instances: readonly VersionedInstance[]): Set<string> {
  const running = instances.filter((i) => i.state === 'running');
  const counts = new Map<string, number>();
  for (const i of running) counts.set(i.policyVersion, (counts.get(i.policyVersion) ?? 0) + 1);
  if (counts.size <= 1) return new Set();
  const top = Math.max(...counts.values());
  const leaders = [...counts].filter(([, n]) => n === top);
  const fleetVersion = leaders.length === 1 ? leaders[0]![0] : undefined;
  return new Set(running.filter((i) => i.policyVersion !== fleetVersion).map((i) => i.id));
}
