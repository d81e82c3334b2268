// Summaries of a V8 CPU profile of the gateway bundle, mapped back to the TypeScript sources:
// self time by function and by part (summarize), and by pipeline stage (stageBreakdown); and of a
// sampling heap profile: bytes by function and by allocation site (summarizeHeap).
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Self time by function (source-mapped) and by part of the stack. */
export function summarize(profile, { root, top = 30, bundle = join(root, 'dist/gateway.js') }) {
  const map = new SourceMap(JSON.parse(readFileSync(`${bundle}.map`, 'utf8')));
  const total = profile.endTime - profile.startTime;
  const sampleUs = total / profile.samples.length;
  const byFn = new Map();
  const byPart = new Map();
  for (const n of profile.nodes) {
    if (!n.hitCount) continue;
    const where = locate(n.callFrame, map, root);
    const key = `${n.callFrame.functionName || '(anonymous)'}  ${where.file}:${where.line}`;
    byFn.set(key, (byFn.get(key) ?? 0) + n.hitCount);
    byPart.set(where.part, (byPart.get(where.part) ?? 0) + n.hitCount);
  }
  const pct = (hits) => ((hits * 100) / profile.samples.length).toFixed(1).padStart(5) + ' %';
  const lines = ['Self time by part:'];
  for (const [part, hits] of [...byPart].sort((a, b) => b[1] - a[1])) lines.push(`  ${pct(hits)}  ${part}`);
  lines.push('', `Top ${top} functions by self time (${(sampleUs).toFixed(0)} µs per sample):`);
  for (const [fn, hits] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(hits)}  ${fn}`);
  return lines.join('\n');
}

/**
 * Samples by function (source-mapped; `name  file:line`) inside `window` ({ from, to } on the
 * profile's clock, µs) when given, idle left out. Counts, not the sampling intervals: on a loaded
 * box an interval the thread spent descheduled would be charged to whatever ran after it.
 */
export function samplesByFunction(profile, { root, bundle = join(root, 'dist/gateway.js'), window }) {
  const map = new SourceMap(JSON.parse(readFileSync(`${bundle}.map`, 'utf8')));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFn = new Map();
  let at = profile.startTime;
  for (let k = 0; k < profile.samples.length; k++) {
    at += profile.timeDeltas[k];
    if (window && (at < window.from || at >= window.to)) continue;
    const frame = byId.get(profile.samples[k]).callFrame;
    if (frame.functionName === '(idle)' && !frame.url) continue;
    const where = locate(frame, map, root, `/${basename(bundle)}`);
    const key = `${frame.functionName || '(anonymous)'}  ${where.file}:${where.line}`;
    byFn.set(key, (byFn.get(key) ?? 0) + 1);
  }
  return byFn;
}

function locate(frame, map, root, bundleName = '/gateway.js') {
  const { url, functionName, lineNumber, columnNumber } = frame;
  if (!url) return { file: '', line: '', part: ['(garbage collector)', '(idle)', '(program)'].includes(functionName) ? functionName : '(native)' };
  if (url.startsWith('node:')) return { file: url, line: lineNumber + 1, part: `node ${url.slice(5).replace(/\/.*$/, '').replace(/^internal\/?/, 'internal/')}` };
  if (url.endsWith(bundleName)) {
    const e = map.findEntry(lineNumber, columnNumber);
    // Sources are named relative to dist/, also in a copy of the bundle kept elsewhere for an A/B.
    const src = e?.originalSource ? relative(root, fileURLToPath(new URL(e.originalSource, `file://${root}/dist/`))) : 'dist/gateway.js';
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(src)?.[1];
    return { file: src, line: (e?.originalLine ?? lineNumber) + 1, part: pkg ? `package ${pkg}` : `gatehouse ${src.split('/').slice(0, 2).join('/')}` };
  }
  return { file: url, line: lineNumber + 1, part: 'other' };
}


/**
 * Where the time goes, by pipeline stage: each sample is charged to the stage of the innermost
 * Gatehouse frame on its stack (a builtin such as JSON.parse or Buffer.from counts for the
 * Gatehouse function that called it), with a few function-level splits (the re-serializations,
 * SHA-256, the log write). With `requests`, also CPU ms per request.
 */
