import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { GatewayEvents } from '../events';
import type { Alerts, AlertWebhook } from '../generated/gatehouse.config';
import type { Logger } from '../log';
import { jsonPayload, slackPayload } from './alert-payload';
import { SecretError, readSecret } from '../config/secrets';

type Alert = GatewayEvents['alert.fired'];

const severityRank: Record<string, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export interface WebhookDeliveryDeps {
  log: Logger;
  /** Folder secret files are resolved against. */
  configDir: string;
  /** Jitter source (0 ≤ r < 1). */
  random?: () => number;
}

export interface WebhookDelivery {
  deliver(alert: Alert): void;
  /** Resolves when no delivery is in flight or waiting for a retry. */
  idle(): Promise<void>;
  close(): void;
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
 * Posts alerts to webhooks, retrying failures (network error, timeout, 408, 429, 5xx) with
 * exponential backoff and "equal jitter": attempt k waits between half and all of
 * min(maxDelay, initialDelay × 2^(k-1)), or the receiver's Retry-After when longer.
 * Every attempt carries the same x-gatehouse-alert-id, so a receiver can drop duplicates
 * (an attempt that timed out may still have arrived). Other 4xx are not retried.
 */
export function createWebhookDelivery(cfg: Alerts | undefined, deps: WebhookDeliveryDeps): WebhookDelivery {
  const { log } = deps;
  const random = deps.random ?? Math.random;
  const maxAttempts = cfg?.retry?.maxAttempts ?? 6;
  const initialDelayMs = cfg?.retry?.initialDelayMs ?? 500;
  const maxDelayMs = cfg?.retry?.maxDelayMs ?? 60_000;
  const targets = (cfg?.webhooks ?? []).map((w) => target(w, deps.configDir));
  const timers = new Set<NodeJS.Timeout>();
  let inFlight = 0;
  let idleWaiters: (() => void)[] = [];
  let closed = false;

  const done = () => {
    if (--inFlight > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };

  function attempt(t: Target, alert: Alert, body: string, n: number): void {
    post(t, alert, body, n).then(
      ({ status, retryAfterMs }) => {
        if (status >= 200 && status < 300) return done();
        const retryable = status === 408 || status === 429 || status >= 500;
        if (retryable) return retry(t, alert, body, n, `HTTP ${status}`, retryAfterMs);
        log.error('alert webhook refused the alert', { webhook: t.name, alertId: alert.id, status });
        done();
      },
      (err: Error) => retry(t, alert, body, n, err.message, undefined),
    );
  }

  function retry(t: Target, alert: Alert, body: string, n: number, why: string, retryAfterMs: number | undefined): void {
    if (closed || n >= maxAttempts) {
      log.error('alert webhook delivery failed', { webhook: t.name, alertId: alert.id, attempts: n, error: why });
      return done();
    }
    const base = Math.min(maxDelayMs, initialDelayMs * 2 ** (n - 1));
    const delay = Math.min(maxDelayMs, Math.max(base / 2 + random() * (base / 2), retryAfterMs ?? 0));
    log.warn('alert webhook attempt failed; retrying', { webhook: t.name, alertId: alert.id, attempt: n, error: why, retryInMs: Math.round(delay) });
    const timer = setTimeout(() => {
      timers.delete(timer);
      attempt(t, alert, body, n + 1);
    }, delay);
    timers.add(timer);
  }

  return {
    deliver(alert) {
      if (closed) return;
      const rank = severityRank[alert.severity] ?? 0;
      for (const t of targets) {
        if (rank < t.minRank) continue;
        inFlight++;
        attempt(t, alert, t.format === 'slack' ? slackPayload(alert) : jsonPayload(alert), 1);
      }
    },
    idle() {
      return inFlight === 0 ? Promise.resolve() : new Promise((r) => idleWaiters.push(r));
    },
    close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      for (let i = timers.size; i > 0; i--) done();
      timers.clear();
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

function post(t: Target, alert: Alert, body: string, n: number): Promise<{ status: number; retryAfterMs?: number }> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    ...t.headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'user-agent': 'gatehouse-alerts',
    'x-gatehouse-alert-id': alert.id,
    'x-gatehouse-delivery-attempt': String(n),
    'x-gatehouse-timestamp': timestamp,
  };
  if (t.secret) headers['x-gatehouse-signature'] = `v1=${createHmac('sha256', t.secret).update(`${timestamp}.${body}`).digest('hex')}`;
  const request = t.url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(t.url, { method: 'POST', headers, agent: false }, (res) => {
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
