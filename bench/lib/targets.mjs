// The systems under test. Each start function launches its server(s) through the ProcessGroup,
// pinned to the server core, and returns { name, label, url, pids(), auth?, note? } or
// { name, unavailable: reason }.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { childrenOf } from './proc-stats.mjs';
import { freePort, request, waitHttp } from './http-util.mjs';

const CHAT = '/v1/chat/completions';
const ADDR = /^data\s+(http\S+)\s*$[\s\S]*^admin\s+(http\S+)\s*$/m;

export async function startUpstream(ctx) {
  const { pid, match } = await ctx.procs.start('upstream', 'node', [join(ctx.bench, 'upstream.mjs')], {
    cpu: ctx.serverCpu, env: { STREAM_CHUNKS: String(ctx.streamChunks) }, ready: /listening (http\S+)/,
  });
  return { name: 'direct', label: 'direct (mock upstream)', url: match[1] + CHAT, base: match[1], pids: () => [pid], upstreamPid: pid };
}

export async function startNginx(ctx, upstreamBase) {
  const port = await freePort();
  const run = join(ctx.out, 'nginx');
  mkdirSync(run, { recursive: true });
  const conf = readFileSync(join(ctx.bench, 'lib/nginx.conf.template'), 'utf8')
    .replaceAll('__RUN__', run).replaceAll('__PORT__', String(port)).replaceAll('__UPSTREAM_PORT__', new URL(upstreamBase).port);
  writeFileSync(join(run, 'nginx.conf'), conf);
  const { pid } = await ctx.procs.start('nginx', 'nginx', ['-p', run, '-e', join(run, 'error.log'), '-c', join(run, 'nginx.conf')], { cpu: ctx.serverCpu });
  await waitHttp(`http://127.0.0.1:${port}/v1/models`);
  return { name: 'nginx', label: 'nginx (plain reverse proxy)', url: `http://127.0.0.1:${port}${CHAT}`, pids: () => [pid, ...childrenOf(pid)] };
}

export async function startPortkey(ctx) {
  const entry = join(ctx.bench, '.peer/node_modules/@portkey-ai/gateway/build/start-server.js');
  if (!existsSync(entry)) return { name: 'portkey', unavailable: 'not installed (bench/.peer; run.sh installs it unless PEER=0)' };
  const version = JSON.parse(readFileSync(join(ctx.bench, '.peer/node_modules/@portkey-ai/gateway/package.json'), 'utf8')).version;
  const port = await freePort();
  const { pid } = await ctx.procs.start('portkey', 'node', ['-r', join(ctx.bench, 'lib/loopback-only.cjs'), entry, `--port=${port}`, '--headless'], { cpu: ctx.serverCpu });
  await waitHttp(`http://127.0.0.1:${port}/`);
  return { name: 'portkey', label: `Portkey ${version}`, url: `http://127.0.0.1:${port}${CHAT}`, pids: () => [pid] };
}

/** The bundle to run: ctx.gatewayJs (an A/B of a change) or this checkout's build. */
const gatewayJs = (ctx) => ctx.gatewayJs ?? join(ctx.root, 'dist/gateway.js');

/**
 * Writes a config from `template` (to `file` under the results); `audit` lines are added under its
 * `audit:`, and `append` (top-level YAML sections the template lacks) at its end.
 */
function gatehouseConfig(ctx, template, dataDir, upstreamBase, { file = template, audit = [], append = '' } = {}) {
  const text = readFileSync(join(ctx.bench, 'configs', template), 'utf8')
    .replaceAll('__UPSTREAM_URL__', upstreamBase).replaceAll('__DATA_DIR__', dataDir).replaceAll('__BENCH__', ctx.bench)
    .replace(/^audit:\n/m, `audit:\n${audit.map((l) => `  ${l}\n`).join('')}`) + append;
  const path = join(ctx.out, file);
  writeFileSync(path, text);
  return path;
}

/** The full pipeline with `audit` lines added to its config, on `dataDir`, and a dev-issuer token the bench policy allows. */
export async function startGatehouseAuditVariant(ctx, name, upstreamBase, dataDir, audit) {
  return startGatehouseVariant(ctx, name, upstreamBase, dataDir, { audit });
}

/**
 * A full pipeline that differs from configs/full.yaml in `audit` lines, `append`ed sections (e.g.
 * `state:`) or serve `args`, on `dataDir`; with a dev-issuer token the bench policy allows, unless
 * `mint` is false (an instance that shares another's issuer key: copy dev-issuer.jwk.json first).
 */
export async function startGatehouseVariant(ctx, name, upstreamBase, dataDir, { audit = [], append = '', args = [], mint = true } = {}) {
  const config = gatehouseConfig(ctx, 'full.yaml', dataDir, upstreamBase, { file: `${name}.yaml`, audit, append });
  const gw = await startGatehouse(ctx, name, config, dataDir, args);
  const v = { name, pid: gw.pid, url: gw.dataUrl + CHAT, adminUrl: gw.adminUrl };
  if (!mint) return v;
  const minted = await ctx.procs.run('node', [gatewayJs(ctx), 'token', '--sub', 'bench-agent', '--groups', 'agents', '--ttl', '1h', '--config', config, '--data-dir', dataDir]);
  if (minted.code !== 0) throw new Error(`${name}: gatehouse token failed: ${minted.stderr ?? minted.stdout}`);
  return { ...v, token: minted.stdout.trim() };
}

