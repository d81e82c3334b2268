import assert from 'node:assert/strict';
import { canonicalJson } from '../../../../gateway/core/audit/canonical-json';
import { createChainVerifier } from '../../../../gateway/core/audit/chain-verifier';
import { findingLine, formatReport } from '../../../../gateway/core/audit/findings';
import { GENESIS_HASH, hashCanonical, serializeRecord } from '../../../../gateway/core/audit/hash-record';

/** A chain of n plain records (no checkpoints), as lines. */
function chain(n: number, first = 1, prev = GENESIS_HASH): string[] {
  const lines: string[] = [];
  for (let seq = first; seq < first + n; seq++) {
    const r = { id: `r${seq}`, seq, prev, time: '2025-01-01T00:00:00.000Z', kind: 'note', chain: 'c' };
    const c = canonicalJson(r);
    prev = hashCanonical(r.prev, c);
    lines.push(serializeRecord(c, prev));
  }
  return lines;
}

async function verify(lines: string[], window?: number) {
  const v = createChainVerifier({ window });
  lines.forEach((l, i) => v.push(l, { file: 'f', line: i + 1 }));
  return v.finish();
}

describe('core/audit/chain-verifier', () => {
  it('accepts an intact chain, with a small window too (streaming)', async () => {
    for (const w of [undefined, 2]) {
      const r = await verify(chain(50), w);
      assert.deepEqual(r.findings, []);
      assert.deepEqual(r.records, { total: 50, valid: 50 });
      assert.equal(r.start, 'genesis');
    }
  });

  it('a forged far-away seq costs one finding range, not a loop per missing seq', async () => {
    const lines = chain(10);
    const forged = JSON.parse(lines[9]);
    forged.seq = 1e12;
    lines.push(JSON.stringify(forged));
    const t = Date.now();
    const r = await verify(lines);
    assert.ok(Date.now() - t < 1000);
    assert.ok(r.findings.some((f) => f.kind === 'modified' && f.seq === 1e12));
  });

  it('flags a log that starts after seq 1 without a checkpoint', async () => {
    const r = await verify(chain(20).slice(5));
    assert.deepEqual(r.findings.map((f) => f.kind), ['unattested_start']);
  });

  it('reports malformed lines and a torn tail', async () => {
    const v = createChainVerifier();
    const lines = chain(3);
    v.push(lines[0], { line: 1 });
    v.push('not json', { line: 2 });
    v.push(lines[1], { line: 3 });
    v.push(lines[2], { line: 4 });
    v.push('{"id":', { line: 5, terminated: false });
    const r = await v.finish();
    assert.deepEqual(r.findings.map((f) => f.kind), ['malformed', 'torn_line']);
  });

  it('formats findings one INVALID line each, CloudTrail style', () => {
    assert.equal(findingLine({ kind: 'deleted', seq: 4, toSeq: 6, file: 'a.jsonl', line: 9, message: '3 records missing before seq 7' }), 'INVALID: records deleted: seq 4-6 (a.jsonl:9): 3 records missing before seq 7');
    const text = formatReport({ chain: 'c', firstSeq: 1, lastSeq: 2, firstTime: 't1', lastTime: 't2', records: { total: 2, valid: 1 }, checkpoints: { total: 0, valid: 0 }, findings: [{ kind: 'modified', seq: 2, message: 'x' }] }, '/d');
    assert.match(text, /^1\/2 records valid, 1\/2 records INVALID$/m);
    assert.match(text, /^INVALID: record modified: seq 2: x$/m);
  });
});
