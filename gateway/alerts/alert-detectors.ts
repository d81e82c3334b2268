import type { Rule, Severity } from '../generated/alert-rules';
import { compileGlobs } from '../core/glob';
import { RecentTimes } from './recent-times';
import { VolumeTracker } from './volume-tracker';

/** A request as the audit log reported it (one per request). */
export interface SeenRequest {
  principal: string;
  decision: string;
  model?: string;
}

/** A detector's finding: `key` scopes the cooldown (a principal, a sink). */
export interface Finding {
  key: string;
  message: string;
  principal?: string;
  details?: Record<string, unknown>;
}

/** One compiled alert rule: it reacts to some of the signals and says when it fires. */
export interface Detector {
  readonly rule: Rule;
  readonly severity: Severity;
  readonly cooldownMs: number;
  request?(r: SeenRequest, now: number): Finding | undefined;
  approvalTimeout?(principal: string, now: number): Finding | undefined;
  auditFailure?(message: string): Finding | undefined;
  sinkFailure?(sink: string, message: string): Finding | undefined;
  prune?(now: number): void;
}

const seconds = (n: number | undefined, fallback: number) => (n ?? fallback) * 1000;

/** Compiles a rule once: globs, windows and thresholds with their defaults. */
export function compileDetector(rule: Rule): Detector {
  const base = { rule, severity: rule.severity ?? 'medium', cooldownMs: seconds(rule.cooldownSeconds, 300) };
  switch (rule.kind) {
    case 'denial_burst': {
      const n = rule.threshold ?? 5;
      const windowS = rule.windowSeconds ?? 60;
      const recent = new RecentTimes(n, windowS * 1000);
      return {
        ...base,
        request: (r, now) =>
          r.decision === 'deny' && recent.hit(r.principal, now)
            ? { key: r.principal, principal: r.principal, message: `${r.principal} was denied ${n} times within ${windowS} s`, details: { denials: n, windowSeconds: windowS } }
            : undefined,
        prune: (now) => recent.prune(now),
      };
    }
    case 'restricted_model': {
      const matches = compileGlobs(rule.models);
      const decisions = rule.decisions ? new Set<string>(rule.decisions) : undefined;
      const n = rule.threshold ?? 1;
      const windowS = rule.windowSeconds ?? 60;
      const recent = new RecentTimes(n, windowS * 1000);
      return {
        ...base,
        request: (r, now) => {
          if (r.model === undefined || !matches(r.model) || (decisions && !decisions.has(r.decision))) return undefined;
          if (!recent.hit(r.principal, now)) return undefined;
          const times = n === 1 ? '' : ` ${n} times within ${windowS} s`;
          return { key: r.principal, principal: r.principal, message: `${r.principal} attempted restricted model ${r.model}${times} (decision ${r.decision})`, details: { model: r.model, decision: r.decision } };
        },
        prune: (now) => recent.prune(now),
      };
    }
    case 'request_volume': {
      const windowS = rule.windowSeconds ?? 60;
      const factor = rule.factor ?? (rule.threshold === undefined ? 5 : undefined);
      const tracker = new VolumeTracker({
        windowMs: windowS * 1000,
        threshold: rule.threshold,
        factor,
        halfLifeWindows: rule.baselineHalfLifeWindows ?? 10,
        warmupWindows: rule.warmupWindows ?? 5,
        minRequests: rule.minRequests ?? 20,
      });
      return {
        ...base,
        request: (r, now) => {
          const v = tracker.hit(r.principal, now);
          if (!v) return undefined;
          const message =
            v.reason === 'threshold'
              ? `${r.principal} made more than ${rule.threshold} requests within ${windowS} s`
              : `${r.principal} made ${v.count} requests within ${windowS} s, over ${factor}× its baseline of ${v.baseline!.toFixed(1)}`;
          return { key: r.principal, principal: r.principal, message, details: { count: v.count, windowSeconds: windowS, ...(v.baseline !== undefined ? { baseline: v.baseline } : {}) } };
        },
        prune: (now) => tracker.prune(now),
      };
    }
    case 'approval_timeout': {
      const n = rule.threshold ?? 1;
      const windowS = rule.windowSeconds ?? 60;
      const recent = new RecentTimes(n, windowS * 1000);
      return {
        ...base,
        approvalTimeout: (principal, now) =>
          recent.hit(principal, now)
            ? { key: principal, principal, message: n === 1 ? `a request of ${principal} timed out waiting for approval` : `${n} requests of ${principal} timed out waiting for approval within ${windowS} s` }
            : undefined,
        prune: (now) => recent.prune(now),
      };
    }
    case 'audit_failure':
      return { ...base, auditFailure: (message) => ({ key: 'audit', message: `the audit log failed to write: ${message}` }) };
    case 'sink_failure': {
      const sinks = rule.sinks ? new Set(rule.sinks) : undefined;
      return {
        ...base,
        sinkFailure: (sink, message) => (sinks && !sinks.has(sink) ? undefined : { key: sink, message: `audit sink ${sink} failed: ${message}`, details: { sink } }),
      };
    }
  }
}