export function stageBreakdown(profile, { root, bundle = join(root, 'dist/gateway.js'), requests, window, unit = 'ms' }) {
  const map = new SourceMap(JSON.parse(readFileSync(`${bundle}.map`, 'utf8')));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const frames = new Map();
  const frameOf = (id) => {
    if (!frames.has(id)) {
      const f = byId.get(id).callFrame;
      frames.set(id, { fn: f.functionName, url: f.url, file: locate(f, map, root).file });
    }
    return frames.get(id);
  };
  // Time per node from the sampling intervals (a sample stands for the time until the next one).
  // With `window` ({ from, to } on the profile's clock, µs: CLOCK_MONOTONIC, as process.hrtime),
  // only the samples taken inside it: the measured run, without warm-up, start-up and shutdown.
  const usByNode = new Map();
  let at = profile.startTime;
  for (let k = 0; k < profile.samples.length; k++) {
    at += profile.timeDeltas[k];
    if (window && (at < window.from || at >= window.to)) continue;
    const us = profile.timeDeltas[k + 1] ?? 0;
    usByNode.set(profile.samples[k], (usByNode.get(profile.samples[k]) ?? 0) + us);
  }
  const byStage = new Map();
  for (const [nodeId, us] of usByNode) {
    const stack = [];
    for (let id = nodeId; id !== undefined; id = parent.get(id)) stack.push(frameOf(id));
    const stage = stageOf(stack);
    byStage.set(stage, (byStage.get(stage) ?? 0) + us);
  }
  const busy = [...byStage].filter(([s]) => s !== '(idle)' && s !== '(start-up)').reduce((a, [, us]) => a + us, 0);
  const span = window ? window.to - window.from : profile.endTime - profile.startTime;
  const lines = [`CPU by stage (${(busy / 1000).toFixed(0)} ms busy in ${(span / 1e6).toFixed(1)} s${window ? ' (the measured run)' : ''}, start-up excluded${requests ? `, ${requests} requests` : ''}; % of busy time):`];
  for (const [stage, us] of [...byStage].sort((a, b) => b[1] - a[1])) {
    if (stage === '(idle)' || stage === '(start-up)') continue;
    const perReq = !requests ? '' : unit === 'µs' ? `  ${(us / requests).toFixed(1).padStart(7)} µs/req` : `  ${(us / 1000 / requests).toFixed(2).padStart(7)} ms/req`;
    lines.push(`  ${((us * 100) / busy).toFixed(1).padStart(5)} %${perReq}  ${stage}`);
  }
  return lines.join('\n');
}

