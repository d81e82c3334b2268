import type { ServerResponse } from 'node:http';
import type { Exchange } from './exchange';

/**
 * Writes a relayed body to the client with as few syscalls as the stream allows, and counts it:
 * x.outcome.firstByteMs, responseBytes (handed to the response) and deliveredBytes (accepted by
 * the client's connection). Backpressure: `write` returns false while the client's socket is
 * full; `onDrain` is called when it has room again.
 */
export class ClientBodyWriter {
  // Chunks that arrive in one read from the upstream (an SSE burst: a chunk per event) leave in one
  // res.write at the end of this tick: each chunked res.write costs its own framing and iovecs.
  // The first in a field, more (rare) in a list made for them: a slow stream's writer keeps the
  // same fields from event to event instead of a new list per event, which would live until the
  // next event, seconds later, be promoted by the collector and die in old space.
  private first: Buffer | undefined;
  private more: Buffer[] | undefined;
  private pendingBytes = 0;
  private flushQueued = false;
  private waitingForDrain = false;
  /** The body's last byte, held back (see `holdLastByte`). */
  private held: Buffer | undefined;
  // What the client's connection accepted: writes complete in order, so one callback and the sizes
  // of the writes in flight, oldest first: the oldest in a field (a stream has one in flight at a
  // time), the rest in a list made when a write is issued before the one before it completed.
  private writesInFlight = 0;
  private oldestWriting = 0;
  private laterWriting: number[] | undefined;
  private readonly onWritten = (err?: Error | null) => {
    const n = this.oldestWriting;
    this.writesInFlight--;
    if (this.laterWriting) {
      this.oldestWriting = this.laterWriting.shift()!;
      if (this.laterWriting.length === 0) this.laterWriting = undefined;
    }
    if (!err) this.x.outcome.deliveredBytes! += n;
  };

  /**
   * @param holdLastByte With a Content-Length the client sees the response complete at its last
   *   byte, not at res.end(): that byte is held back until `end` (after the outcome record is durable).
   * @param firstAtOnce The first bytes go to the kernel as they are written, not at the end of the
   *   tick (see `write`): for a stream whose chunks pass response steps.
   */
  constructor(
    private readonly x: Exchange,
    private readonly res: ServerResponse,
    private readonly holdLastByte: boolean,
    private readonly onDrain: () => void,
    private readonly firstAtOnce = false,
  ) {
    x.outcome.deliveredBytes = 0;
  }

  /** Queues a chunk for this tick's write; false while the client's socket is full. */
  write(chunk: Buffer): boolean {
    if (chunk.length === 0) return !this.waitingForDrain;
    const outcome = this.x.outcome;
    const first = outcome.firstByteMs === undefined;
    if (first) outcome.firstByteMs = Number(process.hrtime.bigint() - this.x.startNs) / 1e6;
    outcome.responseBytes += chunk.length;
    if (this.holdLastByte) {
      if (this.held) this.queue(this.held);
      this.held = chunk.subarray(chunk.length - 1);
      chunk = chunk.subarray(0, chunk.length - 1);
    }
    if (chunk.length > 0) this.queue(chunk);
    // A stream's first event leaves now: when several events came in one read (an upstream ahead
    // of its client), the response steps go through the others before this tick ends, and the
    // first would wait for all of them. res.write corks the socket until the next tick: uncorked
    // here, the headers and the first event are handed to the kernel at once. One write more per
    // response only when its first read held more than one chunk.
    if (first && this.firstAtOnce && this.pendingBytes > 0) {
      this.flush();
      const socket = this.res.socket;
      if (socket && socket.writableCorked > 0) socket.uncork();
      return !this.waitingForDrain;
    }
    if (!this.flushQueued) {
      this.flushQueued = true;
      process.nextTick(flushWriter, this);
    }
    return !this.waitingForDrain;
  }

  /** Writes what is queued now. */
  flush(): void {
    this.flushQueued = false;
    const { res } = this;
    if (this.pendingBytes === 0 || res.destroyed) return;
    const out = this.more ? Buffer.concat([this.first!, ...this.more], this.pendingBytes) : this.first!;
    this.first = this.more = undefined;
    this.pendingBytes = 0;
    if (this.writesInFlight++ === 0) this.oldestWriting = out.length;
    else (this.laterWriting ??= []).push(out.length);
    if (!res.write(out, this.onWritten) && !this.waitingForDrain) {
      this.waitingForDrain = true;
      // Made when needed, not kept per response: few responses ever wait for the client.
      res.once('drain', () => {
        this.waitingForDrain = false;
        this.onDrain();
      });
    }
  }

  /** Ends the response, with the held-back last byte. */
  end(): void {
    this.res.end(this.held);
  }

  private queue(chunk: Buffer): void {
    if (this.first === undefined) this.first = chunk;
    else (this.more ??= []).push(chunk);
    this.pendingBytes += chunk.length;
  }
}

/** This tick's write of a writer (a function with an argument, not a closure kept per response). */
function flushWriter(writer: ClientBodyWriter): void {
  writer.flush();
}
