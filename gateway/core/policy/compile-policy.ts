import type { Approval, GatehousePolicy, Limits, Match } from '../../generated/gatehouse.policy';
import type { Diagnostic } from '../diagnostics';
import { schemaDiagnostics } from '../schema-diagnostics';
import { endpointKinds, type Decision, type DecisionLimits } from '../types';
import type { YamlDocument } from '../yaml-document';
import type { CompiledPolicy, CompiledRule, Origin } from './compiled-policy';
import { compileMatch } from './match';
import { policyValidator } from './policy-schema';
import { policyVersion } from './policy-version';
import { anyOf } from '../linear-regex';
import { unqualifiedSubjects } from '../principal-list';
import { compileSafeRegex, defaultMaxPromptScanBytes } from './safe-regex';
import { semanticDiagnostics } from './semantic-diagnostics';

export interface MaskingCompileContext {
  /** Pins a problem to masking rule `index` (in the combined list) at `pointer` inside that rule. */
  report(index: number, pointer: string, message: string, code?: string, severity?: Diagnostic['severity']): void;
}

export interface CompilePolicyOptions {
  /** Content patterns scan at most this many characters of the prompt (head and tail). Default 65536. */
  maxPromptScanBytes?: number;
  /** The masking work's compiler for spec.masking (all files combined); its result is `policy.masking`. */
  compileMasking?: (rules: unknown[], ctx: MaskingCompileContext) => unknown;
  /** Detector names masking rules may use; when given, unknown names are errors. */
  knownDetectors?: readonly string[];
  /**
   * Issuers trusted for approver tokens (config approvals.approverIdentity). With more than one,
   * an approver subject must name its issuer. Unknown (the editor, `policy validate`): unchecked.
   */
  approverIssuers?: number;
}

export interface CompilePolicyResult {
  /** Present only when there are no error diagnostics. */
  policy?: CompiledPolicy;
  /** Errors and warnings, each pinned to its YAML node, in file order. */
  diagnostics: Diagnostic[];
}

const defaultApprovalTimeoutSeconds = 120;

/**
 * Validates (syntax, schema, semantics) and compiles one policy file, or several combined in the
 * given order: deny lists, rules, masking and alert rules are concatenated; rule ids must be unique
 * across files; files that set defaultAction must agree.
 *
 * @example
 * const { policy, diagnostics } = compilePolicy(parseYamlDocument(text, 'team.policy.yaml'));
 * if (!policy) diagnostics.forEach((d) => console.error(formatDiagnostic(d)));
 */
