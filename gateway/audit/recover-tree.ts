import { CompactRange, recordLeaf } from '../core/audit/merkle';
import type { PublicKeyJwk } from '../core/audit/checkpoint';
import type { Logger } from '../log';
import { listSegments, readSegmentLines, type SegmentInfo } from './segment-files';

/** The Merkle tree and signer state a writer continues from. */
export interface RecoveredTree {
  /** The tree over records 1..head; undefined when the log cannot give it (see below). */
  tree?: CompactRange;
  /** The key the last checkpoint was signed with, and the key it handed over to, if any. */
  signer?: { kid?: string; next?: PublicKeyJwk };
}

/**
 * Rebuilds the compact range of the log's Merkle tree at `head` without rehashing the log: every
 * segment starts with a checkpoint whose `frontier` is the range before it, so only the newest
 * segment is read (its record hashes, not its bodies). A log written before checkpoints carried
 * a frontier is read once from seq 1; when its first records are gone (retention) there is no
 * tree to continue and checkpoints stay version 1 (logged).
 *
 * Refuses a newest segment whose records do not follow on from its first checkpoint: the tree
 * would not be the log's.
 */
export async function recoverTree(dir: string, head: { seq: number }, log: Logger): Promise<RecoveredTree> {
  const segments = await listSegments(dir);
  if (segments.length === 0 || head.seq === 0) return { tree: new CompactRange() };
  const last = segments[segments.length - 1];
  const start = await readFirstCheckpoint(last);
  let from: SegmentInfo[];
  let tree: CompactRange;
  if (start?.frontier) {
    tree = CompactRange.fromHex(start.seq, start.frontier);
    if (start.root !== undefined && tree.root().toString('hex') !== start.root) throw new Error(`audit segment ${last.name}: its first checkpoint's frontier does not fold to its Merkle root; run gatehouse audit verify`);
    from = [last];
  } else if (segments[0].firstSeq === 1) {
    log.info('audit: building the Merkle tree of a log written before checkpoints carried one (once)', { segments: segments.length });
    tree = new CompactRange();
    from = segments;
  } else {
    log.warn('audit: the log predates Merkle checkpoints and its first records are gone; checkpoints stay version 1 (no Merkle root) for this chain', { firstSeq: segments[0].firstSeq });
    return { signer: await lastSigner(last) };
  }
  let signer: RecoveredTree['signer'];
  for (const seg of from) {
    for await (const l of readSegmentLines(seg.path)) {
      if (!l.terminated) break;
      const hash = l.text.slice(-66, -2);
      if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`audit segment ${seg.name}:${l.line} does not end in its hash; run gatehouse audit verify`);
      tree.push(recordLeaf(hash));
      if (seg === last && l.text.includes('"kind":"checkpoint"')) signer = signerOf(l.text) ?? signer;
    }
  }
  if (tree.size !== head.seq) throw new Error(`audit log: ${tree.size} records lead up to seq ${head.seq}; records are missing or out of place (run gatehouse audit verify)`);
  return { tree, signer };
}

/**
 * Checkpoints change keys only through a hand-over (rotate-key), and verify refuses any other
 * key: so the writer refuses to start with a key the log's last checkpoint does not expect.
 */
export function assertSigningKey(signer: RecoveredTree['signer'], kid: string): void {
  const expected = signer?.next?.kid ?? signer?.kid;
  if (!expected || expected === kid) return;
  throw new Error(signer?.next
    ? `audit: the log handed its checkpoints over to key ${expected} but the signing key is ${kid}: finish the rotation by installing the new key (gatehouse audit rotate-key)`
    : `audit: the signing key ${kid} is not the key that signs this log's checkpoints (${expected}); change keys with gatehouse audit rotate-key, which hands over from the old one`);
}

interface CheckpointFields {
  seq: number;
  root?: string;
  frontier?: string[];
  kid?: string;
  next?: PublicKeyJwk;
}

async function readFirstCheckpoint(seg: SegmentInfo): Promise<CheckpointFields | undefined> {
  for await (const l of readSegmentLines(seg.path)) {
    if (!l.terminated) return undefined;
    const r = JSON.parse(l.text) as { kind?: string; checkpoint?: CheckpointFields };
    return r.kind === 'checkpoint' ? r.checkpoint : undefined;
  }
  return undefined;
}

async function lastSigner(seg: SegmentInfo): Promise<RecoveredTree['signer']> {
  let signer: RecoveredTree['signer'];
  for await (const l of readSegmentLines(seg.path)) if (l.terminated && l.text.includes('"kind":"checkpoint"')) signer = signerOf(l.text) ?? signer;
  return signer;
}

function signerOf(line: string): RecoveredTree['signer'] | undefined {
  const r = JSON.parse(line) as { kind?: string; checkpoint?: CheckpointFields };
  return r.kind === 'checkpoint' && r.checkpoint ? { kid: r.checkpoint.kid, next: r.checkpoint.next } : undefined;
}
