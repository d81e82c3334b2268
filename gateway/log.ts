import { displayText } from './core/display-text';

/**
 * A small leveled logger writing one line per event to stderr (stdout is kept for the
 * addresses the CLI prints, which scripts and the extension parse).
 * Never pass tokens, keys or unmasked bodies: log ids, codes and hashes.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(options: { level?: LogLevel; json?: boolean; write?: (line: string) => void } = {}): Logger {
  const min = order[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (order[level] < min) return;
    if (options.json) {
      write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }));
      return;
    }
    const extra = fields && Object.keys(fields).length ? ' ' + Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ') : '';
    // Fields can carry caller text (model names, paths): escaped, a value cannot forge a log line.
    write(displayText(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}${extra}`));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

/** A logger that drops everything: for tests and library use. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
