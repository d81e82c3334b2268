/**
 * A small test load balancer on 127.0.0.1:0: each request (not each connection: SDKs keep
 * connections alive) goes to the next backend in turn, streamed both ways. It adds no
 * X-Forwarded-For, so the gateways see it as the client.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobin {
  url: string;
  /** Backend index each request went to, in order. */
  readonly routed: number[];
  close(): Promise<void>;
}

export async function startRoundRobin(backends: string[]): Promise<RoundRobin> {
  const routed: number[] = [];
  let next = 0;
  const server: Server = createServer((req, res) => {
    const i = next++ % backends.length;
    routed.push(i);
    const target = new URL(req.url!, backends[i]);
    const upstream = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (up) => {
      res.writeHead(up.statusCode!, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    routed,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
