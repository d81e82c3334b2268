import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/load-config';

/**
 * The audit log folder a command reads: --dir wins; then the data dir `gatehouse serve` would use
 * (--data-dir, $GATEHOUSE_DATA_DIR, the --config's, ./.gatehouse). Throws when it is not there.
 */
export async function auditDir(v: { dir?: string; config?: string; 'data-dir'?: string }): Promise<string> {
  const dir = v.dir ? resolve(v.dir) : join((await loadConfig(v.config, { dataDir: v['data-dir'] })).dataDir, 'audit');
  if (!(await stat(dir).then((st) => st.isDirectory(), () => false))) {
    throw new Error(`no audit log at ${dir}: give its folder with --dir, the gateway's --data-dir, or its --config`);
  }
  return dir;
}
