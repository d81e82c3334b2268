import { displayText } from '../display-text';
import type { Finding, FindingKind, VerifyReport } from '../admin-api';

/**
 * What `audit verify` can find: each finding is one `INVALID:` line in the report and makes the
 * verification fail (exit 1). The report is part of the admin API contract (GET /admin/audit/verify),
 * so its types come from schemas/admin-api.openapi.yaml (FindingKind, Finding, VerifyReport).
 */
export type { Finding, FindingKind, VerifyReport };

const labels: Record<FindingKind, string> = {
  modified: 'record modified',
  chain_broken: 'chain broken',
  inserted: 'record inserted',
  deleted: 'records deleted',
  reordered: 'record reordered',
  duplicated: 'record duplicated',
  malformed: 'malformed line',
  wrong_form: 'record in the wrong form',
  torn_line: 'torn last line',
  unattested_start: 'unattested start',
  bad_checkpoint_signature: 'bad checkpoint signature',
  checkpoint_mismatch: 'checkpoint mismatch',
  truncated: 'log truncated',
  anchor_mismatch: 'log replaced',
  anchor_unverifiable: 'anchor unverifiable',
  bad_anchor: 'bad anchor',
  key_not_introduced: 'key not introduced',
  witness_unreached: 'witnessed head not reached',
  witness_mismatch: 'witnessed head differs',
  bad_witness: 'bad witnessed head',
  no_key: 'no verification key',
};

/**
 * Formats a report like a CloudTrail log-file validation: the range, counts of valid records
 * and checkpoints, then one `INVALID:` line per finding.
 *
 * @example
 * formatReport({ chain: 'gw-1', firstSeq: 1, lastSeq: 3, records: { total: 3, valid: 2 }, checkpoints: { total: 1, valid: 1 },
 *   findings: [{ kind: 'modified', seq: 2, file: 'audit-1.jsonl', line: 2, message: 'content does not match its hash' }] }, '/data/audit')
 * // "Validating audit log /data/audit ...\n2/3 records valid, 1/3 records INVALID\n...\nINVALID: record modified: seq 2 ..."
 */
export function formatReport(report: VerifyReport, dir: string): string {
  const lines: string[] = [];
  lines.push(`Validating audit log ${dir}${report.chain ? ` (chain ${report.chain})` : ''}`);
  if (report.firstSeq !== undefined) {
    lines.push(`Results found for seq ${report.firstSeq} to ${report.lastSeq} (${report.firstTime} to ${report.lastTime}):`);
  } else {
    lines.push('No records found.');
  }
  if (report.start === 'checkpoint') lines.push(`Chain start at seq ${report.firstSeq} attested by a checkpoint (earlier records removed by retention).`);
  if (report.anchor) lines.push(`Anchor: checkpoint of seq ${report.anchor.seq} at ${report.anchor.time}${report.anchor.source ? ` (${report.anchor.source})` : ''}.`);
  if (report.witness) lines.push(`Witness: ${report.witness.heads} signed head${report.witness.heads === 1 ? '' : 's'}${report.witness.latestSeq !== undefined ? `, the latest of seq ${report.witness.latestSeq} at ${report.witness.latestTime}` : ''}${report.witness.source ? ` (${report.witness.source})` : ''}.`);
  if (report.merkleRoots) lines.push(`Merkle roots: ${report.merkleRoots} signed roots recomputed from the records.`);
  lines.push('');
  lines.push(countLine(report.checkpoints, 'checkpoints'));
  lines.push(countLine(report.records, 'records'));
  if (report.findings.length) lines.push('');
  for (const f of report.findings) lines.push(findingLine(f));
  return lines.join('\n') + '\n';
}

export function findingLine(f: Finding): string {
  const what = f.seq === undefined ? '' : f.toSeq !== undefined && f.toSeq !== f.seq ? ` seq ${f.seq}-${f.toSeq}` : ` seq ${f.seq}`;
  const id = f.id ? ` id ${f.id}` : '';
  const where = f.file ? ` (${f.file}${f.line ? `:${f.line}` : ''})` : '';
  // The id and message can quote a tampered record's bytes: shown escaped, they cannot forge a line.
  return displayText(`INVALID: ${labels[f.kind]}:${what}${id}${where}: ${f.message}`);
}

function countLine(c: { total: number; valid: number }, noun: string): string {
  const bad = c.total - c.valid;
  return `${c.valid}/${c.total} ${noun} valid${bad ? `, ${bad}/${c.total} ${noun} INVALID` : ''}`;
}
