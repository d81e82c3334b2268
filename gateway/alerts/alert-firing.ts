import { newId } from '../new-id';
import type { EventBus, GatewayEvents } from '../events';
import type { Logger } from '../log';
import type { AuditService } from '../runtime';

export type AlertFired = GatewayEvents['alert.fired'];

/** An alert to fire: what the event carries (without id and time) and the audit record's details. */
export interface RaisedAlert {
  rule: string;
  severity: string;
  message: string;
  principal?: string;
  details?: Record<string, unknown>;
}

/**
 * A period in which `key` fires at most once: from `fromMs` (an alert rule: now; a budget: its
 * window's start) until `untilMs` (the cooldown's or the window's end).
 */
export interface FireOnce {
  key: string;
  fromMs: number;
  untilMs: number;
}

export interface AlertFiringDeps {
  events: EventBus;
  audit: Pick<AuditService, 'note'>;
  log: Logger;
  now?: () => number;
  /**
   * Claims one firing for the fleet: `key` is quiet until `untilMs` for every instance once one
   * claims it; false when another instance did. Default: this instance alone (always true).
   */
  claim?: (key: string, atMs: number, untilMs: number) => Promise<boolean>;
}

export interface AlertFiring {
  /** Fires the alert unless its key already fired in a period that covers `once.fromMs`. */
  fire(alert: RaisedAlert, once: FireOnce): void;
  close(): void;
}

/**
 * The one way an alert fires, whatever raised it (the alert rules, a budget's fractions): at most
 * once per key and period (here, and across the fleet through the claim), as the `alert.fired`
 * event (the admin event stream and the webhooks) and an `alert` audit record.
 */
export function createAlertFiring(deps: AlertFiringDeps): AlertFiring {
  const { events, audit, log } = deps;
  const now = deps.now ?? Date.now;
  const quietUntil = new Map<string, number>();

  function announce(a: RaisedAlert, at: number): void {
    const alert: AlertFired = {
      id: newId('alr_'),
      rule: a.rule,
      severity: a.severity,
      message: a.message,
      ...(a.principal !== undefined ? { principal: a.principal } : {}),
      at: new Date(at).toISOString(),
    };
    events.emit('alert.fired', alert);
    audit
      .note('alert', { alertId: alert.id, rule: alert.rule, severity: alert.severity, message: alert.message, principal: alert.principal, ...a.details })
      .catch((err) => log.error('alert audit failed', { alertId: alert.id, error: String(err) }));
  }

  const sweep = setInterval(() => {
    const t = now();
    for (const [key, until] of quietUntil) if (until <= t) quietUntil.delete(key);
  }, 60_000);
  sweep.unref();

  return {
    fire(alert, once) {
      const at = now();
      if ((quietUntil.get(once.key) ?? 0) > once.fromMs) return;
      quietUntil.set(once.key, once.untilMs);
      if (!deps.claim) return announce(alert, at);
      deps.claim(once.key, once.fromMs, once.untilMs).then(
        (mine) => (mine ? announce(alert, at) : log.debug('alert fired by another instance of the fleet', { rule: alert.rule })),
        // An alert twice is better than none: a store that cannot be asked lets this instance fire.
        (err: Error) => (log.warn('alert claim failed; firing here', { rule: alert.rule, error: err.message }), announce(alert, at)),
      );
    },
    close() {
      clearInterval(sweep);
    },
  };
}
