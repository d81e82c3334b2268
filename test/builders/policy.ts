import { stringify } from 'yaml';
import { formatDiagnostic } from '../../gateway/core/diagnostics';
import { compilePolicy, type CompiledPolicy, type CompilePolicyOptions } from '../../gateway/core/policy';
import type { InferenceRequest, Principal } from '../../gateway/core/types';
import { parseYamlDocument } from '../../gateway/core/yaml-document';
import type { GatehousePolicy, Spec, Test } from '../../gateway/generated/gatehouse.policy';

/** A verified caller; override what the test is about. */
export function principal(over: Partial<Principal> = {}): Principal {
  return { issuer: 'https://idp.test', subject: 'alice', groups: [], ...over };
}

/** A typical non-streaming chat completion request. */
export function chatRequest(over: Partial<InferenceRequest> = {}): InferenceRequest {
  return {
    method: 'POST', path: '/v1/chat/completions', endpoint: 'chat', upstream: 'openai', model: 'gpt-4o-mini',
    stream: false, promptText: 'Summarize the quarterly report in three bullet points.', bodyBytes: 180, ...over,
  };
}

/** A policy document as YAML text. */
export function policyYaml(spec: Spec, tests?: Test[], name = 'test-policy'): string {
  const doc: GatehousePolicy = { apiVersion: 'gatehouse.dev/v1', kind: 'Policy', metadata: { name }, spec, ...(tests ? { tests } : {}) };
  return stringify(doc);
}

/** Compiles a spec, failing the test with every diagnostic when it does not compile. */
export function compileSpec(spec: Spec, options: CompilePolicyOptions = {}, tests?: Test[]): CompiledPolicy {
  const { policy, diagnostics } = compilePolicy(parseYamlDocument(policyYaml(spec, tests), 'test.policy.yaml'), options);
  if (!policy) throw new Error(`policy does not compile:\n${diagnostics.map(formatDiagnostic).join('\n')}`);
  return policy;
}
