// The least each mandatory part of the full pipeline's work costs: the gateway's own services
// (built by server/services.ts from configs/full.yaml, as `serve` builds them) and stages, each
// part in a warm in-process loop, parts interleaved round by round (micro/interleaved-rounds.ts),
// on each mode's body and on the answer the bench's mock gives it. A floor, not the gateway's
// figure: here the caches stay warm for one part at a time and no other process runs between
// stages (session 8 read the gateway's own stages at ≈ 3× the quiet loop's).
// Parts: the token's verify (cached), the body's parse and description, the policy's decision and
// admission (the bench policy), the request's masking with its serialization (maskRequest: the
// audit and upstream copies, the upstream bytes), the two records' build + chain + SHA-256 +
// Merkle leaf (arrival and outcome, and the arrival alone: a first byte waits for it; no write),
// the answer's steps (usage read, masking).
// Run: npx tsx bench/floor-parts.ts [--json] [--modes json-160B,sse-160B,...] [--ms 200] [--rounds 9]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arrivalFields, outcomeFields } from '../gateway/audit/record-builder';
import { RecordChain } from '../gateway/audit/record-chain';
import { loadConfig } from '../gateway/config/load-config';
import { CompactRange } from '../gateway/core/audit/merkle';
import { describeBody, describeRequest } from '../gateway/core/inference-request';
import { openDevIssuer } from '../gateway/identity/dev-issuer';
import { silentLogger } from '../gateway/log';
import type { Exchange } from '../gateway/pipeline/exchange';
import { maskResponse } from '../gateway/pipeline/mask-response';
import { meterUsage } from '../gateway/pipeline/meter-usage';
import { openResponseSteps } from '../gateway/pipeline/response-stage';
import type { Runtime } from '../gateway/runtime';
import { createMetrics } from '../gateway/server/metrics';
import { createServices } from '../gateway/server/services';
// @ts-expect-error a plain ES module of the bench
import { modeBodyFile } from './lib/modes.mjs';
import { interleavedRounds, type RoundsCase } from './micro/interleaved-rounds';

const bench = dirname(fileURLToPath(import.meta.url));
const argv = process.argv;
const arg = (name: string, dflt: string) => (argv.indexOf(name) > 0 ? argv[argv.indexOf(name) + 1]! : dflt);
const modes = arg('--modes', 'json-160B,sse-160B,json-4KB,sse-4KB').split(',');
const sliceMs = Number(arg('--ms', '200'));

/** Each part's id (the JSON's `part`) and what it is. */
const partLabels: Record<string, string> = {
  verify: 'token verify (cached)',
  parse: 'body parse + description',
  policy: 'policy: decision + admission (bench policy)',
  mask: 'request masking + its bytes (maskRequest)',
  arrival: 'arrival record: build + chain + SHA-256 + leaf',
  records: 'arrival + outcome records: build + chain + SHA-256 + leaf',
  'answer-mask': "answer: masking alone (its audit copy)",
  answer: 'answer: usage read + masking (both response steps)',
};
const rounds = Number(arg('--rounds', '9'));

