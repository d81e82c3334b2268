import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { CellCounter, CellHistogram, type CounterCell } from './metric-cells';
import type { DataPathMetrics } from '../runtime';

/**
 * Prometheus metrics of one gateway instance (its own registry, so several gateways in one test
 * process do not share counters). Labels are low-cardinality: endpoint kind and status class,
 * upstream and model for tokens and cost, never principals. The data path sees only `DataPathMetrics` (runtime.ts).
 */
export interface GatewayMetrics extends DataPathMetrics {
  registry: Registry;
  requests: CellCounter<'endpoint' | 'status'>;
  duration: CellHistogram<'endpoint'>;
  upstreamErrors: Counter<'upstream' | 'code'>;
  /** Tokens by direction (input, output), model and upstream: never by caller. */
  tokens: CellCounter<'direction' | 'model' | 'upstream'>;
  cost: CellCounter<'currency' | 'model' | 'upstream'>;
  /** Exchanges with usage but no price for their model (cost left out, never guessed). */
  unpriced: CellCounter<'upstream'>;
  /** Alert webhook deliveries given up on (attempts exhausted, refused, or dropped from a full queue). */
  webhookGivenUp: Counter<'webhook'>;
}

export function createMetrics(): GatewayMetrics {
  const registry = new Registry();
  // A 10 ms event-loop-delay timer (prom-client's default) wakes an idle gateway 100 times a second;
  // 100 ms still catches every stall worth an alert and lets a laptop's CPU sleep.
  collectDefaultMetrics({ register: registry, prefix: 'gatehouse_process_', eventLoopMonitoringPrecision: 100 });
  // Counted per request: in cells (metric-cells.ts), each label set's found once.
  const requests = new CellCounter({ name: 'gatehouse_requests_total', help: 'Requests answered, by endpoint kind and status code.', labelNames: ['endpoint', 'status'] as const, registers: [registry] });
  const requestCells = new Map<string, Map<number, CounterCell>>();
  const duration = new CellHistogram({
    name: 'gatehouse_request_duration_seconds',
    help: 'Time from arrival to the end of the response.',
    labelNames: ['endpoint'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry],
  });
  const upstreamErrors = new Counter({ name: 'gatehouse_upstream_errors_total', help: 'Upstream failures, by upstream and error code.', labelNames: ['upstream', 'code'] as const, registers: [registry] });
  return {
    registry,
    requests,
    duration,
    upstreamErrors,
    requestEnded(endpoint, status, seconds) {
      let byStatus = requestCells.get(endpoint);
      if (!byStatus) requestCells.set(endpoint, (byStatus = new Map()));
      let cell = byStatus.get(status);
      if (!cell) byStatus.set(status, (cell = requests.cell({ endpoint, status: String(status) })));
      cell.inc();
      duration.observe(endpoint, seconds);
    },
    upstreamFailed: (upstream, code) => upstreamErrors.inc({ upstream, code }),
    tokens: new CellCounter({ name: 'gatehouse_tokens_total', help: 'Tokens of relayed responses (reported by the upstream or counted by the gateway), by direction (input, output), model and upstream.', labelNames: ['direction', 'model', 'upstream'] as const, registers: [registry] }),
    cost: new CellCounter({ name: 'gatehouse_cost_total', help: 'Cost of relayed responses at the configured prices (config pricing), in units of the currency.', labelNames: ['currency', 'model', 'upstream'] as const, registers: [registry] }),
    webhookGivenUp: new Counter({ name: 'gatehouse_alert_webhook_given_up_total', help: 'Alert webhook deliveries given up on: attempts exhausted (alerts.retry.maxAttempts), refused with a 4xx, or dropped from a full retry queue.', labelNames: ['webhook'] as const, registers: [registry] }),
    unpriced: new CellCounter({ name: 'gatehouse_cost_unpriced_total', help: 'Responses with usage whose model has no price (config pricing): their cost is left out, never guessed.', labelNames: ['upstream'] as const, registers: [registry] }),
  };
}

/** What the audit log writer has done so far (monotonic counts). */
export interface AuditWriterCounts {
  records: number;
  syncs: number;
  bytes: number;
  failures: number;
}

/**
 * Gauges read from the services when Prometheus scrapes (nothing is updated per request):
 * requests held for approval, how many records each audit sink is behind, and the audit log's
 * group commit (records per fdatasync is how well it batches).
 */
export function registerServiceGauges(
  metrics: GatewayMetrics,
  read: { pendingApprovals: () => number; sinkLag: () => Record<string, number>; auditWriter: () => AuditWriterCounts | undefined },
): void {
  const writerCounter = (name: string, help: string, field: keyof AuditWriterCounts) =>
    new Counter({
      name,
      help,
      registers: [metrics.registry],
      collect() {
        const counts = read.auditWriter();
        if (counts) this.reset(), this.inc(counts[field]);
      },
    });
  writerCounter('gatehouse_audit_records_total', 'Audit records made durable.', 'records');
  writerCounter('gatehouse_audit_syncs_total', 'fdatasync calls of the audit log (group commit: records ÷ syncs is the batch size).', 'syncs');
  writerCounter('gatehouse_audit_bytes_total', 'Bytes of audit records made durable.', 'bytes');
  writerCounter('gatehouse_audit_write_failures_total', 'Failed audit writes or syncs (each fails its batch closed).', 'failures');
  new Gauge({
    name: 'gatehouse_approvals_pending',
    help: 'Requests held right now, waiting for an approval.',
    registers: [metrics.registry],
    collect() {
      this.set(read.pendingApprovals());
    },
  });
  new Gauge({
    name: 'gatehouse_audit_sink_lag_records',
    help: 'Durable audit records a sink has not yet delivered.',
    labelNames: ['sink'],
    registers: [metrics.registry],
    collect() {
      for (const [sink, lag] of Object.entries(read.sinkLag())) this.set({ sink }, lag);
    },
  });
}
