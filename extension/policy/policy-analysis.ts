import alertRulesSchema from '../../schemas/alert-rules.schema.json';
import configSchema from '../../schemas/gatehouse.config.schema.json';
import policySchema from '../../schemas/gatehouse.policy.schema.json';
import maskingRulesSchema from '../../schemas/masking-rules.schema.json';
import type { Diagnostic } from '../../gateway/core/diagnostics';
import { maskingPolicyHooks } from '../../gateway/core/masking/policy-hooks';
import { compilePolicy, type CompiledPolicy } from '../../gateway/core/policy';
import { createSchemaNavigator, type JsonSchema, type SchemaNavigator } from '../../gateway/core/schema-navigator';
import { schemaDiagnostics } from '../../gateway/core/schema-diagnostics';
import { parseYamlDocument, type YamlDocument } from '../../gateway/core/yaml-document';
import { configValidator } from '../../gateway/core/config-schema';

/** The two kinds of Gatehouse YAML the editor understands. */
export type GatehouseYamlKind = 'policy' | 'config';

/**
 * Which Gatehouse file a YAML document is, by name (`*.policy.yaml`, `gatehouse.yaml`,
 * `*.gatehouse.yaml`) or, for untitled and oddly named files, by a `kind: Policy` line.
 */
export function classifyYaml(fileName: string, text: () => string): GatehouseYamlKind | undefined {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  if (/\.policy\.ya?ml$/i.test(base)) return 'policy';
  if (/^gatehouse\.ya?ml$/i.test(base) || /\.gatehouse\.ya?ml$/i.test(base)) return 'config';
  return /^kind:\s*Policy\s*$/m.test(text().slice(0, 4096)) && /^apiVersion:\s*gatehouse\.dev\//m.test(text().slice(0, 4096)) ? 'policy' : undefined;
}

export interface PolicyAnalysis {
  doc: YamlDocument;
  diagnostics: Diagnostic[];
  /** Present when the file compiles without errors. */
  policy?: CompiledPolicy;
}

/**
 * What `gatehouse policy validate` says about one policy file: syntax, schema (pinned to nodes)
 * and the semantic checks, with masking rules compiled by the masking core.
 */
export function analyzePolicy(text: string, file: string): PolicyAnalysis {
  const doc = parseYamlDocument(text, file);
  const { policy, diagnostics } = compilePolicy([doc], maskingPolicyHooks());
  return { doc, diagnostics, policy };
}

/** Syntax and schema problems of a gateway config file, as the gateway reports them at start-up. */
export function analyzeConfig(text: string, file: string): Diagnostic[] {
  const doc = parseYamlDocument(text, file);
  return [...doc.syntaxErrors, ...schemaDiagnostics(doc, configValidator())];
}

const navigators = new Map<GatehouseYamlKind, SchemaNavigator>();

/** The schema navigator for a kind of file, built on first use. */
export function schemaNavigator(kind: GatehouseYamlKind): SchemaNavigator {
  let nav = navigators.get(kind);
  if (!nav) {
    nav = kind === 'policy'
      ? createSchemaNavigator(policySchema as JsonSchema, [maskingRulesSchema as JsonSchema, alertRulesSchema as JsonSchema])
      : createSchemaNavigator(configSchema as JsonSchema);
    navigators.set(kind, nav);
  }
  return nav;
}
