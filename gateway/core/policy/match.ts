import type { Match } from '../../generated/gatehouse.policy';
import type { InferenceRequest, Principal } from '../types';
import { compileGlobs, globList } from '../glob';
import { anyOf, type LinearRegex } from '../linear-regex';
import { boundPromptText, compileSafeRegex } from './safe-regex';
import { promptSource } from '../prompt-text';

/** What one evaluation looks at. The bounded prompt is computed at most once per request. */
export interface MatchContext {
  principal: Principal;
  request: InferenceRequest;
  maxPromptScanBytes: number;
  scanned?: string;
}

export function promptOf(ctx: MatchContext): string {
  return (ctx.scanned ??= boundPromptText(promptSource(ctx.request), ctx.maxPromptScanBytes));
}

/** One condition of a match, compiled. `failure`/`success` build the explain text (off the hot path). */
export interface Check {
  name: string;
  test(ctx: MatchContext): boolean;
  failure(ctx: MatchContext): string;
  success(ctx: MatchContext): string;
}

/** A match in the plain shape the shadowing analysis compares (every glob field as a list). */
export interface NormalizedMatch {
  subject?: string[];
  groups?: string[];
  issuer?: string[];
  clientId?: string[];
  attributes?: Record<string, string[]>;
  upstream?: string[];
  endpoints?: string[];
  methods?: string[];
  paths?: string[];
  models?: string[];
  stream?: boolean;
  content?: string[];
}

export interface CompiledMatch {
  checks: Check[];
  normalized: NormalizedMatch;
  /** No conditions: matches every request. */
  catchAll: boolean;
}

export type ReportFn = (pointer: string, message: string, code: string) => void;

/**
 * Compiles a rule's (or masking rule's) `match` into checks ordered cheapest first, content last.
 * Invalid or unsafe content patterns are reported through `report` at their JSON pointer.
 *
 * @example
 * const m = compileMatch({ models: ['gpt-4o-mini*'] }, '/spec/rules/0/match', report);
 * matchAll(m, { principal, request, maxPromptScanBytes: 65536 }) // => true for model gpt-4o-mini
 */
export function compileMatch(spec: Match | undefined, pointer: string, report: ReportFn): CompiledMatch {
  const s = spec ?? {};
  const n: NormalizedMatch = {};
  const checks: Check[] = [];
  const p = s.principal ?? {};

  if (p.subject !== undefined) {
    n.subject = globList(p.subject);
    checks.push(globCheck('subject', n.subject, (c) => c.principal.subject));
  }
  if (p.issuer !== undefined) {
    n.issuer = globList(p.issuer);
    checks.push(globCheck('issuer', n.issuer, (c) => c.principal.issuer));
  }
  if (p.clientId !== undefined) {
    n.clientId = globList(p.clientId);
    checks.push(globCheck('clientId', n.clientId, (c) => c.principal.clientId));
  }
  if (p.groups !== undefined) {
    n.groups = [...p.groups];
    const wanted = new Set(p.groups);
    checks.push({
      name: 'groups',
      test: (c) => c.principal.groups.some((g) => wanted.has(g)),
      failure: (c) => `groups [${c.principal.groups.join(', ')}] include none of [${n.groups!.join(', ')}]`,
      success: (c) => `group ${c.principal.groups.find((g) => wanted.has(g))}`,
    });
  }
  if (p.attributes !== undefined) {
    n.attributes = {};
    for (const [name, globs] of Object.entries(p.attributes)) {
      const list = globList(globs);
      n.attributes[name] = list;
      const m = compileGlobs(list);
      const values = (c: MatchContext) => globList(c.principal.attributes?.[name]);
      checks.push({
        name: `attribute ${name}`,
        test: (c) => {
          const v = c.principal.attributes?.[name];
          return v === undefined ? false : typeof v === 'string' ? m(v) : v.some(m);
        },
        failure: (c) => values(c).length
          ? `attribute ${name} ${quoteList(values(c))} does not match ${list.join(', ')}`
          : `attribute ${name} is missing; rule requires ${list.join(', ')}`,
        success: () => `attribute ${name} ${list.join(', ')}`,
      });
    }
  }
  if (s.upstream !== undefined) {
    n.upstream = globList(s.upstream);
    checks.push(globCheck('upstream', n.upstream, (c) => c.request.upstream));
  }
  if (s.endpoints !== undefined) {
    n.endpoints = [...s.endpoints];
    checks.push(setCheck('endpoint', n.endpoints, (c) => c.request.endpoint));
  }
  if (s.methods !== undefined) {
    n.methods = [...s.methods];
    checks.push(setCheck('method', n.methods, (c) => c.request.method));
  }
  if (s.paths !== undefined) {
    n.paths = globList(s.paths);
    checks.push(globCheck('path', n.paths, (c) => c.request.path));
  }
  if (s.models !== undefined) {
    n.models = globList(s.models);
    checks.push(globCheck('model', n.models, (c) => c.request.model));
  }
  if (s.stream !== undefined) {
    const want = s.stream;
    n.stream = want;
    checks.push({
      name: 'stream',
      test: (c) => c.request.stream === want,
      failure: () => (want ? 'request is not streaming' : 'request is streaming'),
      success: () => (want ? 'streaming' : 'not streaming'),
    });
  }
  if (s.content !== undefined) {
    n.content = [...s.content];
    const regexes: LinearRegex[] = [];
    s.content.forEach((pattern, i) => {
      const r = compileSafeRegex(pattern);
      if (r.ok) regexes.push(r.regex);
      else report(`${pointer}/content/${i}`, r.message, r.code);
    });
    // One scan of the prompt for all patterns (an alternation of safe patterns stays safe).
    const any = regexes.length ? anyOf(regexes) : undefined;
    checks.push({
      name: 'content',
      test: (c) => any !== undefined && any.test(promptOf(c)),
      failure: () => `prompt matches none of the content patterns ${regexes.map(String).join(', ')}`,
      success: (c) => `prompt matches ${String(regexes.find((r) => r.test(promptOf(c))))}`,
    });
  }
  checks.sort((a, b) => costRank(a.name) - costRank(b.name));
  return { checks, normalized: n, catchAll: checks.length === 0 };
}

