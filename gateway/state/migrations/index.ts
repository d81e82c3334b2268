import instances from './001_instances.sql';
import counters from './002_counters.sql';
import auditIndex from './003_audit_index.sql';
import approvals from './004_approvals.sql';
import alertClaims from './005_alert_claims.sql';
import webhookQueue from './006_webhook_queue.sql';
import instanceReadiness from './007_instance_readiness.sql';
import admitBatch from './008_admit_batch.sql';
import slotLeases from './009_slot_leases.sql';
import admitAllOrNothing from './010_admit_all_or_nothing.sql';
import admitBatchPlainVariables from './011_admit_batch_plain_variables.sql';
import admitBatchSettlements from './012_admit_batch_settlements.sql';
import admitBatch009LockOrder from './013_admit_batch_009_lock_order.sql';

/**
 * The schema's versions, in order. Never edit a migration that has shipped: add the next file
 * (`NNN_what.sql`) and list it here. Each runs once, in one transaction, with the schema as its
 * search_path (write unqualified names).
 */
export const migrations: readonly { version: number; name: string; sql: string }[] = [
  { version: 1, name: 'instances', sql: instances },
  { version: 2, name: 'counters', sql: counters },
  { version: 3, name: 'audit index', sql: auditIndex },
  { version: 4, name: 'approvals, grants', sql: approvals },
  { version: 5, name: 'alert claims', sql: alertClaims },
  { version: 6, name: 'webhook queue', sql: webhookQueue },
  { version: 7, name: 'instance readiness', sql: instanceReadiness },
  { version: 8, name: 'admissions in batches', sql: admitBatch },
  { version: 9, name: 'a row per concurrency slot', sql: slotLeases },
  { version: 10, name: 'all of a request\'s limits in one admission', sql: admitAllOrNothing },
  { version: 11, name: 'admit_batch on plain variables', sql: admitBatchPlainVariables },
  { version: 12, name: 'settlements in admit_batch', sql: admitBatchSettlements },
  { version: 13, name: "009's admit_batch in the global lock order", sql: admitBatch009LockOrder },
];

export const latestVersion = migrations[migrations.length - 1].version;
