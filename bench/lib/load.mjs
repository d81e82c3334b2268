// One wrk run: fixed connections and duration, the body and headers from post.lua.
import { join } from 'node:path';

/** Resolves with wrk's RESULT figures (requests, rps, p50/p90/p99 ms, errors). */
export async function runWrk(ctx, { url, bodyFile, seconds, auth }) {
  // wrk's own 2 s timeout counts a request that waited on a slow disk sync on a loaded box as a
  // failure, and a failure aborts the run; 15 s keeps it in the latency figures (p99) instead.
  const args = ['-t1', `-c${ctx.conn}`, `-d${seconds}s`, '--timeout', '15s', '--latency', '-s', join(ctx.bench, 'lib/post.lua'), url];
  const env = { BODY_FILE: bodyFile, AUTH: auth ?? 'sk-dummy', CUSTOM_HOST: ctx.customHost };
  const { code, stdout, stderr } = await ctx.procs.run('wrk', args, { cpu: ctx.loadCpu, env, timeoutMs: (seconds + 30) * 1000 });
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (code !== 0 || !line) throw new Error(`wrk failed (${code}): ${stderr || stdout}`);
  const r = JSON.parse(line.slice(7));
  r.errors = r.err_connect + r.err_read + r.err_write + r.err_status + r.err_timeout;
  return r;
}
