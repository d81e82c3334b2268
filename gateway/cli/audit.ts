import { parseArgs } from 'node:util';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { formatReport } from '../core/audit/findings';
import type { AuditRecord } from '../generated/audit-record';
import { matchesQuery, type AuditQuery } from '../audit/record-index';
import { listSegments, readSegmentLines } from '../audit/segment-files';
import { verifyAuditDir } from '../audit/verify-log';
import { ConfigError, loadConfig } from '../config/load-config';
import auditRecordSchema from '../../schemas/audit-record.schema.json';

// Allowed values come from the audit record schema, the one place that defines them.
const decisions: string[] = auditRecordSchema.$defs.decision.properties.action.enum;
const kinds: string[] = auditRecordSchema.properties.kind.examples;

const usage = `Usage:
  gatehouse audit verify [--dir DIR | --config FILE | --data-dir DIR] [--anchor FILE] [--key JWKS] [--json]
      Checks the whole hash chain and the signed checkpoints; prints a validation report with one
      INVALID line per finding. Exit 0 when intact, 1 on any finding, 2 on usage errors.
      --dir DIR      the audit directory (default DATA/audit; DATA is --data-dir, else $GATEHOUSE_DATA_DIR,
                     else the --config's server.dataDir, else ./.gatehouse)
      --config FILE  the gateway's config: its data dir's audit/ (as \`gatehouse serve --config\`)
      --data-dir DIR the gateway's data dir: DIR/audit
      --anchor FILE  an exported checkpoint kept outside the log (default DIR/anchor.json): detects
                     tail truncation and whole-log replacement
      --key JWKS     public key(s) checkpoints must be signed with (default: the data dir's own keys;
                     pass an outside copy, since an intruder could replace those)
      --json         print the report as JSON

  gatehouse audit tail [--dir DIR | --config FILE | --data-dir DIR] [-n N] [--follow] [--principal SUB] [--decision ACTION] [--model M] [--kind K] [--json]
      Prints the last N (default 20) matching records, then with --follow new ones as they are written.
      Filters combine (a record must match all of them):
      --dir, --config, --data-dir  where the log is, as for verify
      -n N               how many of the newest matching records to print first (default 20; 0: none)
      -f, --follow       keep running and print new matching records as they are written (Ctrl+C stops)
      --principal SUB    only records of this caller (the principal's subject, as in the token's sub)
      --decision ACTION  only records with this policy decision: ${decisions.join(', ')}
      --model M          only records for this model (as named in the request)
      --kind K           only records of this kind: ${kinds.join(', ')}
      --json             one JSON record per line instead of the one-line summary
`;

/** `gatehouse audit verify|tail`. Returns the exit code. */
export async function run(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    (command ? out : err)(usage);
    return command ? 0 : 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: false,
      options: {
        dir: { type: 'string' }, config: { type: 'string', short: 'c' }, 'data-dir': { type: 'string' }, anchor: { type: 'string' }, key: { type: 'string' }, json: { type: 'boolean' },
        follow: { type: 'boolean', short: 'f' }, principal: { type: 'string' }, decision: { type: 'string' },
        model: { type: 'string' }, kind: { type: 'string' }, n: { type: 'string', short: 'n' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    err(`gatehouse audit: ${(e as Error).message}\n\n${usage}`);
    return 2;
  }
  const v = parsed.values;
  if (v.help) {
    out(usage);
    return 0;
  }
  let dir: string;
  try {
    dir = await auditDir(v);
  } catch (e) {
    err(`gatehouse audit: ${e instanceof ConfigError ? `invalid config:\n${e.message}` : (e as Error).message}\n`);
    return 2;
  }
  if (command === 'verify') {
    let report;
    try {
      report = await verifyAuditDir(dir, { anchorFile: v.anchor, keyFile: v.key });
    } catch (e) {
      err(`gatehouse audit verify: ${(e as Error).message}\n`);
      return 2;
    }
    out(v.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report, dir));
    // An empty log proves nothing (a gateway writes a checkpoint when it starts): a check that
    // found no records must not pass, or a wrong path in a cron job would look like a clean log.
    return report.findings.length || report.records.total === 0 ? 1 : 0;
  }
  if (command === 'tail') {
    const n = v.n === undefined ? 20 : Number(v.n);
    if (!Number.isInteger(n) || n < 0) {
      err(`gatehouse audit tail: -n must be a whole number\n`);
      return 2;
    }
    if (v.decision !== undefined && !decisions.includes(v.decision)) {
      err(`gatehouse audit tail: --decision must be one of ${decisions.join(', ')} (got ${v.decision})\n`);
      return 2;
    }
    const filter: AuditQuery = { principal: v.principal, decision: v.decision, model: v.model, kind: v.kind };
    return tail(dir, filter, n, !!v.follow, !!v.json, out);
  }
  err(`gatehouse audit: unknown command ${command}\n\n${usage}`);
  return 2;
}

