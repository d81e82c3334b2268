// A gateway bundle as the A/B benches (compare.mjs, first-byte-ab.mjs) take it on their command
// line, and how one is started beside the mock upstream:
//   A.js            the bench's default for the script (compare.mjs: PIPELINE; first-byte-ab.mjs: full)
//   full:A.js       the full pipeline, configs/full.yaml
//   proxy:A.js      `serve --proxy-only`, configs/proxy-only.yaml
//   floor:A.js      the least the gateway's guarantees allow, configs/floor.yaml (identity, the least
//                   policy, no masking, the durable audit log)
//   floor-shm:A.js  the same with its data dir on tmpfs (/dev/shm): fdatasync returns at once, so
//                   the record's disk part is out and its CPU work stays
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { basename, dirname, join, resolve } from 'node:path';

const kinds = {
  full: { template: 'full.yaml' },
  proxy: { template: 'proxy-only.yaml', proxyOnly: true },
  floor: { template: 'floor.yaml' },
  'floor-shm': { template: 'floor.yaml', shm: true },
};

/** `arg` as a build: { kind, path, label }; `kind` is `dflt` when the argument has no known prefix. */
export function parseBuild(arg, dflt) {
  const m = /^([a-z-]+):(.+)$/.exec(arg);
  const kind = m && kinds[m[1]] ? m[1] : dflt;
  const path = resolve(m && kinds[m[1]] ? m[2] : arg);
  const label = `${kind === dflt ? '' : `${kind === 'proxy' ? 'proxy only' : kind}: `}${basename(dirname(path))}/${basename(path)}`;
  return { kind, path, label, proxyOnly: kinds[kind].proxyOnly === true };
}

/** A gateway prints its data address, then its admin address. */
const ADDR = /^data\s+(http\S+)\s*\nadmin\s+(http\S+)\s*$/m;

/**
 * Starts `build` (numbered `i`) in front of `upstream`: its config written from the template into
 * `out`, its own data dir, and, unless it runs proxy only, a dev-issuer token it minted for the
 * bench caller (group `agents`). Returns { pid, url, auth, admin: { url, token } | undefined }.
 */
export async function startBuild(procs, { bench, out, i, build, upstream, cpu }) {
  const { template, shm } = kinds[build.kind];
  const dataDir = shm ? mkdtempSync(`/dev/shm/gatehouse-bench-${i}-`) : join(out, `data-${i}`);
  // tmpfs is memory: never leave it behind, however the bench ends.
  if (shm) process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const config = join(out, `build-${i}-${template}`);
  writeFileSync(config, readFileSync(join(bench, 'configs', template), 'utf8').replaceAll('__UPSTREAM_URL__', upstream).replaceAll('__DATA_DIR__', dataDir).replaceAll('__BENCH__', bench));
  const g = await procs.start(`build-${i}`, 'node', [build.path, 'serve', '--config', config, ...(build.proxyOnly ? ['--proxy-only'] : []), '--port', '0', '--admin-port', '0'], { cpu, env: { BENCH_UPSTREAM_KEY: 'sk-upstream-bench' }, ready: ADDR, timeoutMs: 90_000 });
  if (build.proxyOnly) return { pid: g.pid, url: g.match[1], auth: undefined, admin: undefined };
  const minted = spawnSync('node', [build.path, 'token', '--sub', 'bench-agent', '--groups', 'agents', '--ttl', '1h', '--config', config, '--data-dir', dataDir], { encoding: 'utf8' });
  if (minted.status !== 0) throw new Error(`${build.label}: token minting failed: ${minted.stderr.trim()}`);
  return { pid: g.pid, url: g.match[1], auth: minted.stdout.trim(), admin: { url: g.match[2], token: readFileSync(join(dataDir, 'admin.token'), 'utf8').trim() } };
}
