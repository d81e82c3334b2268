// Micro-benchmark: CPU of the arrival record (audit/record-builder.ts arrivalFields + audit/record-chain.ts
// RecordChain.next: serialization, SHA-256, Merkle leaf) for the bench's bodies, masked as the bench
// policy masks them (bench/configs/bench.policy.yaml: one rule for the upstream with every detector,
// so the masked copy sent upstream is the audit copy). Two ways, in interleaved rounds:
//   - "serialized again": the record serializes the masked body (the path before issue 23's splice);
//   - "bytes sent upstream": the record embeds the bytes masking made for the upstream (x.auditRequestJson).
// Run: npx tsx bench/micro/record-body.bench.ts [--json] [--ms 300] [--rounds 9]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { arrivalFields } from '../../gateway/audit/record-builder';
import { RecordChain } from '../../gateway/audit/record-chain';
import { GENESIS_HASH } from '../../gateway/core/audit/hash-record';
import { compileMaskingRules } from '../../gateway/core/masking/compile';
import { silentLogger } from '../../gateway/log';
import { createMaskingService } from '../../gateway/masking/masking-service';
import type { ExchangeRecord } from '../../gateway/runtime';
import { interleavedRounds, type RoundsCase } from './interleaved-rounds';

const json = process.argv.includes('--json');
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const sliceMs = arg('--ms', 300);
const rounds = arg('--rounds', 9);

const compiled = compileMaskingRules([{ name: 'agents-upstream-pii', detectors: ['all'], where: ['upstream'] }]);
const masking = createMaskingService({}, { getCompiled: () => compiled, log: silentLogger });
const principal = { issuer: 'https://gatehouse.local/dev-issuer', subject: 'bench-agent', clientId: 'bench', groups: ['agents'], tokenHash: 'Jv3l0uV6z2cS0l8aNfX6mY3mQk9c2dV1n7bq0Gm3X5A' };

/** The exchange as the arrival record reads it, for a bench body masked by the masking service. */
function exchange(file: string): { x: ExchangeRecord; embedded: boolean } {
  const body = readFileSync(join(import.meta.dirname, '..', 'bodies', file));
  const parsed = JSON.parse(body.toString('utf8'));
  const masked = masking.maskRequest({ masks: ['agents-upstream-pii'], body, json: parsed });
  const x = {
    id: 'b6f1c1f2-3a55-4c4b-9d8e-0d1f6c7e2a10', receivedAt: Date.now(), startNs: 0n, path: '/v1/chat/completions', clientAddress: '127.0.0.1', principal,
    req: { headers: { 'user-agent': 'wrk' }, method: 'POST', url: '/v1/chat/completions', socket: { remoteAddress: '127.0.0.1' } },
    request: { method: 'POST', path: '/v1/chat/completions', upstream: 'mock', endpoint: 'chat', model: parsed.model, stream: parsed.stream === true, bodyBytes: body.length },
    decision: { action: 'allow', rule: 'agents-capped', reasons: ['principal in group agents'], masks: ['agents-upstream-pii'], policyVersion: 'sha256:4b1d9e' },
    body, auditRequestBody: masked.auditBody, auditRequestJson: masked.auditJson, maskReport: masked.report, outcome: { responseBytes: 0, clientAborted: false },
  } as unknown as ExchangeRecord;
  return { x, embedded: masked.auditJson !== undefined };
}

const chain = new RecordChain('bench-chain', { seq: 0, hash: GENESIS_HASH }, undefined);
const cases: RoundsCase[] = [];
for (const file of ['chat-4KB.json', 'chat-160B.json']) {
  const { x, embedded } = exchange(file);
  const again = { ...x, auditRequestJson: undefined } as ExchangeRecord;
  cases.push({ name: `${file}, serialized again`, run: () => chain.next(arrivalFields(again, 65_536), Date.now()).bytes });
  if (embedded) cases.push({ name: `${file}, bytes sent upstream`, run: () => chain.next(arrivalFields(x, 65_536), Date.now()).bytes });
}

const rows = interleavedRounds(cases, { sliceMs, rounds, warmup: 5000 });
if (json) console.log(JSON.stringify(rows.map((r) => ({ case: r.case, usPerRecord: r.us, min: r.min, max: r.max }))));
else for (const r of rows) console.log(`${r.us.toFixed(1).padStart(7)} µs per record [${r.min.toFixed(1)}–${r.max.toFixed(1)}]  ${r.case}`);
