import assert from 'node:assert/strict';
import { recordId } from '../../gateway/audit/record-id';
import { newId } from '../../gateway/new-id';
import { heapAfterGc } from '../helpers/heap';

describe('newId (gateway/new-id.ts)', () => {
  it('is a version 4 UUID (RFC 9562) after its prefix, a new one each time', () => {
    const ids = Array.from({ length: 1000 }, () => newId('apr_'));
    for (const id of ids) assert.match(id, /^apr_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(new Set(ids).size, ids.length);
    assert.match(newId(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('is one flat string, not a tree of the pieces it was built from (a request keeps its ids for its whole life)', () => {
    const n = 20_000;
    const kept: string[] = new Array(n);
    const before = heapAfterGc();
    for (let i = 0; i < n; i++) kept[i] = newId('apr_');
    const perId = (heapAfterGc() - before) / n;
    // A flat 40-character string is ≈ 56 B; the tree of cons cells randomUUID() returns, ≈ 480 B.
    assert.ok(perId < 160, `an id costs ${perId.toFixed(0)} B of heap (bound 160)`);
    assert.equal(kept.length, n);
  });
});

describe('recordId (gateway/audit/record-id.ts)', () => {
  it('is a version 7 UUID (RFC 9562) with the Unix time in ms in its first 48 bits, a new one each time', () => {
    const ms = 1_700_000_000_000; // 0x018bcfe56800
    const ids = Array.from({ length: 1000 }, () => recordId(ms));
    for (const id of ids) assert.match(id, /^018bcfe5-6800-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(recordId(ms + 1) > recordId(ms), 'ids sort by time');
  });

  it('is one flat string (every record keeps its id, in the window of recent records too)', () => {
    const n = 20_000;
    const kept: string[] = new Array(n);
    const before = heapAfterGc();
    for (let i = 0; i < n; i++) kept[i] = recordId(1_700_000_000_000 + i);
    const perId = (heapAfterGc() - before) / n;
    // A flat 36-character string is ≈ 56 B; built by concatenation, a tree of cons cells several times that.
    assert.ok(perId < 160, `an id costs ${perId.toFixed(0)} B of heap (bound 160)`);
    assert.equal(kept.length, n);
  });
});
