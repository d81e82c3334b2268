import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordIndex } from '../../../gateway/audit/record-index';
import type { AuditRecord } from '../../../gateway/generated/audit-record';

const record = (seq: number): AuditRecord => ({ id: `rec-${seq}`, seq, kind: 'outcome', time: new Date(0).toISOString(), requestId: `req-${seq}` }) as AuditRecord;

/**
 * The in-memory window of recent records: bounded by count and by the bytes of the records as
 * written (a record's masked bodies can be hundreds of kilobytes, so a count alone does not bound it).
 */
describe('audit record index: the recent records kept in memory', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-record-index-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));
  const open = (capacity: number, maxBytes: number) => new RecordIndex(dir, capacity, () => ({ segment: '', size: 0, seq: 0 }), maxBytes);

  it('keeps at most `capacity` records, the newest', async () => {
    const index = open(3, 1 << 20);
    for (let seq = 1; seq <= 5; seq++) index.add([record(seq)], [100]);
    assert.equal(index.length, 3);
    assert.deepEqual((await index.query({ limit: 10 })).map((r) => r.seq), [3, 4, 5]);
  });

  it('keeps at most `maxBytes` of records as written, whatever the count allows', async () => {
    const index = open(10_000, 1000);
    // 250 KB bodies: ten thousand of them would be 2.5 GB of heap.
    index.add([record(1), record(2), record(3)], [300, 300, 300]);
    assert.equal(index.length, 3);
    index.add([record(4)], [300]);
    assert.equal(index.length, 3, '1,200 bytes would pass the bound: the oldest goes');
    index.add([record(5)], [250_000]);
    assert.equal(index.length, 1, 'the newest record stays even when it alone is over the bound');
    assert.deepEqual((await index.query({ limit: 10 })).map((r) => r.seq), [5]);
    assert.equal(await index.get('rec-4'), undefined, 'evicted records are looked up in the files (none here)');
    assert.equal((await index.get('rec-5'))?.seq, 5);
  });

  it('compacts its storage as it drops records, answering the same', async () => {
    const index = open(100, 1 << 30);
    for (let seq = 1; seq <= 5000; seq++) index.add([record(seq)], [10]);
    assert.equal(index.length, 100);
    assert.deepEqual((await index.query({ limit: 3 })).map((r) => r.seq), [4998, 4999, 5000]);
    assert.deepEqual((await index.query({ after: 4900, limit: 2 })).map((r) => r.seq), [4901, 4902]);
  });
});
