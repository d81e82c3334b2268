/**
 * Parses a short duration as people type it on a command line: `900`, `90s`, `15m`, `1h`, `1d`.
 * Returns whole seconds, or `undefined` when the text is not a positive duration.
 *
 * Example: `parseDurationSeconds('15m')` → `900`
 */
export function parseDurationSeconds(text: string): number | undefined {
  const match = /^(\d+)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?)?$/i.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = (match[2] ?? 's')[0]!.toLowerCase();
  const seconds = value * (unit === 'd' ? 86400 : unit === 'h' ? 3600 : unit === 'm' ? 60 : 1);
  return Number.isSafeInteger(seconds) && seconds > 0 ? seconds : undefined;
}
