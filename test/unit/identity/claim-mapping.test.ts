import assert from 'node:assert/strict';
import { compileClaimMapping, compileClaimPath } from '../../../gateway/core/identity/claim-mapping';

describe('identity: claim mapping', () => {
  const paths: [string, Record<string, unknown>, unknown][] = [
    ['sub', { sub: 'svc' }, 'svc'],
    ['realm_access.roles', { realm_access: { roles: ['ci', 'ml'] } }, ['ci', 'ml']],
    ['/resource_access/my.client/roles', { resource_access: { 'my.client': { roles: ['deploy'] } } }, ['deploy']],
    ['/a~1b/c~0d', { 'a/b': { 'c~d': 1 } }, 1],
    ['a.b', { a: 'not an object' }, undefined],
    ['a.b', { a: ['x'] }, undefined],
    ['__proto__.polluted', {}, undefined],
    ['constructor', {}, undefined],
    ['missing.deep.path', { missing: {} }, undefined],
  ];
  for (const [path, claims, expected] of paths) {
    it(`reads ${path}`, () => assert.deepEqual(compileClaimPath(path)(claims), expected));
  }

  it('refuses a path with an empty step at compile time', () => {
    assert.throws(() => compileClaimPath('a..b'), /empty step/);
  });

  it('maps Keycloak roles, Entra roles and groups into one deduplicated list', () => {
    const map = compileClaimMapping({ groups: ['realm_access.roles', 'roles', 'groups'] });
    const mapped = map({ sub: 's', realm_access: { roles: ['ci', 'ml'] }, roles: 'ml', groups: ['ops', 7, ''] });
    assert.deepEqual(mapped, { subject: 's', groups: ['ci', 'ml', 'ops'] });
  });

  it('takes the first client id path that holds a string', () => {
    const map = compileClaimMapping();
    assert.deepEqual(map({ sub: 's', client_id: 'cc' }), { subject: 's', groups: [], clientId: 'cc' });
    assert.deepEqual(map({ sub: 's', azp: 'az', client_id: 'cc' }), { subject: 's', groups: [], clientId: 'az' });
  });

  it('maps GitHub Actions attributes and a Kubernetes service-account subject', () => {
    const map = compileClaimMapping({ attributes: { repository: 'repository', workflow: 'workflow', runNumber: 'run_number', refs: 'refs', nested: 'obj' } });
    const mapped = map({ sub: 'system:serviceaccount:ci:runner', repository: 'acme/app', workflow: 'deploy', run_number: 42, refs: ['a', 1], obj: { x: 1 } });
    assert.deepEqual(mapped, {
      subject: 'system:serviceaccount:ci:runner', groups: [],
      attributes: { repository: 'acme/app', workflow: 'deploy', runNumber: '42', refs: ['a'] },
    });
  });

  it('reports a missing or non-string subject', () => {
    const map = compileClaimMapping({ subject: 'email' });
    assert.deepEqual(map({ sub: 's' }), { missing: 'email' });
    assert.deepEqual(map({ email: 5 }), { missing: 'email' });
  });
});
