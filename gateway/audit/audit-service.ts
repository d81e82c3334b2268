import { isAbsolute, join, relative, resolve } from 'node:path';
import { recordBodyBytes } from '../config/defaults';
import { GatehouseError } from '../errors';
import type { EventBus } from '../events';
import type { VerifyReport } from '../core/audit/findings';
import type { AuditRecord } from '../generated/audit-record';
import type { Audit } from '../generated/gatehouse.config';
import type { Logger } from '../log';
import type { AuditService, ExchangeRecord } from '../runtime';
import { createAnchorExporter } from './anchor-export';
import { appendedEvent } from './appended-event';
import { AuthFailureSummary } from './auth-failure-summary';
import { keepChainId, newChainId, readKeptChainId } from './chain-id';
import { AuditLogWriter, type RecordFields, type WriterStats } from './log-writer';
import { arrivalFields, outcomeFields } from './record-builder';
import { RecordIndex, matchesQuery, type AuditQuery } from './record-index';
import { pruneSegments } from './retention';
import { loadOrCreateSigningKey, signingKeySource } from './signing-key';
import { createSinkTransport } from './sinks/create-sink';
import { readSecretRef } from './sinks/secret-ref';
import { SinkRunner, type SinkTransport } from './sinks/sink-runner';
import { anchorFileName, verifyAuditDir } from './verify-log';
import { createWitnessExporter, type WitnessExporter } from './witness-export';

export interface AuditDeps {
  dataDir: string;
  log: Logger;
  events: EventBus;
  /** Folder relative paths in the config (anchorFile, secret files, CA files) are resolved against. Default: dataDir. */
  configDir?: string;
  /** Sinks the gateway adds itself (the fleet's audit index), run like configured ones; `transport` gets `<dataDir>/audit`. */
  extraSinks?: { name: string; transport: (auditDir: string) => SinkTransport; minIntervalMs?: number }[];
}

/** The audit service plus what the admin API, the CLI and metrics need. */
export interface AuditServiceImpl extends AuditService {
  /** Writes the outcome record; resolves when durable, rejects with 503 ERR_AUDIT_UNAVAILABLE (the failure is logged). */
  outcome(x: ExchangeRecord): Promise<void>;
  /** `GET /admin/audit`: records matching the filters, ascending by seq. */
  query(filter: AuditQuery): Promise<AuditRecord[]>;
  /** `GET /admin/audit/{id}`. */
  get(id: string): Promise<AuditRecord | undefined>;
  /** `GET /admin/audit/verify`: verifies the durable log with the data dir's keys and anchor. */
  verify(): Promise<VerifyReport>;
  /** Live records (after durability) matching the filter; returns the unsubscribe function. */
  tail(filter: AuditQuery, onRecord: (r: AuditRecord) => void): () => void;
  /** Records each sink is behind, by sink name (for the Prometheus gauge). */
  lag(): Record<string, number>;
  /** Appends any record: approvals, alerts and tests. Resolves when durable. */
  append(fields: RecordFields): Promise<AuditRecord>;
  /** Runs retention now (it also runs at start and hourly). */
  prune(): Promise<string[]>;
  readonly dir: string;
  readonly writer: AuditLogWriter;
  readonly sinks: SinkRunner[];
  stats(): WriterStats & { healthy: boolean };
}

/** The log has been unwritable since `since`; `retry` tries the record that closes it. */
interface Outage {
  since: Date;
  retry: NodeJS.Timeout;
  writing: boolean;
}

const topLevelNoteFields = new Set(['requestId', 'principal', 'model', 'decision', 'approval', 'status', 'errorCode', 'method', 'path', 'upstream', 'endpoint', 'policyVersion', 'source', 'admin']);

/**
 * Opens the audit log under `<dataDir>/audit` (recovering a torn tail, which it records), writes
 * a start checkpoint (so an unwritable log fails the start, not the first request), and starts
 * the sinks, the checkpoint timer and retention.
 */
