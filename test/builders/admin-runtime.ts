import { noBudgets, noUsage } from '../../gateway/usage/usage-service';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { requireAdmin } from '../../gateway/admin/auth';
import { ensureAdminToken } from '../../gateway/admin/admin-token';
import { adminRouter, type AdminDeps } from '../../gateway/admin/routes';
import { createApprovalService } from '../../gateway/approvals/approval-service';
import type { Decision, Principal } from '../../gateway/core/types';
import type { CompiledPolicy } from '../../gateway/core/policy/compiled-policy';
import { requireApproval } from './approval-exchange';
import { GatehouseError } from '../../gateway/errors';
import { EventBus } from '../../gateway/events';
import type { Approvals, GatehouseConfig } from '../../gateway/generated/gatehouse.config';
import { silentLogger } from '../../gateway/log';
import type { ApprovalService, AuditService, IdentityService, PolicyService, Runtime } from '../../gateway/runtime';
import { RecordingAudit } from './recording-audit';

/**
 * Verifies approver tokens from a fixed table: stands in for the identity area's verifier
 * (a second createIdentityService instance) until it lands; the admin API only needs
 * verify() → Principal or a 401.
 */
export function tokenTableIdentity(table: Record<string, Principal>): IdentityService {
  return {
    verify(authorization) {
      const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
      const p = token ? table[token] : undefined;
      if (!p) throw new GatehouseError(401, 'ERR_IDENTITY_INVALID_TOKEN', 'The token is not valid.');
      return p;
    },
    async close() {},
  };
}

/**
 * A policy for the harness whose rules name `approvers` (one require_approval rule each): the
 * admin API lets in as an approver only principals some rule names. It always allows.
 */
export function approverPolicy(approvers: NonNullable<Decision['approval']>['approvers'][]): PolicyService {
  const rules = approvers.map((a, i) => ({ id: `rule-${i}`, action: 'require_approval', approval: requireApproval({ approvers: a }).approval }));
  const compiled = { files: [], names: [], defaultAction: 'allow', alerts: [], rules } as unknown as CompiledPolicy;
  return { ...scriptedPolicy(() => ({ action: 'allow', rule: 'default', reasons: [], limits: {}, masks: [], explain: [], policyVersion: 'sha256:v1' })), compiled };
}

/** A policy that decides from a function and reloads to a scripted result. */
export function scriptedPolicy(decide: (p: Principal) => Decision): PolicyService & { reloadResult: Awaited<ReturnType<PolicyService['reload']>> } {
  return {
    version: 'sha256:v1',
    decide: (p) => decide(p),
    admit: () => () => {},
    admitWith: () => ({ release: () => {} }),
    reloadResult: { ok: true, version: 'sha256:v2', errors: [] },
    async reload() {
      return this.reloadResult;
    },
    async close() {},
  };
}

export interface AdminHarness {
  url: string;
  adminToken: string;
  rt: Runtime;
  approvals: ApprovalService;
  audit: RecordingAudit;
  events: EventBus;
  /** fetch against the admin API with a bearer token (the local admin token by default). */
  call(method: string, path: string, opts?: { token?: string | null; body?: unknown }): Promise<{ status: number; json: any; headers: Headers }>;
  close(): Promise<void>;
}

/** The admin listener as the lead's createAdminApp mounts it: /admin, requireAdmin, adminRouter. */
/** `audit`: the log the audit routes read (default: the RecordingAudit the approvals write notes to). */
export async function startAdmin(opts: { approvals?: Approvals; approvers?: Record<string, Principal>; admins?: NonNullable<GatehouseConfig['server']>['admins']; deps?: AdminDeps; policy?: PolicyService; audit?: AuditService } = {}): Promise<AdminHarness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-admin-'));
  const adminToken = ensureAdminToken(dataDir);
  const events = new EventBus();
  const audit = new RecordingAudit(events);
  const approvals = createApprovalService(opts.approvals ?? {}, { log: silentLogger, events, audit });
  const rt: Runtime = {
    config: opts.admins ? { server: { admins: opts.admins } } : {},
    dataDir,
    configDir: dataDir,
    log: silentLogger,
    events,
    identity: tokenTableIdentity({}),
    // By default ml-leads (requireApproval()'s approvers) and interns (for another rule) are approvers.
    policy: opts.policy ?? approverPolicy([{ groups: ['ml-leads'] }, { groups: ['interns'] }]),
    masking: { maskRequest: () => ({ auditBody: undefined, report: [] }), responseMasker: () => null },
    usage: noUsage,
    budgets: noBudgets,
    audit: opts.audit ?? audit,
    approvals,
    ...(opts.approvers ? { approverIdentity: tokenTableIdentity(opts.approvers) } : {}),
  };
  const app = express();
  app.use('/admin', requireAdmin(rt), adminRouter(rt, opts.deps));
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    adminToken,
    rt,
    approvals,
    audit,
    events,
    async call(method, path, o = {}) {
      const token = o.token === undefined ? adminToken : o.token;
      const res = await fetch(url + path, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body),
      });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
    },
    async close() {
      await approvals.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
