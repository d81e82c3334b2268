import { clientAddress, compileTrustedProxies } from '../core/client-address';
import type { Runtime } from '../runtime';
import type { Stage } from './exchange';

/**
 * Stage: find the client's address, for the audit record and the upstream's X-Forwarded-For.
 * Rules: the connection's peer, unless it is one of `server.trustedProxies`: then its
 * X-Forwarded-For is believed hop by hop from the right (core/client-address.ts). A caller's own
 * X-Forwarded-For, Forwarded or X-Real-IP never reaches the upstream. A bad trustedProxies entry
 * fails at start.
 */
export function resolveClientAddress(rt: Runtime): Stage {
  const trusted = compileTrustedProxies(rt.config.server?.trustedProxies ?? []);
  return (x) => {
    const peer = x.req.socket.remoteAddress;
    if (peer !== undefined) x.clientAddress = clientAddress(peer, x.req.headers['x-forwarded-for'], trusted);
  };
}
