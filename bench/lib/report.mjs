// Markdown summary of one bench run (results.json): per-mode tables, ratios, targets, memory, micro.

const median = (xs) => {
  const s = xs.filter((x) => x !== null && x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b);
  if (!s.length) return undefined;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const f = (x, d = 1) => (x === undefined || x === null || Number.isNaN(x) ? '–' : Number(x).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));
const ratio = (a, b) => (a === undefined || !b ? '–' : `${(a / b).toFixed(2)}×`);

/** Per mode and target: medians over runs, first byte, RSS. */
export function aggregate(results) {
  const rows = new Map();
  for (const c of results.cells) {
    const k = `${c.mode}|${c.target}`;
    if (!rows.has(k)) rows.set(k, []);
    rows.get(k).push(c);
  }
  const table = {};
  for (const [k, cs] of rows) {
    const [mode, target] = k.split('|');
    const lat = results.latency.find((l) => l.mode === mode && l.target === target);
    (table[mode] ??= {})[target] = {
      rps: median(cs.map((c) => c.rps)),
      p50: median(cs.map((c) => c.p50_ms)),
      p99: median(cs.map((c) => c.p99_ms)),
      cpu: median(cs.map((c) => c.proxy_us_per_req)),
      upstreamCpu: median(cs.map((c) => c.upstream_us_per_req)),
      errors: cs.reduce((a, c) => a + c.errors, 0),
      other: cs.map((c) => `${c.cpu_other_s}${c.noisy ? '!' : ''}`).join(', '),
      ttfb: lat?.ttfb_p50_ms,
      ttfb99: lat?.ttfb_p99_ms,
      total: lat?.total_p50_ms,
      rssMb: results.memory[target]?.[mode] ? results.memory[target][mode].rss / 1024 : undefined,
    };
  }
  return table;
}

