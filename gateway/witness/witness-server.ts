import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdir, open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JSONWebKeySet } from 'jose';
import { decideSubmission, type WitnessedHead, type WitnessSubmission } from '../core/audit/witness-check';

const maxBody = 64 * 1024;
const chainPattern = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * A witness for gateway checkpoints (`gatehouse witness serve`), meant to run on another host.
 *
 *   POST <any path>  {checkpoint, from?, proof?}  → 200 the accepted head, or a refusal
 *   GET  <any path>  → {heads: [...]}: the latest accepted head of every chain (`audit verify --witness URL`)
 *
 * The decision is core/audit/witness-check.ts: a chain's first checkpoint must be signed by one of
 * the witness's keys, each later one by the chain's current key and proven (RFC 9162 consistency
 * proof) to extend the accepted tree. Every accepted head is appended to `<dir>/<chain>.jsonl`
 * and fsynced before the answer, so a restart keeps what was witnessed.
 */
export async function startWitnessServer(o: { dir: string; keys: JSONWebKeySet; host: string; port: number }): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  await mkdir(o.dir, { recursive: true });
  const heads = await loadHeads(o.dir);
  // One submission at a time: each decision reads the head the previous one stored.
  let queue: Promise<unknown> = Promise.resolve();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET') return send(res, 200, { heads: [...heads.values()].map(({ key: _key, ...h }) => h) });
    if (req.method !== 'POST') return sendError(res, 405, 'ERR_WITNESS_METHOD', 'use POST to submit a checkpoint, GET to read the heads');
    let body: WitnessSubmission;
    try {
      body = JSON.parse(await readBody(req)) as WitnessSubmission;
    } catch (err) {
      return sendError(res, 400, 'ERR_WITNESS_BAD_REQUEST', (err as Error).message);
    }
    const chain = chainOf(body.checkpoint);
    if (!chain) return sendError(res, 400, 'ERR_WITNESS_BAD_REQUEST', 'checkpoint is not a compact JWS of a checkpoint with a valid chain id');
    const decision = await decideSubmission(heads.get(chain), body, o.keys);
    if (!decision.ok) {
      const head = decision.head ? { seq: decision.head.seq, root: decision.head.root, time: decision.head.time } : undefined;
      return send(res, decision.status, { error: { message: decision.message, type: 'witness_error', code: decision.code }, ...(head ? { head } : {}) });
    }
    if (decision.changed) {
      await appendHead(o.dir, decision.head);
      heads.set(chain, decision.head);
    }
    const { key: _key, ...head } = decision.head;
    send(res, 200, head);
  };

  const server = createServer((req, res) => {
    const run = queue.then(() => handle(req, res)).catch(() => sendError(res, 500, 'ERR_WITNESS_INTERNAL', 'the witness could not store the checkpoint'));
    queue = run;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.address() as { port: number };
  return {
    server,
    url: `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${addr.port}/checkpoints`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function loadHeads(dir: string): Promise<Map<string, WitnessedHead>> {
  const heads = new Map<string, WitnessedHead>();
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.jsonl')) continue;
    const lines = (await readFile(join(dir, name), 'utf8')).split('\n').filter((l) => l.trim());
    // A torn last line (a crash mid-append) was never acknowledged: the one before it holds.
    for (let i = lines.length - 1; i >= 0; i--) {
      try {
        const h = JSON.parse(lines[i]) as WitnessedHead;
        heads.set(h.chain, h);
        break;
      } catch {
        continue;
      }
    }
  }
  return heads;
}

async function appendHead(dir: string, head: WitnessedHead): Promise<void> {
  const fh = await open(join(dir, `${head.chain}.jsonl`), 'a', 0o644);
  try {
    await fh.write(JSON.stringify(head) + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function chainOf(jws: unknown): string | undefined {
  if (typeof jws !== 'string') return undefined;
  try {
    const payload = JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8')) as { chain?: unknown };
    return typeof payload.chain === 'string' && chainPattern.test(payload.chain) ? payload.chain : undefined;
  } catch {
    return undefined;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBody) {
        reject(new Error(`body larger than ${maxBody} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  send(res, status, { error: { message, type: 'witness_error', code } });
}
