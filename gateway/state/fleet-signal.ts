import { randomUUID } from 'node:crypto';
import type { PostgresState } from './postgres-state';
import { PgListener } from './pg-listener';

/**
 * A signal to the other instances of the fleet (e.g. "reload your policy"): a NOTIFY on the
 * topic's channel that every instance but the sender hears.
 */
export class FleetSignal {
  private readonly origin = randomUUID();
  private readonly channel: string;
  private readonly handlers = new Set<() => void>();

  private constructor(private readonly pg: PostgresState, topic: string) {
    this.channel = PgListener.channel(pg.schema, topic);
  }

  static async open(pg: PostgresState, listener: PgListener, topic: string): Promise<FleetSignal> {
    const signal = new FleetSignal(pg, topic);
    await listener.listen(signal.channel, (origin) => {
      if (origin !== signal.origin) for (const h of signal.handlers) h();
    });
    return signal;
  }

  async send(): Promise<void> {
    await this.pg.query('SELECT pg_notify($1, $2)', [this.channel, this.origin]);
  }

  on(handler: () => void): void {
    this.handlers.add(handler);
  }
}
