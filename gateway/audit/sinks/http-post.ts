import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';

export interface PostResult {
  status: number;
  body: string;
}

/**
 * One POST over a keep-alive agent; resolves with the status and body (non-2xx included),
 * rejects on network errors and on timeout. Sinks are off the request path, so this favours
 * clarity over the forwarder's tuning.
 */
export function createPoster(timeoutMs: number): { post(url: URL, headers: Record<string, string>, body: Buffer): Promise<PostResult>; close(): void } {
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 2 });
  const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 2 });
  return {
    post(url, headers, body) {
      const tls = url.protocol === 'https:';
      return new Promise((resolve, reject) => {
        const req = (tls ? httpsRequest : httpRequest)(url, {
          method: 'POST',
          agent: tls ? httpsAgent : httpAgent,
          headers: { ...headers, 'content-length': String(body.length) },
          timeout: timeoutMs,
        }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        });
        req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on('error', reject);
        req.end(body);
      });
    },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

export function expect2xx(r: PostResult, what: string): void {
  if (r.status < 200 || r.status > 299) throw new Error(`${what} answered ${r.status}: ${r.body.slice(0, 200)}`);
}
