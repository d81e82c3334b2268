// Heap per held exchange (issue 23): what one held request or one open stream keeps in the
// gateway's V8 heap, precisely, where RSS at this grain moves with the garbage collector.
// Starts a gateway, warms it up past the audit's window of recent records, takes a heap snapshot
// (V8 collects all garbage first), opens N requests that stay open (held for approval, or SSE
// streams the paced upstream holds before their first event), takes a second snapshot, and
// reports the heap growth per exchange: the objects of the second snapshot that the first did not
// have (snapshot ids are stable within a process), grouped by constructor, each group with the
// objects that hold it (retainer and property name), largest first.
//
// `flowing`: the streams after each has relayed its first event (what an open stream keeps while
// events flow: the per-stream state made on first use is there), the snapshot taken one period in.
//
// Usage: node bench/heap-per-exchange.mjs held|streams|flowing [--proxy-only]
//        node bench/heap-per-exchange.mjs diff A.heapsnapshot B.heapsnapshot   (two snapshots of one process; HEAP_N exchanges between them)
// Env: HEAP_N (2,000 exchanges), HEAP_TOP (25 groups), HEAP_FLOW_EVENTS (flowing: events per stream before the snapshot, 1), WARM_UP (requests before the baseline;
//      default past the records window), GATEWAY_JS (another bundle: A/B), BENCH_OUT (results folder).
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recentRecordsWindow, startGatehouseServe, warmUp } from './lib/gatehouse-serve.mjs';
import { request } from './lib/http-util.mjs';
import { ProcessGroup } from './lib/processes.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const root = dirname(bench);
const mode = process.argv[2];
if (!['held', 'streams', 'flowing', 'diff'].includes(mode)) throw new Error('usage: node bench/heap-per-exchange.mjs held|streams|flowing [--proxy-only]  |  diff A.heapsnapshot B.heapsnapshot');
const streams = mode !== 'held';
// flowing: 20 events per stream, one per 20 s, spread over the period (n / 20 events/s): a snapshot
// 22 s after the schedule starts sees every stream past its first event and far from its end.
const flowPeriodMs = 20_000;
// HEAP_FLOW_EVENTS: the snapshot after this many events per stream (1): what an event leaves behind shows from the second on.
const flowEvents = Number(process.env.HEAP_FLOW_EVENTS ?? 1);
const proxyOnly = process.argv.includes('--proxy-only');
const n = Number(process.env.HEAP_N ?? 2000);
const top = Number(process.env.HEAP_TOP ?? 25);
const gatewayJs = process.env.GATEWAY_JS ?? join(root, 'dist/gateway.js');
const out = process.env.BENCH_OUT ?? join(bench, 'results', `${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-heap-${mode}`);
if (mode !== 'diff') mkdirSync(join(out, 'logs'), { recursive: true });
const procs = new ProcessGroup(join(out, 'logs'), process.env.BENCH_PIDFILE);
const log = (m) => process.stderr.write(`heap-per-exchange: ${m}\n`);
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

/** Signals the gateway to write a heap snapshot into `out` and resolves with its path once complete. */
async function snapshot(pid) {
  const before = new Set(readdirSync(out));
  process.kill(pid, 'SIGUSR2');
  for (let last = -1, file; ; await pause(500)) {
    file ??= readdirSync(out).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (!file) continue;
    const size = statSync(join(out, file)).size;
    if (size > 0 && size === last) return join(out, file);
    last = size;
  }
}

/**
 * The snapshot's nodes with a label each: type and name; a plain object's first property names, a
 * closure context's variable names, and backing stores (property and element arrays) under their
 * owner's label, so a dictionary-mode object's properties count as that object's.
 */
function load(file) {
  const s = JSON.parse(readFileSync(file, 'utf8'));
  const { node_fields: nf, edge_fields: ef, node_types: [ntypes], edge_types: [etypes] } = s.snapshot.meta;
  const W = nf.length, EW = ef.length;
  const [iType, iName, iId, iSize, iEdges] = ['type', 'name', 'id', 'self_size', 'edge_count'].map((f) => nf.indexOf(f));
  const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => ef.indexOf(f));
  const count = s.nodes.length / W;
  const base = (i) => `${ntypes[s.nodes[i * W + iType]]}:${String(s.strings[s.nodes[i * W + iName]]).slice(0, 60)}`;
  const keys = new Map(); // node -> its property or context-variable names
  const owner = new Map(); // backing store -> [owner node, edge]
  const retainers = Array.from({ length: count }, () => undefined);
  for (let i = 0, e = 0; i < count; i++) {
    const own = base(i);
    const names = [];
    for (let k = s.nodes[i * W + iEdges]; k > 0; k--, e += EW) {
      const t = etypes[s.edges[e + eType]];
      const to = s.edges[e + eTo] / W;
      const name = t === 'element' || t === 'hidden' ? `[${t}]` : String(s.strings[s.edges[e + eName]]).slice(0, 30);
      if ((t === 'property' && own === 'object:Object') || (t === 'context' && own === 'object:system / Context')) names.push(name);
      if (t === 'internal' && (name === 'properties' || name === 'elements') && !owner.has(to)) owner.set(to, [i, name]);
      if (t !== 'weak') (retainers[to] ??= []).push([i, name]);
    }
    if (names.length) keys.set(i, names.slice(0, 6).join(','));
  }
  const label = (i) => {
    const o = owner.get(i);
    if (o) return `${label(o[0])} .${o[1]}`;
    const k = keys.get(i);
    return k ? `${base(i)}{${k}}` : base(i);
  };
  return {
    count,
    id: (i) => s.nodes[i * W + iId],
    size: (i) => s.nodes[i * W + iSize],
    label,
    // A backing store's holder is its owner's.
    retainers: (i) => (retainers[owner.get(i)?.[0] ?? i] ?? []).map(([r, edge]) => `${label(r)} .${edge}`),
  };
}