export function renderSummary(results) {
  const env = results.environment;
  const o = results.options;
  const table = aggregate(results);
  const lines = [];
  lines.push(`# Gatehouse bench — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`, '');
  lines.push(`- build: ${env.gitHead}`);
  lines.push(`- node ${env.node}, nginx ${env.nginx}, wrk ${env.wrk}; ${env.cpus} CPUs (${env.cpuModel}), kernel ${env.kernel}`);
  lines.push(`- ${env.pinning}`);
  lines.push(`- wrk -t1 -c${o.conn}, ${o.dur} s per run after ${o.warmup} s warm-up, ${o.runs} run(s) per cell; SSE = ${o.streamChunks} deltas + [DONE]; first byte from ${o.latN} sequential keep-alive requests`);
  for (const [name, label] of Object.entries(results.labels)) if (name.startsWith('gatehouse-full')) lines.push(`- ${name}: ${label}`);
  if (results.fullParts) lines.push(`- full pipeline parts: ${Object.entries(results.fullParts).map(([k, v]) => `${k} ${v === true ? 'on' : `off (${v})`}`).join('; ')}`);
  for (const u of results.unavailable) lines.push(`- **${u.name}: not available yet** — ${u.reason}`);
  if (results.diskSync) {
    const d = results.diskSync;
    lines.push(`- disk under bench/results: write + fdatasync of a 1.4 KB line appended p50 ${f(d.p50_ms, 2)} ms, p99 ${f(d.p99_ms, 2)} ms, ${d.cpu_us} µs CPU; into a pre-extended file p50 ${f(d.preallocated.p50_ms, 2)} ms, ${d.preallocated.cpu_us} µs CPU (the floor of the full pipeline's added first byte: its audit record is durable before forwarding)`);
  }
  lines.push('');

  for (const [mode, byTarget] of Object.entries(table)) {
    const direct = byTarget.direct;
    const nginx = byTarget.nginx;
    lines.push(`## ${mode}`, '');
    lines.push('| target | req/s | p50 ms | p99 ms | proxy CPU µs/req | first byte p50 ms (added) | RSS MB | req/s vs direct | req/s vs nginx | CPU vs nginx | errors | other CPU-s |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const [target, r] of Object.entries(byTarget)) {
      const added = direct?.ttfb !== undefined && r.ttfb !== undefined && target !== 'direct' ? ` (+${f(r.ttfb - direct.ttfb, 2)})` : '';
      lines.push(`| ${results.labels[target] ?? target} | ${f(r.rps, 0)} | ${f(r.p50, 2)} | ${f(r.p99, 2)} | ${target === 'direct' ? '–' : f(r.cpu, 0)} | ${f(r.ttfb, 2)}${added} | ${f(r.rssMb, 0)} | ` +
        `${target === 'direct' ? '–' : ratio(r.rps, direct?.rps)} | ${target === 'nginx' ? '–' : ratio(r.rps, nginx?.rps)} | ${target === 'direct' || target === 'nginx' ? '–' : ratio(r.cpu, nginx?.cpu)} | ${r.errors} | ${r.other} |`);
    }
    lines.push('');
  }
  lines.push('"!" after other CPU-s: even the least noisy attempt ran while other processes on the machine used more than ' +
    `${o.otherMax} CPU-s; treat its req/s and latency as low estimates (CPU µs/req is much less affected).`, '');

  lines.push('## Targets', '', ...checkTargets(table, results.labels), '');

  const m = results.memoryBound;
  if (m) {
    lines.push('## Memory bound', '');
    if (m.error) lines.push(`- memory.mjs failed: ${m.error}`);
    for (const r of m.runs ?? []) {
      const verdict = r.control ? `growth ${f(r.rssGrowthMb, 1)} MB` : `growth ${f(r.rssGrowthMb, 1)} MB (target < 50) ${r.rssGrowthMb < 50 ? 'PASS' : 'FAIL'}`;
      if (r.held) {
        const above = r.aboveControlKbPerHeld ? `; above the control ${f(r.aboveControlKbPerHeld.atHeldKb, 2)} KB per held request when all were held, ${f(r.aboveControlKbPerHeld.settledKb, 2)} settled (target ≤ 2)` : '';
        lines.push(`- ${r.target}: all ${r.held} pending after ${f(r.seconds, 1)} s; gateway RSS ${f(r.rssStartMb, 0)} → ${f(r.rssPeakMb, 0)} MB, ${verdict}${above}`);
        continue;
      }
      const label = r.target === 'gatehouse-full' ? 'full pipeline (the bound of issue 10)' : r.target === 'gatehouse-proxy' ? 'proxy only (for comparison)' : r.target;
      lines.push(`- ${label}: streamed ${f(r.bytes / 2 ** 20, 0)} MiB of SSE in ${f(r.seconds, 1)} s (${f(r.bytes / 2 ** 20 / r.seconds, 0)} MiB/s); gateway RSS ${f(r.rssStartMb, 0)} → peak ${f(r.rssPeakMb, 0)} MB, ${verdict}`);
    }
    for (const u of m.unavailable ?? []) lines.push(`- ${u.name}: not available yet — ${u.reason}`);
    lines.push('');
  }
  const big = results.bigPrompts;
  if (big) {
    lines.push('## Big prompts (bench/big-prompt.mjs)', '');
    if (big.error) lines.push(`- big-prompt.mjs failed: ${big.error}`);
    else lines.push(renderBigPrompt(big), ...checkBigPrompts(big), '');
  }
  lines.push(...renderManyStreams(results.manyStreams));
  const fleet = results.fleet;
  if (fleet) {
    lines.push('## Shared state in a fleet (bench/fleet.mjs)', '');
    if (fleet.error) lines.push(`- fleet.mjs failed: ${fleet.error}`);
    else lines.push(renderFleet(fleet), ...checkFleet(fleet), '');
  }
  if (results.micro?.length) {
    lines.push('## Micro-benchmarks (bench/micro/*.bench.ts)', '');
    for (const r of results.micro) {
      if (r.error) lines.push(`- ${r.file}: failed — ${r.error}`);
      else {
        const rows = Object.entries(r.figures ?? {}).filter(([, v]) => Array.isArray(v) && v.some((x) => x && typeof x === 'object'));
        const scalars = Object.fromEntries(Object.entries(r.figures ?? {}).filter(([k]) => !rows.some(([rk]) => rk === k)));
        lines.push(`- ${r.file}: ${inline(scalars)}`);
        for (const [, items] of rows) for (const item of items) lines.push(`  - ${inline(item)}`);
      }
    }
    lines.push('');
  }
  lines.push(...renderAuditCost(results.auditCost));
  return lines.join('\n') + '\n';
}

