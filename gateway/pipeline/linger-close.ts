import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/** How long, and how many more body bytes, a refused upload may take to stop after its answer. */
// Bytes: more than loopback and LAN socket buffers hold, so a client that stops once answered is
// always read to its end; time: nginx's lingering_timeout.
export const lingerLimits = { ms: 5_000, bytes: 16 * 1024 * 1024 } as const;

/**
 * Closes a connection answered before its request body was read (413) without resetting it.
 *
 * Closing a socket with unread bytes in its receive buffer makes the kernel send a TCP reset,
 * and a reset makes the client's kernel drop the answer it has not read yet: the client sees
 * ECONNRESET instead of the 413. So, like nginx's lingering close: after the answer, half-close
 * (our FIN follows it) and read and discard what the client still sends, until the client has
 * sent the whole body or closes its side — then close cleanly — or until the limits pass, then
 * close anyway (a client that keeps sending after a 413 may get the reset).
 *
 * Call before the answer is written: node:http closes a `Connection: close` response's socket
 * with socket.destroySoon() when the answer is finished, and this takes that over.
 */
export function lingerClose(req: IncomingMessage, limits: { ms: number; bytes: number } = lingerLimits): void {
  const socket = req.socket as Socket & { destroySoon?: () => void };
  if (req.complete || socket.destroyed) return;
  let discarded = 0;
  let answered = false;
  let bodyDone = false;
  const close = () => socket.destroy();
  const timer = setTimeout(close, limits.ms);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  // The client's FIN: it sends nothing more, nothing unread can be left behind.
  socket.once('end', close);
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > limits.bytes) close();
  });
  req.once('end', () => {
    bodyDone = true;
    if (answered) close();
  });
  req.resume();
  socket.destroySoon = () => {
    answered = true;
    socket.end();
    if (bodyDone) close();
  };
}
