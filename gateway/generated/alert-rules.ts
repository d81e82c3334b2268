/* Generated from schemas/alert-rules.schema.json by scripts/gen-types.mjs. Do not edit; run npm run gen:types. */

/**
 * One alert rule, chosen by its kind.
 */
export type Rule =
  | DenialBurstAlertRule
  | RestrictedModelAlertRule
  | RequestVolumeAlertRule
  | ApprovalTimeoutAlertRule
  | AuditFailureAlertRule
  | SinkFailureAlertRule;
/**
 * Unique name of the rule, shown in alerts and audit records.
 */
export type Id = string;
/**
 * What the rule is for; included in the alert text.
 */
export type Description = string;
/**
 * How urgent the alert is; webhooks may ask only for some severities (alerts.webhooks[].minSeverity). Default medium.
 */
export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';
/**
 * After firing, the rule stays quiet for the same principal (or sink) this long, so one incident is one alert. Default 300.
 */
export type CooldownSeconds = number;
/**
 * Model names (globs: * any characters, ? one) the rule watches, e.g. gpt-4o* or o1-*.
 *
 * @minItems 1
 */
export type ModelGlobs = [string, ...string[]];
/**
 * Policy decisions counted (allow, deny, require_approval).
 *
 * @minItems 1
 */
export type Decisions = ['allow' | 'deny' | 'require_approval', ...('allow' | 'deny' | 'require_approval')[]];
/**
 * Alert rules of a policy (spec.alerts). Each rule watches the gateway's events (audit records, approvals, audit and sink failures) and fires an alert when its condition holds; the alert goes to the admin event stream, the audit log and the configured webhooks (config alerts.webhooks). A rule fires once per incident: after firing for a principal (or a sink), it stays quiet for cooldownSeconds.
 */
export type AlertRules = Rule[];

/**
 * Fires when one principal is denied by the policy at least threshold times within windowSeconds.
 */
export interface DenialBurstAlertRule {
  /**
   * Fires when one principal is denied by the policy at least threshold times within windowSeconds.
   */
  kind: 'denial_burst';
  id: Id;
  description?: Description;
  severity?: Severity;
  cooldownSeconds?: CooldownSeconds;
  /**
   * Denials in the window that make a burst. Default 5.
   */
  threshold?: number;
  /**
   * Length of the sliding window the events are counted in, in seconds. Default 60.
   */
  windowSeconds?: number;
}
/**
 * Fires when a principal attempts a model matching models (whatever the decision, unless decisions narrows it) at least threshold times within windowSeconds.
 */
export interface RestrictedModelAlertRule {
  /**
   * Fires when a principal attempts a model matching models (whatever the decision, unless decisions narrows it) at least threshold times within windowSeconds.
   */
  kind: 'restricted_model';
  id: Id;
  description?: Description;
  severity?: Severity;
  cooldownSeconds?: CooldownSeconds;
  models: ModelGlobs;
  decisions?: Decisions;
  /**
   * Attempts in the window that fire the alert. Default 1 (every attempt, subject to the cooldown).
   */
  threshold?: number;
  /**
   * Length of the sliding window the events are counted in, in seconds. Default 60.
   */
  windowSeconds?: number;
}
/**
 * Fires when one principal's requests in a window exceed a static threshold, or exceed factor times its own recent baseline (an exponentially weighted moving average of past windows). With neither threshold nor factor, factor 5 applies.
 */
export interface RequestVolumeAlertRule {
  /**
   * Fires when one principal's requests in a window exceed a static threshold, or exceed factor times its own recent baseline (an exponentially weighted moving average of past windows). With neither threshold nor factor, factor 5 applies.
   */
  kind: 'request_volume';
  id: Id;
  description?: Description;
  severity?: Severity;
  cooldownSeconds?: CooldownSeconds;
  /**
   * Length of the tumbling window requests are counted in, in seconds. Default 60.
   */
  windowSeconds?: number;
  /**
   * Fire when a principal makes more requests than this in one window.
   */
  threshold?: number;
  /**
   * Fire when a principal's requests in one window exceed factor times its baseline (e.g. 5 for five times the usual volume). Default 5 when threshold is not given.
   */
  factor?: number;
  /**
   * Half-life of the baseline's moving average, in windows: older windows weigh half as much after this many. Default 10.
   */
  baselineHalfLifeWindows?: number;
  /**
   * Windows a principal must have been seen in before the baseline is trusted (no baseline alert before). Default 5.
   */
  warmupWindows?: number;
  /**
   * Never fire on the baseline below this many requests in a window, so a quiet principal doing a little more is not an incident. Default 20.
   */
  minRequests?: number;
}
/**
 * Fires when requests of one principal time out waiting for approval at least threshold times within windowSeconds.
 */
export interface ApprovalTimeoutAlertRule {
  /**
   * Fires when requests of one principal time out waiting for approval at least threshold times within windowSeconds.
   */
  kind: 'approval_timeout';
  id: Id;
  description?: Description;
  severity?: Severity;
  cooldownSeconds?: CooldownSeconds;
  /**
   * Timeouts in the window that fire the alert. Default 1.
   */
  threshold?: number;
  /**
   * Length of the sliding window the events are counted in, in seconds. Default 60.
   */
  windowSeconds?: number;
}
/**
 * Fires when the audit log fails to write (the gateway then refuses requests: fail closed).
 */
export interface AuditFailureAlertRule {
  /**
   * Fires when the audit log fails to write (the gateway then refuses requests: fail closed).
   */
  kind: 'audit_failure';
  id: Id;
  description?: Description;
  severity?: Severity;
  cooldownSeconds?: CooldownSeconds;
}
/**
 * Fires when an audit sink (SIEM, syslog, HTTP, file) fails to deliver.
 */
export interface SinkFailureAlertRule {
  /**
   * Fires when an audit sink (SIEM, syslog, HTTP, file) fails to deliver.
   */
  kind: 'sink_failure';
  id: Id;
  description?: Description;
  severity?: Severity;
  cooldownSeconds?: CooldownSeconds;
  /**
   * Names of the sinks watched. Default: all.
   *
   * @minItems 1
   */
  sinks?: [string, ...string[]];
}