/** bench/many-streams.mjs: per target, RSS per open stream and each event's delay; the full pipeline against its targets. */
export function renderManyStreams(m) {
  if (!m) return [];
  const lines = ['## Many concurrent SSE streams (bench/many-streams.mjs)', ''];
  if (m.error) return [...lines, `- many-streams.mjs failed: ${m.error}`, ''];
  lines.push(`${m.streams} streams at once (open-file limit ${m.openFiles}), ${m.events} events each, one per ${m.periodMs} ms per stream, spread over the period. Delay = arrival − the upstream's due time; added = target − direct, same run.`, '');
  // A round is every stream's event i; its p99 shown as median [range] over the run's rounds.
  const rounds = (xs) => (xs?.length ? `${f([...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)], 1)} [${f(Math.min(...xs), 1)}–${f(Math.max(...xs), 1)}]` : '');
  lines.push('| target | streams | events | RSS KB/stream open | peak | delay p50 ms | p99 ms | round p99 ms | added p50 ms | added p99 ms | added round p99 ms |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of m.runs) {
    lines.push(`| ${r.target} | ${r.streams} | ${r.events}/${r.expectedEvents} | ${f(r.rssKbPerStream, 1)} | ${f(r.rssPeakKbPerStream, 1)} | ${f(r.delayMs.p50, 2)} | ${f(r.delayMs.p99, 2)} | ${rounds(r.rounds?.map((x) => x.p99))} | ${r.addedMs ? f(r.addedMs.p50, 2) : ''} | ${r.addedMs ? f(r.addedMs.p99, 2) : ''} | ${rounds(r.addedRoundsMs?.map((x) => x.p99))} |`);
  }
  const v = m.verdict;
  if (!v.rssKbPerStream) return [...lines, ''];
  lines.push('', `- full pipeline RSS per stream (peak) ${f(v.rssKbPerStream.value, 1)} KB, target ≤ ${v.rssKbPerStream.target}: ${v.rssKbPerStream.pass ? 'PASS' : 'MISS'}`);
  lines.push(`- full pipeline added p99 delay ${f(v.addedP99Ms.value, 2)} ms, target ≤ ${v.addedP99Ms.target}: ${v.addedP99Ms.pass ? 'PASS' : 'MISS'}${v.directKeptUp === false ? " (direct's own p99 is above the target: the box's delay, not the gateway's alone)" : ''}${v.complete ? '' : ' (INCOMPLETE: streams or events were lost)'}`, '');
  return lines;
}

/** The audit's cost before → after (lib/audit-cost.mjs): each pair's medians and after ÷ baseline. */
export function renderAuditCost(a) {
  if (!a) return [];
  const lines = ['## Audit cost: before → after, same run (lib/audit-cost.mjs)', ''];
  if (a.error) return [...lines, `- failed — ${a.error}`, ''];
  lines.push(`Full pipeline, 160 B JSON; medians over ${a.rounds} interleaved round(s): ${a.probes} sequential requests on one connection, then ${a.conn} connections × ${a.dur} s. Ratio = after ÷ baseline.`, '');
  lines.push('| what | baseline → after | sequential p50 ms | p99 ms | req/s | gateway CPU µs/req |', '|---|---|---:|---:|---:|---:|');
  const cell = (b, x, k, d) => `${f(b[k], d)} → ${f(x[k], d)} (${ratio(x[k], b[k])})`;
  for (const p of a.pairs) {
    if (p.unavailable) {
      lines.push(`| ${p.what} | not measured: ${p.unavailable} | | | | |`);
      continue;
    }
    lines.push(`| ${p.what} | ${p.baselineLabel} → ${p.afterLabel} | ${cell(p.baseline, p.after, 'p50', 3)} | ${cell(p.baseline, p.after, 'p99', 3)} | ${cell(p.baseline, p.after, 'rps', 0)} | ${cell(p.baseline, p.after, 'usPerReq', 0)} |`);
  }
  lines.push('');
  return lines;
}

function checkTargets(table, labels) {
  const out = [];
  const check = (what, value, limit, unit, better = 'lower') => {
    if (value === undefined) return;
    const ok = better === 'lower' ? value <= limit : value >= limit;
    out.push(`- ${ok ? 'PASS' : 'MISS'} ${what}: ${f(value, unit === 'ms' ? 2 : 1)} ${unit} (target ${better === 'lower' ? '≤' : '≥'} ${limit} ${unit})`);
  };
  for (const [mode, t] of Object.entries(table)) {
    const direct = t.direct;
    const sse = mode.startsWith('sse');
    if (t['gatehouse-proxy']) {
      check(`${mode} Gatehouse proxy-only CPU per request`, t['gatehouse-proxy'].cpu, 60, 'µs');
      check(`${mode} Gatehouse proxy-only added first byte`, sub(t['gatehouse-proxy'].ttfb, direct?.ttfb), 0.3, 'ms');
    }
    const full = t['gatehouse-full'];
    if (full) {
      const name = labels['gatehouse-full'];
      check(`${mode} ${name} CPU per request`, full.cpu, 150, 'µs');
      check(`${mode} ${name} added first byte`, sub(full.ttfb, direct?.ttfb), sse ? 1 : 0.5, 'ms');
      if (t.portkey?.rps) check(`${mode} ${name} req/s vs Portkey`, full.rps / t.portkey.rps, 5, '×', 'higher');
    }
  }
  return out.length ? out : ['- (no Gatehouse target ran)'];
}