export async function createAuditService(cfg: Audit | undefined, deps: AuditDeps): Promise<AuditServiceImpl> {
  const c = cfg ?? {};
  const { log, events, dataDir } = deps;
  const configDir = deps.configDir ?? dataDir;
  const dir = join(dataDir, 'audit');
  const maxBodyBytes = recordBodyBytes(c);
  const keySource = signingKeySource(c.signingKey, dataDir, configDir);
  const key = await loadOrCreateSigningKey(keySource, dir);
  if ('file' in keySource && !relative(resolve(dataDir), keySource.file).startsWith('..')) {
    log.warn('audit: the checkpoint signing key is inside the data dir, beside the log: whoever can edit the log can re-sign it. Set audit.signingKey to a file outside it (gatehouse audit rotate-key --new-key FILE), and audit.witness', { file: keySource.file });
  }
  const anchorFiles = [join(dir, anchorFileName)];
  if (c.anchorFile) anchorFiles.push(isAbsolute(c.anchorFile) ? c.anchorFile : resolve(configDir, c.anchorFile));
  const anchors = createAnchorExporter(anchorFiles, log);
  const listeners = new Set<{ filter: AuditQuery; onRecord: (r: AuditRecord) => void }>();
  const sinks: SinkRunner[] = [];
  let index: RecordIndex | undefined;
  let witness: WitnessExporter | undefined;
  let healthy = true;
  let outage: Outage | undefined;
  const outageRetryMs = c.outageRetryMs ?? 5000;

  const keptChainId = await readKeptChainId(dir);
  const { writer, recovered } = await AuditLogWriter.open({
    dir,
    chainId: c.chainId,
    newChainId: keptChainId ?? newChainId(),
    key,
    log,
    segmentMaxBytes: c.segmentMaxBytes ?? 64 * 1024 * 1024,
    segmentMaxAgeMs: (c.segmentMaxAgeSeconds ?? 86_400) * 1000,
    checkpointEveryRecords: c.checkpointEveryRecords ?? 1000,
    checkpointMaxMs: (c.checkpoint?.maxSeconds ?? c.checkpointIntervalSeconds ?? 1) * 1000,
    groupCommitMaxDelayMs: c.groupCommitMaxDelayMs ?? 0,
    preallocate: c.preallocateSegments ?? true,
    onDurable(run) {
      witness?.leaves(run.map((c) => c.leaf));
      index?.add(run);
      for (const { record: r, data } of run) {
        events.emit('audit.appended', appendedEvent(r));
        if (listeners.size === 0) continue;
        // Listeners get the record as the log holds it (NaN as null, no undefined members), as queries and sinks do, not the writer's in-memory copy.
        const written = JSON.parse(data.toString('utf8')) as AuditRecord;
        for (const l of listeners) if (matchesQuery(written, l.filter)) l.onRecord(written);
      }
      for (const s of sinks) s.wake();
    },
    onCheckpoint(anchor) {
      anchors.export(anchor);
      witness?.checkpoint(anchor);
    },
    onFailure(err) {
      healthy = false;
      events.emit('audit.failed', { message: `${(err as NodeJS.ErrnoException).code ?? 'ERROR'}: audit log not writable; requests are refused` });
      // An instance that /readyz took out of rotation gets no requests, so nothing else would
      // try the disk again: retry on a timer with the record that closes the outage.
      // (A new failure before the outage record got through continues the same outage.)
      outage ??= { since: new Date(), retry: setInterval(() => closeOutage(), outageRetryMs).unref(), writing: false };
    },
    onRecovered() {
      healthy = true;
      // A request's record got through first: write the outage record now.
      closeOutage();
    },
  });

  /** Appends the `outage` record (once per outage; a failed try waits for the next tick). */
  function closeOutage(): void {
    const o = outage;
    if (!o || o.writing) return;
    o.writing = true;
    const seconds = Math.round((Date.now() - o.since.getTime()) / 100) / 10;
    writer.append({ kind: 'outage', details: { since: o.since.toISOString(), seconds } }).then(
      () => {
        clearInterval(o.retry);
        if (outage === o) outage = undefined;
        log.info('audit: log writable again; recorded the outage', { since: o.since.toISOString(), seconds });
        events.emit('audit.recovered', { since: o.since.toISOString(), seconds });
      },
      () => {
        o.writing = false;
      },
    );
  }
  if (keptChainId === undefined) await keepChainId(dir, writer.chain);
  const witnessSources = c.witness ? [c.witness.url, c.witness.file && resolve(configDir, c.witness.file)].filter((w): w is string => !!w) : undefined;
  const witnessToken = c.witness?.token ? await readSecretRef(c.witness.token, configDir) : undefined;
  if (c.witness) witness = await createWitnessExporter(c.witness, { auditDir: dir, configDir, log, range: () => writer.durableRange() });
  index = new RecordIndex(dir, c.recentRecords ?? 10_000, () => writer.durablePosition(), c.recentRecordsMaxBytes ?? 64 * 1024 * 1024);

  // The start checkpoint attests the head that start-up recovered (the tail a crash left unattested).
  await writer.checkpoint();
  if (recovered) {
    await writer.append({ kind: 'recovery', recovery: recovered });
    await writer.checkpoint();
    log.warn('audit: recorded torn-line recovery', { ...recovered });
  }

  const startSink = async (name: string, transport: SinkTransport, o: { batchSize?: number; backoffMinMs?: number; backoffMaxMs?: number; minIntervalMs?: number }) => {
    const runner = new SinkRunner(transport, {
      name, dir, durable: () => writer.durablePosition(), batchSize: o.batchSize ?? 500,
      backoffMinMs: o.backoffMinMs ?? 500, backoffMaxMs: o.backoffMaxMs ?? 30_000, minIntervalMs: o.minIntervalMs ?? 0, log, events,
    });
    sinks.push(runner);
    await runner.start();
  };
  for (const s of c.sinks ?? []) await startSink(s.name, await createSinkTransport(s, configDir), s);
  // The fleet's index catches up within seconds of PostgreSQL coming back.
  for (const s of deps.extraSinks ?? []) await startSink(s.name, s.transport(dir), { backoffMaxMs: 2000, minIntervalMs: s.minIntervalMs });

  const timers: NodeJS.Timeout[] = [];
  const neededFrom = () => Object.fromEntries(sinks.map((s) => [s.name, s.neededSegment()]));
  const prune = () => (c.retentionDays ? pruneSegments(dir, c.retentionDays, log, { neededFrom: neededFrom() }) : Promise.resolve([]));
  if (c.retentionDays) {
    await prune().catch((err: Error) => log.warn('audit: retention failed', { message: err.message }));
    timers.push(setInterval(() => void prune().catch((err: Error) => log.warn('audit: retention failed', { message: err.message })), 3_600_000).unref());
  }

  const unavailable = (err: unknown) =>
    new GatehouseError(503, 'ERR_AUDIT_UNAVAILABLE', 'The audit log cannot be written; the request was not forwarded.', { cause: err, headers: { 'retry-after': '1' } });
  // Exchanges whose arrival is durable, by request id, until their outcome is written: their end is
  // an `outcome`; the others get one combined record. Ids in sets, not the exchanges in a WeakSet:
  // each entry of a weak collection is an ephemeron that every scavenge has to process, one per
  // request in flight or dead and not yet collected (the same cost that removing the prompt's
  // WeakMap entries took off proxy only, core/prompt-text.ts). `arriving` holds the arrivals being
  // written, so an outcome written first (the client left while its arrival synced) keeps a late
  // one out: each exchange's outcome is written once (pipeline/record-outcome.ts) and takes its id
  // out of both.
  const arriving = new Set<string>();
  const arrived = new Set<string>();
  const authFailures = new AuthFailureSummary({
    perSource: c.authFailureRecords?.perSource ?? 10,
    intervalMs: (c.authFailureRecords?.intervalSeconds ?? 10) * 1000,
    maxSources: c.authFailureRecords?.maxSources ?? 10_000,
    append: (fields) => writer.append(fields),
  });
  /**
   * Writes a refusal's record, or counts a 401 into its source's summary once over the limit.
   * (Malformed HTTP keeps a record each: the connection closes after it, so each costs a new one.)
   */
  function writeRefusal(fields: RecordFields, source: string | undefined): Promise<unknown> {
    const summarized = fields.status === 401 ? authFailures.admit(source ?? 'unknown', fields.errorCode) : undefined;
    return summarized ?? writer.append(fields);
  }

  return {
    dir,
    writer,
    sinks,
    arrival(x) {
      arriving.add(x.id);
      return writer.append(arrivalFields(x, maxBodyBytes)).then(
        () => {
          if (arriving.delete(x.id)) arrived.add(x.id);
        },
        (err) => {
          arriving.delete(x.id);
          throw unavailable(err);
        },
      );
    },
    outcome(x) {
      // The pipeline calls this once per exchange (pipeline/record-outcome.ts). A request refused
      // before its arrival record gets one combined record (a 401 may be counted into its source's summary).
      arriving.delete(x.id);
      const fields = outcomeFields(x, maxBodyBytes, arrived.delete(x.id));
      const written = fields.kind === 'outcome' ? writer.append(fields) : writeRefusal(fields, x.req.socket?.remoteAddress);
      return written.then(
        () => undefined,
        (err: Error) => {
          log.error('audit: outcome not recorded', { requestId: x.id, message: err.message });
          throw unavailable(err);
        },
      );
    },
    rejected(fields) {
      const { kind = 'rejected', ...rest } = fields;
      return writeRefusal({ kind, ...rest }, fields.source).then(
        () => undefined,
        (err) => {
          throw unavailable(err);
        },
      );
    },
    async note(kind, fields) {
      const record: Record<string, unknown> = { kind };
      const details: Record<string, unknown> = {};
      // A principal given as a bare subject (alerts) is not the record's principal object: it stays a detail.
      for (const [k, v] of Object.entries(fields)) (topLevelNoteFields.has(k) && !(k === 'principal' && typeof v !== 'object') ? record : details)[k] = v;
      if (Object.keys(details).length) record.details = details;
      await writer.append(record as RecordFields).catch((err) => {
        throw unavailable(err);
      });
    },
    append: (fields) => writer.append(fields),
    query: (filter) => index!.query(filter),
    get: (id) => index!.get(id),
    // With audit.witness, also what the witness holds (as `verify --witness` does for one source).
    verify: () => verifyAuditDir(dir, { limit: () => writer.durablePosition(), witness: witnessSources, witnessToken, unreadableWitnessIsFinding: true }),
    tail(filter, onRecord) {
      const l = { filter, onRecord };
      listeners.add(l);
      return () => listeners.delete(l);
    },
    lag: () => Object.fromEntries(sinks.map((s) => [s.name, s.lag()])),
    resetSink: async (name) => sinks.find((s) => s.name === name)?.reset(),
    prune,
    stats: () => ({ ...writer.stats, healthy }),
    async close() {
      for (const t of timers) clearInterval(t);
      await authFailures.close();
      if (outage) clearInterval(outage.retry);
      await writer.close();
      await anchors.flush();
      await witness?.close();
      await Promise.all(sinks.map((s) => s.stop()));
    },
  };
}
