import assert from 'node:assert/strict';
import { ApprovalsConfigError } from '../../../gateway/approvals/approver-identity';
import { approverSignInDocument } from '../../../gateway/approvals/approver-sign-in';
import type { ApproverIdentity } from '../../../gateway/generated/gatehouse.config';

const issuer = (url: string) => ({ issuer: url, audience: 'gatehouse-admin', maxTokenLifetimeSeconds: 900 });

describe('approvals/approver-sign-in', () => {
  it('is absent without a client', () => {
    assert.equal(approverSignInDocument(undefined), undefined);
    assert.equal(approverSignInDocument({ issuers: [issuer('https://idp.test')] }), undefined);
  });

  it('advertises the only trusted issuer, the default scopes and both grants', () => {
    assert.deepEqual(approverSignInDocument({ issuers: [issuer('https://idp.test')], client: { clientId: 'gatehouse-vscode' } }), {
      issuer: 'https://idp.test', clientId: 'gatehouse-vscode', scopes: ['openid', 'offline_access'], grants: ['authorization_code', 'device_code'],
    });
  });

  it('advertises the named issuer, scopes, resource and grants as configured', () => {
    const cfg: ApproverIdentity = {
      issuers: [issuer('https://a.test'), issuer('https://b.test')],
      client: { clientId: 'c', issuer: 'https://b.test', scopes: ['openid', 'groups'], resource: 'urn:gatehouse:admin', grants: ['device_code'] },
    };
    assert.deepEqual(approverSignInDocument(cfg), { issuer: 'https://b.test', clientId: 'c', scopes: ['openid', 'groups'], grants: ['device_code'], resource: 'urn:gatehouse:admin' });
  });

  it('refuses, at start, a client whose tokens the approver identity would refuse', () => {
    const table: [ApproverIdentity, RegExp][] = [
      [{ issuers: [issuer('https://a.test')], client: { clientId: 'c', issuer: 'https://other.test' } }, /client\.issuer: https:\/\/other\.test is not one of approvals\.approverIdentity\.issuers \(https:\/\/a\.test\)/],
      [{ issuers: [issuer('https://a.test'), issuer('https://b.test')], client: { clientId: 'c' } }, /client\.issuer: name which of approvals\.approverIdentity\.issuers/],
      [{ devIssuer: { enabled: true, audience: 'gatehouse-admin' }, client: { clientId: 'c' } }, /lists no identity provider to sign in with/],
    ];
    for (const [cfg, message] of table) assert.throws(() => approverSignInDocument(cfg), (e: unknown) => e instanceof ApprovalsConfigError && message.test(e.message));
  });
});
