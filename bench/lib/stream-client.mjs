// Opens N streaming chat requests (one connection each, in bursts), waits until every response has
// its headers, starts the paced upstream's schedule, and measures when each event arrives against
// when the upstream was due to write it. Prints `opened K` after each burst (K streams with their
// headers so far: many-streams.mjs reads RSS there for its slope), `open N` when all are open,
// then one JSON line with the delays.
// Usage: node stream-client.mjs <chat url> <token|none> <n> <events> <period ms> <upstream base>
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const [url, token, nArg, eventsArg, periodArg, upstreamBase] = process.argv.slice(2);
const n = Number(nArg);
const events = Number(eventsArg);
const period = Number(periodArg);
const u = new URL(url);
const now = () => performance.timeOrigin + performance.now();
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const burst = 200;
let schedule; // {t0, n, events, period} once /go answered
const delays = new Float64Array(n * events).fill(NaN);
// Per stream, from its last event's arrival to its response's end: the gateway's end of a stream
// (the steps' end, the outcome record and its sync) happens between them, so what the end makes
// lives about that long (bench/stream-promotion.mjs PROMOTION_WINDOW=ends reads it).
const endGaps = new Float64Array(n).fill(NaN);
const early = []; // events that came before /go answered: timed once it does
let headers = 0;
let ended = 0;
let broken = 0; // streams that had headers, then an error
const failures = new Map();
const fail = (why) => failures.set(why, (failures.get(why) ?? 0) + 1);

function record(k, i, at) {
  if (!schedule) return void early.push([k, i, at]);
  delays[i * n + k] = at - (schedule.t0 + (i * n + k) * (schedule.period / n));
}

function open(k) {
  return new Promise((resolve) => {
    const body = JSON.stringify({ model: 'gpt-4o-mini', stream: true, x_bench_stream: k, messages: [{ role: 'user', content: 'stream please' }] });
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: {
      'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(token !== 'none' ? { authorization: `Bearer ${token}` } : {}),
    } }, (res) => {
      if (res.statusCode !== 200) {
        fail(`status ${res.statusCode}`);
        res.resume();
        return resolve();
      }
      headers++;
      resolve();
      let tail = '';
      let i = 0;
      let lastAt = NaN;
      res.setEncoding('utf8');
      res.on('data', (text) => {
        const at = now();
        tail += text;
        let end;
        while ((end = tail.indexOf('\n\n')) >= 0) {
          const event = tail.slice(0, end);
          tail = tail.slice(end + 2);
          // A usage chunk ("choices":[]) is no event of the answer (the full pipeline strips the one it asked for).
          if (event.startsWith('data: {') && !event.includes('"choices":[]')) {
            record(k, i++, at);
            lastAt = at;
          }
        }
      });
      res.on('end', () => {
        ended++;
        endGaps[k] = now() - lastAt;
        if (i !== events) fail(`stream ended after ${i} of ${events} events`);
      });
      res.on('error', (e) => { broken++; fail(e.code ?? e.message); });
    });
    req.on('error', (e) => { fail(e.code ?? e.message); resolve(); });
    req.end(body);
  });
}

for (let k = 0; k < n; k += burst) {
  const batch = [];
  for (let j = k; j < Math.min(n, k + burst); j++) batch.push(open(j));
  await Promise.all(batch);
  if (k + burst < n) console.log(`opened ${headers}`);
}
console.log(`open ${headers}`);
const go = await fetch(`${upstreamBase}/go?n=${n}&events=${events}&period=${period}`, { method: 'POST' });
schedule = await go.json();
for (const [k, i, at] of early.splice(0)) record(k, i, at);
const deadline = Date.now() + period * (events + 30);
while (ended + broken < headers && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
const sorted = (a) => Array.from(a).filter((d) => !Number.isNaN(d)).sort((x, y) => x - y);
const pct = (got, p) => (got.length ? got[Math.min(got.length - 1, Math.floor((p / 100) * got.length))] : NaN);
const got = sorted(delays);
// Round i: every stream's event i, due over one period; its own p50/p99 show whether a figure is the
// whole run's or one moment's (the start, a collection, another process on the box).
const rounds = Array.from({ length: events }, (_, i) => {
  const r = sorted(delays.subarray(i * n, (i + 1) * n));
  return { p50: pct(r, 50), p99: pct(r, 99) };
});
const gaps = sorted(endGaps);
const endGapMs = { p50: pct(gaps, 50), p90: pct(gaps, 90), p99: pct(gaps, 99), max: gaps.at(-1) ?? NaN };
console.log(JSON.stringify({ streams: headers, ended, events: got.length, expected: n * events, p50: pct(got, 50), p90: pct(got, 90), p99: pct(got, 99), max: got.at(-1) ?? NaN, rounds, endGapMs, failures: Object.fromEntries(failures) }));
process.exit(0);
