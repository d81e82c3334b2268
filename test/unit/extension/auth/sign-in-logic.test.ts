import assert from 'node:assert/strict';
import { chooseGrant } from '../../../../extension/auth/sign-in-flow';
import { parseSignInDocument } from '../../../../extension/auth/sign-in-document';
import { delayUntil, refreshAt, refreshFailure } from '../../../../extension/auth/token-timing';

const good = { issuer: 'https://idp.example.com/realms/team', clientId: 'gatehouse-vscode', scopes: ['openid', 'offline_access'], grants: ['authorization_code', 'device_code'] };

describe('extension/auth: sign-in document, flow choice, refresh timing', () => {
  it('parses the gateway\'s sign-in document, dropping grants it does not know', () => {
    assert.deepEqual(parseSignInDocument(good), good);
    assert.deepEqual(parseSignInDocument({ ...good, grants: ['ciba', 'device_code'], resource: 'urn:gatehouse:admin' }), { ...good, grants: ['device_code'], resource: 'urn:gatehouse:admin' });
    assert.equal(parseSignInDocument({ ...good, issuer: 'http://127.0.0.1:4000' }).issuer, 'http://127.0.0.1:4000');
  });

  it('refuses a document that would send the login somewhere unexpected or cannot be used', () => {
    const table: [unknown, RegExp][] = [
      [null, /not a JSON object/],
      [{ ...good, issuer: 'http://idp.example.com' }, /must use https \(plain http only on a loopback address\)/],
      [{ ...good, issuer: 'javascript:alert(1)' }, /must use https/],
      [{ ...good, issuer: 42 }, /issuer/],
      [{ ...good, clientId: '' }, /no clientId/],
      [{ ...good, scopes: ['openid', 'two words'] }, /scope tokens/],
      [{ ...good, grants: ['implicit'] }, /none of the grants/],
      [{ ...good, resource: 7 }, /resource is not a string/],
    ];
    for (const [body, message] of table) assert.throws(() => parseSignInDocument(body), message, JSON.stringify(body));
  });

  it('picks the device flow for web and remote windows, the loopback redirect on the desktop, and honours the setting', () => {
    const both = ['authorization_code', 'device_code'] as const;
    assert.equal(chooseGrant(both, { web: false, remote: false }, 'auto'), 'authorization_code');
    assert.equal(chooseGrant(both, { web: true, remote: false }, 'auto'), 'device_code');
    assert.equal(chooseGrant(both, { web: false, remote: true }, 'auto'), 'device_code');
    assert.equal(chooseGrant(both, { web: true, remote: false }, 'loopback'), 'authorization_code');
    assert.equal(chooseGrant(both, { web: false, remote: false }, 'device'), 'device_code');
    assert.equal(chooseGrant(['device_code'], { web: false, remote: false }, 'loopback'), 'device_code', 'only what the gateway offers');
  });

  it('refreshes a minute before expiry, or a quarter of a short lifetime before', () => {
    assert.equal(refreshAt(1_000, 601_000), 541_000);
    assert.equal(refreshAt(0, 120_000), 90_000);
    assert.equal(refreshAt(0, undefined), undefined);
    assert.equal(refreshAt(10_000, 5_000), 5_000, 'already expired: now');
    assert.equal(delayUntil(5_000, 10_000), 0);
    assert.equal(delayUntil(10_000 + 2 ** 40, 10_000), 2 ** 31 - 1);
  });

  it('asks for a new sign-in only when the provider refused the refresh token', () => {
    assert.equal(refreshFailure({ error: 'invalid_grant', error_description: 'grant request is invalid' }), 'sign-in');
    assert.equal(refreshFailure({ error: 'temporarily_unavailable' }), 'retry');
    assert.equal(refreshFailure(new TypeError('fetch failed')), 'retry');
    assert.equal(refreshFailure(undefined), 'retry');
  });
});
