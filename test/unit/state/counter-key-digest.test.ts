import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { counterKeyDigest } from '../../../gateway/state/counter-store';

describe('state/counter-store counterKeyDigest', () => {
  const sha256 = (key: string) => createHash('sha256').update(key).digest('base64url');

  it("is the key's SHA-256 in base64url, asked once or again, before and after many other keys (its map of recent keys emptied)", () => {
    const key = 'rule\u0000https://issuer.example\u0000alice';
    assert.equal(counterKeyDigest(key), sha256(key));
    assert.equal(counterKeyDigest(key), sha256(key));
    for (let i = 0; i < 25_000; i++) counterKeyDigest(`rule\u0000iss\u0000caller-${i}`);
    assert.equal(counterKeyDigest('rule\u0000iss\u0000caller-24999'), sha256('rule\u0000iss\u0000caller-24999'));
    assert.equal(counterKeyDigest('rule\u0000iss\u0000caller-3'), sha256('rule\u0000iss\u0000caller-3'));
    assert.equal(counterKeyDigest(key), sha256(key));
  });
});
