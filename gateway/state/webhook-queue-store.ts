/**
 * The alert webhooks' retry queue, kept where it survives a restart (embedded: a file in the data
 * dir; a fleet: a PostgreSQL table every instance delivers from). A channel is one webhook: its
 * deliveries go out in the order they were queued, the next one only once the head is delivered
 * or given up on, so a receiver never sees a newer alert before an older one.
 *
 * Times are epoch milliseconds given by the caller. An instance claims the due heads for a lease;
 * one that dies mid-delivery loses its lease and the entry becomes claimable again, so nothing
 * queued is lost (a receiver drops a repeat by its x-gatehouse-alert-id).
 */
export interface WebhookQueueStore {
  /**
   * Queues one delivery at the tail of its channel, due at `dueMs`. Returns what a bounded store
   * that was full dropped to make room (its oldest entries); the caller reports them as given up.
   */
  enqueue(entry: { channel: string; alertId: string; body: string }, dueMs: number): Promise<QueuedDelivery[]>;
  /**
   * Claims, of the channels named, each head that is due and not claimed by a live lease, until
   * `nowMs + leaseMs`; its `attempts` count this attempt. Two instances never claim one entry.
   */
  claim(channels: readonly string[], nowMs: number, leaseMs: number): Promise<ClaimedDelivery[]>;
  /** Delivered or given up on: removes it. False when the claim had lapsed (another instance may hold it). */
  remove(claimed: ClaimedDelivery): Promise<boolean>;
  /** Failed, to be retried at `dueMs`: keeps it at the head of its channel and lets the claim go. */
  retryAt(claimed: ClaimedDelivery, dueMs: number): Promise<boolean>;
  /** When the earliest head of the channels named becomes claimable (its due time or lease end); undefined when none is queued. */
  nextDueMs(channels: readonly string[]): Promise<number | undefined>;
  /**
   * Removes and returns the entries of webhooks no longer configured: those of the channels not in
   * `configured` that no instance delivers. A store only this instance uses removes all of them. A
   * shared one removes a channel's entries only once its head has been claimable for `staleMs`
   * unclaimed (an instance that still has the webhook, e.g. one not yet given the new config in a
   * rolling change, claims or reschedules its head well within that).
   */
  removeOrphans(configured: readonly string[], nowMs: number, staleMs: number): Promise<QueuedDelivery[]>;
  /**
   * Calls `handler` when another instance queued or rescheduled an entry, or when what others
   * told this one may have been missed (a reconnect): look again now, not at the next poll.
   * A store that only this instance uses never calls it.
   */
  onChanged(handler: () => void): void;
  close(): Promise<void>;
}

export interface QueuedDelivery {
  id: string;
  channel: string;
  alertId: string;
  /** The request body as it is posted (the webhook's format). */
  body: string;
  /** Attempts made so far. */
  attempts: number;
  dueMs: number;
}

export interface ClaimedDelivery extends QueuedDelivery {
  /** Names this claim: a lapsed claim cannot remove or reschedule what another instance took since. */
  claim: string;
}