// First match on the innermost Gatehouse frame (file, function) of a stack.
const stageRules = [
  [/pipeline\/read-body|core\/body-text/, null, 'body read + JSON.parse'],
  [/pipeline\/route-request|core\/inference-request/, null, 'route (describe the body)'],
  [/pipeline\/evaluate-policy/, /enforceMaxTokens/, 'policy: max_tokens cap (re-serializes the body)'],
  [/core\/json-member|pipeline\/write-token-cap/, null, 'policy: max_tokens cap (added to the bytes)'],
  [/core\/json-prefix/, null, 'audit copy: size bound (serialized up to the cut)'],
  [/core\/json-bytes/, null, 'request masking: upstream body (written in chunks)'],
  [/pipeline\/evaluate-policy|core\/policy\/|policy\/|core\/linear-regex|core\/glob/, null, 'policy'],
  [/masking\/masking-service/, /boundAudit/, 'audit copy: size bound (re-serializes the masked body)'],
  [/masking\/masking-service/, /maskRequest/, 'request masking: upstream body (re-serializes)'],
  [/masking\/response-maskers|pipeline\/mask-response|core\/masking\/(sse|stream)/, null, 'response masking'],
  [/core\/masking\/|masking\//, null, 'request masking: scan + copy'],
  [/core\/audit\/canonical-json/, null, 'audit: canonical JSON (RFC 8785)'],
  [/core\/audit\/(hash-record|merkle)|audit\/record-id/, null, 'audit: hash + tree'],
  [/audit\/(log-writer|segment-|fd-retirement)/, null, 'audit: log write + fdatasync'],
  [/audit\/record-builder/, null, 'audit: record build'],
  [/audit\/|core\/audit\//, null, 'audit: other'],
  [/identity\//, null, 'identity'],
  [/pipeline\/record-outcome/, null, 'audit: record build'],
  [/pipeline\/(forward-upstream|upstream-response|relay-response|response-stage)|upstream\//, null, 'forward + response relay'],
  [/^gateway\//, null, 'gatehouse: other'],
];

function stageOf(stack) {
  const leaf = stack[0];
  if (['(idle)', '(garbage collector)', '(program)'].includes(leaf.fn) && !leaf.url) return leaf.fn;
  // Start-up (module load, config and policy compile) is not per-request work. The policy is
  // loaded (schema validation, compile) from a stack of its own: without it, it counted as
  // per-request "policy" (≈ 12 ms of a 1 MB request's 14 ms in a 50-request profile).
  if (stack.some((f) => /modules\/(cjs|esm)\/loader|run_main/.test(f.url) || /^gateway\/(cli|config)\/|^gateway\/server\/(create-gateway|services)|core\/config-schema|^gateway\/policy\/load-policy/.test(f.file))) return '(start-up)';
  // The shared state's clients and stores, wherever they run (a socket's data reaches pg or
  // ioredis with no Gatehouse frame below it), with the socket writes they make.
  if (stack.some((f) => /node_modules\/(pg|pg-protocol|pg-pool|pg-types|ioredis|redis-parser)\/|^gateway\/state\//.test(f.file))) return 'shared state: PostgreSQL/Redis clients and stores';
  // A long string's escaping (core/json-escape) counts for the serializer that called it.
  const i = stack.findIndex((f) => f.file.startsWith('gateway/') && !f.file.startsWith('gateway/core/json-escape'));
  if (i === -1) return stack.some((f) => /node_modules\//.test(f.file)) ? 'packages' : 'node: http, sockets, timers';
  // Builtins called from Gatehouse code: SHA-256 and the log write get their own lines.
  const below = stack.slice(0, i);
  if (below.some((f) => /crypto\/hash/.test(f.url) || f.fn === 'hash' && !f.url)) return 'SHA-256 (body, record)';
  if (below.some((f) => /^(fdatasync|fsync|writeSync|writeString|writeBuffer)$/.test(f.fn))) return 'audit: log write + fdatasync';
  const { file, fn } = stack[i];
  for (const [fileRe, fnRe, stage] of stageRules) if (fileRe.test(file) && (!fnRe || fnRe.test(fn))) return stage;
  return 'gatehouse: other';
}

/**
 * A sampling heap profile of the gateway bundle: bytes per `count` (requests, events) by innermost
 * Gatehouse function on the stack and by allocation site (innermost frame, with its Gatehouse caller).
 */
export function summarizeHeap(profile, { root, bundle, count, unit, top = 30 }) {
  const map = new SourceMap(JSON.parse(readFileSync(`${bundle}.map`, 'utf8')));
  const where = (f) => {
    if (!f.url) return { name: f.functionName || '(native)', ours: false };
    if (!f.url.endsWith(bundle)) return { name: `${f.functionName || '(anon)'} ${f.url}:${f.lineNumber + 1}`, ours: false };
    const e = map.findEntry(f.lineNumber, f.columnNumber);
    const src = e?.originalSource ? relative(root, fileURLToPath(new URL(e.originalSource, `file://${root}/dist/`))) : 'dist/gateway.js';
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(src)?.[1];
    return { name: `${f.functionName || '(anon)'} ${pkg ? 'pkg ' + pkg : src}:${(e?.originalLine ?? f.lineNumber) + 1}`, ours: !pkg };
  };
  const byOwner = new Map(), bySite = new Map();
  let total = 0;
  const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v);
  const walk = (n, stack) => {
    const s = [...stack, where(n.callFrame)];
    if (n.selfSize) {
      total += n.selfSize;
      const owner = [...s].reverse().find((w) => w.ours);
      add(byOwner, owner?.name ?? '(no Gatehouse frame)', n.selfSize);
      const site = s[s.length - 1];
      add(bySite, site.ours || !owner ? site.name : `${site.name}  <- ${owner.name}`, n.selfSize);
    }
    for (const c of n.children ?? []) walk(c, s);
  };
  walk(profile.head, []);
  const per = (b) => (b / count).toFixed(0).padStart(7);
  const lines = [`total ${per(total)} ${unit}`, '', `Top ${top} by innermost Gatehouse function (${unit}):`];
  for (const [k, v] of [...byOwner].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${per(v)}  ${k}`);
  lines.push('', `Top ${top} allocation sites (${unit}):`);
  for (const [k, v] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${per(v)}  ${k}`);
  return lines.join('\n');
}
