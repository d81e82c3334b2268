import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `gateway/` of a git ref, extracted once under node_modules/.cache/<tool>/<sha> (ignored by git
 * and tsc, and inside the repo so its package imports resolve to this node_modules): the base an
 * in-process A/B loads beside the working tree.
 */
export function extractBase(repo: string, ref: string, tool: string): string {
  const sha = execFileSync('git', ['rev-parse', '--short', ref], { cwd: repo, encoding: 'utf8' }).trim();
  const dir = join(repo, 'node_modules/.cache', tool, sha);
  if (!existsSync(join(dir, 'gateway'))) {
    mkdirSync(dir, { recursive: true });
    execFileSync('sh', ['-c', `git archive ${sha} gateway | tar -x -C ${JSON.stringify(dir)}`], { cwd: repo });
  }
  return dir;
}

const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/**
 * CPU µs and minor page faults per call of `run` over one slice of `sliceMs` CPU milliseconds (at
 * least one call): CPU time, so other processes' load counts less than on the wall clock.
 */
export function cpuSlice(run: () => unknown, sliceMs: number): { us: number; faults: number } {
  const c0 = cpuMicros();
  const f0 = process.resourceUsage().minorPageFault;
  let ops = 0;
  do {
    run();
    ops++;
  } while (cpuMicros() - c0 < sliceMs * 1000);
  return { us: (cpuMicros() - c0) / ops, faults: (process.resourceUsage().minorPageFault - f0) / ops };
}
