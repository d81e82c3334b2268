import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApprovalsConfigError, createApproverIdentity } from '../../../gateway/approvals/approver-identity';
import { openDevIssuer } from '../../../gateway/identity/dev-issuer';
import type { GatehouseConfig } from '../../../gateway/generated/gatehouse.config';
import { silentLogger } from '../../../gateway/log';

describe('approvals/approver-identity', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-approver-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));
  const deps = () => ({ dataDir, log: silentLogger });

  it('is absent unless configured', async () => {
    assert.equal(await createApproverIdentity({}, deps()), undefined);
  });

  it('refuses approver tokens that callers could also present (same issuer and audience)', async () => {
    const table: GatehouseConfig[] = [
      { approvals: { approverIdentity: {} } }, // both default to the development issuer, audience gatehouse
      { approvals: { approverIdentity: { devIssuer: { enabled: true, audience: 'gatehouse' } } } },
      {
        identity: { issuers: [{ issuer: 'https://idp.test', audience: ['gatehouse', 'admin'], maxTokenLifetimeSeconds: 3600 }] },
        approvals: { approverIdentity: { issuers: [{ issuer: 'https://idp.test', audience: 'admin', maxTokenLifetimeSeconds: 3600 }] } },
      },
    ];
    for (const config of table) await assert.rejects(createApproverIdentity(config, deps()), ApprovalsConfigError, JSON.stringify(config));
  });

  it('verifies tokens for the approver audience and refuses data-path tokens', async () => {
    const identity = await createApproverIdentity({ approvals: { approverIdentity: { devIssuer: { enabled: true, audience: 'gatehouse-admin' } } } }, deps());
    try {
      const dev = await openDevIssuer(dataDir);
      const approver = await identity!.verify(`Bearer ${await dev.mint({ sub: 'ml-lead', groups: ['ml-leads'], aud: 'gatehouse-admin' })}`);
      assert.equal(approver.subject, 'ml-lead');
      assert.deepEqual(approver.groups, ['ml-leads']);
      await assert.rejects(async () => identity!.verify(`Bearer ${await dev.mint({ sub: 'ci-deployer' })}`), (err: { status?: number }) => err.status === 401);
    } finally {
      await identity?.close();
    }
  });
});
