import type { Test } from '../../generated/gatehouse.policy';
import type { Decision, DecisionLimits, EndpointKind, PolicyAction } from '../types';
import type { YamlDocument } from '../yaml-document';
import type { CompiledMatch } from './match';
import type { LinearRegex } from '../linear-regex';

/** Where an entry came from, to pin diagnostics and explain output to its YAML node. */
export interface Origin {
  doc: YamlDocument;
  /** JSON pointer inside `doc`, e.g. /spec/rules/3. */
  pointer: string;
}

export interface CompiledRule {
  id: string;
  description?: string;
  action: PolicyAction;
  match: CompiledMatch;
  /** Shared, frozen: decisions reference it without copying. */
  limits: Readonly<DecisionLimits>;
  approval?: Decision['approval'];
  /** Precomputed Decision.reasons[0] for this rule. */
  reason: string;
  origin: Origin;
}

export interface CompiledDenyContent {
  id: string;
  description?: string;
  regex: LinearRegex;
  reason: string;
  origin: Origin;
}

export interface CompiledDenyEndpoint {
  id: string;
  description?: string;
  match: CompiledMatch;
  reason: string;
  origin: Origin;
}

export interface CompiledMaskingRule {
  name: string;
  match: CompiledMatch;
  origin: Origin;
}

export interface PolicyTestCase {
  test: Test;
  origin: Origin;
}

/**
 * A policy (one or more files combined) compiled for evaluation: globs and regexes built, limits
 * normalized, ids checked. Immutable once built; the gateway swaps whole snapshots on reload.
 */
export interface CompiledPolicy {
  /** `sha256:<hex>` of the canonical JSON of the combined specs (tests and metadata excluded). */
  version: string;
  files: string[];
  names: string[];
  defaultAction: PolicyAction;
  denyContent: CompiledDenyContent[];
  /** All deny-content patterns as one alternation: one prompt scan decides whether any entry hits. */
  denyContentAny?: LinearRegex;
  denyEndpoints: CompiledDenyEndpoint[];
  rules: CompiledRule[];
  /**
   * The rules that can match each endpoint kind, in policy order (a rule without an endpoints
   * condition is in every list). Evaluation walks only the request's list; first-match order is kept.
   */
  rulesByEndpoint: Map<EndpointKind, CompiledRule[]>;
  maskingRules: CompiledMaskingRule[];
  /** What `compileMasking` returned for spec.masking (owned by the masking work). */
  masking?: unknown;
  /** spec.alerts of every file, combined (owned by the alerts work). */
  alerts: unknown[];
  tests: PolicyTestCase[];
  maxPromptScanBytes: number;
}
