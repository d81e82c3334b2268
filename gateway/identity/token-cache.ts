import type { Principal } from '../core/types';

/**
 * Verified tokens by hash, so the hot path skips signature checks. Bounded (least recently
 * used goes first) and each entry dies with its token's `exp`. A hit is one Map lookup, one
 * clock compare and a re-insert to keep LRU order. Principals are frozen: the same object is
 * handed to every request carrying the token, so nothing downstream may change it.
 */
export class TokenCache {
  private readonly entries = new Map<string, { principal: Principal; expiresAtMs: number }>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(tokenHash: string, nowMs: number): Principal | undefined {
    const entry = this.entries.get(tokenHash);
    if (entry === undefined) return undefined;
    this.entries.delete(tokenHash);
    if (entry.expiresAtMs <= nowMs) return undefined;
    this.entries.set(tokenHash, entry);
    return entry.principal;
  }

  set(tokenHash: string, principal: Principal, expiresAtMs: number, nowMs: number): void {
    if (this.maxEntries === 0 || expiresAtMs <= nowMs) return;
    this.entries.delete(tokenHash);
    if (this.entries.size >= this.maxEntries) this.evict();
    this.entries.set(tokenHash, { principal, expiresAtMs });
  }

  clear(): void {
    this.entries.clear();
  }

  /** Drops the least recently used entries (the Map's oldest) until there is room. */
  private evict(): void {
    for (const key of this.entries.keys()) {
      this.entries.delete(key);
      if (this.entries.size < this.maxEntries) return;
    }
  }
}
