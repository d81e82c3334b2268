import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AdminApiError, AdminClient, toAuditSummary, toPendingApproval } from '../../../../extension/admin/admin-client';

describe('admin API shapes', () => {
  it('summarises a full audit record (principal and decision objects)', () => {
    const record = {
      id: 'r1', seq: 4, kind: 'denied', time: '2026-01-01T00:00:00Z', principal: { issuer: 'urn:gatehouse:dev', subject: 'ci-deployer' },
      method: 'POST', path: '/v1/chat/completions', model: 'gpt-4o', decision: { action: 'deny', rule: 'no-gpt-4o' }, status: 403,
    };
    assert.deepEqual(toAuditSummary(record), {
      id: 'r1', seq: 4, kind: 'denied', time: '2026-01-01T00:00:00Z', principal: 'ci-deployer', decision: 'deny', rule: 'no-gpt-4o',
      model: 'gpt-4o', status: 403, method: 'POST', path: '/v1/chat/completions',
    });
  });

  it('reads a checkpoint record, which has no principal', () => {
    const s = toAuditSummary({ id: 'c1', seq: 9, kind: 'checkpoint' });
    assert.equal(s.principal, undefined);
    assert.equal(s.kind, 'checkpoint');
  });

  it('names an approval view principal by its subject', () => {
    const a = toPendingApproval({ id: 'a1', principal: { issuer: 'i', subject: 'ci-deployer', groups: [] }, method: 'POST', path: '/v1/x', rule: 'r', expiresAt: 't', state: 'pending' });
    assert.equal(a.principal, 'ci-deployer');
  });
});

describe('AdminClient requests', () => {
  let server: http.Server;
  let url: string;
  const seen: { method?: string; url?: string; auth?: string; body: string }[] = [];
  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body });
        if (req.url === '/admin/approvals?state=pending') return res.end(JSON.stringify({ approvals: [{ id: 'a1', principal: { issuer: 'i', subject: 'bob' }, method: 'POST', path: '/v1/x', rule: 'r', expiresAt: 't', state: 'pending' }] }));
        if (req.url === '/admin/approvals/a1/decision') return res.writeHead(409, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'Approval a1 was already decided (approved).', type: 'conflict', code: 'ERR_APPROVAL_ALREADY_DECIDED' } }));
        res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('sends the bearer token and unwraps lists', async () => {
    const list = await new AdminClient(url, 'secret').pendingApprovals();
    assert.deepEqual(list.map((a) => a.principal), ['bob']);
    assert.equal(seen.at(-1)!.auth, 'Bearer secret');
  });

  it('posts a decision and turns an error answer into AdminApiError with the code', async () => {
    const err = await new AdminClient(url, 'secret').decide('a1', 'deny', 'no budget').catch((e: unknown) => e);
    assert.ok(err instanceof AdminApiError);
    assert.equal(err.status, 409);
    assert.equal(err.code, 'ERR_APPROVAL_ALREADY_DECIDED');
    assert.deepEqual(JSON.parse(seen.at(-1)!.body), { decision: 'deny', reason: 'no budget' });
  });
});
