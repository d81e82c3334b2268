import type { Principal } from './types';

/** Who a rule or setting names: any listed subject, or any member of a listed group. */
export interface PrincipalList {
  groups?: readonly string[];
  subjects?: readonly string[];
}

/**
 * Whether the principal is named by the list (rule approvers, `server.admins`).
 *
 * @example
 * isListed({ issuer: 'i', subject: 'bob', groups: ['sec'] }, { groups: ['sec'] }) // => true
 */
export function isListed(p: Principal, list: PrincipalList | undefined): boolean {
  if (!list) return false;
  return (list.subjects ?? []).includes(p.subject) || p.groups.some((g) => (list.groups ?? []).includes(g));
}
