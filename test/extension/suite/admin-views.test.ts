import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import OpenAI from 'openai';
import * as vscode from 'vscode';
import type { DecideOutcome } from '../../../extension/approvals/approval-actions';
import type { ChainStatus } from '../../../extension/gateway/gateway-info-store';
import { isDenial } from '../../../extension/views/audit-log-tree-provider';
import { activateGatehouse, waitFor } from './helpers';

/**
 * The views and approval actions fed by a real gateway's admin API: the fixture workspace's
 * policy holds gpt-4o calls for approval (test/extension/fixtures/workspace).
 */
describe('views fed by a real gateway', function () {
  let client: OpenAI;

  before(async () => {
    const api = await activateGatehouse();
    const running = await api.gateway.start();
    const token = (await vscode.commands.executeCommand('gatehouse.copyDevToken', 'ci-deployer')) as string;
    assert.ok(token, 'a development token');
    client = new OpenAI({ baseURL: `${running.dataUrl}/v1`, apiKey: token, maxRetries: 0, timeout: 60_000 });
    await waitFor(() => api.connection.streamStatus === 'open', 'the admin event stream');
  });

  after(async () => {
    const api = await activateGatehouse();
    await api.gateway.stop();
  });

  const askGpt4o = (text: string) => client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: text }] });

  it('lists a held request in Pending Approvals and approves it; the caller gets its answer', async () => {
    const api = await activateGatehouse();
    const answer = askGpt4o('approve me');
    const pending = await waitFor(() => api.approvals.pending.find((a) => a.principal === 'ci-deployer'), 'a pending approval');
    const item = api.views.approvals.getTreeItem(pending);
    assert.equal(item.label, 'ci-deployer: POST /v1/chat/completions');
    assert.equal(item.contextValue, 'approval');
    assert.match(String(item.description), /gpt-4o · rule gpt-4o-needs-approval/);

    const outcome = (await vscode.commands.executeCommand('gatehouse.approveRequest', pending)) as DecideOutcome;
    assert.deepEqual(outcome, { kind: 'decided', decision: 'approve' });
    const completion = await answer;
    assert.match(completion.choices[0].message.content ?? '', /approve me/);
    assert.deepEqual(api.approvals.pending, []);

    // Its rows in the Audit Log view: arrival, approval and outcome each have their own icon.
    const steps = ['arrival', 'approval_requested', 'approval_approved', 'outcome'];
    const rows = await waitFor(() => {
      const mine = api.audit.records.filter((r) => r.principal === 'ci-deployer');
      const found = steps.map((kind) => mine.find((r) => r.kind === kind));
      return found.every(Boolean) ? found : undefined;
    }, 'the audit records of the approved request');
    const icons = rows.map((r) => (api.views.auditLog.getTreeItem({ kind: 'record', record: r! }).iconPath as vscode.ThemeIcon).id);
    assert.deepEqual(icons, ['arrow-right', 'question', 'check', 'pass']);

    // Deciding again (a stale toast) says what happened instead of failing.
    const again = (await vscode.commands.executeCommand('gatehouse.approveRequest', pending)) as DecideOutcome;
    assert.equal(again.kind, 'too-late');
    assert.match((again as { message: string }).message, /already approved/);
  });

  it('denies with a reason; the caller gets a 403', async () => {
    const api = await activateGatehouse();
    const answer = askGpt4o('deny me').then(
      () => assert.fail('a denied request was answered'),
      (e: unknown) => e as { status?: number; message: string },
    );
    const pending = await waitFor(() => api.approvals.pending.find((a) => a.principal === 'ci-deployer'), 'a pending approval');
    const outcome = (await vscode.commands.executeCommand('gatehouse.denyRequest', pending, 'not in the budget')) as DecideOutcome;
    assert.deepEqual(outcome, { kind: 'decided', decision: 'deny' });
    const err = await answer;
    assert.equal(err.status, 403, err.message);
  });

  it('shows the audit log live, newest first, with denials marked red', async () => {
    const api = await activateGatehouse();
    const records = await waitFor(() => {
      const r = api.audit.records.filter((x) => x.principal === 'ci-deployer');
      return r.some(isDenial) ? r : undefined;
    }, 'audit records of the denied request');
    const seqs = api.audit.records.map((r) => r.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a), 'newest first');
    const denied = records.find(isDenial)!;
    const item = api.views.auditLog.getTreeItem({ kind: 'record', record: denied });
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'error');
    assert.equal(((item.iconPath as vscode.ThemeIcon).color as vscode.ThemeColor).id, 'errorForeground');

    await vscode.commands.executeCommand('gatehouse.filterAuditLog', { principal: 'ci-deployer' });
    assert.ok(api.views.auditLog.visibleRecords().every((r) => r.principal === 'ci-deployer'));
    await vscode.commands.executeCommand('gatehouse.groupAuditLog', 'decision');
    const groups = api.views.auditLog.getChildren();
    assert.ok(groups.every((g) => g.kind === 'group'));
    await vscode.commands.executeCommand('gatehouse.clearAuditFilter');
    await vscode.commands.executeCommand('gatehouse.groupAuditLog', 'none');
  });

  it('opens an audit record as a read-only JSON document', async () => {
    const api = await activateGatehouse();
    const record = api.audit.records[0];
    const editor = (await vscode.commands.executeCommand('gatehouse.openAuditRecord', record)) as vscode.TextEditor;
    assert.equal(editor.document.uri.scheme, 'gatehouse-audit');
    assert.equal(editor.document.languageId, 'json');
    const json = JSON.parse(editor.document.getText()) as { id: string };
    assert.equal(json.id, record.id);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('shows an audit outage in the Gateway view and clears it once the gateway recovers by itself', async () => {
    const api = await activateGatehouse();
    const running = await api.gateway.start();
    const auditDir = path.join(running.launch.dataDir, 'audit');
    const chainRow = () => String(api.views.gateway.getChildren().find((r) => r.id === 'chain')!.description);
    // Segments hold ~2 records here (fixture audit.segmentMaxBytes): the next ones become /dev/full.
    // Named from the newest segment on disk, not from a read of the log: every admin read is itself
    // a record now, so the log moves on while the names are made (a name already taken is skipped).
    const segmentSeqs = (await fs.promises.readdir(auditDir)).map((f) => /^audit-(\d{20})\.jsonl$/.exec(f)?.[1]).filter((s) => s !== undefined).map(Number);
    const newest = Math.max(...segmentSeqs);
    const full: string[] = [];
    for (let seq = newest + 1; seq <= newest + 80; seq++) {
      const f = path.join(auditDir, `audit-${String(seq).padStart(20, '0')}.jsonl`);
      const made = await fs.promises.symlink('/dev/full', f).then(() => true, (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
        return false;
      });
      if (made) full.push(f);
    }
    try {
      // A few calls until one meets the full disk: its arrival record cannot be written, so 503.
      let refused: { status?: number } | undefined;
      for (let i = 0; i < 6 && !refused; i++) {
        refused = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `during ${i}` }] }).then(() => undefined, (e: { status?: number }) => e);
      }
      assert.equal(refused?.status, 503);
      await waitFor(() => /check failed: ENOSPC/.test(chainRow()), 'the outage in the Gateway view');
    } finally {
      for (const f of full) await fs.promises.unlink(f).catch(() => undefined);
    }
    // Nobody calls: the gateway's retry writes the outage record, audit.recovered clears the row.
    await waitFor(() => chainRow() === 'not verified yet', 'the outage cleared');
    const chain = (await vscode.commands.executeCommand('gatehouse.verifyAuditChain')) as ChainStatus;
    assert.deepEqual(chain.report?.findings, [], JSON.stringify(chain.report));
  });

  it('verifies the audit chain and shows it in the Gateway view', async () => {
    const api = await activateGatehouse();
    const chain = (await vscode.commands.executeCommand('gatehouse.verifyAuditChain')) as ChainStatus;
    assert.equal(chain.error, undefined);
    assert.deepEqual(chain.report?.findings, [], JSON.stringify(chain.report));
    const row = api.views.gateway.getChildren().find((r) => r.id === 'chain')!;
    assert.match(String(row.description), /^intact/);
  });
});
