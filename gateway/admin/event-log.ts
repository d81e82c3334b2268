import { randomBytes } from 'node:crypto';
import type { EventBus, GatewayEventName } from '../events';

/** The bus events the admin stream carries. */
export const streamedEvents = [
  'audit.appended',
  'approval.requested',
  'approval.resolved',
  'alert.fired',
  'policy.reloaded',
  'policy.reload_failed',
  'audit.failed',
  'audit.recovered',
  'sink.failed',
  'instance.changed',
] as const satisfies readonly GatewayEventName[];

export interface LoggedEvent {
  seq: number;
  name: GatewayEventName;
  payload: unknown;
  /** JSON of the payload, made on first send and shared by every client. */
  data?: string;
}

export type Resume =
  | { kind: 'live' }
  | { kind: 'resume'; events: LoggedEvent[] }
  | { kind: 'gap'; reason: 'restarted' | 'evicted' | 'malformed'; events: LoggedEvent[] };

/**
 * A bounded ring of the last `capacity` bus events with ids `<boot>-<seq>`, so an admin client
 * that reconnects with Last-Event-ID gets exactly what it missed. The boot id tells a
 * restarted gateway's ids from the old ones. Payloads are serialized lazily, once.
 */
export class EventLog {
  readonly bootId = randomBytes(4).toString('hex');
  private readonly ring: (LoggedEvent | undefined)[];
  private nextSeq = 1;
  private readonly subscribers = new Set<(e: LoggedEvent) => void>();
  private readonly offs: (() => void)[];

  constructor(events: EventBus, readonly capacity = 10_000) {
    this.ring = new Array(capacity);
    this.offs = streamedEvents.map((name) => events.on(name, (payload) => this.push(name, payload)));
  }

  idOf(e: LoggedEvent): string {
    return `${this.bootId}-${e.seq}`;
  }

  dataOf(e: LoggedEvent): string {
    return (e.data ??= JSON.stringify(e.payload));
  }

  subscribe(fn: (e: LoggedEvent) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  /** What a client reconnecting with this Last-Event-ID missed. */
  resume(lastEventId: string | undefined): Resume {
    if (!lastEventId) return { kind: 'live' };
    const m = /^([0-9a-f]+)-(\d+)$/.exec(lastEventId);
    if (!m) return { kind: 'gap', reason: 'malformed', events: this.since(0) };
    if (m[1] !== this.bootId) return { kind: 'gap', reason: 'restarted', events: this.since(0) };
    const seq = Number(m[2]);
    if (seq < this.oldestSeq() - 1) return { kind: 'gap', reason: 'evicted', events: this.since(0) };
    return { kind: 'resume', events: this.since(seq) };
  }

  close(): void {
    for (const off of this.offs) off();
    this.subscribers.clear();
  }

  private oldestSeq(): number {
    return Math.max(1, this.nextSeq - this.capacity);
  }

  private since(seq: number): LoggedEvent[] {
    const out: LoggedEvent[] = [];
    for (let s = Math.max(seq + 1, this.oldestSeq()); s < this.nextSeq; s++) out.push(this.ring[s % this.capacity]!);
    return out;
  }

  private push(name: GatewayEventName, payload: unknown): void {
    const e: LoggedEvent = { seq: this.nextSeq++, name, payload };
    this.ring[e.seq % this.capacity] = e;
    for (const fn of this.subscribers) fn(e);
  }
}
