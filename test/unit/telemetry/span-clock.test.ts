import assert from 'node:assert/strict';
import type { HrTime } from '@opentelemetry/api';
import { createSpanClock } from '../../../gateway/telemetry/span-clock';

const ms = ([s, ns]: HrTime) => s * 1000 + ns / 1e6;

describe('span clock (gateway/telemetry/span-clock.ts)', () => {
  // A process that started at 2026-12-06T12:00:00.000250Z (its time origin), with the clocks the test sets.
  const origin = Date.parse('2026-12-06T12:00:00Z') + 0.25;
  let wall = origin;
  let monotonic = 0;
  const clock = () => createSpanClock(() => wall, () => monotonic, origin);

  beforeEach(() => {
    wall = origin;
    monotonic = 0;
  });

  it('is the time origin plus the monotonic clock, to the nanosecond, in a valid HrTime', () => {
    const c = clock();
    monotonic = 1234.000567;
    // 12:00:00 + 0.25 ms + 1,234.000567 ms = 12:00:01.234250567
    assert.deepEqual(c.now(), [Date.parse('2026-12-06T12:00:00Z') / 1000 + 1, 234_250_567]);
  });

  it('keeps to the monotonic clock while the wall clock stays within a second of it (spans of a request stay ordered)', () => {
    const c = clock();
    monotonic = 10_000;
    wall = origin + 10_000 + 900; // slewed or coarse: not followed
    c.followWallClock();
    assert.equal(Math.round(ms(c.now()) - origin), 10_000);
  });

  it('follows a wall clock stepped forward or back by more than a second (NTP step, VM resumed)', () => {
    const c = clock();
    monotonic = 5_000;
    wall = origin + 5_000 + 3_600_000; // stepped an hour ahead
    c.followWallClock();
    assert.equal(Math.round(ms(c.now()) - origin), 3_605_000);
    monotonic = 6_000;
    assert.equal(Math.round(ms(c.now()) - origin), 3_606_000, 'and goes on from there with the monotonic clock');
    wall = origin + 6_000 - 7_200_000; // then stepped back: two hours behind the monotonic clock's reckoning
    c.followWallClock();
    const [s, ns] = c.now();
    assert.ok(ns >= 0 && ns < 1e9);
    assert.equal(Math.round(ms([s, ns]) - origin), 6_000 - 7_200_000);
  });
});
