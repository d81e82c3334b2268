import Redis from 'ioredis';
import type { Logger } from '../log';
import { counterKeyDigest, windowRefusal, type Admission, type AdmitResult, type CounterStore, type WindowCharge } from './counter-store';
import { HeldSlots } from './held-slots';
import { StateHealth } from './state-health';
import { StateStartError, stateUnavailable } from './state-errors';

/**
 * One admission, atomically (Redis runs a script alone): the slot hash (slot id -> lease expiry)
 * is checked first, then the window hash (start, ms, used) charged, then the slot taken.
 * KEYS: slots, window. ARGV: now, amount, limit, windowMs, slot, slots, leaseMs ('' = not asked).
 * Returns {admitted, refusedBy, windowStart, windowMs, used after the charge}.
 */
const admitScript = `
local now = tonumber(ARGV[1])
if ARGV[5] ~= '' then
  local h = redis.call('HGETALL', KEYS[1])
  local live = 0
  for i = 1, #h, 2 do
    if tonumber(h[i + 1]) > now then live = live + 1 else redis.call('HDEL', KEYS[1], h[i]) end
  end
  if live >= tonumber(ARGV[6]) then return {0, 'concurrency', 0, 0, 0} end
end
local start, ms, after = 0, 0, 0
if ARGV[3] ~= '' then
  local amount, limit = tonumber(ARGV[2]), tonumber(ARGV[3])
  local w = redis.call('HMGET', KEYS[2], 'start', 'ms', 'used')
  start, ms = tonumber(w[1]), tonumber(w[2])
  local used = tonumber(w[3])
  if not start or start + ms <= now then start, ms, used = now, tonumber(ARGV[4]), 0 end
  if used + amount > limit then return {0, 'rate', start, ms, used} end
  after = used + amount
  redis.call('HSET', KEYS[2], 'start', start, 'ms', ms, 'used', after)
  redis.call('PEXPIRE', KEYS[2], math.max(1, start + ms - now) + 60000)
end
if ARGV[5] ~= '' then
  local lease = tonumber(ARGV[7])
  redis.call('HSET', KEYS[1], ARGV[5], now + lease)
  redis.call('PEXPIRE', KEYS[1], lease * 2)
end
return {1, '', start, ms, after}
`;

/** Extends held leases that are still there. KEYS: slot hashes; ARGV: expiry, then one slot id per key. */
const renewScript = `
for i, key in ipairs(KEYS) do
  if redis.call('HEXISTS', key, ARGV[i + 1]) == 1 then
    redis.call('HSET', key, ARGV[i + 1], ARGV[1])
    redis.call('PEXPIRE', key, (tonumber(ARGV[1]) - tonumber(ARGV[2 + #KEYS])) * 2)
  end
end
return 0
`;

/** Corrects a charge while its window is the same one. KEYS: window; ARGV: windowStart, delta. Returns the count after, -1 when the window has ended. */
const settleScript = `
if tonumber(redis.call('HGET', KEYS[1], 'start')) == tonumber(ARGV[1]) then
  local used = tonumber(redis.call('HGET', KEYS[1], 'used')) + tonumber(ARGV[2])
  if used < 0 then used = 0 end
  redis.call('HSET', KEYS[1], 'used', used)
  return used
end
return -1
`;

type Scripted = Redis & {
  gatehouseAdmit(slots: string, window: string, ...args: (string | number)[]): Promise<[number, string, number, number, number]>;
  gatehouseRenew(n: number, ...keysAndArgs: (string | number)[]): Promise<number>;
  gatehouseSettle(window: string, start: number, delta: number): Promise<number>;
};

/**
 * Counters in Redis (state.counters: redis): one Lua script per admission, so N instances never
 * let more through than one would. Keys are `<prefix>{<hash of the counter key>}:w|s` (one hash
 * tag, so both keys of an admission sit in one cluster slot). Slots are leases renewed while held.
 */
export class RedisCounterStore implements CounterStore {
  readonly name = 'redis';
  readonly health: StateHealth;
  private readonly held: HeldSlots;

  private constructor(private readonly redis: Scripted, private readonly prefix: string, private readonly leaseMs: number, private readonly log: Logger, now: () => number) {
    this.health = new StateHealth('redis', async () => void (await redis.ping()), log);
    this.held = new HeldSlots(leaseMs, () => this.renewLeases(now()));
  }

  /** Connects (unreachable → StateStartError: `serve` exits 2 with the reason). */
  static async open(url: string, options: { keyPrefix: string; leaseMs: number; log: Logger; now?: () => number }): Promise<RedisCounterStore> {
    const redis = new Redis(url, {
      lazyConnect: true,
      // Fail at once while disconnected (the request gets 503), and reconnect in the background.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 2000,
      retryStrategy: () => 500,
    }) as Scripted;
    redis.on('error', () => undefined); // reported through the health of the calls that fail
    redis.defineCommand('gatehouseAdmit', { numberOfKeys: 2, lua: admitScript });
    redis.defineCommand('gatehouseRenew', { lua: renewScript });
    redis.defineCommand('gatehouseSettle', { numberOfKeys: 1, lua: settleScript });
    try {
      await redis.connect();
      await redis.ping();
    } catch (err) {
      redis.disconnect();
      throw new StateStartError('ERR_STATE_UNAVAILABLE', `Redis (state.redis.url) is unreachable: ${(err as Error).message}`, { cause: err });
    }
    return new RedisCounterStore(redis, options.keyPrefix, options.leaseMs, options.log, options.now ?? Date.now);
  }

  async admit({ key, now, window, slot }: Admission): Promise<AdmitResult> {
    const [admitted, refusedBy, start, ms, used] = await this.call(() => this.redis.gatehouseAdmit(this.keyOf(key, 's'), this.keyOf(key, 'w'),
      now, window?.amount ?? '', window?.limit ?? '', window?.ms ?? '', slot?.id ?? '', slot?.limit ?? '', slot?.leaseMs ?? ''));
    if (!admitted) return refusedBy === 'concurrency' ? { admitted: false, refusedBy: 'concurrency' } : windowRefusal(now, start, ms);
    if (slot) this.held.add(key, slot.id);
    return window ? { admitted: true, charge: { key, windowStart: start }, used } : { admitted: true };
  }

  release(key: string, slot: string): void {
    if (!this.held.delete(slot)) return;
    this.redis.hdel(this.keyOf(key, 's'), slot).catch((err: Error) =>
      this.log.warn('counters: a slot could not be given back; its lease will expire', { reason: err.message }));
  }

  async settle(charge: WindowCharge, delta: number): Promise<number | undefined> {
    const used = await this.call(() => this.redis.gatehouseSettle(this.keyOf(charge.key, 'w'), charge.windowStart, delta));
    return used >= 0 ? used : undefined;
  }

  async renewLeases(now: number): Promise<void> {
    const slots = this.held.list();
    if (!slots.length) return;
    await this.call(() => this.redis.gatehouseRenew(slots.length, ...slots.map((s) => this.keyOf(s.key, 's')), now + this.leaseMs, ...slots.map((s) => s.slot), now));
  }

  async close(): Promise<void> {
    this.held.close();
    this.health.close();
    this.redis.disconnect();
  }

  private keyOf(key: string, part: 'w' | 's'): string {
    return `${this.prefix}{${counterKeyDigest(key)}}:${part}`;
  }

  private async call<T>(op: () => Promise<T>): Promise<T> {
    if (!this.health.available) throw stateUnavailable('redis', this.health.problem);
    try {
      return await op();
    } catch (err) {
      this.health.down(err);
      throw stateUnavailable('redis', err);
    }
  }
}
