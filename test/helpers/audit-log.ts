import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditService, type AuditServiceImpl } from '../../gateway/audit/audit-service';
import { listSegments, readSegmentLines } from '../../gateway/audit/segment-files';
import type { AuditRecord } from '../../gateway/generated/audit-record';
import { run as auditCli } from '../../gateway/cli/audit';
import { EventBus } from '../../gateway/events';
import type { Audit } from '../../gateway/generated/gatehouse.config';
import { silentLogger } from '../../gateway/log';

/** A fresh data dir under the OS temp dir; `cleanup()` removes it. */
export async function tempDataDir(prefix = 'gatehouse-audit-'): Promise<{ dataDir: string; auditDir: string; cleanup: () => Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), prefix));
  return { dataDir, auditDir: join(dataDir, 'audit'), cleanup: () => rm(dataDir, { recursive: true, force: true }) };
}

/** Opens the real audit service on a data dir (silent logger, own event bus). */
export async function openAudit(dataDir: string, cfg: Audit = {}, events = new EventBus()): Promise<AuditServiceImpl> {
  return createAuditService({ checkpointEveryRecords: 10, ...cfg }, { dataDir, log: silentLogger, events });
}

/** Writes `n` sample arrival records through the real service and closes it (final checkpoint + anchor). */
export async function writeSampleLog(dataDir: string, n: number, cfg: Audit = {}): Promise<void> {
  const audit = await openAudit(dataDir, cfg);
  await Promise.all(Array.from({ length: n }, (_, i) =>
    audit.append({ kind: 'arrival', requestId: `req-${i}`, model: i % 2 ? 'gpt-4o' : 'gpt-4o-mini', principal: { issuer: 'https://idp.test', subject: `svc-${i % 3}` }, bodyBytes: 100 + i })));
  await audit.close();
}

/** The lines of the only (or the last) segment. */
export async function segmentLines(auditDir: string): Promise<{ path: string; lines: string[] }> {
  const segs = await listSegments(auditDir);
  const path = segs[segs.length - 1].path;
  const text = await readFile(path, 'utf8');
  return { path, lines: text.split('\n').filter((l, i, a) => !(i === a.length - 1 && l === '')) };
}

export async function writeLines(path: string, lines: string[], trailingNewline = true): Promise<void> {
  await writeFile(path, lines.join('\n') + (trailingNewline ? '\n' : ''));
}

/** Runs `gatehouse audit <args>` in-process, capturing its output. */
export async function runAuditCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await auditCli(args, (s) => (stdout += s), (s) => (stderr += s));
  return { code, stdout, stderr };
}

/** Polls `cond` every 10 ms until it holds; fails after `ms`. For waiting on other processes (sinks, rsyslog). */
export async function until(cond: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Every whole record in an audit dir, in chain order (a torn last line is left out). */
export async function readAuditRecords(auditDir: string): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for (const seg of await listSegments(auditDir)) for await (const l of readSegmentLines(seg.path)) if (l.terminated) out.push(JSON.parse(l.text) as AuditRecord);
  return out;
}
