import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A one-shot listener for the authorization response (RFC 8252 §7.3 loopback redirect). */
export interface LoopbackRedirect {
  /** http://127.0.0.1:<port>/callback, the redirect_uri to send. */
  readonly redirectUri: string;
  /** The authorization response's parameters (code, state, iss or error), once the browser brings them. */
  readonly redirect: Promise<URLSearchParams>;
  close(): void;
}

/**
 * Listens on 127.0.0.1 on a free port (never on other interfaces: the code must not be
 * reachable from the network) for one GET /callback, answers the browser with a short page and
 * closes. Bounded: rejects after `timeoutMs` or when `signal` aborts, and closes either way.
 * The browser may come through a port forward or a proxy that strips its own path prefix
 * (VS Code's asExternalUri: code-server's /proxy/<port>/, Codespaces): the path is /callback here.
 */
export async function listenForRedirect(opts: { timeoutMs: number; signal?: AbortSignal }): Promise<LoopbackRedirect> {
  let settle!: { resolve: (p: URLSearchParams) => void; reject: (e: Error) => void };
  const redirect = new Promise<URLSearchParams>((resolve, reject) => (settle = { resolve, reject }));
  redirect.catch(() => {});
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (req.method !== 'GET' || url.pathname !== '/callback') return void res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
    const failed = url.searchParams.has('error');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!doctype html><meta charset="utf-8"><title>Gatehouse</title><p>${failed ? 'Sign-in did not complete; see VS Code for why.' : 'Signed in to Gatehouse. You can close this tab and return to VS Code.'}</p>`);
    settle.resolve(url.searchParams);
    close();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const timer = setTimeout(() => fail(new Error(`No sign-in arrived within ${Math.round(opts.timeoutMs / 1000)} s.`)), opts.timeoutMs);
  const onAbort = () => fail(new Error('Sign-in cancelled.'));
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  function fail(e: Error) {
    settle.reject(e);
    close();
  }
  function close() {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    server.close();
    server.closeAllConnections();
  }
  return { redirectUri: `http://127.0.0.1:${port}/callback`, redirect, close };
}
