import type { EventBus } from '../events';
import type { Rule } from '../generated/alert-rules';
import type { Alerts } from '../generated/gatehouse.config';
import type { Logger } from '../log';
import type { AuditService } from '../runtime';
import { createAlertEvaluator } from './alert-evaluator';
import { createAlertFiring, type AlertFiring, type AlertFiringDeps } from './alert-firing';
import { createWebhookDelivery, type WebhookDeliveryDeps } from './webhook-delivery';

export interface AlertServiceDeps {
  log: Logger;
  events: EventBus;
  audit: Pick<AuditService, 'note'>;
  /** The running policy's spec.alerts; called on every signal, so return the snapshot's array (same reference until a reload). */
  getRules: () => readonly Rule[] | undefined;
  configDir: string;
  now?: () => number;
  random?: () => number;
  requestKinds?: string[];
  /** Claims a firing for the fleet (see AlertFiringDeps.claim). */
  claim?: AlertFiringDeps['claim'];
  /** The webhooks' retry queue (and, for a shared one, how often to look at it). */
  webhookQueue: Pick<WebhookDeliveryDeps, 'queue' | 'pollMs' | 'onGivenUp'>;
}

export interface AlertService {
  /** Fires an alert raised outside the alert rules (a budget's fractions), once per key and period. */
  fire: AlertFiring['fire'];
  /** Resolves once every fired alert has been delivered or given up on. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Alerts end to end: the evaluator turns bus events into alerts, and whatever raises one fires it
 * through one path (alert-firing.ts): `alert.fired` (which the admin event stream carries) and an
 * `alert` audit record; each fired alert is posted to the webhooks.
 * Throws at start when a webhook's secret cannot be read.
 */
export function createAlertService(cfg: Alerts | undefined, deps: AlertServiceDeps): AlertService {
  const delivery = createWebhookDelivery(cfg, { log: deps.log, configDir: deps.configDir, ...deps.webhookQueue, ...(deps.random ? { random: deps.random } : {}) });
  // In a fleet every instance hears every alert: the one that fired it queues it (any instance may post it).
  const off = deps.events.onLocal('alert.fired', (alert) => void delivery.deliver(alert));
  const firing = createAlertFiring(deps);
  const evaluator = createAlertEvaluator({ ...deps, firing });
  return {
    fire: (alert, once) => firing.fire(alert, once),
    idle: () => delivery.idle(),
    async close() {
      evaluator.close();
      firing.close();
      off();
      await delivery.close();
    },
  };
}
