/**
 * Maps a verified token's claims to the parts of a Principal: subject, client id, groups and
 * attributes, read from configurable claim paths. Pure: no Node, no I/O. Paths compile once
 * (at config load) into getters; mapping a token is a few property reads.
 */

/** A claims object as decoded from a JWT payload. */
export type Claims = Record<string, unknown>;

/** Reads one value from claims; `undefined` when any step is missing. */
export type ClaimGetter = (claims: Claims) => unknown;

/**
 * Compiles a claim path. Dotted (`realm_access.roles`) or, for keys holding dots, a JSON
 * pointer (`/resource_access/my.client/roles`, RFC 6901 escapes `~0` `~1`). Only own
 * properties are read, so `__proto__` or `constructor` never reach the prototype.
 *
 * Example: `compileClaimPath('realm_access.roles')({ realm_access: { roles: ['ci'] } })` → `['ci']`
 */
export function compileClaimPath(path: string): ClaimGetter {
  const steps = path.startsWith('/')
    ? path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    : path.split('.');
  if (steps.some((s) => s === '')) throw new Error(`invalid claim path "${path}": empty step`);
  if (steps.length === 1) {
    const key = steps[0]!;
    return (claims) => (Object.hasOwn(claims, key) ? claims[key] : undefined);
  }
  return (claims) => {
    let at: unknown = claims;
    for (const step of steps) {
      if (at === null || typeof at !== 'object' || Array.isArray(at) || !Object.hasOwn(at, step)) return undefined;
      at = (at as Record<string, unknown>)[step];
    }
    return at;
  };
}

/** Claim paths as configured (the schema's `claims` object). */
export interface ClaimMappingConfig {
  subject?: string;
  clientId?: string[];
  groups?: string[];
  attributes?: Record<string, string>;
}

export interface MappedClaims {
  subject: string;
  clientId?: string;
  groups: string[];
  attributes?: Record<string, string | string[]>;
}

/** Maps claims, or says which claim was wrong (the caller turns that into ERR_TOKEN_CLAIMS). */
export type ClaimMapper = (claims: Claims) => MappedClaims | { missing: string };

export const defaultClaimMapping = {
  subject: 'sub',
  clientId: ['azp', 'client_id'],
  groups: ['groups'],
} as const;

/**
 * Compiles a claim mapping. Groups from all paths are merged (a string counts as one group, an
 * array contributes its strings); the first clientId path holding a string wins; attributes keep
 * strings, string arrays, and numbers/booleans as strings.
 *
 * Example:
 *   const map = compileClaimMapping({ groups: ['realm_access.roles'], attributes: { repository: 'repository' } });
 *   map({ sub: 'svc', realm_access: { roles: ['ml'] }, repository: 'acme/app' })
 *   // → { subject: 'svc', groups: ['ml'], attributes: { repository: 'acme/app' } }
 */
export function compileClaimMapping(config: ClaimMappingConfig = {}): ClaimMapper {
  const subjectPath = config.subject ?? defaultClaimMapping.subject;
  const subject = compileClaimPath(subjectPath);
  const clientIds = (config.clientId ?? defaultClaimMapping.clientId).map(compileClaimPath);
  const groups = (config.groups ?? defaultClaimMapping.groups).map(compileClaimPath);
  const attributes = Object.entries(config.attributes ?? {}).map(([name, path]) => [name, compileClaimPath(path)] as const);

  return (claims) => {
    const sub = subject(claims);
    if (typeof sub !== 'string' || sub === '') return { missing: subjectPath };
    const mapped: MappedClaims = { subject: sub, groups: collectGroups(groups, claims) };
    for (const get of clientIds) {
      const value = get(claims);
      if (typeof value === 'string' && value !== '') {
        mapped.clientId = value;
        break;
      }
    }
    if (attributes.length) {
      const out: Record<string, string | string[]> = {};
      for (const [name, get] of attributes) {
        const value = attributeValue(get(claims));
        if (value !== undefined) out[name] = value;
      }
      mapped.attributes = out;
    }
    return mapped;
  };
}

function collectGroups(getters: ClaimGetter[], claims: Claims): string[] {
  if (getters.length === 1) return stringsOf(getters[0]!(claims));
  const all = new Set<string>();
  for (const get of getters) for (const g of stringsOf(get(claims))) all.add(g);
  return [...all];
}

function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (!Array.isArray(value)) return [];
  const out: string[] = [];
  for (const v of value) if (typeof v === 'string' && v !== '' && !out.includes(v)) out.push(v);
  return out;
}

function attributeValue(value: unknown): string | string[] | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return undefined;
}