function report(a, b) {
  const old = new Set();
  const groups = new Map();
  const group = (label) => groups.get(label) ?? groups.set(label, { net: 0, count: 0, by: new Map() }).get(label);
  let net = 0;
  for (let i = 0; i < a.count; i++) {
    old.add(a.id(i));
    const g = group(a.label(i));
    g.net -= a.size(i);
    g.count--;
    net -= a.size(i);
  }
  for (let i = 0; i < b.count; i++) {
    const g = group(b.label(i));
    g.net += b.size(i);
    g.count++;
    net += b.size(i);
    if (old.has(b.id(i))) continue;
    const by = b.retainers(i)[0] ?? '(none)';
    g.by.set(by, (g.by.get(by) ?? 0) + b.size(i));
  }
  console.log(`heap per exchange: ${(net / n / 1024).toFixed(2)} KB (${n} exchanges); by constructor, the growth per exchange, and who holds the new ones:`);
  for (const [label, g] of [...groups].sort((x, y) => y[1].net - x[1].net).slice(0, top)) {
    console.log(`${(g.net / n).toFixed(1).padStart(8)} B ${(g.count / n).toFixed(2).padStart(6)}×  ${label.replace(/\s+/g, ' ')}`);
    for (const [by, size] of [...g.by].sort((x, y) => y[1] - x[1]).slice(0, Number(process.env.HEAP_BY ?? 2))) console.log(`${''.padStart(20)}${(size / n).toFixed(1).padStart(7)} B new, held by ${by.replace(/\s+/g, ' ').slice(0, 150)}`);
  }
}

async function main() {
  if (mode === 'diff') {
    report(load(process.argv[3]), load(process.argv[4]));
    return 0;
  }
  const upstream = streams ? 'lib/paced-upstream.mjs' : 'upstream.mjs';
  const up = await procs.start('upstream', 'node', [join(bench, upstream)], { ready: /listening (http\S+)/ });
  const upstreamBase = up.match[1];
  const template = streams ? (proxyOnly ? 'streams-proxy.yaml' : 'streams.yaml') : (proxyOnly ? 'proxy-only.yaml' : 'full.yaml');
  // The gateway writes a heap snapshot into `out` on SIGUSR2 (V8 collects garbage before it).
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${out}`.trim();
  const gw = await startGatehouseServe({ procs, bench, out, gatewayJs }, 'gateway', template, upstreamBase, proxyOnly ? ['--proxy-only'] : []);
  delete process.env.NODE_OPTIONS;
  await warmUp(gw, Number(process.env.WARM_UP ?? recentRecordsWindow / 2 + 200));
  const before = await snapshot(gw.pid);
  const client = mode === 'held'
    ? await procs.start('hold-client', 'node', [join(bench, 'lib/hold-client.mjs'), gw.url, gw.auth, String(n), 'o1-bench'], { ready: /sent \d+/, timeoutMs: 120_000 })
    : await procs.start('stream-client', 'node', [join(bench, 'lib/stream-client.mjs'), gw.url, gw.auth, String(n), ...(mode === 'flowing' ? ['20', String(flowPeriodMs)] : ['2', '1000000000']), upstreamBase], { ready: /^open \d+$/m, timeoutMs: 120_000 });
  // Every exchange is where it stays: held (listed pending) or streaming (headers relayed).
  if (mode === 'held' && !proxyOnly) {
    const token = readFileSync(join(gw.dataDir, 'admin.token'), 'utf8').trim();
    for (let held = 0; held < n; await pause(500)) {
      const r = await request(`${gw.adminUrl}/admin/approvals?state=pending`, { method: 'GET', headers: { authorization: `Bearer ${token}` } });
      held = JSON.parse(r.text).data.length;
    }
  }
  await pause(mode === 'flowing' ? flowEvents * flowPeriodMs + 2000 : 1000);
  const after = await snapshot(gw.pid);
  client.child.kill('SIGTERM');
  log(`snapshots ${before} ${after}`);
  report(load(before), load(after));
  return 0;
}

procs.runMain(main, log, 20_000);
