import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listSegments, readSegmentLines } from '../../../gateway/audit/segment-files';
import { verifyAuditDir } from '../../../gateway/audit/verify-log';
import type { AuditRecord } from '../../../gateway/generated/audit-record';
import { runCli, startServe, type ServeProcess } from '../../helpers/cli';
import { FakeUpstream } from '../../helpers/fake-upstream';

const cycles = 20;
const concurrency = 8;

/** One chat completion; resolves with the request id when the whole response arrived, undefined when the connection died. */
function chat(base: string, agent: Agent, n: number, token: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `crash load ${n}` }] });
    const req = request(`${base}/v1/chat/completions`, { method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 && res.complete ? String(res.headers['x-request-id']) : undefined));
      res.on('error', () => resolve(undefined));
      res.on('aborted', () => resolve(undefined));
    });
    req.on('error', () => resolve(undefined));
    req.end(body);
  });
}

async function readAll(auditDir: string): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for (const seg of await listSegments(auditDir)) for await (const l of readSegmentLines(seg.path)) if (l.terminated) out.push(JSON.parse(l.text));
  return out;
}

describe('audit: SIGKILL under concurrent load', function () {
  // 21 real gateway starts: ≈ 100 s on a loaded two-core machine.
  this.timeout(300_000);
  let dir: string;
  let upstream: FakeUpstream;
  let serve: ServeProcess | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-crash-'));
    upstream = await new FakeUpstream().start();
    writeFileSync(join(dir, 'gatehouse.yaml'), [
      'server:',
      `  dataDir: ${join(dir, 'data')}`,
      '  listen: { host: 127.0.0.1, port: 0 }',
      '  admin: { host: 127.0.0.1, port: 0 }',
      'upstreams:',
      `  - { name: fake, url: "${upstream.url}" }`,
      'audit:',
      '  checkpointEveryRecords: 40',
      '',
    ].join('\n'));
  });
  after(async () => {
    await serve?.stop('SIGKILL');
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`${cycles} kill -9 cycles: every answered request has its arrival and outcome, the chain verifies after each restart`, async () => {
    const auditDir = join(dir, 'data', 'audit');
    const answered: string[] = [];
    let n = 0;
    let token = '';
    for (let cycle = 0; cycle < cycles; cycle++) {
      serve = await startServe(['--config', join(dir, 'gatehouse.yaml')]);
      if (!token) {
        // The config trusts the development issuer: mint from the same data dir.
        const minted = await runCli(['token', '--sub', 'crash-load', '--data-dir', join(dir, 'data')]);
        assert.equal(minted.code, 0, minted.stderr);
        token = minted.stdout.trim();
      }
      // After each restart (recovery done, start checkpoint durable, no load yet): the chain is whole.
      const report = await verifyAuditDir(auditDir);
      assert.deepEqual(report.findings, [], `cycle ${cycle}: ${JSON.stringify(report.findings)}`);

      const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
      let running = true;
      let servedThisCycle = 0;
      const loops = Array.from({ length: concurrency }, async () => {
        while (running) {
          const id = await chat(serve!.dataUrl, agent, n++, token);
          if (id) {
            answered.push(id);
            servedThisCycle++;
          }
        }
      });
      // Kill mid-load, after a varying amount of traffic.
      const target = 5 + ((cycle * 7) % 23);
      while (servedThisCycle < target) await new Promise((r) => setTimeout(r, 2));
      await serve.stop('SIGKILL');
      running = false;
      await Promise.all(loops);
      agent.destroy();
    }
    // A last start recovers the last kill's tail; stopped before reading, so the verifier and the
    // count below see the same log (a running gateway may append a record between the two reads).
    serve = await startServe(['--config', join(dir, 'gatehouse.yaml')]);
    await serve.stop('SIGTERM');
    serve = undefined;
    const final = await verifyAuditDir(auditDir);
    assert.deepEqual(final.findings, []);
    const records = await readAll(auditDir);
    const arrivals = new Set(records.filter((r) => r.kind === 'arrival').map((r) => r.requestId));
    const outcomes = new Set(records.filter((r) => r.kind === 'outcome').map((r) => r.requestId));
    assert.ok(records.filter((r) => r.kind === 'arrival').every((r) => r.principal?.subject === 'crash-load'));
    const missing = answered.filter((id) => !arrivals.has(id) || !outcomes.has(id));
    assert.ok(answered.length >= cycles * 5, `answered ${answered.length}`);
    assert.deepEqual(missing, [], 'answered requests without arrival+outcome records');
    // Each restart continued one chain: seq is gapless from 1.
    assert.equal(final.firstSeq, 1);
    assert.equal(final.records.valid, records.length);
  });
});
