import Redis from 'ioredis';
import type { Logger } from '../log';
import { counterKeyDigest, windowRefusal, type Admission, type AdmitResult, type CounterStore, type WindowCharge } from './counter-store';
import { HeldSlots } from './held-slots';
import { StateHealth } from './state-health';
import { StateStartError, stateUnavailable } from './state-errors';

/**
 * One admission, atomically (Redis runs a script alone), all or nothing: the slot hash (slot id
 * -> lease expiry) is checked first, then every window hash (start, ms, used) is checked in
 * order, and only when all of them admit are they charged and the slot taken. A key asked twice
 * is charged twice (`state` holds each key's window as this admission leaves it).
 * KEYS: slots ('' ARGV[2]: no slot), then one window per key.
 * ARGV: now, slot id, slot limit, lease ms, then amount, limit, ms per window.
 * Returns {1, starts..., counts after...} or {0, 'concurrency'} or {0, 'window', index from 0, end}.
 */
const admitScript = `
local now = tonumber(ARGV[1])
if ARGV[2] ~= '' then
  local h = redis.call('HGETALL', KEYS[1])
  local live = 0
  for i = 1, #h, 2 do
    if tonumber(h[i + 1]) > now then live = live + 1 else redis.call('HDEL', KEYS[1], h[i]) end
  end
  if live >= tonumber(ARGV[3]) then return {0, 'concurrency'} end
end
local n = #KEYS - 1
local state, starts, counts = {}, {}, {}
for j = 1, n do
  local key = KEYS[j + 1]
  local amount, limit = tonumber(ARGV[3 * j + 2]), tonumber(ARGV[3 * j + 3])
  local w = state[key]
  if not w then
    local h = redis.call('HMGET', key, 'start', 'ms', 'used')
    w = {tonumber(h[1]), tonumber(h[2]), tonumber(h[3])}
    if not w[1] or w[1] + w[2] <= now then w = {now, tonumber(ARGV[3 * j + 4]), 0} end
    state[key] = w
  end
  if w[3] + amount > limit then return {0, 'window', j - 1, w[1] + w[2]} end
  w[3] = w[3] + amount
  starts[j], counts[j] = w[1], w[3]
end
for key, w in pairs(state) do
  redis.call('HSET', key, 'start', w[1], 'ms', w[2], 'used', w[3])
  redis.call('PEXPIRE', key, math.max(1, w[1] + w[2] - now) + 60000)
end
if ARGV[2] ~= '' then
  local lease = tonumber(ARGV[4])
  redis.call('HSET', KEYS[1], ARGV[2], now + lease)
  redis.call('PEXPIRE', KEYS[1], lease * 2)
end
local answer = {1}
for j = 1, n do answer[j + 1], answer[n + j + 1] = starts[j], counts[j] end
return answer
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
  gatehouseAdmit(keys: number, ...keysAndArgs: (string | number)[]): Promise<(number | string)[]>;
  gatehouseRenew(n: number, ...keysAndArgs: (string | number)[]): Promise<number>;
  gatehouseSettle(window: string, start: number, delta: number): Promise<number>;
};

/**
 * Counters in Redis (state.counters: redis): one Lua script per admission, so N instances never
 * let more through than one would, with all of a request's limits in that one script. Keys are
 * `<prefix>{<hash of the counter key>}:w|s`. One admission's keys are those of several counters
 * (a caller's rate window, its groups' budgets), so they need one Redis, not a cluster (the
 * client connects to one server). Slots are leases renewed while held.
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
    redis.defineCommand('gatehouseAdmit', { lua: admitScript });
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

  async admit({ now, slot, windows = [] }: Admission): Promise<AdmitResult> {
    const args: (string | number)[] = [windows.length + 1, slot ? this.keyOf(slot.key, 's') : this.keyOf('', 's')];
    for (const w of windows) args.push(this.keyOf(w.key, 'w'));
    args.push(now, slot?.id ?? '', slot?.limit ?? '', slot?.leaseMs ?? '');
    for (const w of windows) args.push(w.amount, w.limit, w.ms);
    const answer = await this.call(() => this.redis.gatehouseAdmit(...(args as [number, ...(string | number)[]])));
    if (!answer[0]) return answer[1] === 'concurrency' ? { admitted: false, refusedBy: 'concurrency' } : windowRefusal(Number(answer[2]), now, Number(answer[3]));
    if (slot) this.held.add(slot.key, slot.id);
    const n = windows.length;
    return { admitted: true, charges: windows.map((w, j) => ({ charge: { key: w.key, windowStart: Number(answer[1 + j]) }, used: Number(answer[1 + n + j]) })) };
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
