import type { ApprovalState } from '../core/admin-api';
import type { ApprovalRecord } from '../core/approvals/approval-record';
import type { ApprovalEvent, ApprovalStep } from '../core/approvals/approval-rules';

/**
 * Where approvals live while pending and, for a while, once settled (the admin API's 409/410
 * answers and history). One instance's memory by default (`memory-approval-store.ts`); a
 * fleet shares one store, so a decision posted to any instance applies to the same record.
 *
 * Every change goes through `apply`, which runs the core rules (`core/approvals/approval-rules.ts`)
 * on the record as the store holds it and writes the result only if nobody changed the record
 * meanwhile (compare-and-set on `revision`; retry on a lost race, re-running the rules). So of
 * two decisions racing anywhere, exactly one is applied and the other is refused by the rules
 * (409 already decided), and a vote short of quorum is never lost.
 *
 * Contract: test/contract/approval-store.ts. Records come out as copies (changing one
 * changes nothing stored); `create` takes ownership of the record it is given (the caller does
 * not change it afterwards), so one held request keeps one copy in a one-process store.
 */
export interface ApprovalStore {
  /** Adds a new pending approval. Rejects when its id exists. */
  create(record: ApprovalRecord): Promise<void>;
  /** A pending approval, or a settled one while remembered. */
  get(id: string): Promise<ApprovalRecord | undefined>;
  /** Approvals in a state ('all': every one it has), oldest request first. */
  list(state: ApprovalState | 'all'): Promise<ApprovalRecord[]>;
  /** Applies one event atomically with the core rules; `not_found` when there is no such record. */
  apply(id: string, event: ApprovalEvent): Promise<ApprovalStep>;
  /** Marks abandoned every pending approval held by `holder` (an instance that is gone); returns them. */
  abandonHeldBy(holder: string, at: number): Promise<ApprovalRecord[]>;
  /**
   * Tells the instance holding the caller's connection that a decision settled its approval, on
   * whichever instance the decision was made: `failure` when the decision could not be made
   * durable (the held request then fails closed instead of proceeding). A fleet carries it
   * between instances (e.g. PostgreSQL NOTIFY); listeners on every instance receive it, the
   * publishing one's before `publishDecided` resolves. At least once: a fleet store that may
   * have missed some (a dropped LISTEN connection) delivers again the decisions of records this
   * instance holds; a second delivery is harmless (a held request is released once).
   */
  publishDecided(record: ApprovalRecord, failure?: Error): Promise<void>;
  /** Subscribes to `publishDecided` from every instance; returns the unsubscribe function. */
  onDecided(listener: (record: ApprovalRecord, failure?: Error) => void): () => void;
  close(): Promise<void>;
}