export function compilePolicy(input: YamlDocument | YamlDocument[], options: CompilePolicyOptions = {}): CompilePolicyResult {
  const docs = Array.isArray(input) ? input : [input];
  const diagnostics: Diagnostic[] = [];
  const valid: { doc: YamlDocument; value: GatehousePolicy }[] = [];
  for (const doc of docs) {
    diagnostics.push(...doc.syntaxErrors);
    if (doc.syntaxErrors.some((d) => d.severity === 'error')) continue;
    if (doc.value === undefined || doc.value === null) {
      diagnostics.push(doc.diagnostic('', 'empty policy file', 'error', 'ERR_POLICY_EMPTY'));
      continue;
    }
    const schemaErrors = schemaDiagnostics(doc, policyValidator());
    diagnostics.push(...schemaErrors);
    if (!schemaErrors.length) valid.push({ doc, value: doc.value as GatehousePolicy });
  }

  const policy: CompiledPolicy = {
    version: '',
    files: docs.map((d) => d.file),
    names: valid.map((v) => v.value.metadata.name),
    defaultAction: 'deny',
    denyContent: [],
    denyEndpoints: [],
    rules: [],
    rulesByEndpoint: new Map(),
    maskingRules: [],
    alerts: [],
    tests: [],
    maxPromptScanBytes: options.maxPromptScanBytes ?? defaultMaxPromptScanBytes,
  };
  const maskingSpecs: unknown[] = [];
  const maskingOrigins: Origin[] = [];
  let defaultFrom: Origin | undefined;

  for (const { doc, value } of valid) {
    const spec = value.spec;
    const report = (pointer: string, message: string, code: string) => diagnostics.push(doc.diagnostic(pointer, message, 'error', code));
    if (spec.defaultAction !== undefined) {
      const origin = { doc, pointer: '/spec/defaultAction' };
      if (defaultFrom && spec.defaultAction !== policy.defaultAction) {
        report(origin.pointer, `defaultAction ${spec.defaultAction} conflicts with ${policy.defaultAction} set in ${defaultFrom.doc.file}`, 'ERR_POLICY_DEFAULT_CONFLICT');
      } else {
        policy.defaultAction = spec.defaultAction;
        defaultFrom = origin;
      }
    }
    spec.denyContent?.forEach((e, i) => {
      const pointer = `/spec/denyContent/${i}`;
      const r = compileSafeRegex(e.pattern);
      if (!r.ok) return report(`${pointer}/pattern`, r.message, r.code);
      policy.denyContent.push({
        id: e.id, description: e.description, regex: r.regex, origin: { doc, pointer },
        reason: `prompt matches deny list entry ${e.id}${e.description ? ` (${e.description})` : ''}`,
      });
    });
    spec.denyEndpoints?.forEach((e, i) => {
      const pointer = `/spec/denyEndpoints/${i}`;
      if (e.paths === undefined && e.endpoints === undefined) {
        report(pointer, 'a deny endpoint entry needs paths or endpoints', 'ERR_POLICY_DENY_ENDPOINT_EMPTY');
        return;
      }
      // paths and endpoints are alternatives (either one blocks), so each becomes its own match.
      const parts: Match[] = [];
      if (e.paths !== undefined) parts.push({ paths: e.paths, ...(e.methods ? { methods: e.methods } : {}) });
      if (e.endpoints !== undefined) parts.push({ endpoints: e.endpoints, ...(e.methods ? { methods: e.methods } : {}) });
      for (const part of parts) {
        policy.denyEndpoints.push({
          id: e.id, description: e.description, match: compileMatch(part, pointer, report), origin: { doc, pointer },
          reason: `endpoint is on the deny list (${e.id}${e.description ? `: ${e.description}` : ''})`,
        });
      }
    });
    spec.rules?.forEach((rule, i) => {
      const pointer = `/spec/rules/${i}`;
      const compiled: CompiledRule = {
        id: rule.id,
        description: rule.description,
        action: rule.action,
        match: compileMatch(rule.match, `${pointer}/match`, report),
        limits: Object.freeze(normalizeLimits(rule.limits)),
        approval: rule.action === 'require_approval' ? normalizeApproval(rule.approval) : undefined,
        reason: `matched rule ${rule.id}${rule.description ? ` (${rule.description})` : ''}`,
        origin: { doc, pointer },
      };
      for (const k of unqualifiedSubjects(rule.approval?.approvers?.subjects, options.approverIssuers ?? 0)) {
        report(`${pointer}/approval/approvers/subjects/${k}`, `a subject without an issuer, while approver tokens come from ${options.approverIssuers} issuers (approvals.approverIdentity, the development issuer counts when on): the same sub from any of them could approve; write { issuer: <iss>, subject: <sub> }`, 'ERR_POLICY_SUBJECT_ISSUER');
      }
      policy.rules.push(compiled);
    });
    (spec.masking ?? []).forEach((m, i) => {
      const pointer = `/spec/masking/${i}`;
      maskingSpecs.push(m);
      maskingOrigins.push({ doc, pointer });
      const entry = (m ?? {}) as { name?: unknown; match?: Match };
      if (typeof entry.name !== 'string' || !entry.name) {
        report(pointer, 'a masking rule needs a name', 'ERR_POLICY_MASKING_NAME');
        return;
      }
      policy.maskingRules.push({ name: entry.name, match: compileMatch(entry.match, `${pointer}/match`, report), origin: { doc, pointer } });
    });
    policy.alerts.push(...(spec.alerts ?? []));
    value.tests?.forEach((test, i) => policy.tests.push({ test, origin: { doc, pointer: `/tests/${i}` } }));
  }

  for (const kind of endpointKinds) {
    policy.rulesByEndpoint.set(kind, policy.rules.filter((r) => !r.match.normalized.endpoints || r.match.normalized.endpoints.includes(kind)));
  }
  if (policy.denyContent.length > 1) {
    policy.denyContentAny = anyOf(policy.denyContent.map((e) => e.regex));
  }

  if (options.compileMasking && maskingSpecs.length) {
    const ctx: MaskingCompileContext = {
      report(index, pointer, message, code, severity = 'error') {
        const origin = maskingOrigins[index] ?? maskingOrigins[0];
        diagnostics.push(origin.doc.diagnostic(`${origin.pointer}${pointer}`, message, severity, code ?? 'ERR_POLICY_MASKING'));
      },
    };
    try {
      policy.masking = options.compileMasking(maskingSpecs, ctx);
    } catch (err) {
      const origin = maskingOrigins[0];
      diagnostics.push(origin.doc.diagnostic('/spec/masking', `masking rules do not compile: ${(err as Error).message}`, 'error', 'ERR_POLICY_MASKING'));
    }
  }

  diagnostics.push(...semanticDiagnostics(policy, { maskingSpecs, maskingOrigins, defaultFrom, knownDetectors: options.knownDetectors }));
  if (diagnostics.some((d) => d.severity === 'error') || valid.length < docs.length) return { diagnostics };
  policy.version = policyVersion(valid.map((v) => v.value.spec));
  return { policy, diagnostics };
}

