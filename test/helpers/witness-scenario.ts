import { generateKeyPairSync, createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listSegments, readSegmentLines, segmentName } from '../../gateway/audit/segment-files';
import { runCli, startServe, startWitness, type ServeProcess, type WitnessProcess } from './cli';
import { FakeUpstream } from './fake-upstream';

/** A gateway process with an outside witness process, on a temp dir: what the witness tests share. */
export class WitnessScenario {
  readonly root = mkdtempSync(join(tmpdir(), 'gatehouse-witness-'));
  readonly dataDir = join(this.root, 'data');
  readonly auditDir = join(this.dataDir, 'audit');
  readonly configFile = join(this.root, 'gatehouse.yaml');
  readonly witnessFile = join(this.root, 'elsewhere', 'witness.jsonl');
  upstream = new FakeUpstream();
  serve?: ServeProcess;
  witness?: WitnessProcess;
  private token = '';

  async start(): Promise<this> {
    await this.upstream.start();
    return this;
  }

  /** Writes an Ed25519 private JWK (0600) and its public JWKS; returns both paths. */
  async makeKey(file: string): Promise<{ file: string; jwks: string; kid: string }> {
    const { privateKey } = generateKeyPairSync('ed25519');
    const jwk = privateKey.export({ format: 'jwk' }) as Record<string, string>;
    const kid = createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x })).digest('base64url');
    await import('node:fs/promises').then((fs) => fs.mkdir(join(file, '..'), { recursive: true }));
    await writeFile(file, JSON.stringify({ ...jwk, kid }) + '\n', { mode: 0o600 });
    const jwks = `${file}.public.json`;
    await writeFile(jwks, JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid }] }));
    return { file, jwks, kid };
  }

  async startWitness(jwks: string): Promise<WitnessProcess> {
    this.witness = await startWitness(['--dir', join(this.root, 'witness-state'), '--key', jwks]);
    return this.witness;
  }

  /** Writes the config: `audit` is YAML lines under `audit:` (two-space indented). */
  async writeConfig(audit: string[]): Promise<void> {
    await writeFile(this.configFile, [
      'server:',
      `  dataDir: ${this.dataDir}`,
      '  listen: { host: 127.0.0.1, port: 0 }',
      '  admin: { host: 127.0.0.1, port: 0 }',
      'upstreams:',
      `  - { name: fake, url: "${this.upstream.url}" }`,
      'audit:',
      ...audit.map((l) => `  ${l}`),
      '',
    ].join('\n'));
  }

  async startServe(): Promise<ServeProcess> {
    this.serve = await startServe(['--config', this.configFile]);
    return this.serve;
  }

  /** n chat completions through the gateway, one after another; each answered 200. */
  async chat(n: number): Promise<void> {
    if (!this.token) {
      const minted = await runCli(['token', '--sub', 'witness-test', '--data-dir', this.dataDir]);
      if (minted.code !== 0) throw new Error(minted.stderr);
      this.token = minted.stdout.trim();
    }
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${this.serve!.dataUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `witness ${i}` }] }),
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`chat answered ${res.status}`);
    }
  }

  /** Every line of the log (seq 1 first). */
  async lines(): Promise<string[]> {
    const out: string[] = [];
    for (const seg of await listSegments(this.auditDir)) for await (const l of readSegmentLines(seg.path)) if (l.terminated) out.push(l.text);
    return out;
  }

  /** Replaces the log with `lines` (seq 1 first), as one segment. */
  async writeLog(lines: string[]): Promise<void> {
    for (const seg of await listSegments(this.auditDir)) await rm(seg.path);
    await writeFile(join(this.auditDir, segmentName(1)), lines.map((l) => l + '\n').join(''));
  }

  /** The head the witness server holds for the only chain, if any. */
  async witnessHead(): Promise<{ seq: number; root: string; jws: string } | undefined> {
    const res = await fetch(this.witness!.url);
    const body = (await res.json()) as { heads: { seq: number; root: string; jws: string }[] };
    return body.heads[0];
  }

  async witnessFileLines(): Promise<{ seq: number; jws: string; root?: string }[]> {
    const text = await readFile(this.witnessFile, 'utf8').catch(() => '');
    return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  }

  async stop(): Promise<void> {
    await this.serve?.stop('SIGKILL');
    await this.witness?.stop();
    await this.upstream.stop();
    rmSync(this.root, { recursive: true, force: true });
  }
}
