import type { ApprovalState } from '../core/admin-api';
import type { ApprovalRecord } from '../core/approvals/approval-record';
import { applyApprovalEvent, type ApprovalEvent, type ApprovalStep } from '../core/approvals/approval-rules';
import type { ApprovalStore } from './approval-store';

type DecidedListener = (record: ApprovalRecord, failure?: Error) => void;

/**
 * Approvals in this process's memory: pending ones until they settle, then the last
 * `historySize` settled ones (oldest forgotten first; 0 keeps none). `apply` reads, runs the
 * rules and writes without yielding, which is what makes it atomic here. Records come out as
 * copies; the rules never change a record, they build the next one.
 */
export class MemoryApprovalStore implements ApprovalStore {
  private readonly pending = new Map<string, ApprovalRecord>();
  /** In the order they settled, so the first key is the one to forget. */
  private readonly settled = new Map<string, ApprovalRecord>();
  private readonly listeners = new Set<DecidedListener>();

  constructor(private readonly historySize = 1000) {}

  async create(record: ApprovalRecord): Promise<void> {
    if (this.find(record.id)) throw new Error(`approval ${record.id} exists`);
    // Kept as given, not copied: thousands may wait at once (see approval-store.ts on ownership).
    this.write(record);
  }

  async get(id: string): Promise<ApprovalRecord | undefined> {
    const record = this.find(id);
    return record && structuredClone(record);
  }

  async list(state: ApprovalState | 'all'): Promise<ApprovalRecord[]> {
    const out: ApprovalRecord[] = [];
    if (state === 'pending' || state === 'all') out.push(...this.pending.values());
    if (state !== 'pending') for (const r of this.settled.values()) if (state === 'all' || r.state === state) out.push(r);
    return structuredClone(out).sort((a, b) => a.requestedAt - b.requestedAt);
  }

  async apply(id: string, event: ApprovalEvent): Promise<ApprovalStep> {
    const current = this.find(id);
    if (!current) return { ok: false, refusal: { code: 'not_found' } };
    const step = applyApprovalEvent(current, event);
    if (step.ok) this.write(step.record);
    return structuredClone(step);
  }

  async abandonHeldBy(holder: string, at: number): Promise<ApprovalRecord[]> {
    const out: ApprovalRecord[] = [];
    for (const r of [...this.pending.values()]) {
      if (r.holder !== holder) continue;
      const step = await this.apply(r.id, { kind: 'abandon', at });
      if (step.ok) out.push(step.record);
    }
    return out;
  }

  async publishDecided(record: ApprovalRecord, failure?: Error): Promise<void> {
    for (const listener of [...this.listeners]) listener(structuredClone(record), failure);
  }

  onDecided(listener: DecidedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  private find(id: string): ApprovalRecord | undefined {
    return this.pending.get(id) ?? this.settled.get(id);
  }

  private write(record: ApprovalRecord): void {
    if (record.state === 'pending') {
      this.pending.set(record.id, record);
      return;
    }
    this.pending.delete(record.id);
    if (this.historySize === 0) return;
    this.settled.set(record.id, record);
    if (this.settled.size > this.historySize) this.settled.delete(this.settled.keys().next().value as string);
  }
}
