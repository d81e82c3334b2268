import assert from 'node:assert/strict';
import { isRetryableStatus, retryDelayMs } from '../../../gateway/core/retry-backoff';

describe('core/retry-backoff', () => {
  const schedule = { initialDelayMs: 500, maxDelayMs: 60_000 };

  it('doubles the ceiling per attempt and waits between half and all of it (equal jitter)', () => {
    const rows: [attempt: number, random: number, ms: number][] = [
      [1, 0, 250], [1, 0.999999, 499.99975], [2, 0, 500], [3, 0.5, 1500], [7, 0, 16_000], [8, 0, 30_000], [9, 1, 60_000], [1000, 0, 30_000],
    ];
    for (const [attempt, random, ms] of rows) assert.equal(retryDelayMs(attempt, schedule, random), ms, `attempt ${attempt}, random ${random}`);
  });

  it('waits for a longer Retry-After, up to the ceiling', () => {
    assert.equal(retryDelayMs(1, schedule, 0, 5000), 5000);
    assert.equal(retryDelayMs(3, schedule, 0.5, 100), 1500);
    assert.equal(retryDelayMs(1, schedule, 0, 3_600_000), 60_000);
  });

  it('retries 408, 429 and 5xx, nothing else', () => {
    assert.deepEqual([200, 301, 400, 401, 404, 408, 409, 429, 500, 502, 503].filter(isRetryableStatus), [408, 429, 500, 502, 503]);
  });
});
