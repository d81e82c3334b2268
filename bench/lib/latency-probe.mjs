// Unloaded latency probe: one request in flight over one keep-alive connection; total time and
// time to the first body byte (for SSE: the first event).
// Usage: node latency-probe.mjs <url> <body.json> [n=300] [warmup=50]   (env AUTH, CUSTOM_HOST)
// Prints one JSON line: {n, total_p50_ms, total_p99_ms, ttfb_p50_ms, ttfb_p99_ms}
import http from 'node:http';
import fs from 'node:fs';

const [url, bodyFile, nArg, wArg] = process.argv.slice(2);
const N = Number(nArg || 300), W = Number(wArg || 50);
const body = fs.readFileSync(bodyFile);
const u = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const headers = {
  'content-type': 'application/json', 'content-length': body.length,
  authorization: `Bearer ${process.env.AUTH || 'sk-dummy'}`, 'x-portkey-provider': 'openai',
  'x-portkey-custom-host': process.env.CUSTOM_HOST || 'http://127.0.0.1:18080/v1',
};

function once() {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    let tFirst = null;
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers, agent }, (res) => {
      res.on('data', () => { if (tFirst === null) tFirst = process.hrtime.bigint(); });
      res.on('end', () => {
        const t1 = process.hrtime.bigint();
        if (res.statusCode !== 200) return reject(new Error('status ' + res.statusCode));
        resolve([Number(t1 - t0) / 1e6, Number((tFirst ?? t1) - t0) / 1e6]);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };

for (let i = 0; i < W; i++) await once();
const tot = [], ttfb = [];
for (let i = 0; i < N; i++) { const [a, b] = await once(); tot.push(a); ttfb.push(b); }
agent.destroy();
const r = (x) => Math.round(x * 1000) / 1000;
console.log(JSON.stringify({ n: N, total_p50_ms: r(pct(tot, 50)), total_p99_ms: r(pct(tot, 99)), ttfb_p50_ms: r(pct(ttfb, 50)), ttfb_p99_ms: r(pct(ttfb, 99)) }));
