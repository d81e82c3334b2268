import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { formatReport } from '../core/audit/findings';
import { displayText } from '../core/display-text';
import type { AuditRecord } from '../generated/audit-record';
import { matchesQuery, type AuditQuery } from '../audit/record-index';
import { listSegments, readSegmentLines } from '../audit/segment-files';
import { verifyAuditDir } from '../audit/verify-log';
import { ConfigError } from '../config/load-config';
import { auditDir } from './audit-dir';
import auditRecordSchema from '../../schemas/audit-record.schema.json';
import { proofCommand, rotateKeyCommand, verifyProofCommand } from './audit-proofs';

// Allowed values come from the audit record schema, the one place that defines them.
const decisions: string[] = auditRecordSchema.$defs.decision.properties.action.enum;
const kinds: string[] = auditRecordSchema.properties.kind.examples;

const usage = `Usage:
  gatehouse audit verify [--dir DIR | --config FILE | --data-dir DIR] [--anchor FILE] [--witness URL|FILE] [--key JWKS] [--json]
      Checks the whole hash chain and the signed checkpoints; prints a validation report with one
      INVALID line per finding. Exit 0 when intact, 1 on any finding, 2 on usage errors.
      --dir DIR      the audit directory (default DATA/audit; DATA is --data-dir, else $GATEHOUSE_DATA_DIR,
                     else the --config's server.dataDir, else ./.gatehouse)
      --config FILE  the gateway's config: its data dir's audit/ (as \`gatehouse serve --config\`)
      --data-dir DIR the gateway's data dir: DIR/audit
      --anchor FILE  an exported checkpoint kept outside the log (default DIR/anchor.json): detects
                     tail truncation and whole-log replacement
      --witness W    what a witness holds: its URL (gatehouse witness serve) or a witness file
                     (audit.witness.file). Reports every witnessed head the log no longer reaches
                     (truncated, rolled back, or rewritten and re-signed, even with the log's own key)
      --key JWKS     public key(s) checkpoints must be signed with (default: the data dir's own keys;
                     pass an outside copy, since an intruder could replace those)
      --json         print the report as JSON

  gatehouse audit verify --dir DIR --dir DIR... | --fleet --config FILE [--dir DIR...] [--json]
      Verifies several chains (a fleet's: one per instance) and reports per chain. --fleet lists the
      chains from the fleet's PostgreSQL (the --config's state.postgres) with where each one's files
      are; a chain this host cannot read is reported NOT VERIFIED. Exit 0 when every chain is intact.

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

  gatehouse audit prove (--id RECORD-ID [--at SEQ] | --from SEQ --to SEQ) [--dir DIR | --config FILE | --data-dir DIR]
      Prints a proof (JSON) an auditor checks without the log: with --id, that the record is in the
      Merkle tree a signed checkpoint commits to (the checkpoint attesting seq --at, default the
      latest); with --from/--to, that the checkpoint attesting seq --to extends the one attesting
      seq --from (SEQ is a checkpoint's checkpoint.seq, the tree size it signs).

  gatehouse audit verify-proof [FILE] --key JWKS
      Checks a proof from \`prove\` (FILE, or stdin) with the public key alone. Exit 0 valid, 1 not.

  gatehouse audit rotate-key [--config FILE | --data-dir DIR] [--new-key FILE]
      With the gateway stopped: writes a checkpoint signed by the current key that hands over to a
      new one, then one signed by the new key, and delivers both to the anchors and the witness.
      The new private key goes to --new-key (then set audit.signingKey to it), else replaces the
      current key file. verify follows the hand-over and refuses a key that was not introduced.
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
      allowPositionals: command === 'verify-proof',
      options: {
        dir: { type: 'string', multiple: true }, fleet: { type: 'boolean' }, config: { type: 'string', short: 'c' }, 'data-dir': { type: 'string' }, anchor: { type: 'string' }, key: { type: 'string' }, json: { type: 'boolean' },
        witness: { type: 'string' }, id: { type: 'string' }, at: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, 'new-key': { type: 'string' },
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
  if (command === 'verify-proof') return verifyProofCommand(parsed.positionals[0], v.key, out, err);
  if (command === 'rotate-key') return rotateKeyCommand(v, out, err);
  // Loaded only here: it brings the PostgreSQL client (--fleet).
  if (command === 'verify' && ((v.dir?.length ?? 0) > 1 || v.fleet)) return (await import('./audit-verify-chains')).verifyChains({ dirs: v.dir ?? [], fleet: !!v.fleet, config: v.config, anchor: v.anchor, key: v.key, json: !!v.json }, out, err);
  if ((v.dir?.length ?? 0) > 1 || v.fleet) {
    err(`gatehouse audit ${command}: several --dir and --fleet are for verify only\n`);
    return 2;
  }
  let dir: string;
  try {
    dir = await auditDir({ ...v, dir: v.dir?.[0] });
  } catch (e) {
    err(`gatehouse audit: ${e instanceof ConfigError ? `invalid config:\n${e.message}` : (e as Error).message}\n`);
    return 2;
  }
  if (command === 'verify') {
    let report;
    try {
      report = await verifyAuditDir(dir, { anchorFile: v.anchor, keyFile: v.key, witness: v.witness });
    } catch (e) {
      err(`gatehouse audit verify: ${(e as Error).message}\n`);
      return 2;
    }
    out(v.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report, dir));
    // An empty log proves nothing (a gateway writes a checkpoint when it starts): a check that
    // found no records must not pass, or a wrong path in a cron job would look like a clean log.
    return report.findings.length || report.records.total === 0 ? 1 : 0;
  }
  if (command === 'prove') return proofCommand(dir, v, out, err);
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
  // Model, path and subject come from callers: a newline or an ESC sequence must not forge a line.
  return parts.filter((p) => p !== '').map((p) => displayText(p)).join('  ') + '\n';
}
