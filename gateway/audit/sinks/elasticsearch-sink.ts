import type { SinkTransport } from './sink-runner';
import { createPoster, expect2xx } from './http-post';

/**
 * Elasticsearch / OpenSearch `_bulk`: an `index` action per record with `_id` = record id, so a
 * re-sent batch overwrites the same documents (natural de-duplication). The batch counts as
 * delivered only when every item succeeded; otherwise the whole batch is retried (idempotent).
 */
export function elasticsearchSink(o: { url: string; token?: string; index?: string; headers?: Record<string, string>; timeoutMs: number }): SinkTransport {
  const poster = createPoster(o.timeoutMs);
  const url = new URL(o.url.replace(/\/$/, '').endsWith('/_bulk') ? o.url : o.url.replace(/\/$/, '') + '/_bulk');
  const headers: Record<string, string> = { 'content-type': 'application/x-ndjson', ...o.headers };
  if (o.token) headers.authorization = `ApiKey ${o.token}`;
  const index = JSON.stringify(o.index ?? 'gatehouse-audit');
  return {
    async deliver(records, lines) {
      let body = '';
      for (let i = 0; i < records.length; i++) body += `{"index":{"_index":${index},"_id":${JSON.stringify(records[i].id)}}}\n${lines[i]}\n`;
      const r = await poster.post(url, headers, Buffer.from(body));
      expect2xx(r, 'elasticsearch sink');
      const answer = JSON.parse(r.body) as { errors?: boolean; items?: { index?: { status?: number; error?: unknown } }[] };
      if (answer.errors) {
        const bad = (answer.items ?? []).find((it) => (it.index?.status ?? 500) >= 300);
        throw new Error(`elasticsearch sink: bulk item failed: ${JSON.stringify(bad?.index?.error ?? bad).slice(0, 200)}`);
      }
    },
    async close() {
      poster.close();
    },
  };
}
