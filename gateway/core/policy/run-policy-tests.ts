import type { Test } from '../../generated/gatehouse.policy';
import type { EndpointKind, ExplainStep, InferenceRequest, PolicyAction, Principal } from '../types';
import type { CompiledPolicy } from './compiled-policy';
import { describeBudgets } from '../usage/budget';
import { normalizeLimits } from './compile-policy';
import { evaluatePolicy } from './evaluate-policy';

export interface PolicyTestResult {
  name: string;
  file: string;
  line: number;
  column: number;
  passed: boolean;
  expected: Test['expect'];
  actual: { action: PolicyAction; rule: string; masks: string[] };
  /** One line per unmet expectation, e.g. 'expected rule ci-chat, got default'. */
  failures: string[];
  explain: ExplainStep[];
}

/** The path a test request gets when it names only an endpoint kind. */
export const defaultPathByEndpoint: Record<EndpointKind, string> = {
  chat: '/v1/chat/completions',
  completions: '/v1/completions',
  responses: '/v1/responses',
  embeddings: '/v1/embeddings',
  'fine-tuning': '/v1/fine_tuning/jobs',
  files: '/v1/files',
  models: '/v1/models',
  messages: '/v1/messages',
  images: '/v1/images/generations',
  audio: '/v1/audio/transcriptions',
  moderations: '/v1/moderations',
  batches: '/v1/batches',
  other: '/',
};

/**
 * Turns a test's sample principal and request into the evaluator's input, filling defaults.
 *
 * @example
 * testInput({ name: 't', principal: { subject: 'ci' }, request: { model: 'gpt-4o-mini' }, expect: { action: 'allow' } }).request.path
 * // => '/v1/chat/completions'
 */
export function testInput(test: Test): { principal: Principal; request: InferenceRequest } {
  const p = test.principal;
  const r = test.request;
  const endpoint = (r.endpoint ?? 'chat') as EndpointKind;
  const promptText = r.prompt ?? '';
  return {
    principal: {
      issuer: p.issuer ?? 'https://issuer.test',
      subject: p.subject,
      groups: p.groups ?? [],
      ...(p.clientId !== undefined ? { clientId: p.clientId } : {}),
      ...(p.attributes !== undefined ? { attributes: p.attributes } : {}),
    },
    request: {
      method: (r.method ?? (endpoint === 'models' ? 'GET' : 'POST')).toUpperCase(),
      path: r.path ?? defaultPathByEndpoint[endpoint],
      endpoint,
      upstream: r.upstream ?? 'default',
      ...(r.model !== undefined ? { model: r.model } : {}),
      stream: r.stream ?? false,
      promptText,
      ...(r.maxTokens !== undefined ? { maxTokens: r.maxTokens } : {}),
      bodyBytes: r.bodyBytes ?? promptText.length + 100,
    },
  };
}

/**
 * Runs a compiled policy's `tests:` and reports each with its explain trace.
 *
 * @example
 * const results = runPolicyTests(policy);
 * results.filter((r) => !r.passed).length // => 0
 */
export function runPolicyTests(policy: CompiledPolicy): PolicyTestResult[] {
  return policy.tests.map(({ test, origin }) => {
    const { principal, request } = testInput(test);
    const d = evaluatePolicy(policy, principal, request);
    const failures: string[] = [];
    const e = test.expect;
    if (d.action !== e.action) failures.push(`expected action ${e.action}, got ${d.action}`);
    if (e.rule !== undefined && d.rule !== e.rule) failures.push(`expected rule ${e.rule}, got ${d.rule}`);
    if (e.masks !== undefined && !sameSet(e.masks, d.masks)) {
      failures.push(`expected masks [${e.masks.join(', ')}], got [${d.masks.join(', ')}]`);
    }
    if (e.budgets !== undefined) {
      const want = describeBudgets(normalizeLimits(e.budgets));
      const got = describeBudgets(d.limits);
      if (want !== got) failures.push(`expected budgets ${want || 'none'}, got ${got || 'none'}`);
    }
    const at = origin.doc.locate(origin.pointer);
    return {
      name: test.name, file: origin.doc.file, line: at.line, column: at.column, passed: failures.length === 0,
      expected: e, actual: { action: d.action, rule: d.rule, masks: d.masks }, failures, explain: d.explain,
    };
  });
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}