const sub = (a, b) => (a === undefined || b === undefined ? undefined : a - b);

const inline = (obj) => flatten(obj).map(([k, v]) => `${k} ${typeof v === 'number' ? f(v, Number.isInteger(v) || Math.abs(v) >= 10 ? 0 : 2) : v}`).join(', ');

function flatten(obj, prefix = '') {
  const out = [];
  for (const [k, v] of Object.entries(obj ?? {})) {
    if (v && typeof v === 'object' && !Array.isArray(v)) out.push(...flatten(v, `${prefix}${k}.`));
    else out.push([`${prefix}${k}`, Array.isArray(v) ? v.map((x) => (x && typeof x === 'object' ? JSON.stringify(x) : x)).join('/') : v]);
  }
  return out;
}

/** Issue 23's targets: the full pipeline adds ≤ 20 ms before the first byte at 1 MB, ≤ 80 ms at 4 MB. */
export function checkBigPrompts(big) {
  const limits = { '1MB': 20, '4MB': 80 };
  return big.rows.filter((r) => r.target === 'gatehouse-full' && limits[r.mode.split('-')[1]] && r.added_ttfb_ms).map((r) => {
    const limit = limits[r.mode.split('-')[1]];
    return `- ${r.added_ttfb_ms.p50 <= limit ? 'PASS' : 'MISS'} ${r.mode} full pipeline added first byte: ${f(r.added_ttfb_ms.p50, 2)} ms (target ≤ ${limit} ms)`;
  });
}

