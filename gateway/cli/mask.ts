import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatDiagnostic } from '../core/diagnostics';
import { checkMaskingRules } from '../core/masking/check-rules';
import { previewMasking } from '../core/masking/preview';
import type { MaskWhere } from '../core/masking/compile';
import { parseYamlDocument } from '../core/yaml-document';
import type { MaskingRules } from '../generated/masking-rules';

const usage = `Usage: gatehouse mask preview --policy FILE --sample FILE [--where audit|upstream|client] [--rules a,b] [--json]

Shows what the masking rules of a policy (spec.masking) do to a sample payload: the masked
payload, then every masked span (rule, detector, JSON path, offsets into the original string).

  --policy FILE   policy YAML holding spec.masking
  --sample FILE   JSON body (request or response) or plain text
  --where W       which copy to show: audit (default: every rule plus the default audit
                  masking), upstream (rules with where: upstream), client (where: client)
  --rules LIST    only these rules, as if the decision listed them (default: all)
  --json          print {"masked", "spans", "report"} as JSON
  -h, --help      this help

Exit codes: 0 done, 1 invalid policy, 2 bad usage or unreadable file.`;

/** `gatehouse mask preview`. */
export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === 'help' || sub === undefined) {
    (sub === undefined ? process.stderr : process.stdout).write(usage + '\n');
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'preview') {
    process.stderr.write(`gatehouse mask: unknown subcommand "${sub}"\n\n${usage}\n`);
    return 2;
  }
  let args;
  try {
    args = parseArgs({
      args: rest,
      options: {
        policy: { type: 'string' }, sample: { type: 'string' }, where: { type: 'string', default: 'audit' },
        rules: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`gatehouse mask preview: ${(err as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  if (!args.policy || !args.sample || !['audit', 'upstream', 'client'].includes(args.where!)) {
    process.stderr.write(`gatehouse mask preview: --policy and --sample are required; --where is audit, upstream or client\n\n${usage}\n`);
    return 2;
  }
  let policyText: string;
  let sample: string;
  try {
    policyText = readFileSync(args.policy, 'utf8');
    sample = readFileSync(args.sample, 'utf8');
  } catch (err) {
    process.stderr.write(`gatehouse mask preview: ${(err as Error).message}\n`);
    return 2;
  }

  const doc = parseYamlDocument(policyText, args.policy);
  if (doc.syntaxErrors.some((d) => d.severity === 'error')) {
    for (const d of doc.syntaxErrors) process.stderr.write(formatDiagnostic(d) + '\n');
    return 1;
  }
  const { pointer, spec } = findMasking(doc.value);
  const problems = checkMaskingRules(doc, pointer, spec ?? []);
  if (problems.length) {
    for (const d of problems) process.stderr.write(formatDiagnostic(d) + '\n');
    return 1;
  }
  const result = previewMasking(spec as MaskingRules | undefined, sample, {
    where: args.where as MaskWhere,
    ...(args.rules ? { ruleNames: args.rules.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
  });
  if (!result.ok) return 1; // checked above; kept for the type
  if (args.json) {
    process.stdout.write(JSON.stringify({ masked: result.masked, spans: result.spans, report: result.report }, null, 2) + '\n');
    return 0;
  }
  process.stdout.write(`masked payload (where: ${args.where}):\n`);
  process.stdout.write((typeof result.masked === 'string' ? result.masked : JSON.stringify(result.masked, null, 2)) + '\n\n');
  if (result.spans.length === 0) {
    process.stdout.write('no spans: nothing was masked\n');
    return 0;
  }
  const rows = [['RULE', 'DETECTOR', 'PATH', 'START', 'END', 'CONFIDENCE'],
    ...result.spans.map((s) => [s.rule, s.detector, s.path, String(s.start), String(s.end), s.confidence.toFixed(2)])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  process.stdout.write(`spans (${result.spans.length}):\n`);
  for (const r of rows) process.stdout.write(r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd() + '\n');
  return 0;
}

/** spec.masking of a policy document (a bare `masking:` at the top is accepted too). */
function findMasking(value: unknown): { pointer: string; spec: unknown } {
  const v = (value ?? {}) as { spec?: { masking?: unknown }; masking?: unknown };
  if (v.spec && typeof v.spec === 'object' && 'masking' in v.spec) return { pointer: '/spec/masking', spec: v.spec.masking };
  if ('masking' in v) return { pointer: '/masking', spec: v.masking };
  return { pointer: '/spec/masking', spec: undefined };
}
