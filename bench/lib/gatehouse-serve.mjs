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

/**
 * `count` whole streams through the gateway (bench/lib/stream-client.mjs against the paced
 * upstream, `events` events each, `period` ms apart, in waves of at most `wave` open at once), so
 * that streams' first events and ends have run before a measurement. A running gateway has ended
 * streams before; without this the measured run's ends were the first SSE ends the gateway ever
 * made, and ran while V8 was still compiling their code (the JSON warm-up runs other paths).
 */
export async function warmUpStreams({ procs, bench }, gw, upstreamBase, tag, { count = 1000, events = 3, period = 1000, wave = 2000 } = {}) {
  for (let left = count; left > 0; left -= wave) {
    const k = Math.min(left, wave);
    const client = await procs.start(`${tag}-warm-client`, 'node', [join(bench, 'lib/stream-client.mjs'), gw.url, gw.auth, String(k), String(events), String(period), upstreamBase], {
      ready: /^(\{.*\})$/m, timeoutMs: 120_000 + events * period * 2,
    });
    const line = JSON.parse(client.match[1]);
    if (line.ended !== k || line.events !== line.expected) throw new Error(`stream warm-up: ${line.ended}/${k} ended, ${line.events}/${line.expected} events (${JSON.stringify(line.failures)})`);
  }
}

/**
 * Opens N streams through a gateway (lib/stream-client.mjs) against a paced upstream started by
 * the caller (`up`, its ProcessGroup entry) and resolves once every stream is open; then `go` is
 * the schedule's start (the upstream's clock, epoch ms) and `result` the client's JSON line.
 */
export async function openPacedStreams({ procs, bench }, gw, up, tag, { n, events, period }) {
  const go = new Promise((resolve) => up.child.stdout.on('data', (d) => { const m = /^go (\S+)/m.exec(String(d)); if (m) resolve(Number(m[1])); }));
  const client = await procs.start(`${tag}-client`, 'node', [join(bench, 'lib/stream-client.mjs'), gw.url, gw.auth, String(n), String(events), String(period), up.match[1]], {
    ready: /^open (\d+)$/m, timeoutMs: 300_000,
  });
  const result = new Promise((resolve, reject) => {
    let text = '';
    client.child.stdout.on('data', (d) => { text += d; const m = /^(\{.*\})$/m.exec(text); if (m) resolve(JSON.parse(m[1])); });
    client.child.on('exit', () => reject(new Error(`the client exited without a result (logs/${tag}-client.log)`)));
  });
  return { go, result };
}
