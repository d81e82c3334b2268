import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { publicKeySet } from '../core/audit/checkpoint';
import { verifyProofDocument } from '../core/audit/proof';
import { proveConsistency, proveInclusion } from '../audit/prove';
import { rotateSigningKey } from '../audit/rotate-key';
import { ConfigError, loadConfig } from '../config/load-config';
import { createLogger } from '../log';

type Out = (s: string) => void;

/** `gatehouse audit prove`: prints the proof as one line of JSON (what verify-proof reads). */
export async function proofCommand(dir: string, v: { id?: string; at?: string; from?: string; to?: string }, out: Out, err: Out): Promise<number> {
  const seq = (s: string | undefined, name: string) => {
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`--${name} must be a seq (a whole number)`);
    return n;
  };
  try {
    const at = seq(v.at, 'at');
    const from = seq(v.from, 'from');
    const to = seq(v.to, 'to');
    if (v.id !== undefined && from === undefined && to === undefined) {
      out(JSON.stringify(await proveInclusion(dir, v.id, at)) + '\n');
      return 0;
    }
    if (v.id === undefined && from !== undefined && to !== undefined) {
      out(JSON.stringify(await proveConsistency(dir, from, to)) + '\n');
      return 0;
    }
    err('gatehouse audit prove: give --id RECORD-ID, or --from SEQ and --to SEQ\n');
    return 2;
  } catch (e) {
    err(`gatehouse audit prove: ${(e as Error).message}\n`);
    return e instanceof RangeError ? 2 : 1;
  }
}

/** `gatehouse audit verify-proof [FILE] --key JWKS`: exit 0 when the proof holds, 1 when not, 2 on usage errors. */
export async function verifyProofCommand(file: string | undefined, keyFile: string | undefined, out: Out, err: Out): Promise<number> {
  if (!keyFile) {
    err('gatehouse audit verify-proof: --key JWKS is required (the public key the checkpoints are signed with)\n');
    return 2;
  }
  let text: string;
  let keys;
  try {
    keys = publicKeySet(JSON.parse(await readFile(resolve(keyFile), 'utf8')));
    text = file && file !== '-' ? await readFile(resolve(file), 'utf8') : await readStdin();
  } catch (e) {
    err(`gatehouse audit verify-proof: ${(e as Error).message}\n`);
    return 2;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    out('INVALID: the proof is not JSON\n');
    return 1;
  }
  const r = await verifyProofDocument(doc, keys);
  out(r.ok ? `VALID: ${r.summary}\n` : `INVALID: ${r.reason}\n`);
  return r.ok ? 0 : 1;
}

/** `gatehouse audit rotate-key`. */
export async function rotateKeyCommand(v: { config?: string; 'data-dir'?: string; 'new-key'?: string }, out: Out, err: Out): Promise<number> {
  try {
    const loaded = v.config ? await loadConfig(v.config) : undefined;
    const dataDir = loaded?.dataDir ?? resolve(v['data-dir'] ?? process.env.GATEHOUSE_DATA_DIR ?? '.gatehouse');
    const r = await rotateSigningKey(loaded?.config.audit ?? {}, { dataDir, configDir: loaded?.configDir ?? dataDir, log: createLogger({ level: 'warn', json: false }) }, v['new-key']);
    out([
      `Rotated the audit signing key: ${r.oldKid} -> ${r.newKid}.`,
      `Record seq ${r.handOverSeq} is the hand-over checkpoint (signed by the old key); seq ${r.firstSeq} the first one the new key signs.`,
      `New private key: ${r.keyFile}${v['new-key'] ? ' (set audit.signingKey: { file: ' + r.keyFile + ' } before the next start)' : ''}`,
      `Keep a copy of the new public key outside this host:`,
      JSON.stringify(r.publicJwk),
      '',
    ].join('\n'));
    return 0;
  } catch (e) {
    err(`gatehouse audit rotate-key: ${e instanceof ConfigError ? `invalid config:\n${e.message}` : (e as Error).message}\n`);
    return 1;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
