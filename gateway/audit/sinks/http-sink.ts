import type { SinkTransport } from './sink-runner';
import { createPoster, expect2xx } from './http-post';

/**
 * Newline-delimited JSON over HTTP: each batch is one POST of the stored lines (hash included),
 * `Content-Type: application/x-ndjson`. Any 2xx acknowledges the whole batch.
 */
export function httpSink(o: { url: string; token?: string; headers?: Record<string, string>; timeoutMs: number }): SinkTransport {
  const poster = createPoster(o.timeoutMs);
  const url = new URL(o.url);
  const headers: Record<string, string> = { 'content-type': 'application/x-ndjson', ...o.headers };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  return {
    async deliver(_records, lines) {
      expect2xx(await poster.post(url, headers, Buffer.from(lines.join('\n') + '\n')), 'http sink');
    },
    async close() {
      poster.close();
    },
  };
}