/** The mock upstream (bench/upstream.mjs) started once: the answers the parts are fed come from it. */
async function mockAnswers(bodies: Map<string, Buffer>): Promise<Map<string, { type: string; chunks: Buffer[] }>> {
  const up = spawn('node', [join(bench, 'upstream.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const base = await new Promise<string>((resolve, reject) => {
      let text = '';
      up.stdout!.on('data', (d: Buffer) => { text += d; const m = /listening (http\S+)/.exec(text); if (m) resolve(m[1]!); });
      up.on('exit', () => reject(new Error('the mock upstream exited')));
    });
    const answers = new Map<string, { type: string; chunks: Buffer[] }>();
    for (const [mode, body] of bodies) {
      const json = JSON.parse(body.toString());
      // What the full pipeline sends a stream (ask-stream-usage.ts): usage asked on the caller's behalf.
      if (json.stream) json.stream_options = { include_usage: true };
      const sent = Buffer.from(JSON.stringify(json));
      answers.set(mode, await new Promise((resolve, reject) => {
        const req = httpRequest(base + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': sent.length } }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('end', () => {
            const whole = Buffer.concat(parts);
            const type = String(res.headers['content-type']);
            // A stream as the relay gets it: an event per chunk (the mock writes one per event).
            const chunks = type.startsWith('text/event-stream') ? whole.toString().split(/(?<=\n\n)/).map((e) => Buffer.from(e)) : [whole];
            resolve({ type, chunks });
          });
        });
        req.on('error', reject);
        req.end(sent);
      }));
    }
    return answers;
  } finally {
    up.kill();
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-floor-parts-'));
  const configFile = join(dataDir, 'full.yaml');
  writeFileSync(configFile, readFileSync(join(bench, 'configs/full.yaml'), 'utf8')
    .replaceAll('__UPSTREAM_URL__', 'http://127.0.0.1:9').replaceAll('__DATA_DIR__', dataDir).replaceAll('__BENCH__', bench));
  const loaded = await loadConfig(configFile);
  const services = await createServices(loaded, silentLogger, createMetrics());
  try {
    const rt = services.runtime as unknown as Runtime;
    // The dev issuer's key in the data dir, as `gatehouse token` mints with it.
    const token = await (await openDevIssuer(loaded.dataDir)).mint({ sub: 'bench-agent', groups: ['agents'], ttl: 3600 });
    const bearer = `Bearer ${token}`;
    const principal = await rt.identity.verify(bearer);
    const bodies = new Map(modes.map((m) => [m, readFileSync(modeBodyFile(m))]));
    const answers = await mockAnswers(bodies);
    const chain = new RecordChain('floor', { seq: 0, hash: '0'.repeat(64) }, new CompactRange());
    const stages = [meterUsage(rt), maskResponse(rt)];
    const maskOnly = [maskResponse(rt)];
    const rows: { mode: string; part: string; label: string; us: number; min: number; max: number }[] = [];

    // The token's verify is a promise (cached or not): its own loop, awaited, interleaved with nothing.
    const verifyUs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const n = r === 0 ? 20_000 : 5_000;
      const c0 = process.cpuUsage();
      for (let i = 0; i < n; i++) await rt.identity.verify(bearer);
      const c = process.cpuUsage(c0);
      if (r > 0) verifyUs.push((c.user + c.system) / n);
    }
    const sorted = [...verifyUs].sort((a, b) => a - b);
    const verify = { us: (sorted[(sorted.length - 1) >> 1]! + sorted[sorted.length >> 1]!) / 2, min: sorted[0]!, max: sorted.at(-1)! };

    for (const mode of modes) {
      const body = bodies.get(mode)!;
      const answer = answers.get(mode)!;
      const headers = { 'content-type': 'application/json', 'content-length': String(body.length), authorization: bearer, 'user-agent': 'wrk' };
      /** An exchange as the stages before the record leave it (each part below writes what the gateway's stage writes). */
      const exchange = (): Exchange => {
        const json = JSON.parse(body.toString('utf8'));
        const request = describeRequest({ method: 'POST', path: '/v1/chat/completions', upstream: 'mock', bodyBytes: body.length }, describeBody(json));
        const decision = rt.policy.decide(principal, request);
        return {
          id: '7f0c3a52-5d59-4a59-9b5e-4c1b8fb2d0aa', receivedAt: Date.now(), startNs: process.hrtime.bigint(),
          req: { method: 'POST', url: '/v1/chat/completions', headers, socket: { remoteAddress: '127.0.0.1' } },
          path: '/v1/chat/completions', query: '', clientAddress: '127.0.0.1', principal, request, body, json, decision,
          maskReport: [], streamUsageAsked: request.stream, outcome: { responseBytes: 0 },
        } as unknown as Exchange;
      };
      const x = exchange();
      if (x.decision!.action !== 'allow') throw new Error(`${mode}: the bench policy did not allow the bench caller (${x.decision!.rule})`);
      const masked = rt.masking.maskRequest({ masks: x.decision!.masks, body, json: x.json });
      x.auditRequestBody = masked.auditBody;
      x.auditRequestJson = masked.auditJson;
      for (const e of masked.report) x.maskReport.push(e);
      const head = { status: 200, headers: { 'content-type': answer.type } };
      /** `chunks` through `steps` as relay-response.ts feeds them: chunk by chunk, then the end. */
      const respond = (steps: typeof stages, chunks = answer.chunks) => () => {
        const y = { ...x, maskReport: [...x.maskReport], outcome: { responseBytes: 0 } } as Exchange;
        const s = openResponseSteps(steps, y, head)!;
        let bytes = 0;
        for (const c of chunks) bytes += s.chunk(c).length;
        bytes += s.end().length;
        y.outcome.responseBytes = bytes;
        return y;
      };
      // Masking alone gets what the usage step hands it (the usage the gateway asked for taken back out).
      const metered: Buffer[] = [];
      const meter = openResponseSteps([stages[0]!], { ...x, outcome: { responseBytes: 0 } } as Exchange, head);
      if (meter) {
        for (const c of answer.chunks) metered.push(Buffer.from(meter.chunk(c)));
        metered.push(Buffer.from(meter.end()));
      } else metered.push(...answer.chunks);
      // The outcome record's inputs: the answer as the steps leave it, and its settled usage.
      const answered = respond(stages)();
      Object.assign(answered.outcome, { status: 200, firstByteMs: 0.5, responseSha256: 'b'.repeat(64) }, rt.usage.settle({ request: answered.request!, status: 200, tap: answered.usageTap, auditResponseBody: answered.outcome.auditResponseBody }));
      const cases: RoundsCase[] = [
        { name: 'parse', run: () => describeRequest({ method: 'POST', path: '/v1/chat/completions', upstream: 'mock', bodyBytes: body.length }, describeBody(JSON.parse(body.toString('utf8')))) },
        {
          name: 'policy',
          run: () => {
            const d = rt.policy.decide(principal, x.request!);
            const release = rt.policy.admit(principal, d) as () => void;
            release();
            return d;
          },
        },
        { name: 'mask', run: () => rt.masking.maskRequest({ masks: x.decision!.masks, body, json: x.json }) },
        { name: 'arrival', run: () => chain.next(arrivalFields(x, 65_536), Date.now()).bytes },
        {
          name: 'records',
          run: () => {
            const a = chain.next(arrivalFields(x, 65_536), Date.now());
            const o = chain.next(outcomeFields(answered, 65_536, true), Date.now());
            return a.bytes + o.bytes;
          },
        },
        { name: 'answer-mask', run: respond(maskOnly, metered) },
        { name: 'answer', run: respond(stages) },
      ];
      for (const row of interleavedRounds(cases, { sliceMs, rounds, warmup: 2000 })) rows.push({ mode, part: row.case, label: partLabels[row.case]!, us: row.us, min: row.min, max: row.max });
      rows.push({ mode, part: 'verify', label: partLabels.verify!, ...verify });
    }
    if (argv.includes('--json')) console.log(JSON.stringify(rows));
    else for (const r of rows) console.log(`${r.mode.padEnd(10)} ${r.us.toFixed(1).padStart(7)} µs [${r.min.toFixed(1)}–${r.max.toFixed(1)}]  ${r.label}`);
  } finally {
    await services.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
