import { BlockList, isIP } from 'node:net';

/** Whether an address belongs to a trusted proxy. Built once from `server.trustedProxies`. */
export type TrustedProxies = (address: string) => boolean;

/**
 * Compiles a list of addresses and CIDR ranges (`10.0.0.0/8`, `2001:db8::/32`, `192.0.2.7`).
 * Throws naming the first entry that is neither.
 *
 * @example
 * const trusted = compileTrustedProxies(['10.0.0.0/8']);
 * trusted('10.1.2.3')  // => true
 * trusted('192.0.2.1') // => false
 */
export function compileTrustedProxies(entries: readonly string[]): TrustedProxies {
  if (entries.length === 0) return () => false;
  const list = new BlockList();
  for (const entry of entries) {
    const slash = entry.indexOf('/');
    const address = slash === -1 ? entry : entry.slice(0, slash);
    const family = isIP(address);
    const max = family === 6 ? 128 : 32;
    const prefix = slash === -1 ? String(max) : entry.slice(slash + 1);
    const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
    if (family === 0 || !(bits <= max)) throw new Error(`trustedProxies: ${JSON.stringify(entry)} is not an IP address or CIDR range`);
    list.addSubnet(address, bits, family === 6 ? 'ipv6' : 'ipv4');
  }
  return (address) => {
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
}

/**
 * The client's address. The peer of the TCP connection, unless that peer is a trusted proxy:
 * then its X-Forwarded-For is believed from the right, hop by hop, while each hop is trusted;
 * the first address appended by a trusted hop that is not itself trusted is the client. An entry
 * that is not an IP address stops the walk at the hop that sent it (what it claims is not
 * believed). `Forwarded` and `X-Real-IP` are never read.
 *
 * @example
 * const trusted = compileTrustedProxies(['10.0.0.0/8']);
 * clientAddress('10.0.0.2', '198.51.100.7, 10.0.0.9', trusted) // => '198.51.100.7'
 * clientAddress('203.0.113.5', '198.51.100.7', trusted)         // => '203.0.113.5' (peer not trusted)
 */
export function clientAddress(peer: string, forwardedFor: string | string[] | undefined, trusted: TrustedProxies): string {
  let client = unmapped(peer);
  if (forwardedFor === undefined || !trusted(client)) return client;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = unmapped(hops[i]!.trim());
    if (isIP(hop) === 0) return client;
    client = hop;
    if (!trusted(hop)) return client;
  }
  return client;
}

/** `::ffff:192.0.2.1` (an IPv4 peer on a dual-stack socket) is 192.0.2.1. */
function unmapped(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
