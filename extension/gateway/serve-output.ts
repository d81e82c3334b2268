/**
 * `gatehouse serve` prints exactly two lines once listening, which scripts and the extension parse:
 *   data  http://127.0.0.1:PORT
 *   admin http://127.0.0.1:PORT
 */
const LISTEN_LINE = /^(data|admin)\s+(http\S+)$/;

export function parseListenLine(line: string): { listener: 'data' | 'admin'; url: string } | undefined {
  const m = LISTEN_LINE.exec(line.trim());
  return m ? { listener: m[1] as 'data' | 'admin', url: m[2] } : undefined;
}

/** Splits a byte stream into lines, calling `onLine` per complete line. */
export function lineSplitter(onLine: (line: string) => void): (chunk: Buffer | string) => void {
  let rest = '';
  return (chunk) => {
    const lines = (rest + chunk.toString()).split(/\r?\n/);
    rest = lines.pop() ?? '';
    for (const line of lines) if (line) onLine(line);
  };
}

/** Why `gatehouse serve` exited during start-up, from its stderr; with the config position when it gave one. */
export interface StartupFailure {
  reason: string;
  file?: string;
  line?: number;
  column?: number;
  /** JSON pointer of the config node, e.g. /upstreams/0/auth/secret. */
  path?: string;
}

/** A config diagnostic as the gateway prints it: `FILE:LINE:COL: error: [/json/pointer ]message`. */
const DIAGNOSTIC_LINE = /^(.+?):(\d+):(\d+): error: (?:(\/\S*) )?(.+)$/;

/**
 * The gateway's own one-line reason: its first config diagnostic (file:line:col), else its
 * `gatehouse: …` line, else the first error line of a crash, else the last line it wrote.
 *
 * @example
 * startupFailure(['gatehouse: invalid config (1 error):', '/w/gatehouse.yaml:16:15: error: /upstreams/0/auth/secret environment variable OPENAI_API_KEY is not set'])
 * // => { reason: 'environment variable OPENAI_API_KEY is not set', file: '/w/gatehouse.yaml', line: 16, column: 15, path: '/upstreams/0/auth/secret' }
 */
export function startupFailure(stderrLines: readonly string[]): StartupFailure | undefined {
  const lines = stderrLines.map((l) => l.trim()).filter(Boolean);
  for (const line of lines) {
    const m = DIAGNOSTIC_LINE.exec(line);
    if (m) return { reason: m[5], file: m[1], line: Number(m[2]), column: Number(m[3]), ...(m[4] ? { path: m[4] } : {}) };
  }
  const own = lines.find((l) => l.startsWith('gatehouse: '));
  if (own) return { reason: own.slice('gatehouse: '.length) };
  const crash = lines.find((l) => /^\w*Error\b.*:/.test(l));
  const last = crash ?? lines.at(-1);
  return last ? { reason: last } : undefined;
}
