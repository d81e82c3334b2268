// Starts `gatehouse serve` from a bench config template for the standalone benches (memory,
// many streams), and mints the bench caller's dev-issuer token unless it runs proxy-only.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from './http-util.mjs';

const ADDR = /^data\s+(http\S+)\s*$[\s\S]*^admin\s+(http\S+)\s*$/m;

/**
 * @param {{ procs: import('./processes.mjs').ProcessGroup, bench: string, out: string, gatewayJs: string }} ctx
 * @returns {Promise<{ pid: number, url: string, adminUrl: string, dataDir: string, auth: string }>}
 */
/** `opts`: node flags for the gateway (`nodeFlags`), a CPU to pin it to (`cpu`). */
export async function startGatehouseServe(ctx, name, template, upstreamBase, extra = [], { nodeFlags = [], cpu } = {}) {
  const dataDir = join(ctx.out, `${name}-data`);
  const text = readFileSync(join(ctx.bench, 'configs', template), 'utf8')
    .replaceAll('__UPSTREAM_URL__', upstreamBase).replaceAll('__DATA_DIR__', dataDir).replaceAll('__BENCH__', ctx.bench);
  const config = join(ctx.out, `${name}.yaml`);
  writeFileSync(config, text);
  const { pid, match } = await ctx.procs.start(name, 'node', [...nodeFlags, ctx.gatewayJs, 'serve', '--config', config, '--port', '0', '--admin-port', '0', '--data-dir', dataDir, ...extra], {
    env: { BENCH_UPSTREAM_KEY: 'sk-upstream-bench' }, ready: ADDR, cpu,
  });
  let auth = 'sk-dummy';
  if (!extra.includes('--proxy-only')) {
    const minted = await ctx.procs.run('node', [ctx.gatewayJs, 'token', '--sub', 'bench-agent', '--groups', 'agents', '--ttl', '1h', '--config', config, '--data-dir', dataDir]);
    if (minted.code !== 0) throw new Error(`token minting failed: ${minted.stderr.trim()}`);
    auth = minted.stdout.trim();
    const anon = await request(match[1] + '/v1/chat/completions', { body: '{"model":"gpt-4o-mini","messages":[]}' });
    if (anon.status !== 401) throw new Error('identity is not on yet');
  }
  return { pid, url: match[1] + '/v1/chat/completions', adminUrl: match[2], dataDir, auth };
}

/** The audit's in-memory window of recent records (audit.recentRecords' default). */
export const recentRecordsWindow = 10_000;

/**
 * `n` ordinary chat requests, 32 at a time, each answered 200. Memory figures warm up past the
 * window of recent records (two records per request): a running gateway's window is always full,
 * so it is a fixed cost, not a cost of what is held or streamed afterwards.
 */
export async function warmUp(gw, n) {
  const body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"warm up"}]}';
  let sent = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (sent++ < n) {
      const r = await request(gw.url, { body, headers: { authorization: `Bearer ${gw.auth}` } });
      if (r.status !== 200) throw new Error(`warm-up request answered ${r.status}: ${r.text.slice(0, 200)}`);
    }
  }));
}