/** "1m" → 60, "2h" → 7200, "1d" → 86400, 30 → 30. */
export function durationSeconds(value: number | string): number {
  if (typeof value === 'number') return value;
  const n = Number(value.slice(0, -1));
  return value.endsWith('d') ? n * 86400 : value.endsWith('h') ? n * 3600 : value.endsWith('m') ? n * 60 : n;
}

export function normalizeLimits(limits: Limits | undefined): DecisionLimits {
  if (!limits) return {};
  const out: DecisionLimits = {};
  if (limits.maxBodyBytes !== undefined) out.maxBodyBytes = limits.maxBodyBytes;
  if (limits.maxTokens !== undefined) {
    out.maxTokens = limits.maxTokens;
    out.maxTokensMode = limits.maxTokensMode ?? 'reject';
  }
  if (limits.rate) out.rate = { requests: limits.rate.requests, windowSeconds: durationSeconds(limits.rate.per) };
  if (limits.concurrent !== undefined) out.concurrent = limits.concurrent;
  if (limits.tokens) {
    const { total, input, output, per, scope, alertAt } = limits.tokens;
    out.tokens = { ...(total !== undefined ? { total } : {}), ...(input !== undefined ? { input } : {}), ...(output !== undefined ? { output } : {}), windowSeconds: durationSeconds(per), scope: scope ?? 'principal', ...alertFractions(alertAt) };
  }
  if (limits.spend) out.spend = { amount: limits.spend.amount, currency: limits.spend.currency, windowSeconds: durationSeconds(limits.spend.per), scope: limits.spend.scope ?? 'principal', ...alertFractions(limits.spend.alertAt) };
  return out;
}

/** A budget's alert fractions, ascending (the schema has checked 0 < f ≤ 1). */
function alertFractions(alertAt: number[] | undefined): { alertAt?: number[] } {
  return alertAt?.length ? { alertAt: [...alertAt].sort((a, b) => a - b) } : {};
}

function normalizeApproval(a: Approval | undefined): Decision['approval'] {
  return {
    approvers: { groups: a?.approvers?.groups ?? [], subjects: a?.approvers?.subjects ?? [] },
    minApprovals: a?.minApprovals ?? 1,
    timeoutSeconds: a?.timeout !== undefined ? durationSeconds(a.timeout) : defaultApprovalTimeoutSeconds,
    ...(a?.grantTtl !== undefined ? { grantTtlSeconds: durationSeconds(a.grantTtl) } : {}),
  };
}
