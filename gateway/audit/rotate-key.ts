import { mkdirSync } from 'node:fs';
import { access, rename, rm } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { JWK } from 'jose';
import { EventBus } from '../events';
import type { Audit } from '../generated/gatehouse.config';
import type { Logger } from '../log';
import { DataDirLockedError, lockDataDir } from '../server/data-dir-lock';
import { createAuditService } from './audit-service';
import { generateSigningJwk, signingKeyFromJwk, signingKeySource, writeKeyFile } from './signing-key';

export interface RotationResult {
  oldKid: string;
  newKid: string;
  /** Seq of the hand-over checkpoint (signed by the old key) and of the first one the new key signs. */
  handOverSeq: number;
  firstSeq: number;
  /** Where the new private key is. */
  keyFile: string;
  publicJwk: JWK;
}

/**
 * Hands the checkpoints over to a new key (`gatehouse audit rotate-key`, gateway stopped: it takes the data dir's lock): opens
 * the log as the gateway would (the same anchors, witness and sinks), writes a checkpoint signed
 * by the current key that names the new public key, then one signed by the new key, and installs
 * the new key: at `newKeyFile` when given (point audit.signingKey at it), else in place of the
 * current key file, whose private key is then gone.
 *
 * A crash between the hand-over and the install leaves the new key at `<key file>.next`; the
 * gateway refuses to start with the old key after a hand-over, so the state is never ambiguous.
 */
export async function rotateSigningKey(cfg: Audit, deps: { dataDir: string; configDir: string; log: Logger }, newKeyFile?: string): Promise<RotationResult> {
  // The gateway's lock: a rotation beside a running gateway would fork its chain and leave it
  // signing with the retired key.
  mkdirSync(deps.dataDir, { recursive: true, mode: 0o700 });
  let lock;
  try {
    lock = lockDataDir(deps.dataDir);
  } catch (err) {
    if (err instanceof DataDirLockedError && err.holder) throw new Error(`a gateway is running on ${deps.dataDir} (pid ${err.holder.pid} on ${err.holder.host}, started ${err.holder.startedAt}; lock file ${err.file}): stop it, then rotate the key`);
    throw err;
  }
  if (lock.takenOver) deps.log.warn('took over the data dir lock of a gateway that is no longer running', { ...lock.takenOver });
  try {
    return await rotateLocked(cfg, deps, newKeyFile);
  } finally {
    lock.release();
  }
}

async function rotateLocked(cfg: Audit, deps: { dataDir: string; configDir: string; log: Logger }, newKeyFile?: string): Promise<RotationResult> {
  const source = signingKeySource(cfg.signingKey, deps.dataDir, deps.configDir);
  if ('file' in source) {
    await access(source.file).catch(() => {
      throw new Error(`there is no signing key at ${source.file} to rotate from`);
    });
  }
  const target = newKeyFile ? resolve(newKeyFile) : 'file' in source ? `${source.file}.next` : undefined;
  if (!target) throw new Error('the signing key comes from an environment variable: give --new-key FILE for the new one');
  const jwk = generateSigningJwk();
  await writeKeyFile(target, jwk);
  const audit = await createAuditService(cfg, { dataDir: deps.dataDir, configDir: deps.configDir, log: deps.log, events: new EventBus() }).catch(async (err: Error) => {
    await rm(target, { force: true });
    throw err;
  });
  const oldKid = audit.writer.signingKid;
  const next = await signingKeyFromJwk(jwk, target, join(deps.dataDir, 'audit'));
  let first;
  try {
    // Who rotated, in the chain before the hand-over (so the old key's last checkpoint signs it).
    await audit.append({ kind: 'admin', principal: operatorPrincipal(), admin: { action: 'signing_key.rotate', credential: 'operator', role: 'admin', oldKid, newKid: next.kid } });
    first = await audit.writer.rotateKey(next);
  } finally {
    await audit.close();
  }
  if (!newKeyFile && 'file' in source) await rename(target, source.file);
  return {
    oldKid, newKid: next.kid, handOverSeq: first.seq - 1, firstSeq: first.seq,
    keyFile: newKeyFile ? target : (source as { file: string }).file,
    publicJwk: next.publicJwk,
  };
}

/** The operator running a command on the gateway's host: whoever can read its data dir and key. */
function operatorPrincipal(): { issuer: string; subject: string } {
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (a container's arbitrary uid): keep $USER.
  }
  return { issuer: 'urn:gatehouse:operator', subject: `${user}@${hostname()}` };
}
