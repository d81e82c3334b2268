import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { JSONWebKeySet } from 'jose';
import { createChainVerifier } from '../core/audit/chain-verifier';
import { publicKeySet, type AnchorFile } from '../core/audit/checkpoint';
import type { VerifyReport } from '../core/audit/findings';
import { listSegments, readSegmentLines } from './segment-files';
import { publicKeysFile, signingKeyFile } from './signing-key';

export const anchorFileName = 'anchor.json';

export interface VerifyDirOptions {
  /** Public keys (JWKS or a single JWK). Default: the data dir's own key files, which an intruder could replace — pass an outside copy to be sure. */
  keyFile?: string;
  /** An outside anchor (an exported checkpoint). Default: `<dir>/anchor.json` when present. */
  anchorFile?: string;
  /** Stop at the writer's durable position (verifying a live log). */
  limit?: { segment: string; size: number };
}

/** Verifies every segment of an audit directory in order and returns the report. */
export async function verifyAuditDir(dir: string, options: VerifyDirOptions = {}): Promise<VerifyReport & { keySource?: string }> {
  const { keys, source: keySource } = await loadKeys(dir, options.keyFile);
  const anchorPath = options.anchorFile ?? join(dir, anchorFileName);
  const anchor = await readJson<AnchorFile>(anchorPath, options.anchorFile !== undefined);
  const verifier = createChainVerifier({ keys, anchor: anchor ? { ...anchor, source: anchorPath } : undefined });
  for (const seg of await listSegments(dir)) {
    const live = options.limit && options.limit.segment === seg.name;
    if (options.limit?.segment && seg.name > options.limit.segment) break;
    for await (const l of readSegmentLines(seg.path, 0, live ? options.limit!.size : undefined)) verifier.push(l.text, { file: seg.name, line: l.line, terminated: l.terminated });
  }
  return { ...(await verifier.finish()), keySource };
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
