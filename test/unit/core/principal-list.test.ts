import assert from 'node:assert/strict';
import { isListed, unqualifiedSubjects } from '../../../gateway/core/principal-list';

describe('core/principal-list', () => {
  const bob = { issuer: 'https://idp', subject: 'bob', groups: ['sec', 'dev'] };
  const cases: [string, Parameters<typeof isListed>[1], boolean][] = [
    ['no list', undefined, false],
    ['empty list', {}, false],
    ['by subject', { subjects: ['alice', 'bob'] }, true],
    ['by group', { groups: ['ops', 'sec'] }, true],
    ['neither', { subjects: ['alice'], groups: ['ops'] }, false],
    ['a group named like the subject does not count', { groups: ['bob'] }, false],
    ['by subject with its issuer', { subjects: [{ issuer: 'https://idp', subject: 'bob' }] }, true],
    ['the same subject from another issuer does not count', { subjects: [{ issuer: 'https://other-idp', subject: 'bob' }] }, false],
    ['an issuer entry for another subject does not count', { subjects: [{ issuer: 'https://idp', subject: 'alice' }] }, false],
  ];
  for (const [name, list, expected] of cases) it(name, () => assert.equal(isListed(bob, list), expected));

  it('finds bare subjects only when more than one issuer is trusted', () => {
    const list = ['alice', { issuer: 'https://idp', subject: 'bob' }, 'carol'];
    assert.deepEqual(unqualifiedSubjects(list, 2), [0, 2]);
    assert.deepEqual(unqualifiedSubjects(list, 1), []);
    assert.deepEqual(unqualifiedSubjects(undefined, 3), []);
  });
});