async function startGatehouse(ctx, name, configFile, dataDir, extraArgs) {
  const args = [...ctx.nodeFlags(name), gatewayJs(ctx), 'serve', '--config', configFile, '--port', '0', '--admin-port', '0', '--data-dir', dataDir, ...extraArgs];
  const { pid, match } = await ctx.procs.start(name, 'node', args, { cpu: ctx.serverCpu, env: { BENCH_UPSTREAM_KEY: 'sk-upstream-bench' }, ready: ADDR });
  return { pid, dataUrl: match[1], adminUrl: match[2] };
}

export async function startGatehouseProxy(ctx, upstreamBase) {
  const dataDir = join(ctx.out, 'gatehouse-proxy-data');
  const config = gatehouseConfig(ctx, 'proxy-only.yaml', dataDir, upstreamBase);
  try {
    const { pid, dataUrl } = await startGatehouse(ctx, 'gatehouse-proxy', config, dataDir, ['--proxy-only']);
    return { name: 'gatehouse-proxy', label: 'Gatehouse proxy only', url: dataUrl + CHAT, pids: () => [pid], pid };
  } catch (err) {
    return { name: 'gatehouse-proxy', unavailable: err.message };
  }
}

/**
 * The full pipeline, if main has it: starts with configs/full.yaml, mints a dev-issuer token and
 * checks, by behaviour, that identity, policy, masking and audit are each really on. Parts that are
 * missing are reported, never faked: the target runs only when identity is on, and is labelled
 * with the parts that were active.
 */
export async function startGatehouseFull(ctx, upstreamBase, bodies) {
  const dataDir = join(ctx.out, 'gatehouse-full-data');
  const config = gatehouseConfig(ctx, 'full.yaml', dataDir, upstreamBase);
  let gw;
  try {
    gw = await startGatehouse(ctx, 'gatehouse-full', config, dataDir, []);
  } catch (err) {
    const log = safeRead(join(ctx.out, 'logs/gatehouse-full.log'));
    return { name: 'gatehouse-full', unavailable: `the full config does not load on this build (${firstLine(log) || err.message})` };
  }
  const minted = await ctx.procs.run('node', [gatewayJs(ctx), 'token', '--sub', 'bench-agent', '--groups', 'agents', '--ttl', '1h', '--config', config, '--data-dir', dataDir]);
  const token = minted.code === 0 ? minted.stdout.trim() : undefined;
  const url = gw.dataUrl + CHAT;
  const parts = await probeParts(url, token, dataDir, bodies);
  const active = Object.entries(parts).filter(([, v]) => v === true).map(([k]) => k);
  const missing = Object.entries(parts).filter(([, v]) => v !== true).map(([k, v]) => `${k}: ${v}`);
  if (!parts.identity || !token) return { name: 'gatehouse-full', unavailable: `identity is not on yet (${missing.join('; ')})`, parts };
  const complete = missing.length === 0;
  return {
    name: 'gatehouse-full',
    label: complete ? 'Gatehouse full pipeline' : `Gatehouse partial pipeline [${active.join('+')}]`,
    note: complete ? undefined : `full pipeline not available yet; missing ${missing.join('; ')}`,
    url, auth: token, pids: () => [gw.pid], pid: gw.pid, parts,
  };
}

async function probeParts(url, token, dataDir, bodies) {
  const parts = { identity: 'not checked', policy: 'not checked', masking: 'not checked', audit: 'not checked' };
  const anon = await request(url, { body: bodies.json160 }).catch((e) => ({ status: 0, text: e.message }));
  parts.identity = anon.status === 401 ? (token ? true : 'token minting failed') : `a request without a token got ${anon.status}`;
  if (parts.identity !== true) return parts;
  const auth = { authorization: `Bearer ${token}` };
  const ok = await request(url, { body: bodies.json4k, headers: auth });
  if (ok.status !== 200) {
    parts.policy = `an allowed request got ${ok.status}: ${ok.text.slice(0, 200)}`;
    return parts;
  }
  const denied = await request(url, { body: bodies.json160.replace('gpt-4o-mini', 'gpt-3.5-turbo'), headers: auth });
  parts.policy = denied.status === 403 ? true : `a request the bench policy denies got ${denied.status}`;
  const id = ok.headers['x-request-id'];
  const auditText = await waitForText(dataDir, id, 3000);
  parts.audit = auditText ? true : `no file under the data dir mentions request ${id}`;
  parts.masking = !auditText ? 'needs the audit log to check' : auditText.includes('jane.doe@example.com') ? 'the audit copy holds the e-mail address unmasked' : true;
  return parts;
}

/** Text of the data-dir files that mention `needle` (the audit log, wherever the audit work keeps it). */
async function waitForText(dir, needle, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hits = [];
    for (const f of walk(dir)) {
      const text = safeRead(f);
      if (needle && text.includes(needle)) hits.push(text);
    }
    if (hits.length || Date.now() > deadline) return hits.join('\n');
    await new Promise((r) => setTimeout(r, 100));
  }
}

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) yield* walk(p);
    else if (st.size < 64 * 1024 * 1024) yield p;
  }
}

function safeRead(f) {
  try { return readFileSync(f, 'utf8'); } catch { return ''; }
}

/** The first error line of a log and the one after it (diagnostics follow their heading). */
function firstLine(text) {
  const lines = text.split('\n').map((l) => l.trim());
  const i = lines.findIndex((l) => /error|invalid|unknown/i.test(l));
  return i === -1 ? '' : lines.slice(i, i + 2).join(' ');
}
