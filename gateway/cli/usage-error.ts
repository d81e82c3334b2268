/** A mistake in how the command was called: printed with the usage hint, exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/** Parses a duration like 90, 90s, 15m, 2h, 1d into seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*(s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new UsageError(`not a duration: ${text} (use e.g. 90s, 15m, 2h)`);
  return Number(m[1]) * ({ s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'] ?? 1);
}

/** Parses a TCP port argument. */
export function parsePort(text: string, flag: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${flag} must be a port number (0-65535), got ${text}`);
  return port;
}
