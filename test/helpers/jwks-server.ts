/**
 * A static JWKS endpoint on 127.0.0.1:0 for identity tests: serves `{ keys }` at /jwks.json,
 * counts fetches, and can be told to fail (HTTP 500) or to hang (never answer) to exercise
 * the fail-closed paths. It also answers OIDC discovery with `discoveryIssuer` as the issuer
 * (default: its own base URL), to test the issuer check of discovery.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';

export interface JwksServer {
  readonly url: string;
  readonly fetches: number;
  keys: JWK[];
  mode: 'ok' | 'fail' | 'hang';
  /** Base URL (the issuer whose discovery document this serves). */
  readonly base: string;
  discoveryIssuer?: string;
  close(): Promise<void>;
}

export async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  const hanging = new Set<ServerResponse>();
  const state = { keys, mode: 'ok' as JwksServer['mode'], fetches: 0, discoveryIssuer: undefined as string | undefined };
  let base = '';
  const server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: state.discoveryIssuer ?? base, jwks_uri: `${base}/jwks.json` }));
      return;
    }
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
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base}/jwks.json`,
    base,
    get discoveryIssuer() { return state.discoveryIssuer; },
    set discoveryIssuer(next) { state.discoveryIssuer = next; },
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
