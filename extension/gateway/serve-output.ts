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
