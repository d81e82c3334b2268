import type { EventBus, GatewayEvents } from '../events';
import type { Rule } from '../generated/alert-rules';
import type { Logger } from '../log';
import { compileDetector, type Detector, type Finding, type SeenRequest } from './alert-detectors';
import type { AlertFiring } from './alert-firing';

export const defaultRequestKinds = ['arrival', 'denied', 'error'];

export interface AlertEvaluatorDeps {
  events: EventBus;
  log: Logger;
  /**
   * Fires what the rules find (alert-firing.ts): a rule that fired for a key stays quiet for its
   * cooldown, here and, with the fleet's claim, on every instance. In a fleet every instance sees
   * every instance's records (the event fan-out), so each evaluates the fleet-wide window and the
   * claim makes one incident one alert.
   */
  firing: AlertFiring;
  /** The running policy's alert rules (spec.alerts); read on every signal, recompiled when the array changes. */
  getRules: () => readonly Rule[] | undefined;
  /** Wall clock in ms (tests step it through windows). */
  now?: () => number;
  /**
   * Audit record kinds of which each request writes exactly one. Default: arrival (forwarded
   * requests), denied and error (refused before forwarding) — the audit log's records, where an
   * outcome follows its arrival and is not counted again.
   */
  requestKinds?: string[];
}

export interface AlertEvaluator {
  close(): void;
}

/**
 * Watches the event bus (audit.appended, approval.requested/resolved, audit.failed,
 * sink.failed), runs the policy's alert rules and fires `alert.fired` plus an `alert` audit
 * record. A rule that fired for a key (principal, sink) stays quiet for its cooldown, so one
 * incident is one alert. State is per rule and principal, pruned when idle.
 */
export function createAlertEvaluator(deps: AlertEvaluatorDeps): AlertEvaluator {
  const { events, log } = deps;
  const now = deps.now ?? Date.now;
  const requestKinds = new Set(deps.requestKinds ?? defaultRequestKinds);
  const approvalPrincipals = new Map<string, string>();
  let compiledFrom: readonly Rule[] | undefined;
  let detectors: Detector[] = [];

  /** Detectors of the running rules; a rule whose definition did not change keeps its state. */
  function current(): Detector[] {
    const rules = deps.getRules();
    if (rules === compiledFrom) return detectors;
    const previous = new Map(detectors.map((d) => [JSON.stringify(d.rule), d]));
    const next: Detector[] = [];
    for (const rule of rules ?? []) {
      try {
        next.push(previous.get(JSON.stringify(rule)) ?? compileDetector(rule));
      } catch (err) {
        log.error('alert rule not usable', { rule: rule.id, error: String(err) });
      }
    }
    compiledFrom = rules;
    detectors = next;
    return detectors;
  }

  function fire(d: Detector, f: Finding | undefined): void {
    if (!f) return;
    const at = now();
    deps.firing.fire(
      { rule: d.rule.id, severity: d.severity, message: f.message, ...(f.principal !== undefined ? { principal: f.principal } : {}), ...(f.details ? { details: f.details } : {}) },
      { key: `${d.rule.id}\u0000${f.key}`, fromMs: at, untilMs: at + d.cooldownMs },
    );
  }

  function onRecord(e: GatewayEvents['audit.appended']): void {
    if (e.decision === undefined || e.principal === undefined) return;
    if (!requestKinds.has(e.kind)) return;
    const list = current();
    if (list.length === 0) return;
    const r: SeenRequest = { principal: e.principal, decision: e.decision, ...(e.model !== undefined ? { model: e.model } : {}) };
    const t = now();
    for (const d of list) if (d.request) fire(d, d.request(r, t));
  }

  const offs = [
    events.on('audit.appended', onRecord),
    events.on('approval.requested', (e) => {
      approvalPrincipals.set(e.id, e.principal);
      if (approvalPrincipals.size > 100_000) approvalPrincipals.delete(approvalPrincipals.keys().next().value as string);
    }),
    events.on('approval.resolved', (e) => {
      const principal = approvalPrincipals.get(e.id);
      approvalPrincipals.delete(e.id);
      if (e.state !== 'timeout' || principal === undefined) return;
      const t = now();
      for (const d of current()) if (d.approvalTimeout) fire(d, d.approvalTimeout(principal, t));
    }),
    events.on('audit.failed', (e) => {
      for (const d of current()) if (d.auditFailure) fire(d, d.auditFailure(e.message));
    }),
    events.on('sink.failed', (e) => {
      for (const d of current()) if (d.sinkFailure) fire(d, d.sinkFailure(e.sink, e.message));
    }),
  ];

  const sweep = setInterval(() => {
    const t = now();
    for (const d of detectors) d.prune?.(t);
  }, 60_000);
  sweep.unref();

  return {
    close() {
      clearInterval(sweep);
      for (const off of offs) off();
    },
  };
}
