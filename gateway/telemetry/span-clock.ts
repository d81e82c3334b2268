import type { HrTime } from '@opentelemetry/api';

/** How far the wall clock may move from the span clock before the span clock follows it. */
const followBeyondMs = 1000;

export interface SpanClock {
  /** Now, for a span's start or end. */
  now(): HrTime;
  /** Checked once per request: a wall clock stepped more than a second away (an NTP step, a resumed VM) is followed. */
  followWallClock(): void;
}

/**
 * One clock for every span's start and end: the wall-clock time of the monotonic clock's zero
 * (the process's time origin) plus the monotonic clock. Left to the SDK, each span pins its
 * monotonic times to a `Date.now()` read of its own (millisecond steps, and a process descheduled
 * between the two reads shifts that span), and a span given its start ends at `Date.now()`: spans
 * of one request could overlap or leave gaps that never happened. The zero is kept as whole
 * seconds and nanoseconds (a float of milliseconds since 1970 has ≈ 0.2 µs steps) and moved only
 * when the wall clock is stepped, so spans still carry wall-clock times after a step.
 */
export function createSpanClock(wallMs: () => number = Date.now, monotonicMs: () => number = () => performance.now(), originMs = performance.timeOrigin): SpanClock {
  let zeroSeconds = Math.floor(originMs / 1000);
  let zeroNanos = Math.round((originMs - zeroSeconds * 1000) * 1e6);
  return {
    now() {
      const nanos = zeroNanos + Math.round(monotonicMs() * 1e6);
      return [zeroSeconds + Math.floor(nanos / 1e9), nanos % 1e9];
    },
    followWallClock() {
      const driftMs = wallMs() - (zeroSeconds * 1000 + zeroNanos / 1e6 + monotonicMs());
      if (Math.abs(driftMs) <= followBeyondMs) return;
      const nanos = zeroNanos + Math.round(driftMs * 1e6);
      const carry = Math.floor(nanos / 1e9);
      zeroSeconds += carry;
      zeroNanos = nanos - carry * 1e9;
    },
  };
}
