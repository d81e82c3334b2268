import type { Diagnostic } from '../diagnostics';
import type { CompiledPolicy, Origin } from './compiled-policy';
import { matchCovers } from './match-covers';

export interface SemanticInputs {
  maskingSpecs: unknown[];
  maskingOrigins: Origin[];
  /** Where defaultAction was set explicitly, if anywhere. */
  defaultFrom?: Origin;
  knownDetectors?: readonly string[];
}

/**
 * The checks a schema cannot express: duplicate ids across files, rules shadowed by an earlier
 * rule whose match is a superset, a default that can never apply, settings that have no effect,
 * unknown detectors, and tests naming rules or masking rules that do not exist.
 *
 * @example
 * semanticDiagnostics(policy, inputs)
 * // => [{ severity: 'warning', code: 'ERR_POLICY_SHADOWED_RULE', message: 'rule "b" is never reached: …', … }]
 */
export function semanticDiagnostics(policy: CompiledPolicy, inputs: SemanticInputs): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (o: Origin, sub: string, message: string, code: string, severity: Diagnostic['severity'] = 'error') =>
    out.push(o.doc.diagnostic(o.pointer + sub, message, severity, code));
  const where = (o: Origin) => `${o.doc.file}:${o.doc.locate(o.pointer).line}`;

  // Ids: rules and deny-list entries share one namespace (they all appear as Decision.rule).
  const ids = new Map<string, Origin>();
  const seenEntries = new Set<string>();
  const entries = [...policy.denyContent, ...policy.denyEndpoints, ...policy.rules];
  for (const e of entries) {
    const key = `${e.origin.doc.file}#${e.origin.pointer}`;
    if (seenEntries.has(key)) continue; // a deny endpoint entry with paths and endpoints compiles to two
    seenEntries.add(key);
    if (e.id === 'default') {
      at(e.origin, '/id', 'rule id "default" is reserved for the default action', 'ERR_POLICY_RESERVED_RULE_ID');
      continue;
    }
    const first = ids.get(e.id);
    if (first) at(e.origin, '/id', `duplicate rule id "${e.id}" (first defined at ${where(first)})`, 'ERR_POLICY_DUPLICATE_RULE_ID');
    else ids.set(e.id, e.origin);
  }

  const maskNames = new Map<string, Origin>();
  for (const m of policy.maskingRules) {
    const first = maskNames.get(m.name);
    if (first) at(m.origin, '/name', `duplicate masking rule name "${m.name}" (first defined at ${where(first)})`, 'ERR_POLICY_DUPLICATE_MASKING_NAME');
    else maskNames.set(m.name, m.origin);
  }

  policy.rules.forEach((rule, j) => {
    const shadow = policy.rules.slice(0, j).find((earlier) => matchCovers(earlier.match.normalized, rule.match.normalized));
    if (shadow) {
      at(rule.origin, '/id', `rule "${rule.id}" is never reached: earlier rule "${shadow.id}" (${where(shadow.origin)}) matches every request it matches`, 'ERR_POLICY_SHADOWED_RULE', 'warning');
    }
    const hasLimits = Object.keys(rule.limits).length > 0;
    if (rule.action === 'deny' && hasLimits) at(rule.origin, '/limits', 'limits have no effect on a deny rule', 'ERR_POLICY_UNUSED_LIMITS', 'warning');
    const raw = rule.origin.doc.value as { spec: { rules: { approval?: { approvers?: { groups?: string[]; subjects?: string[] } }; limits?: { maxTokensMode?: string; maxTokens?: number } }[] } };
    const spec = raw.spec.rules[Number(rule.origin.pointer.split('/').pop())];
    if (spec.approval && rule.action !== 'require_approval') {
      at(rule.origin, '/approval', `approval settings have no effect on a ${rule.action} rule`, 'ERR_POLICY_UNUSED_APPROVAL', 'warning');
    }
    if (rule.action === 'require_approval' && !spec.approval?.approvers?.groups?.length && !spec.approval?.approvers?.subjects?.length) {
      at(rule.origin, '/action', 'require_approval without approval.approvers: only gateway admins can approve', 'ERR_POLICY_NO_APPROVERS', 'warning');
    }
    if (spec.limits?.maxTokensMode !== undefined && spec.limits.maxTokens === undefined) {
      at(rule.origin, '/limits/maxTokensMode', 'maxTokensMode has no effect without maxTokens', 'ERR_POLICY_UNUSED_LIMITS', 'warning');
    }
  });

  const catchAll = policy.rules.find((r) => r.match.catchAll);
  if (catchAll && inputs.defaultFrom) {
    at(inputs.defaultFrom, '', `defaultAction is never used: rule "${catchAll.id}" (${where(catchAll.origin)}) matches every request`, 'ERR_POLICY_UNREACHABLE_DEFAULT', 'warning');
  }

  if (inputs.knownDetectors) {
    const known = new Set(inputs.knownDetectors);
    inputs.maskingSpecs.forEach((spec, i) => {
      const detectors = (spec as { detectors?: unknown } | null)?.detectors;
      if (!Array.isArray(detectors)) return;
      detectors.forEach((d, k) => {
        const name = typeof d === 'string' ? d : (d as { name?: unknown } | null)?.name;
        if (typeof name === 'string' && !known.has(name)) {
          at(inputs.maskingOrigins[i], `/detectors/${k}`, `unknown detector "${name}" (known: ${[...known].join(', ')})`, 'ERR_POLICY_UNKNOWN_DETECTOR');
        }
      });
    });
  }

  for (const { test, origin } of policy.tests) {
    const rule = test.expect.rule;
    if (rule !== undefined && rule !== 'default' && !ids.has(rule)) {
      at(origin, '/expect/rule', `test expects rule "${rule}", which is not defined`, 'ERR_POLICY_UNDEFINED_RULE');
    }
    test.expect.masks?.forEach((name, k) => {
      if (!maskNames.has(name)) at(origin, `/expect/masks/${k}`, `test expects masking rule "${name}", which is not defined`, 'ERR_POLICY_UNDEFINED_MASK');
    });
  }
  return out;
}
