import * as net from 'node:net';

/**
 * Whether `host:port` can be listened on now (a short-lived probe). A launcher uses it to keep the
 * config's ports when it can and to fall back to a free one, saying so, when another process holds them.
 */
export function canListen(host: string, port: number): Promise<boolean> {
  if (port === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}
