/**
 * A static JWKS endpoint on 127.0.0.1:0 for identity tests: serves `{ keys }` at /jwks.json,
 * counts fetches, and can be told to fail (HTTP 500) or to hang (never answer) to exercise
 * the fail-closed paths.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';

export interface JwksServer {
  readonly url: string;
  readonly fetches: number;
  keys: JWK[];
  mode: 'ok' | 'fail' | 'hang';
  close(): Promise<void>;
}

export async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  const hanging = new Set<ServerResponse>();
  const state = { keys, mode: 'ok' as JwksServer['mode'], fetches: 0 };
  const server = createServer((req, res) => {
    if (req.url !== '/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    state.fetches++;
    if (state.mode === 'hang') {
      hanging.add(res);
      return;
    }
    if (state.mode === 'fail') {
      res.writeHead(500).end('down');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  return {
    url,
    get fetches() { return state.fetches; },
    get keys() { return state.keys; },
    set keys(next) { state.keys = next; },
    get mode() { return state.mode; },
    set mode(next) { state.mode = next; },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
