import type { CompiledMasking, CompiledRule, MaskWhere } from './compile';
import { selectRules } from './mask-text';

/**
 * True when the audit copy of a body is bound to come out exactly as the `where` copy (upstream
 * or client), so one masking pass can serve both: the audit applies the same rules, in the same
 * order, plus only the default audit rule, and that rule never gets a detection of its own —
 * each of its detectors is run by a `where` rule that accepts at least as low a confidence.
 * Rules with field paths are left to the general case.
 *
 * @example
 * const c = compileMaskingRules([{ name: 'pii', detectors: ['all'], where: ['upstream'] }]);
 * auditSameAs(c, 'upstream', undefined) // => true: the upstream copy is the audit copy
 */
export function auditSameAs(compiled: CompiledMasking, where: Exclude<MaskWhere, 'audit'>, ruleNames: readonly string[] | undefined): boolean {
  const copy = selectRules(compiled, where, ruleNames);
  // A selection made once for its names (selectRules: a decision's frozen masks) is one object
  // for one (compiled, where, names): its answer is decided once too.
  let same = decided.get(copy);
  if (same === undefined) {
    same = decide(compiled, ruleNames, copy);
    if (Object.isFrozen(copy)) decided.set(copy, same);
  }
  return same;
}

const decided = new WeakMap<readonly CompiledRule[], boolean>();

function decide(compiled: CompiledMasking, ruleNames: readonly string[] | undefined, copy: readonly CompiledRule[]): boolean {
  const audit = selectRules(compiled, 'audit', ruleNames);
  const extra = audit.length - copy.length;
  if (copy.length === 0 || extra > 1 || (extra === 1 && audit[audit.length - 1] !== compiled.defaultAudit)) return false;
  for (let i = 0; i < copy.length; i++) if (audit[i] !== copy[i] || hasFields(copy[i])) return false;
  const def = extra === 1 ? compiled.defaultAudit! : null;
  if (!def) return true;
  if (def.custom.length || hasFields(def)) return false;
  for (const d of def.builtins) {
    if (!copy.some((r) => r.builtins.has(d) && r.minConfidence <= def.minConfidence)) return false;
  }
  return true;
}

function hasFields(r: CompiledRule): boolean {
  return r.detectPaths !== null || r.wholePaths.length > 0;
}
