import { randomBytes } from 'node:crypto';
import type { MaskingRules } from '../../generated/masking-rules';
import { compileCustomDetector } from './custom-detectors';
import { builtinDetectorNames, secretDetectorNames, type BuiltinDetectorName } from './detectors';
import { parseJsonPath, type PathSegment } from './json-path';
import { isPhoneRegion } from './phone-numbers';
import { createScanner, type CustomDetector, type Scanner } from './scanner';
import type { MaskStyle } from './styles';

export type MaskWhere = 'audit' | 'upstream' | 'client';

/** One rule, ready to apply. */
export interface CompiledRule {
  name: string;
  description?: string;
  /** Position in the policy (reports and tie-breaks follow policy order). */
  index: number;
  style: MaskStyle;
  where: ReadonlySet<MaskWhere>;
  minConfidence: number;
  builtins: ReadonlySet<BuiltinDetectorName>;
  custom: readonly CustomDetector[];
  /** Paths where detectors run; null: every string. */
  detectPaths: readonly PathSegment[][] | null;
  /** Paths whose whole value is replaced. */
  wholePaths: readonly PathSegment[][];
}

/** A compiled masking spec: compile once per policy load, share across requests. */
export interface CompiledMasking {
  readonly rules: readonly CompiledRule[];
  readonly byName: ReadonlyMap<string, CompiledRule>;
  /** Applied to every audit copy, whatever the decision lists (config masking.auditDetectors). */
  readonly defaultAudit: CompiledRule | null;
  /** Key of the hash style. */
  readonly hashKey: Uint8Array | string;
  /** The combined scanner for a set of rules (cached by the set). */
  scannerFor(rules: readonly CompiledRule[]): Scanner;
}

export interface CompileMaskingOptions {
  /** HMAC key of the hash style; default: a random per-process key (tokens correlate within one run only). */
  hashKey?: Uint8Array | string;
  /** Detectors of the default audit masking; default ['all']; [] turns it off. */
  auditDetectors?: readonly string[];
  /** Regions whose national phone formats the phone detector knows (default US, GB, DE, FR, IN). */
  phoneRegions?: readonly string[];
}

/** A problem in spec.masking; `path` is a JSON pointer relative to the masking array (e.g. /0/custom/1/pattern). */
export interface MaskingSpecError {
  path: string;
  message: string;
}