/** --dir wins; then the data dir `gatehouse serve` would use: --data-dir, $GATEHOUSE_DATA_DIR, the --config's, ./.gatehouse. */
async function auditDir(v: { dir?: string; config?: string; 'data-dir'?: string }): Promise<string> {
  const dir = await whichAuditDir(v);
  if (!(await stat(dir).then((st) => st.isDirectory(), () => false))) {
    throw new Error(`no audit log at ${dir}: give its folder with --dir, the gateway's --data-dir, or its --config`);
  }
  return dir;
}

async function whichAuditDir(v: { dir?: string; config?: string; 'data-dir'?: string }): Promise<string> {
  if (v.dir) return resolve(v.dir);
  return join((await loadConfig(v.config, { dataDir: v['data-dir'] })).dataDir, 'audit');
}

async function tail(dir: string, filter: AuditQuery, n: number, follow: boolean, json: boolean, out: (s: string) => void): Promise<number> {
  const print = (r: AuditRecord) => out(json ? JSON.stringify(r) + '\n' : formatLine(r));
  // The last n matches: read the segments newest first until enough are found.
  const segments = await listSegments(dir);
  const found: AuditRecord[] = [];
  for (let i = segments.length - 1; i >= 0 && found.length < n; i--) {
    const here: AuditRecord[] = [];
    for await (const l of readSegmentLines(segments[i].path)) {
      if (!l.terminated) continue;
      const r = JSON.parse(l.text) as AuditRecord;
      if (matchesQuery(r, filter)) here.push(r);
    }
    found.unshift(...here.slice(Math.max(0, here.length - (n - found.length))));
  }
  for (const r of found) print(r);
  if (!follow) return 0;
  // Follow: poll the newest segment for appended lines (simple and portable across file systems).
  let seg = segments.at(-1)?.name;
  let offset = 0;
  if (seg) for await (const l of readSegmentLines(join(dir, seg))) if (l.terminated) offset = l.end;
  const stop = new Promise<void>((res) => process.once('SIGINT', () => res()));
  let stopped = false;
  void stop.then(() => (stopped = true));
  while (!stopped) {
    const now = await listSegments(dir);
    for (const s of now.filter((x) => !seg || x.name >= seg)) {
      if (s.name !== seg) {
        seg = s.name;
        offset = 0;
      }
      for await (const l of readSegmentLines(s.path, offset)) {
        if (!l.terminated) break;
        offset = l.end;
        const r = JSON.parse(l.text) as AuditRecord;
        if (matchesQuery(r, filter)) print(r);
      }
    }
    await Promise.race([stop, new Promise((res) => setTimeout(res, 500))]);
  }
  return 0;
}

function formatLine(r: AuditRecord): string {
  const who = r.principal?.subject ?? '-';
  const what = r.method ? `${r.method} ${r.path}` : '';
  const parts = [r.time, String(r.seq).padStart(6), r.kind.padEnd(12), who, r.decision ? `${r.decision.action}(${r.decision.rule})` : '', r.model ?? '', what, r.status !== undefined ? String(r.status) : '', r.requestId ?? ''];
  return parts.filter((p) => p !== '').join('  ') + '\n';
}
