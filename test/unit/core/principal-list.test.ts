import assert from 'node:assert/strict';
import { isListed } from '../../../gateway/core/principal-list';

describe('core/principal-list', () => {
  const bob = { issuer: 'https://idp', subject: 'bob', groups: ['sec', 'dev'] };
  const cases: [string, Parameters<typeof isListed>[1], boolean][] = [
    ['no list', undefined, false],
    ['empty list', {}, false],
    ['by subject', { subjects: ['alice', 'bob'] }, true],
    ['by group', { groups: ['ops', 'sec'] }, true],
    ['neither', { subjects: ['alice'], groups: ['ops'] }, false],
    ['a group named like the subject does not count', { groups: ['bob'] }, false],
  ];
  for (const [name, list, expected] of cases) it(name, () => assert.equal(isListed(bob, list), expected));
});
