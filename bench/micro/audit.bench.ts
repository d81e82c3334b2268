// Audit log micro-benchmark: durable records per second with group commit, and CPU per record.
//   npx tsx bench/micro/audit.bench.ts [--seconds 2] [--concurrency 64] [--checkpoint-max-ms 1000] [--checkpoint-every 1000] [--json]
// --checkpoint-max-ms is audit.checkpoint.maxSeconds in ms (off by default here: the cadence's cost is
// measured by comparing runs with and without it); --checkpoint-every is audit.checkpointEveryRecords.
// Each appender awaits durability (write + fdatasync) before its next append, as a request does.
// CPU is process.cpuUsage() (all threads, libuv's fs pool included) divided by records.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AuditLogWriter, type RecordFields } from '../../gateway/audit/log-writer';
import { loadOrCreateSigningKey } from '../../gateway/audit/signing-key';
import { silentLogger } from '../../gateway/log';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '2' }, concurrency: { type: 'string', default: '64' }, 'checkpoint-max-ms': { type: 'string' }, 'checkpoint-every': { type: 'string', default: '1000' }, json: { type: 'boolean', default: false } } });
const checkpointMaxMs = values['checkpoint-max-ms'] === undefined ? undefined : Number(values['checkpoint-max-ms']);
const checkpointEveryRecords = Number(values['checkpoint-every']);
const seconds = Math.min(Number(values.seconds), 30);

const arrival: RecordFields = {
  kind: 'arrival', requestId: '7f0c3a52-5d59-4a59-9b5e-4c1b8fb2d0aa',
  principal: { issuer: 'https://idp.example.com', subject: 'ci-deployer', clientId: 'ci', groups: ['ml', 'deployers'], tokenHash: 'Jv3l0uV6z2cS0l8aNfX6mY3mQk9c2dV1n7bq0Gm3X5A' },
  method: 'POST', path: '/v1/chat/completions', upstream: 'openai', endpoint: 'chat', model: 'gpt-4o-mini', stream: false,
  decision: { action: 'allow', rule: 'ci-may-chat', reasons: ['principal in group ml'] }, policyVersion: 'sha256:4b1d9e',
  requestBody: { model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'You are a helpful assistant.' }, { role: 'user', content: 'Summarize the release notes for version 2.3 in three bullet points. '.repeat(6) }] },
  bodyBytes: 612, bodySha256: 'a'.repeat(64), mask: [{ rule: 'cards', detector: 'card', path: '$.messages[1].content', count: 1 }],
};

async function run(concurrency: number): Promise<{ concurrency: number; records: number; recordsPerSec: number; cpuUsPerRecord: number; userUsPerRecord: number; syncs: number; recordsPerSync: number; bytesPerRecord: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-audit-'));
  try {
    const dir = join(dataDir, 'audit');
    const key = await loadOrCreateSigningKey({ file: join(dataDir, 'key.jwk.json') }, dir);
    const { writer } = await AuditLogWriter.open({ dir, key, log: silentLogger, segmentMaxBytes: 256 * 1024 * 1024, segmentMaxAgeMs: 3_600_000, checkpointEveryRecords, checkpointMaxMs, groupCommitMaxDelayMs: 0 });
    await writer.checkpoint();
    const base = { ...writer.stats };
    const deadline = performance.now() + seconds * 1000;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let records = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await writer.append(arrival);
        records++;
      }
    }));
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const syncs = writer.stats.syncs - base.syncs;
    const bytes = writer.stats.bytes - base.bytes;
    await writer.close();
    return {
      concurrency, records,
      recordsPerSec: Math.round(records / elapsed),
      cpuUsPerRecord: Math.round(((cpu.user + cpu.system) / records) * 10) / 10,
      userUsPerRecord: Math.round((cpu.user / records) * 10) / 10,
      syncs, recordsPerSync: Math.round((records / syncs) * 10) / 10,
      bytesPerRecord: Math.round(bytes / (writer.stats.records - base.records)),
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
const results = [];
for (const c of [1, Number(values.concurrency), 256]) results.push(await run(c));
if (values.json) {
  console.log(JSON.stringify({ bench: 'audit', seconds, results }, null, 2));
} else {
  console.log(`audit log: durable appends (write + fdatasync, group commit), ${seconds}s each`);
  console.log('concurrency  records/s  CPU µs/record  (user)  fdatasyncs  records/sync  bytes/record');
  for (const r of results) {
    console.log(`${String(r.concurrency).padStart(11)}  ${String(r.recordsPerSec).padStart(9)}  ${String(r.cpuUsPerRecord).padStart(13)}  ${String(r.userUsPerRecord).padStart(6)}  ${String(r.syncs).padStart(10)}  ${String(r.recordsPerSync).padStart(12)}  ${String(r.bytesPerRecord).padStart(12)}`);
  }
}
}

void main();
