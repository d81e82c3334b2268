import type { EventBus } from '../../gateway/events';
import type { VerifyReport } from '../../gateway/core/admin-api';
import type { AuditService } from '../../gateway/runtime';

export interface NotedRecord {
  id: string;
  seq: number;
  kind: string;
  fields: Record<string, unknown>;
}

/**
 * An in-memory AuditService for unit tests of the areas that only write notes (approvals,
 * alerts): records every note and publishes `audit.appended` like the real log does.
 * `failWith` makes the next notes reject, to test fail-closed paths. It keeps notes, not chained
 * records, so the reader's side finds nothing (and a restart restores no grants).
 */
export class RecordingAudit implements AuditService {
  readonly records: NotedRecord[] = [];
  failWith: Error | undefined;
  private seq = 0;

  constructor(private readonly events?: EventBus) {}

  async arrival(): Promise<void> {}
  outcome(): void {}
  async rejected(): Promise<void> {}

  async note(kind: string, fields: Record<string, unknown>): Promise<void> {
    if (this.failWith) throw this.failWith;
    const record = { id: `rec_${++this.seq}`, seq: this.seq, kind, fields };
    this.records.push(record);
    this.events?.emit('audit.appended', { id: record.id, seq: record.seq, kind });
  }

  kinds(): string[] {
    return this.records.map((r) => r.kind);
  }

  ofKind(kind: string): NotedRecord[] {
    return this.records.filter((r) => r.kind === kind);
  }

  async query(): Promise<never[]> {
    return [];
  }

  async get(): Promise<undefined> {
    return undefined;
  }

  async verify(): Promise<VerifyReport> {
    return { records: { total: 0, valid: 0 }, checkpoints: { total: 0, valid: 0 }, findings: [] };
  }

  lag(): Record<string, number> {
    return {};
  }

  async resetSink(): Promise<undefined> {
    return undefined;
  }

  stats() {
    return { records: this.records.length, syncs: 0, bytes: 0, failures: 0 };
  }

  async close(): Promise<void> {}
}
