import assert from 'node:assert/strict';
import type { Principal } from '../../../gateway/core/types';
import { TokenCache } from '../../../gateway/identity/token-cache';

const principal = (subject: string): Principal => ({ issuer: 'https://idp.test', subject, groups: [] });

describe('identity: TokenCache', () => {
  it('returns an entry until its expiry, then forgets it', () => {
    const cache = new TokenCache(10);
    cache.set('h1', principal('a'), 2000, 1000);
    assert.equal(cache.get('h1', 1999)?.subject, 'a');
    assert.equal(cache.get('h1', 2000), undefined);
    assert.equal(cache.size, 0);
  });

  it('never stores an entry that is already expired', () => {
    const cache = new TokenCache(10);
    cache.set('h1', principal('a'), 1000, 1000);
    assert.equal(cache.size, 0);
  });

  it('stays within its bound, dropping the least recently used', () => {
    const cache = new TokenCache(3);
    for (const k of ['a', 'b', 'c']) cache.set(k, principal(k), 10_000, 0);
    assert.ok(cache.get('a', 1)); // a is now the most recent; b is the least
    cache.set('d', principal('d'), 10_000, 2);
    assert.equal(cache.size, 3);
    assert.equal(cache.get('b', 3), undefined);
    for (const k of ['a', 'c', 'd']) assert.equal(cache.get(k, 3)?.subject, k);
  });

  it('holds nothing with maxEntries 0', () => {
    const cache = new TokenCache(0);
    cache.set('a', principal('a'), 10_000, 0);
    assert.equal(cache.get('a', 1), undefined);
  });
});