/** Cheap, selective checks first; the prompt scan last. The explain trace reports failures in this order. */
const ranks: Record<string, number> = { stream: 0, endpoint: 1, method: 2, upstream: 3, model: 4, path: 5, groups: 6, subject: 7, issuer: 8, clientId: 9, content: 99 };
function costRank(name: string): number {
  return ranks[name] ?? 10;
}

/** True when every check passes. The hot path: no allocation. */
export function matchAll(m: CompiledMatch, ctx: MatchContext): boolean {
  const checks = m.checks;
  for (let i = 0; i < checks.length; i++) if (!checks[i].test(ctx)) return false;
  return true;
}

/**
 * Explains a match: the first failed condition, or what matched.
 *
 * @example
 * explainMatch(m, ctx) // => { matched: false, reason: 'model "gpt-4o" does not match gpt-4o-mini*' }
 */
export function explainMatch(m: CompiledMatch, ctx: MatchContext): { matched: boolean; reason: string } {
  if (m.catchAll) return { matched: true, reason: 'matches every request (no conditions)' };
  for (const check of m.checks) {
    if (!check.test(ctx)) return { matched: false, reason: check.failure(ctx) };
  }
  return { matched: true, reason: `matched: ${m.checks.map((c) => c.success(ctx)).join(', ')}` };
}

function globCheck(name: string, globs: string[], value: (c: MatchContext) => string | undefined): Check {
  const m = compileGlobs(globs);
  const wanted = globs.join(', ');
  return {
    name,
    test: (c) => {
      const v = value(c);
      return v !== undefined && m(v);
    },
    failure: (c) => {
      const v = value(c);
      return v === undefined ? `request has no ${name}; rule requires ${wanted}` : `${name} "${v}" does not match ${wanted}`;
    },
    success: (c) => `${name} "${value(c)}" ~ ${globs.find((g) => compileGlobs([g])(value(c)!))}`,
  };
}

function setCheck(name: string, allowed: string[], value: (c: MatchContext) => string): Check {
  const set = new Set(allowed);
  return {
    name,
    test: (c) => {
      const v = value(c);
      return set.has(v) || (name === 'method' && set.has(v.toUpperCase()));
    },
    failure: (c) => `${name} ${value(c)} is not ${allowed.length === 1 ? allowed[0] : `one of ${allowed.join(', ')}`}`,
    success: (c) => `${name} ${value(c)}`,
  };
}

function quoteList(values: string[]): string {
  return values.length === 1 ? `"${values[0]}"` : `[${values.join(', ')}]`;
}
