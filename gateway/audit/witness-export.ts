import { appendFile, mkdir, open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { AnchorFile } from '../core/audit/checkpoint';
import { CompactRange, consistencyProof, merkleRoot } from '../core/audit/merkle';
import type { Audit } from '../generated/gatehouse.config';
import type { Logger } from '../log';
import { createPoster } from './sinks/http-post';
import { readSecretRef } from './sinks/secret-ref';
import { checkpointOfSize, leavesBetween } from './tree-reader';

type WitnessConfig = NonNullable<Audit['witness']>;

export interface WitnessExporter {
  /** A durable checkpoint (in chain order). */
  checkpoint(anchor: AnchorFile): void;
  /** The Merkle leaves of durable records, in chain order (what consistency proofs are built from). */
  leaves(leaves: Buffer[]): void;
  /** Resolves once every checkpoint given so far was delivered or given up on. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** In-memory leaves kept for proofs to a witness that is away; beyond this they are read back from the log. */
const maxLeavesInMemory = 1_000_000;

/**
 * Sends each checkpoint outside the host: appended as a JSON line to `witness.file` (fsynced),
 * and POSTed to `witness.url` with an RFC 9162 consistency proof from the witness's head.
 *
 * The proof needs the tree at the witness's head and the leaves after it. The exporter keeps a
 * compact range at the last accepted head plus the leaves since (O(log n) + what is not yet
 * witnessed); when the witness holds an older head (it was away, or the gateway restarted), the
 * range comes from that checkpoint's frontier in the log and the leaves are read back from it.
 *
 * Checkpoints that pile up while the witness is away are coalesced to the latest, except key
 * hand-overs, which the witness must see to follow the new key.
 */
export async function createWitnessExporter(cfg: WitnessConfig, deps: { auditDir: string; configDir: string; log: Logger; range: () => CompactRange | undefined }): Promise<WitnessExporter> {
  const { log, auditDir } = deps;
  const file = cfg.file ? resolve(deps.configDir, cfg.file) : undefined;
  const url = cfg.url ? new URL(cfg.url) : undefined;
  const token = cfg.token ? await readSecretRef(cfg.token, deps.configDir) : undefined;
  const poster = url ? createPoster(10_000) : undefined;
  const fileQueue: AnchorFile[] = [];
  let urlQueue: AnchorFile[] = [];
  // The tree at `base.size` and the leaves after it: what a proof from any size ≥ base.size needs.
  let base: { size: number; range: CompactRange } | undefined;
  let after: Buffer[] = [];
  /** The witness's head as last heard from it. */
  let witnessSeq: number | undefined;
  let running: Promise<void> | undefined;
  let backoffMs = 500;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  let refusedLogged = false;

  const initial = deps.range();
  if (initial) base = { size: initial.size, range: initial };

  /** The compact range at `size` (base.size ≤ size ≤ what is known). */
  const rangeAt = (size: number): CompactRange => {
    const r = base!.range.clone();
    for (const l of after.slice(0, size - base!.size)) r.push(l);
    return r;
  };

  /** Makes base.size ≤ size, reading the checkpoint of `size` and the leaves after it from the log. */
  const rebaseTo = async (size: number): Promise<void> => {
    if (base && base.size <= size) return;
    const cp = await checkpointOfSize(auditDir, size);
    if (!cp) throw new Error(`the log has no checkpoint of seq ${size} to prove from`);
    const until = base ? base.size : size;
    const older = await leavesBetween(auditDir, size + 1, until);
    after = older.concat(after);
    base = { size, range: cp.range };
  };

  const proofFrom = async (from: number, to: number): Promise<string[]> => {
    await rebaseTo(from);
    const at = rangeAt(from);
    const b = base!;
    const mth = (start: number, end: number) => at.subtree(start, end) ?? merkleRoot(after.slice(start - b.size, end - b.size));
    return consistencyProof(from, to, mth).map((h) => h.toString('hex'));
  };

  /** Forgets what is before `size` (the witness accepted it). */
  const acceptedUpTo = (size: number) => {
    witnessSeq = size;
    if (!base || size <= base.size) return;
    const range = rangeAt(size);
    after = after.slice(size - base.size);
    base = { size, range };
  };

  const post = async (a: AnchorFile): Promise<void> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const send = async (from?: number) => {
      const body: Record<string, unknown> = { checkpoint: a.jws };
      if (from !== undefined && from < a.seq && base) Object.assign(body, { from, proof: await proofFrom(from, a.seq) });
      return poster!.post(url!, headers, Buffer.from(JSON.stringify(body)));
    };
    let r = await send(witnessSeq);
    let answer = parse(r.body);
    if (r.status === 409 && answer?.error?.code === 'ERR_WITNESS_PROOF_NEEDED' && typeof answer.head?.seq === 'number') {
      r = await send(answer.head.seq);
      answer = parse(r.body);
    }
    if (r.status >= 200 && r.status < 300) {
      refusedLogged = false;
      return acceptedUpTo(a.seq);
    }
    if (r.status >= 400 && r.status < 500) {
      // A refusal is evidence, not an outage: the witness holds a head this log does not extend.
      if (!refusedLogged) log.error('audit: the witness refused a checkpoint', { seq: a.seq, status: r.status, code: answer?.error?.code, message: answer?.error?.message });
      refusedLogged = true;
      return;
    }
    throw new Error(`witness answered ${r.status}`);
  };

  const appendLines = async (batch: AnchorFile[]) => {
    await mkdir(dirname(file!), { recursive: true });
    await appendFile(file!, batch.map((a) => JSON.stringify(a) + '\n').join(''));
    const fh = await open(file!, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  };

  const run = async () => {
    try {
      while (fileQueue.length || urlQueue.length) {
        if (fileQueue.length) await appendLines(fileQueue.splice(0));
        while (urlQueue.length) {
          const a = urlQueue.shift()!;
          try {
            await post(a);
          } catch (err) {
            // Retried unless a later checkpoint (which covers it) came meanwhile; hand-overs always.
            if (a.next || urlQueue.length === 0) urlQueue.unshift(a);
            throw err;
          }
        }
      }
      backoffMs = 500;
    } catch (err) {
      log.warn('audit: could not deliver a checkpoint to the witness; retrying', { message: (err as Error).message, retryMs: backoffMs });
      if (!closed) retry = setTimeout(() => kick(), backoffMs).unref();
      backoffMs = Math.min(backoffMs * 2, 30_000);
    } finally {
      running = undefined;
    }
  };
  const kick = () => {
    retry = undefined;
    running ??= run();
  };

  return {
    checkpoint(a) {
      if (!a.root) return; // a version 1 checkpoint cannot be proven consistent
      if (file) fileQueue.push(a);
      if (url) {
        // Keep hand-overs and the latest; the ones in between add nothing a later proof does not cover.
        urlQueue = urlQueue.filter((q) => q.next !== undefined);
        urlQueue.push(a);
      }
      if (!retry) kick();
    },
    leaves(l) {
      if (!url || !base) return;
      for (const x of l) after.push(x);
      if (after.length > maxLeavesInMemory) {
        // The witness has been away long: drop the leaves; a proof will read them back from the log.
        const now = deps.range();
        base = now ? { size: now.size, range: now } : undefined;
        after = [];
      }
    },
    async flush() {
      while (running) await running;
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      while (running) await running;
      poster?.close();
    },
  };
}

function parse(body: string): { error?: { code?: string; message?: string }; head?: { seq?: number } } | undefined {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
