import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { publicKeySet } from '../core/audit/checkpoint';
import { startWitnessServer } from '../witness/witness-server';

const usage = `Usage: gatehouse witness serve --dir DIR --key JWKS [--host HOST] [--port PORT]

Runs a checkpoint witness (put it on another host than the gateway). It accepts a chain's first
checkpoint signed by one of the --key keys, and each later one only signed by the chain's current
key (a rotate-key hand-over changes it) and with an RFC 9162 consistency proof that it extends the
last accepted one. Accepted heads are appended to DIR/<chain>.jsonl (fsynced).
Point the gateway at it with audit.witness.url: http://HOST:PORT/checkpoints, and check a log with
gatehouse audit verify --witness http://HOST:PORT/checkpoints.

Prints "witness <url>" once listening. Exit 2 on usage errors.
  --dir DIR     where accepted heads are kept
  --key JWKS    the gateway's public key(s) (gatehouse audit verify's --key)
  --host HOST   listen address (default 127.0.0.1)
  --port PORT   listen port (default 8089; 0 picks one)
`;

/** `gatehouse witness serve`. Resolves when the server stops (SIGINT/SIGTERM). */
export async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'serve') {
    (command === '--help' || command === '-h' ? process.stdout : process.stderr).write(usage);
    return command === '--help' || command === '-h' ? 0 : 2;
  }
  let v;
  try {
    v = parseArgs({ args: rest, options: { dir: { type: 'string' }, key: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (e) {
    process.stderr.write(`gatehouse witness: ${(e as Error).message}\n\n${usage}`);
    return 2;
  }
  if (v.help) {
    process.stdout.write(usage);
    return 0;
  }
  const port = Number(v.port ?? 8089);
  if (!v.dir || !v.key || !Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`gatehouse witness serve: --dir and --key are required (and --port a port number)\n\n${usage}`);
    return 2;
  }
  let keys;
  try {
    keys = publicKeySet(JSON.parse(await readFile(resolve(v.key), 'utf8')));
  } catch (e) {
    process.stderr.write(`gatehouse witness serve: cannot read --key ${v.key}: ${(e as Error).message}\n`);
    return 2;
  }
  if (!keys.keys.length) {
    process.stderr.write(`gatehouse witness serve: --key ${v.key} holds no public key\n`);
    return 2;
  }
  const witness = await startWitnessServer({ dir: resolve(v.dir), keys, host: v.host ?? '127.0.0.1', port });
  console.log(`witness ${witness.url}`);
  await new Promise<void>((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
  await witness.close();
  return 0;
}
