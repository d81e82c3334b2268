import { formatDiagnostic, type Diagnostic } from '../core/diagnostics';
import { runPolicyTests, type PolicyTestResult } from '../core/policy';
import { loadPolicy } from '../policy/load-policy';
import { maskingPolicyHooks } from '../core/masking/policy-hooks';

const usage = `Usage: gatehouse policy <command> [--json] FILE...

Commands:
  validate FILE...   check policy files (schema and semantics: duplicate ids, unsafe or invalid
                     regexes, unknown endpoints, shadowed rules, unreachable default)
  test FILE...       run the tests: block of the policy files and print failures with the explain trace

FILE is a *.policy.yaml file or a folder of them. All FILEs are combined into one policy, in the
order given (a folder's files sorted by name), exactly as the gateway combines config policy.paths.

Options:
  --json             machine-readable output (used by the VS Code extension)
  -h, --help         show this help

Exit status: 0 when valid / all tests pass, 1 otherwise, 2 on usage errors.`;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: CliIo = {
  out: (t) => process.stdout.write(t + '\n'),
  err: (t) => process.stderr.write(t + '\n'),
};

/** `gatehouse policy validate|test [--json] FILE...` — argv is what follows `policy`. */
export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const json = argv.includes('--json');
  if (argv.includes('-h') || argv.includes('--help')) {
    io.out(usage);
    return 0;
  }
  const [command, ...rest] = argv.filter((a) => a !== '--json');
  const unknown = rest.find((a) => a.startsWith('-'));
  if (unknown) {
    io.err(`unknown option ${unknown}\n\n${usage}`);
    return 2;
  }
  if ((command !== 'validate' && command !== 'test') || !rest.length) {
    io.err(command && command !== 'validate' && command !== 'test' ? `unknown command ${command}\n\n${usage}` : usage);
    return 2;
  }
  // Masking rules compile with the policy, so `validate` reports their errors and `test` checks masks.
  const loaded = await loadPolicy(rest, process.cwd(), maskingPolicyHooks());
  return command === 'validate' ? validate(loaded, json, io) : test(loaded, json, io);
}

type Loaded = Awaited<ReturnType<typeof loadPolicy>>;

function counts(diagnostics: Diagnostic[]) {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  return { errors, warnings: diagnostics.length - errors };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function validate(loaded: Loaded, json: boolean, io: CliIo): number {
  const { errors, warnings } = counts(loaded.diagnostics);
  if (json) {
    io.out(JSON.stringify({
      ok: errors === 0, version: loaded.policy?.version ?? null, files: loaded.files, errors, warnings, diagnostics: loaded.diagnostics,
      rules: loaded.policy?.rules.length ?? null,
    }, null, 2));
    return errors ? 1 : 0;
  }
  for (const d of loaded.diagnostics) io.out(formatDiagnostic(d));
  if (loaded.policy) {
    io.out(`valid: ${plural(loaded.files.length, 'file')}, ${plural(loaded.policy.rules.length, 'rule')}, ${plural(warnings, 'warning')}; version ${loaded.policy.version}`);
  } else {
    io.out(`invalid: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`);
  }
  return errors ? 1 : 0;
}

function test(loaded: Loaded, json: boolean, io: CliIo): number {
  const results = loaded.policy ? runPolicyTests(loaded.policy) : [];
  const passed = results.filter((r) => r.passed).length;
  const failed = results.length - passed;
  const ok = !!loaded.policy && failed === 0;
  if (json) {
    io.out(JSON.stringify({ ok, version: loaded.policy?.version ?? null, files: loaded.files, diagnostics: loaded.diagnostics, results, passed, failed }, null, 2));
    return ok ? 0 : 1;
  }
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  for (const d of errors) io.out(formatDiagnostic(d));
  if (!loaded.policy) io.out(`policy is invalid (${plural(errors.length, 'error')}); no tests run`);
  let file = '';
  for (const r of results) {
    if (r.file !== file) io.out((file = r.file));
    io.out(`  ${r.passed ? '✓' : '✗'} ${r.name}`);
    if (!r.passed) io.out(describeFailure(r));
  }
  if (loaded.policy && !results.length) io.out('no tests: add a tests: block to the policy');
  io.out(`${passed} passed, ${failed} failed`);
  return ok ? 0 : 1;
}

function describeFailure(r: PolicyTestResult): string {
  const lines = [`      at ${r.file}:${r.line}:${r.column}`, ...r.failures.map((f) => `      ${f}`), '      explain:'];
  for (const step of r.explain) lines.push(`        ${step.matched ? '✓' : '·'} ${step.rule}: ${step.reason}`);
  return lines.join('\n');
}
