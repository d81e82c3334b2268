import type { Principal } from './types';

/**
 * A listed subject: a bare `sub`, or a `sub` with the issuer that must have issued it. Two issuers
 * may each have a user `alice`; a bare entry is allowed only while one issuer is trusted
 * (`unqualifiedSubjects` finds the others at load).
 */
export type SubjectEntry = string | { issuer: string; subject: string };

/** Who a rule or setting names: any listed subject, or any member of a listed group. */
export interface PrincipalList {
  groups?: readonly string[];
  subjects?: readonly SubjectEntry[];
}

/**
 * Whether the principal is named by the list (rule approvers, `server.admins`).
 *
 * @example
 * isListed({ issuer: 'i', subject: 'bob', groups: ['sec'] }, { groups: ['sec'] })                       // => true
 * isListed({ issuer: 'i', subject: 'bob', groups: [] }, { subjects: [{ issuer: 'j', subject: 'bob' }] }) // => false
 */
export function isListed(p: Principal, list: PrincipalList | undefined): boolean {
  if (!list) return false;
  return (list.subjects ?? []).some((e) => (typeof e === 'string' ? e === p.subject : e.subject === p.subject && e.issuer === p.issuer))
    || p.groups.some((g) => (list.groups ?? []).includes(g));
}

/**
 * The indexes of bare subject entries, which are ambiguous when more than one issuer is trusted
 * (the same `sub` from any of them would match): config and policy loading refuse them then.
 *
 * @example
 * unqualifiedSubjects(['alice', { issuer: 'i', subject: 'bob' }], 2) // => [0]
 * unqualifiedSubjects(['alice'], 1)                                  // => []
 */
export function unqualifiedSubjects(subjects: readonly SubjectEntry[] | undefined, trustedIssuers: number): number[] {
  if (trustedIssuers <= 1) return [];
  return (subjects ?? []).flatMap((e, i) => (typeof e === 'string' ? [i] : []));
}

/** A subject entry as people read it: `alice`, or `alice (https://idp.example.com)`. */
export function formatSubjectEntry(e: SubjectEntry): string {
  return typeof e === 'string' ? e : `${e.subject} (${e.issuer})`;
}
