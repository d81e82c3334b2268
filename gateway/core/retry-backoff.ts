/**
 * Exponential backoff with "equal jitter" (AWS Architecture Blog, "Exponential Backoff And
 * Jitter"): retry `attempt` (1 = the first retry) waits between half and all of
 * min(maxDelayMs, initialDelayMs × 2^(attempt-1)), so retries of many senders spread out but
 * never come sooner than half the schedule. A server's Retry-After wins when it asks for longer,
 * up to the ceiling.
 *
 * @example
 * retryDelayMs(3, { initialDelayMs: 500, maxDelayMs: 60_000 }, 0.5) // 1500 (between 1000 and 2000)
 * retryDelayMs(1, { initialDelayMs: 500, maxDelayMs: 60_000 }, 0, 5000) // 5000 (Retry-After: 5)
 */
export function retryDelayMs(attempt: number, schedule: { initialDelayMs: number; maxDelayMs: number }, random: number, retryAfterMs = 0): number {
  // The exponent is capped so that a long-failing sender never computes Infinity.
  const ceiling = Math.min(schedule.maxDelayMs, schedule.initialDelayMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 30));
  return Math.min(schedule.maxDelayMs, Math.max(ceiling / 2 + random * (ceiling / 2), retryAfterMs));
}

/**
 * Whether an HTTP answer is worth another attempt (RFC 9110: 408 Request Timeout, 429 Too Many
 * Requests, and server errors); any other 4xx would be refused again.
 *
 * @example
 * isRetryableStatus(503) // true
 * isRetryableStatus(400) // false
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}
