import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { GatewayEvents } from '../events';
import type { Alerts, AlertWebhook } from '../generated/gatehouse.config';
import type { Logger } from '../log';
import { jsonPayload, slackPayload } from './alert-payload';
import { SecretError, readSecret } from '../config/secrets';
import { isRetryableStatus, retryDelayMs } from '../core/retry-backoff';
import type { ClaimedDelivery, WebhookQueueStore } from '../state/webhook-queue-store';

type Alert = GatewayEvents['alert.fired'];

const severityRank: Record<string, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export interface WebhookDeliveryDeps {
  log: Logger;
  /** Folder secret files are resolved against. */
  configDir: string;
  /** Where deliveries wait for their attempts (a file in the data dir, or the fleet's table). */
  queue: WebhookQueueStore;
  /** Jitter source (0 ≤ r < 1). */
  random?: () => number;
  now?: () => number;
  /** A delivery given up on (attempts exhausted, refused, or dropped from a full queue), for the metric. */
  onGivenUp?: (webhook: string) => void;
  /** How often an idle instance looks for entries it was not told of (queue.onChanged): only for a shared queue. */
  pollMs?: number;
}

export interface WebhookDelivery {
  deliver(alert: Alert): Promise<void>;
  /** Resolves when the queue holds nothing for this gateway's webhooks and nothing is in flight. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

interface Target {
  name: string;
  url: URL;
  format: 'json' | 'slack';
  secret?: string;
  minRank: number;
  headers: Record<string, string>;
  timeoutMs: number;
}

/**
 * Posts alerts to webhooks through a queue that survives a restart (`WebhookQueueStore`): an alert
 * is queued first, then each webhook's head is claimed, posted, and removed, or rescheduled after a
 * failure (network error, timeout, 408, 429, 5xx) with exponential backoff and equal jitter
 * (`core/retry-backoff.ts`), or the receiver's Retry-After when longer, until `maxAttempts`. A
 * webhook's alerts go out in order. Every attempt carries the same x-gatehouse-alert-id, so a
 * receiver can drop duplicates (an attempt that timed out, or cut short by a crash, may have
 * arrived). Other 4xx are not retried. In a fleet any instance delivers what is due: the one that
 * queued it, or another once that one's claim lapses.
 */
export function createWebhookDelivery(cfg: Alerts | undefined, deps: WebhookDeliveryDeps): WebhookDelivery {
  const { log, queue } = deps;
  const random = deps.random ?? Math.random;
  const now = deps.now ?? Date.now;
  const maxAttempts = cfg?.retry?.maxAttempts ?? 6;
  const schedule = { initialDelayMs: cfg?.retry?.initialDelayMs ?? 500, maxDelayMs: cfg?.retry?.maxDelayMs ?? 60_000 };
  const targets = new Map((cfg?.webhooks ?? []).map((w) => [w.name, target(w, deps.configDir)]));
  const channels = [...targets.keys()];
  // A claim outlives the longest attempt, so no other instance takes an entry still being posted.
  const leaseMs = Math.max(0, ...[...targets.values()].map((t) => t.timeoutMs)) + 2000;
  const { pollMs } = deps;
  // A shared queue's channel of a webhook removed everywhere is given up once its head has waited
  // this long unclaimed: far longer than any instance that has the webhook takes to claim it.
  const orphanAfterMs = Math.max(60_000, 3 * (pollMs ?? 0));
  let nextOrphanCheckMs = 0;
  const inFlight = new Map<string, { abort(): void; done: Promise<void> }>();
  let timer: NodeJS.Timeout | undefined;
  let pumping: Promise<void> | undefined;
  let again = false;
  let empty = false;
  let idleWaiters: (() => void)[] = [];
  let closed = false;

  const gaveUp = (webhook: string, alertId: string, attempts: number, why: string) => {
    log.error('alert webhook delivery failed; giving up', { webhook, alertId, attempts, error: why });
    deps.onGivenUp?.(webhook);
  };

  /**
   * Gives up what is queued for webhooks no longer in alerts.webhooks (the config changed since
   * they were queued): at start, and, for a shared queue, at each poll (another instance may have
   * been the last to have the webhook).
   */
  async function removeOrphans(): Promise<void> {
    nextOrphanCheckMs = pollMs === undefined ? Infinity : now() + pollMs;
    try {
      for (const o of await queue.removeOrphans(channels, now(), orphanAfterMs)) gaveUp(o.channel, o.alertId, o.attempts, 'the webhook is no longer in alerts.webhooks');
    } catch (err) {
      log.warn('alert webhook queue unavailable; retrying', { error: (err as Error).message });
    }
  }

  /** Claims what is due, starts posting it, and sleeps until the next entry is due (or the poll). */
  const pump = (): Promise<void> => {
    if (closed || channels.length === 0) {
      empty = true;
      return Promise.resolve().finally(settle);
    }
    if (pumping) {
      again = true;
      return pumping;
    }
    pumping = (async () => {
      do {
        again = false;
        clearTimeout(timer);
        if (now() >= nextOrphanCheckMs) await removeOrphans();
        try {
          for (const claimed of await queue.claim(channels, now(), leaseMs)) start(claimed);
          const next = await queue.nextDueMs(channels);
          empty = next === undefined;
          if (closed) return;
          const wake = Math.min(pollMs ?? Infinity, (next ?? Infinity) - now());
          if (wake === Infinity) continue;
          timer = setTimeout(() => void pump(), Math.min(Math.max(0, wake), 2 ** 31 - 1));
          timer.unref();
        } catch (err) {
          log.warn('alert webhook queue unavailable; retrying', { error: (err as Error).message });
          if (closed) return;
          timer = setTimeout(() => void pump(), pollMs ?? 5000);
          timer.unref();
        }
      } while (again && !closed);
    })().finally(() => {
      pumping = undefined;
      settle();
    });
    return pumping;
  };

  function settle(): void {
    if (!empty || inFlight.size > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  }

  function start(claimed: ClaimedDelivery): void {
    const t = targets.get(claimed.channel)!;
    const controller = new AbortController();
    const done = attempt(t, claimed, controller.signal).catch((err: Error) => log.warn('alert webhook queue unavailable', { error: err.message }));
    inFlight.set(claimed.id, { abort: () => controller.abort(), done });
    void done.then(() => {
      inFlight.delete(claimed.id);
      void pump();
    });
  }

  async function attempt(t: Target, claimed: ClaimedDelivery, signal: AbortSignal): Promise<void> {
    const n = claimed.attempts;
    if (n > maxAttempts) {
      // The instance that made the last attempt died before it could record the outcome.
      gaveUp(t.name, claimed.alertId, n - 1, 'attempts exhausted');
      await queue.remove(claimed);
      return;
    }
    let outcome: { status: number; retryAfterMs?: number } | Error;
    try {
      outcome = await post(t, claimed, n, signal);
    } catch (err) {
      outcome = err as Error;
    }
    // Closing: the claim stays; the entry is claimable again after a restart (embedded) or when its lease ends.
    if (closed) return;
    if (!(outcome instanceof Error) && outcome.status >= 200 && outcome.status < 300) {
      await queue.remove(claimed);
      return;
    }
    if (!(outcome instanceof Error) && !isRetryableStatus(outcome.status)) {
      log.error('alert webhook refused the alert', { webhook: t.name, alertId: claimed.alertId, status: outcome.status });
      deps.onGivenUp?.(t.name);
      await queue.remove(claimed);
      return;
    }
    const why = outcome instanceof Error ? outcome.message : `HTTP ${outcome.status}`;
    if (n >= maxAttempts) {
      gaveUp(t.name, claimed.alertId, n, why);
      await queue.remove(claimed);
      return;
    }
    const delay = retryDelayMs(n, schedule, random(), outcome instanceof Error ? undefined : outcome.retryAfterMs);
    log.warn('alert webhook attempt failed; retrying', { webhook: t.name, alertId: claimed.alertId, attempt: n, error: why, retryInMs: Math.round(delay) });
    // Whole milliseconds: the jittered delay is fractional, and PostgreSQL's due_ms is a bigint (which refused it: the reschedule failed).
    await queue.retryAt(claimed, Math.ceil(now() + delay));
  }

  // What a previous run (or, in a fleet, another instance) left queued goes out from the start;
  // what another instance queues or reschedules later, as soon as it says so.
  queue.onChanged(() => void pump());
  void removeOrphans().then(() => pump());
  return {
    async deliver(alert) {
      if (closed) return;
      const rank = severityRank[alert.severity] ?? 0;
      for (const t of targets.values()) {
        if (rank < t.minRank) continue;
        const body = t.format === 'slack' ? slackPayload(alert) : jsonPayload(alert);
        try {
          for (const dropped of await queue.enqueue({ channel: t.name, alertId: alert.id, body }, now())) {
            gaveUp(dropped.channel, dropped.alertId, dropped.attempts, 'the retry queue is full');
          }
        } catch (err) {
          gaveUp(t.name, alert.id, 0, `could not be queued: ${(err as Error).message}`);
        }
      }
      empty = false;
      await pump();
    },
    idle() {
      return new Promise((r) => {
        idleWaiters.push(r);
        void pump();
      });
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      await pumping;
      for (const f of inFlight.values()) f.abort();
      await Promise.all([...inFlight.values()].map((f) => f.done));
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    },
  };
}

function target(w: AlertWebhook, configDir: string): Target {
  const url = new URL(w.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`alerts.webhooks ${w.name}: url must be http or https`);
  return {
    name: w.name,
    url,
    format: w.format ?? 'json',
    ...(w.secret ? { secret: webhookSecret(w, configDir) } : {}),
    minRank: severityRank[w.minSeverity ?? 'info'],
    headers: w.headers ?? {},
    timeoutMs: w.timeoutMs ?? 10_000,
  };
}

function post(t: Target, claimed: ClaimedDelivery, n: number, signal: AbortSignal): Promise<{ status: number; retryAfterMs?: number }> {
  const { body } = claimed;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    ...t.headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'user-agent': 'gatehouse-alerts',
    'x-gatehouse-alert-id': claimed.alertId,
    'x-gatehouse-delivery-attempt': String(n),
    'x-gatehouse-timestamp': timestamp,
  };
  if (t.secret) headers['x-gatehouse-signature'] = `v1=${createHmac('sha256', t.secret).update(`${timestamp}.${body}`).digest('hex')}`;
  const request = t.url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(t.url, { method: 'POST', headers, agent: false, signal }, (res) => {
      res.resume();
      res.on('error', reject);
      res.on('end', () => {
        const ra = Number(res.headers['retry-after']);
        resolve({ status: res.statusCode ?? 0, ...(Number.isFinite(ra) && ra > 0 ? { retryAfterMs: ra * 1000 } : {}) });
      });
    });
    req.setTimeout(t.timeoutMs, () => req.destroy(new Error(`no answer within ${t.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Bad config fails the start (ERR_CONFIG_SECRET, exit 2), naming the webhook. */
function webhookSecret(w: AlertWebhook, configDir: string): string {
  try {
    return readSecret(w.secret!, configDir);
  } catch (err) {
    if (err instanceof SecretError) throw new SecretError(`alerts.webhooks ${w.name} secret: ${err.message}`);
    throw err;
  }
}
