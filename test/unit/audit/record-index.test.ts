import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RecordIndex } from '../../../gateway/audit/record-index';
import type { AuditRecord } from '../../../gateway/generated/audit-record';

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const record = (seq: number): AuditRecord => ({ id: `rec-${seq}`, seq, kind: 'outcome', time: new Date(0).toISOString(), requestId: `req-${seq}` }) as AuditRecord;
/** A durable record as the writer hands it over: the record, its line as the bytes written, their size (given, to test the bound). */
const durable = (r: AuditRecord, bytes: number) => ({ record: r, data: Buffer.from(JSON.stringify(r) + '\n'), bytes });

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
    for (let seq = 1; seq <= 5; seq++) index.add([durable(record(seq), 100)]);
    assert.equal(index.length, 3);
    assert.deepEqual((await index.query({ limit: 10 })).map((r) => r.seq), [3, 4, 5]);
  });

  it('keeps at most `maxBytes` of records as written, whatever the count allows', async () => {
    const index = open(10_000, 1000);
    // 250 KB bodies: ten thousand of them would be 2.5 GB of heap.
    index.add([durable(record(1), 300), durable(record(2), 300), durable(record(3), 300)]);
    assert.equal(index.length, 3);
    index.add([durable(record(4), 300)]);
    assert.equal(index.length, 3, '1,200 bytes would pass the bound: the oldest goes');
    index.add([durable(record(5), 250_000)]);
    assert.equal(index.length, 1, 'the newest record stays even when it alone is over the bound');
    assert.deepEqual((await index.query({ limit: 10 })).map((r) => r.seq), [5]);
    assert.equal(await index.get('rec-4'), undefined, 'evicted records are looked up in the files (none here)');
    assert.equal((await index.get('rec-5'))?.seq, 5);
  });

  it('compacts its storage as it drops records, answering the same', async () => {
    const index = open(100, 1 << 30);
    for (let seq = 1; seq <= 5000; seq++) index.add([durable(record(seq), 10)]);
    assert.equal(index.length, 100);
    assert.deepEqual((await index.query({ limit: 3 })).map((r) => r.seq), [4998, 4999, 5000]);
    assert.deepEqual((await index.query({ after: 4900, limit: 2 })).map((r) => r.seq), [4901, 4902]);
  });

  it('answers with the records as their lines were written, not the objects the writer had', async () => {
    const index = open(10, 1 << 20);
    // In memory the writer's copy may hold what JSON cannot (NaN, undefined members): the log holds the line.
    const r = { ...record(1), latencyMs: NaN, errorCode: undefined, principal: { issuer: 'i', subject: 'alice' }, decision: { action: 'allow' } } as unknown as AuditRecord;
    index.add([durable(r, 100)]);
    const asWritten = JSON.parse(JSON.stringify(r));
    assert.deepEqual(await index.get('rec-1'), asWritten);
    assert.deepEqual(await index.query({ principal: 'alice', decision: 'allow', limit: 10 }), [asWritten]);
    assert.deepEqual(await index.query({ after: 0, kind: 'outcome', requestId: 'req-1', limit: 10 }), [asWritten]);
    assert.deepEqual(await index.query({ principal: 'bob', limit: 10 }), []);
    assert.notEqual(await index.get('rec-1'), r, 'a copy: a caller cannot change what the window answers next');
  });

  it('keeps no record object alive: the garbage collector takes each one once the writer is done with it', async () => {
    const index = open(10_000, 1 << 30);
    const refs: WeakRef<object>[] = [];
    // In a function of its own: the async test's frame would keep the last record in a register.
    const addRecords = () => {
      for (let seq = 1; seq <= 200; seq++) {
        // A record with a body tree, as a request's arrival carries.
        const r = { ...record(seq), requestBody: { model: 'm', messages: [{ role: 'user', content: `hello ${seq}` }] } } as AuditRecord;
        refs.push(new WeakRef(r), new WeakRef(r.requestBody as object));
        index.add([durable(r, 100)]);
      }
    };
    addRecords();
    // A WeakRef holds its target until the current job ends.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    assert.equal(refs.filter((w) => w.deref() !== undefined).length, 0);
    assert.equal(index.length, 200);
    assert.equal(((await index.get('rec-7'))?.requestBody as { messages: { content: string }[] }).messages[0].content, 'hello 7');
  });
});
