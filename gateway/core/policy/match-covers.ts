import { globsCover } from '../glob';
import type { NormalizedMatch } from './match';

type GlobField = 'subject' | 'issuer' | 'clientId' | 'upstream' | 'paths' | 'models';
type SetField = 'groups' | 'endpoints' | 'methods' | 'content';
const globFields: GlobField[] = ['subject', 'issuer', 'clientId', 'upstream', 'paths', 'models'];
/** Request facts that may be absent: a condition on them never matches a request without them. */
const optionalFields = new Set<GlobField>(['clientId', 'models']);
const setFields: SetField[] = ['groups', 'endpoints', 'methods', 'content'];

/**
 * True when every request `inner` matches is also matched by `outer`, i.e. a rule with `inner`
 * placed after a rule with `outer` can never decide. Conservative: answers false when unsure, so
 * a shadowing warning is always real.
 *
 * @example
 * matchCovers({ models: ['gpt-*'] }, { models: ['gpt-4o'], endpoints: ['chat'] }) // => true
 * matchCovers({ models: ['gpt-4o'] }, { models: ['gpt-*'] })                       // => false
 */
export function matchCovers(outer: NormalizedMatch, inner: NormalizedMatch): boolean {
  for (const f of globFields) {
    const o = outer[f];
    if (o === undefined) continue;
    const i = inner[f] ?? (optionalFields.has(f) ? undefined : ['*']);
    if (i === undefined || !globsCover(o, i)) return false;
  }
  for (const f of setFields) {
    const o = outer[f];
    if (o === undefined) continue;
    const i = inner[f];
    if (i === undefined || !i.every((v) => o.includes(v))) return false;
  }
  if (outer.stream !== undefined && inner.stream !== outer.stream) return false;
  for (const [name, o] of Object.entries(outer.attributes ?? {})) {
    const i = inner.attributes?.[name];
    if (i === undefined || !globsCover(o, i)) return false;
  }
  return true;
}