/** Markdown table of one big-prompt run (bench/big-prompt.mjs). */
export function renderBigPrompt(result) {
  const r = (s) => (s ? `${s.p50.toFixed(2)} [${s.min.toFixed(2)}–${s.max.toFixed(2)}]` : '–');
  const lines = [
    `Big prompts: median over ${result.rounds} rounds [range]; ${result.pinning}. Added = minus direct in the same round; MB/s = body size / time to first byte.`,
    '',
    '| mode | target | first byte ms | added first byte ms | end ms | MB/s to first byte | server CPU ms/req | server page faults/req |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  const n = (s) => (s ? `${s.p50.toFixed(0)} [${s.min.toFixed(0)}–${s.max.toFixed(0)}]` : '–');
  for (const row of result.rows) lines.push(`| ${row.mode} | ${row.label} | ${r(row.ttfb_ms)} | ${r(row.added_ttfb_ms)} | ${r(row.total_ms)} | ${row.mb_per_s ? r(row.mb_per_s) : '–'} | ${r(row.cpu_ms)} | ${n(row.faults)} |`);
  return lines.join('\n') + '\n';
}


/** Markdown of one fleet run (bench/fleet.mjs): per state variant, medians over rounds [range]. */
export function renderFleet(result) {
  const r = (s, d = 0) => (s ? `${f(s.p50, d)} [${f(s.min, d)}–${f(s.max, d)}]` : '–');
  const signed = (s, d = 0) => (s ? `${s.p50 >= 0 ? '+' : ''}${f(s.p50, d)} [${f(s.min, d)}–${f(s.max, d)}]` : '–');
  const lines = [
    `Shared state: full pipeline, 160 B JSON, median over ${result.rounds} round(s) [range]; ${result.conn} connections for ${result.dur} s per load, first byte from ${result.probeN} sequential requests; ${result.pinning}. ` +
      '"Added" = minus store: embedded in the same round. Metered: the rule has a rate and a concurrency limit (every request admits and releases a slot); unmetered: a rule with neither.',
    '',
    '| state | gateway CPU µs/req | added vs embedded | PostgreSQL CPU µs/req | Redis CPU µs/req | PG transactions / Redis calls per req | first byte p50 ms | added ms | req/s one instance | req/s two instances | two ÷ one |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const x of result.rows) {
    lines.push(`| ${x.label} (metered) | ${r(x.gatewayUs)} | ${signed(x.addedGatewayUs)} | ${r(x.pgUs)} | ${r(x.redisUs)} | ${r(x.pgXacts, 2)} / ${r(x.redisCommands, 2)} | ${r(x.ttfbMs, 2)} | ${signed(x.addedTtfbMs, 2)} | ${r(x.rpsOne)} | ${r(x.rpsTwo)} | ${r(x.twoOverOne, 2)}× |`);
  }
  for (const x of result.rows) {
    const u = x.unmetered;
    lines.push(`| ${x.label} (unmetered) | ${r(u.gatewayUs)} | ${signed(u.addedGatewayUs)} | ${r(u.pgUs)} | – | ${r(u.pgXacts, 2)} / – | ${r(u.ttfbMs, 2)} | ${signed(u.addedTtfbMs, 2)} | | | |`);
  }
  lines.push('', `Load average (1 min) at each round: ${result.rows.map((x) => `${x.variant} ${x.loadAvg.join('/')}`).join('; ')}; other processes' CPU-s during the loads: ${result.rows.map((x) => `${x.variant} ${x.otherCpuS.join('/')}`).join('; ')}; non-2xx or failed requests: ${result.rows.map((x) => `${x.variant} ${x.errors}`).join(', ')}.`);
  for (const x of result.rows) {
    for (const [what, b] of [['metered', x.pgWhere], ['unmetered', x.pgWhereUnmetered]]) if (b) lines.push('', renderPgWhere(`${x.label}, ${what}, one instance`, b, result.pgStatements));
  }
  return lines.join('\n') + '\n';
}

/** Where PostgreSQL's CPU went per request (lib/pg-breakdown.mjs summarizeBreakdowns). */
function renderPgWhere(title, b, track) {
  const r = (s, d = 0) => `${f(s.p50, d)} [${f(s.min, d)}–${f(s.max, d)}]`;
  const lines = [
    `PostgreSQL per request, ${title}: CPU by process — ${b.cpu.map((c) => `${c.group} ${r(c.us)} µs`).join('; ')}. ` +
      `WAL ${r(b.walRecords, 1)} records, ${r(b.walBytes)} B, ${r(b.walWrites, 3)} writes, ${r(b.walSyncs, 3)} syncs; ${r(b.commits, 3)} commits; ${r(b.tuplesWritten, 2)} rows written; ${r(b.sessions, 4)} new connections; autovacuum and autoanalyze runs during each round's load: ${b.maintenance}.`,
    '',
    `| statement (pg_stat_statements, ${track === 'all' ? 'top level and inside functions' : 'top level'}; wall time) | calls/req | execution µs/req | planning µs/req | WAL B/req |`,
    '|---|---:|---:|---:|---:|',
  ];
  for (const s of b.statements) lines.push(`| ${s.toplevel ? '' : '↳ '}\`${s.name.replace(/\|/g, '\\|')}…\` | ${r(s.calls, 3)} | ${r(s.execUs)} | ${r(s.planUs)} | ${r(s.walBytes)} |`);
  return lines.join('\n');
}

/**
 * Issue 20's target: shared state adds ≤ 1 round trip and ≤ 50 µs of gateway CPU to a request that
 * uses it, nothing to one that does not ("nothing": within the rounds' spread, at most 10 µs).
 */
export function checkFleet(result) {
  const out = [];
  for (const x of result.rows) {
    if (!x.addedGatewayUs) continue;
    const redis = (x.kind ?? x.variant) === 'redis';
    const trips = redis ? x.redisCommands.p50 : x.pgXacts.p50;
    out.push(`- ${x.addedGatewayUs.p50 <= 50 ? 'PASS' : 'MISS'} ${x.label}: metered request adds ${f(x.addedGatewayUs.p50, 0)} µs gateway CPU (target ≤ 50 µs)`);
    out.push(`- ${trips <= 1.05 ? 'PASS' : 'MISS'} ${x.label}: ${f(trips, 2)} ${redis ? 'Redis calls' : 'PostgreSQL transactions'} per metered request (target ≤ 1 round trip)`);
    const u = x.unmetered.addedGatewayUs;
    out.push(`- ${u.p50 <= 10 || u.min <= 0 ? 'PASS' : 'MISS'} ${x.label}: unmetered request adds ${f(u.p50, 0)} [${f(u.min, 0)}–${f(u.max, 0)}] µs gateway CPU and ${f(x.unmetered.pgXacts.p50, 2)} PostgreSQL transactions (target: nothing)`);
  }
  return out;
}
