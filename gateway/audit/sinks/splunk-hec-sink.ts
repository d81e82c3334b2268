import type { SinkTransport } from './sink-runner';
import { createPoster, expect2xx } from './http-post';

/**
 * Splunk HTTP Event Collector: POST <url>/services/collector/event with
 * `Authorization: Splunk <token>`; the body is one JSON event object per record, back to back
 * (HEC's batch form), each `{time, host, source, sourcetype, [index], event: <record>}` with
 * time in epoch seconds and host = the chain id. The record (with its id) is the event.
 */
export function splunkHecSink(o: { url: string; token: string; index?: string; sourcetype?: string; headers?: Record<string, string>; timeoutMs: number }): SinkTransport {
  const poster = createPoster(o.timeoutMs);
  const url = new URL(o.url.includes('/services/collector') ? o.url : o.url.replace(/\/$/, '') + '/services/collector/event');
  const headers = { 'content-type': 'application/json', ...o.headers, authorization: `Splunk ${o.token}` };
  const meta = (chain: string) => JSON.stringify({ host: chain, source: 'gatehouse', sourcetype: o.sourcetype ?? 'gatehouse:audit', ...(o.index ? { index: o.index } : {}) }).slice(1, -1);
  return {
    async deliver(records, lines) {
      let body = '';
      for (let i = 0; i < records.length; i++) {
        body += `{"time":${Date.parse(records[i].time) / 1000},${meta(records[i].chain)},"event":${lines[i]}}\n`;
      }
      const r = await poster.post(url, headers, Buffer.from(body));
      expect2xx(r, 'splunk-hec sink');
    },
    async close() {
      poster.close();
    },
  };
}
