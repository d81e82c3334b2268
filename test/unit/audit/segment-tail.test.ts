import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSegmentLines } from '../../../gateway/audit/segment-files';
import { readSegmentTail } from '../../../gateway/audit/segment-tail';

const z = (n: number) => Buffer.alloc(n);
const t = (s: string) => Buffer.from(s);
const a = '{"seq":1}\n';
const b = '{"seq":2}\n';

/** File contents → what the tail reader and the line reader make of them. */
const cases: { name: string; file: Buffer; end: number; lastLine?: string; torn?: Buffer; lines: string[] }[] = [
  { name: 'empty', file: z(0), end: 0, lines: [] },
  { name: 'clean', file: t(a + b), end: 20, lastLine: '{"seq":2}', lines: ['{"seq":1}', '{"seq":2}'] },
  { name: 'torn, no zeros (plain appends)', file: t(a + '{"se'), end: 10, lastLine: '{"seq":1}', torn: t('{"se'), lines: ['{"seq":1}'] },
  { name: 'zero tail', file: Buffer.concat([t(a + b), z(5000)]), end: 20, lastLine: '{"seq":2}', lines: ['{"seq":1}', '{"seq":2}'] },
  { name: 'torn line, then zeros', file: Buffer.concat([t(a + '{"se'), z(300)]), end: 10, lastLine: '{"seq":1}', torn: t('{"se'), lines: ['{"seq":1}'] },
  { name: 'zeros, then a stray page', file: Buffer.concat([t(a), z(4096), t('{"seq":3}\n'), z(100)]), end: 10, lastLine: '{"seq":1}', torn: Buffer.concat([z(4096), t('{"seq":3}\n')]), lines: ['{"seq":1}'] },
  { name: 'all zeros', file: z(70_000), end: 0, lines: [] },
  { name: 'zero tail past a 64 KiB read', file: Buffer.concat([t(a.repeat(10_000)), z(200_000)]), end: 100_000, lastLine: '{"seq":1}', lines: Array(10_000).fill('{"seq":1}') },
];

describe('segment tail and line reader: the first NUL ends the data', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'gatehouse-tail-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  for (const c of cases) {
    it(c.name, async () => {
      const path = join(dir, `${c.name.replace(/\W+/g, '-')}.jsonl`);
      await writeFile(path, c.file);
      const tail = await readSegmentTail(path);
      assert.equal(tail.size, c.file.length);
      assert.equal(tail.end, c.end);
      assert.equal(tail.lastLine, c.lastLine);
      assert.deepEqual(tail.torn, c.torn && { offset: c.end, bytes: c.torn.length, sha256: createHash('sha256').update(c.torn).digest('hex') });

      const read = [];
      for await (const l of readSegmentLines(path)) read.push(l);
      assert.deepEqual(read.filter((l) => l.terminated).map((l) => l.text), c.lines);
      const tornRead = read.filter((l) => !l.terminated);
      assert.deepEqual(tornRead.map((l) => [l.offset, l.end, Buffer.from(l.text)]), c.torn ? [[c.end, c.end + c.torn.length, c.torn]] : []);
    });
  }
});
