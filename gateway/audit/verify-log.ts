import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { JSONWebKeySet } from 'jose';
import { createChainVerifier } from '../core/audit/chain-verifier';
import { publicKeySet, type AnchorFile } from '../core/audit/checkpoint';
import type { Finding, VerifyReport } from '../core/audit/findings';
import { listSegments, readSegmentLines } from './segment-files';
import { publicKeysFile, signingKeyFile } from './signing-key';

export const anchorFileName = 'anchor.json';

export interface VerifyDirOptions {
  /** Public keys (JWKS or a single JWK). Default: the data dir's own key files, which an intruder could replace — pass an outside copy to be sure. */
  keyFile?: string;
  /** An outside anchor (an exported checkpoint). Default: `<dir>/anchor.json` when present. */
  anchorFile?: string;
  /** What a witness holds: its URL (GET answers {heads}) or a witness file (one checkpoint per line); the heads of several are merged. */
  witness?: string | string[];
  /** Sent as a bearer token to a witness URL (audit.witness.token). */
  witnessToken?: string;
  /** A witness that cannot be read is a `bad_witness` finding (the admin API) instead of an error (the CLI). */
  unreadableWitnessIsFinding?: boolean;
  /**
   * Stop at the writer's durable position (verifying a live log). A function is called after the
   * anchor and the witness are read: they only ever hold what was durable then, so the log read
   * reaches every head they hold (a position taken before could miss one made meanwhile).
   */
  limit?: { segment: string; size: number } | (() => { segment: string; size: number });
}

/** Verifies every segment of an audit directory in order and returns the report. */
export async function verifyAuditDir(dir: string, options: VerifyDirOptions = {}): Promise<VerifyReport> {
  const { keys, source: keySource } = await loadKeys(dir, options.keyFile);
  const anchorPath = options.anchorFile ?? join(dir, anchorFileName);
  const anchor = await readJson<AnchorFile>(anchorPath, options.anchorFile !== undefined);
  const { witnessed, unreadable } = await readAllWitnessed(options);
  const verifier = createChainVerifier({ keys, anchor: anchor ? { ...anchor, source: anchorPath } : undefined, witnessed });
  const limit = typeof options.limit === 'function' ? options.limit() : options.limit;
  for (const seg of await listSegments(dir)) {
    const live = limit && limit.segment === seg.name;
    if (limit?.segment && seg.name > limit.segment) break;
    for await (const l of readSegmentLines(seg.path, 0, live ? limit.size : undefined)) verifier.push(l.text, { file: seg.name, line: l.line, terminated: l.terminated, utf8: l.utf8 });
  }
  const report = await verifier.finish();
  report.findings.push(...unreadable);
  return { ...report, keySource };
}

/** The heads every witness source holds (deduplicated), and the sources that could not be read when that is a finding. */
async function readAllWitnessed(options: VerifyDirOptions): Promise<{ witnessed?: { jws: string[]; source: string }; unreadable: Finding[] }> {
  const sources = options.witness === undefined ? [] : [options.witness].flat();
  const unreadable: Finding[] = [];
  if (sources.length === 0) return { unreadable };
  const jws = new Set<string>();
  for (const source of sources) {
    try {
      for (const j of await readWitnessed(source, options.witnessToken)) jws.add(j);
    } catch (err) {
      if (!options.unreadableWitnessIsFinding) throw err;
      // Fail closed: a comparison that could not be made is no clean result.
      unreadable.push({ kind: 'bad_witness', message: `${(err as Error).message}: the log was not checked against it` });
    }
  }
  return { witnessed: { jws: [...jws], source: sources.join(', ') }, unreadable };
}

/** The signed heads a witness holds: from its URL (`gatehouse witness serve`) or a witness file. */
async function readWitnessed(source: string, token?: string): Promise<string[]> {
  if (/^https?:\/\//.test(source)) {
    const headers = token ? { authorization: `Bearer ${token}` } : undefined;
    const res = await fetch(source, { headers, signal: AbortSignal.timeout(10_000) }).catch((err: Error) => {
      throw new Error(`cannot reach the witness ${source}: ${err.message}`);
    });
    if (!res.ok) throw new Error(`the witness ${source} answered ${res.status}`);
    const body = (await res.json()) as { heads?: { jws?: unknown }[] };
    if (!Array.isArray(body.heads)) throw new Error(`the witness ${source} did not answer {heads: [...]}`);
    return body.heads.map((h) => h.jws).filter((j): j is string => typeof j === 'string');
  }
  const text = await readFile(source, 'utf8').catch((err: Error) => {
    throw new Error(`cannot read the witness file ${source}: ${err.message}`);
  });
  const out: string[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    try {
      const jws = (JSON.parse(line) as { jws?: unknown }).jws;
      if (typeof jws === 'string') out.push(jws);
    } catch {
      // A torn last line (a crash mid-append) was never complete; anything else is damage.
      if (i === text.split('\n').length - 1) continue;
      throw new Error(`${source}:${i + 1}: not a JSON line`);
    }
  }
  return out;
}

async function loadKeys(dir: string, keyFile?: string): Promise<{ keys?: JSONWebKeySet; source?: string }> {
  const candidates = keyFile ? [keyFile] : [publicKeysFile(dir), signingKeyFile(dirname(dir))];
  for (const file of candidates) {
    const json = await readJson<unknown>(file, keyFile !== undefined);
    if (json) return { keys: publicKeySet(json), source: file };
  }
  return {};
}

async function readJson<T>(file: string, required: boolean): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
}