export class MaskingRulesError extends Error {
  readonly code = 'ERR_MASKING_INVALID_RULES';
  constructor(readonly errors: MaskingSpecError[]) {
    super(`invalid masking rules: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
    this.name = 'MaskingRulesError';
  }
}

let processKey: Uint8Array | undefined;
const defaultAuditName = 'default-audit';

/**
 * Validates and compiles spec.masking: expands detector aliases, compiles custom regexes (refusing
 * catastrophic ones) and field paths. Throws MaskingRulesError listing every problem.
 *
 * @example
 * const compiled = compileMaskingRules([
 *   { name: 'pci', detectors: ['card'], where: ['upstream'], style: 'partial' },
 *   { name: 'patient', fields: [{ path: '$.metadata.patient_id', action: 'mask-whole' }], style: 'hash' },
 * ], { hashKey: process.env.MASK_KEY });
 * compiled.byName.get('pci')?.builtins // => Set { 'card' }
 */
export function compileMaskingRules(spec: MaskingRules | undefined | null, options: CompileMaskingOptions = {}): CompiledMasking {
  const errors: MaskingSpecError[] = [];
  const rules: CompiledRule[] = [];
  const byName = new Map<string, CompiledRule>();
  (spec ?? []).forEach((raw, index) => {
    const at = `/${index}`;
    if (byName.has(raw.name) || raw.name === defaultAuditName) {
      errors.push({ path: `${at}/name`, message: `duplicate masking rule name "${raw.name}"` });
      return;
    }
    const custom: CustomDetector[] = [];
    (raw.custom ?? []).forEach((def, i) => {
      if ((builtinDetectorNames as readonly string[]).includes(def.name) || def.name === 'all' || def.name === 'field') {
        errors.push({ path: `${at}/custom/${i}/name`, message: `"${def.name}" is a built-in detector name` });
        return;
      }
      if (custom.some((c) => c.name === def.name)) {
        errors.push({ path: `${at}/custom/${i}/name`, message: `duplicate custom detector "${def.name}"` });
        return;
      }
      const r = compileCustomDetector(def);
      if (r.ok) custom.push(r.detector);
      else errors.push({ path: `${at}/custom/${i}/pattern`, message: r.error });
    });
    const builtins = new Set<BuiltinDetectorName>();
    (raw.detectors ?? []).forEach((name, i) => {
      const expanded = expandDetector(name);
      if (expanded) expanded.forEach((d) => builtins.add(d));
      else if (!custom.some((c) => c.name === name) && !(raw.custom ?? []).some((c) => c.name === name)) {
        errors.push({ path: `${at}/detectors/${i}`, message: `unknown detector "${name}" (not built in, not a custom detector of this rule)` });
      }
    });
    const detectPaths: PathSegment[][] = [];
    const wholePaths: PathSegment[][] = [];
    (raw.fields ?? []).forEach((f, i) => {
      try {
        (f.action === 'mask-whole' ? wholePaths : detectPaths).push(parseJsonPath(f.path));
      } catch (err) {
        errors.push({ path: `${at}/fields/${i}/path`, message: (err as Error).message });
      }
    });
    const onlyWhole = (raw.fields ?? []).length > 0 && detectPaths.length === 0;
    const rule: CompiledRule = {
      name: raw.name,
      ...(raw.description ? { description: raw.description } : {}),
      index,
      style: raw.style ?? 'placeholder',
      where: new Set<MaskWhere>(raw.where ?? ['audit', 'upstream', 'client']),
      minConfidence: raw.minConfidence ?? 0.5,
      builtins,
      custom,
      detectPaths: (raw.fields ?? []).length === 0 ? null : onlyWhole ? [] : detectPaths,
      wholePaths,
    };
    rules.push(rule);
    byName.set(rule.name, rule);
  });
  const auditDetectors = options.auditDetectors ?? ['all'];
  const auditBuiltins = new Set<BuiltinDetectorName>();
  auditDetectors.forEach((name, i) => {
    const expanded = expandDetector(name);
    if (expanded) expanded.forEach((d) => auditBuiltins.add(d));
    else errors.push({ path: `#auditDetectors/${i}`, message: `unknown detector "${name}"` });
  });
  (options.phoneRegions ?? []).forEach((region, i) => {
    if (!isPhoneRegion(region)) errors.push({ path: `#phoneRegions/${i}`, message: `unknown phone region "${region}" (an ISO 3166-1 alpha-2 code with a numbering plan)` });
  });
  if (errors.length) throw new MaskingRulesError(errors);
  const detectorSettings = options.phoneRegions ? { phoneRegions: options.phoneRegions } : {};

  const defaultAudit: CompiledRule | null = auditBuiltins.size
    ? {
      name: defaultAuditName, index: rules.length, style: 'placeholder', where: new Set<MaskWhere>(['audit']), minConfidence: 0.5,
      builtins: auditBuiltins, custom: [], detectPaths: null, wholePaths: [],
    }
    : null;
  const hashKey = options.hashKey ?? (processKey ??= randomBytes(32));
  const cache = new Map<number | string, Scanner>();
  return {
    rules,
    byName,
    defaultAudit,
    hashKey,
    scannerFor(set) {
      let key: number | string = 0;
      for (const r of set) key = r.index < 30 && typeof key === 'number' ? key | (1 << r.index) : `${key},${r.index}`;
      let scanner = cache.get(key);
      if (!scanner) {
        const builtins = new Set<BuiltinDetectorName>();
        const custom: CustomDetector[] = [];
        for (const r of set) {
          r.builtins.forEach((b) => builtins.add(b));
          custom.push(...r.custom);
        }
        scanner = createScanner(builtins, custom, detectorSettings);
        if (cache.size > 512) cache.clear();
        cache.set(key, scanner);
      }
      return scanner;
    },
  };
}

/** `all` and `secret` are aliases; undefined for a name that is not built in. */
export function expandDetector(name: string): readonly BuiltinDetectorName[] | undefined {
  if (name === 'all') return builtinDetectorNames;
  if (name === 'secret') return secretDetectorNames;
  return (builtinDetectorNames as readonly string[]).includes(name) ? [name as BuiltinDetectorName] : undefined;
}
