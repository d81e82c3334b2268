// What one kind of request costs a gateway process: a sequential probe (one request in flight on
// one keep-alive connection: the latency a client sees) and a concurrent load (`conn` connections
// for `dur` s: requests/s and the gateway's CPU µs per request, from /proc).
import http from 'node:http';
import { cpuTicks } from './proc-stats.mjs';

/** One POST of `body`; resolves with its time in ms once the answer (of status `expect`) has ended. */
export function timedPost(url, agent, body, { auth, expect }) {
  return new Promise((resolvePromise, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: `Bearer ${auth}` } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === expect ? resolvePromise(Number(process.hrtime.bigint() - t0) / 1e6) : reject(new Error(`status ${res.statusCode}, expected ${expect}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `probes` requests one after another: p50 and p99 in ms. */
export async function sequential(url, body, req, probes) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const ms = [];
  for (let i = 0; i < probes; i++) ms.push(await timedPost(url, agent, body, req));
  agent.destroy();
  ms.sort((a, b) => a - b);
  return { p50: ms[Math.floor(ms.length / 2)], p99: ms[Math.min(ms.length - 1, Math.floor(ms.length * 0.99))] };
}

/** `conn` connections for `dur` s against the gateway process `pid`: requests/s and its CPU µs per request. */
export async function concurrent(url, pid, body, req, { conn, dur }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: conn });
  const t0 = cpuTicks(pid);
  const start = Date.now();
  let n = 0;
  await Promise.all(Array.from({ length: conn }, async () => {
    while (Date.now() - start < dur * 1000) {
      await timedPost(url, agent, body, req);
      n++;
    }
  }));
  const seconds = (Date.now() - start) / 1000;
  const cpuUs = ((cpuTicks(pid) - t0) / 100) * 1e6;
  agent.destroy();
  return { rps: n / seconds, usPerReq: cpuUs / n };
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
