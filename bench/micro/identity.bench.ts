/**
 * Identity micro-benchmark: what verifying a token costs on the data path.
 *   - cache hit: `identity.verify()` and the whole verify-identity stage for a token seen before
 *     (the steady state: SDK clients reuse a token for its lifetime), vs the stage absent;
 *   - cache miss per algorithm (RS256, ES256, EdDSA): inspection, signature and claim checks,
 *     principal mapping — keys already fetched, as after the first request.
 * Each case runs for a bounded time (default 400 ms; --ms N). Prints a table, or JSON with --json.
 * Run: npx tsx bench/micro/identity.bench.ts [--json] [--ms 400]
 */
import type { IncomingHttpHeaders } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIdentityService, type IdentityServiceHandle } from '../../gateway/identity/identity-service';
import { silentLogger } from '../../gateway/log';
import type { Exchange } from '../../gateway/pipeline/exchange';
import { verifyIdentity } from '../../gateway/pipeline/verify-identity';
import type { Runtime } from '../../gateway/runtime';
import { startJwksServer } from '../../test/helpers/jwks-server';
import { generateTestKey, tokenBuilder, type TestAlg } from '../../test/helpers/token-builder';

const json = process.argv.includes('--json');
const msArg = process.argv.indexOf('--ms');
const budgetMs = msArg > 0 ? Number(process.argv[msArg + 1]) : 400;

interface Result { case: string; ops: number; usPerOpWall: number; usPerOpCpu: number }

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Runs `op` in batches until the time budget is spent; returns µs per op (wall and CPU). */
async function measure(name: string, op: () => unknown, batch: number): Promise<Result> {
  // Warm-up (JIT, caches): a quarter of the budget.
  const warmUntil = process.hrtime.bigint() + BigInt(budgetMs) * 250_000n;
  while (process.hrtime.bigint() < warmUntil) for (let i = 0; i < batch; i++) await op();
  let ops = 0;
  const cpu0 = cpuMicros();
  const t0 = process.hrtime.bigint();
  const deadline = t0 + BigInt(budgetMs) * 1_000_000n;
  while (process.hrtime.bigint() < deadline) {
    for (let i = 0; i < batch; i++) {
      const r = op();
      if (r instanceof Promise) await r;
    }
    ops += batch;
  }
  const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
  return { case: name, ops, usPerOpWall: wallUs / ops, usPerOpCpu: (cpuMicros() - cpu0) / ops };
}

const exchange = (headers: IncomingHttpHeaders) => ({ req: { headers } }) as unknown as Exchange;

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-identity-'));
  const keys = (['RS256', 'ES256', 'EdDSA'] as TestAlg[]).map((alg) => generateTestKey(alg, `${alg}-1`));
  const jwks = await startJwksServer(keys.map((k) => k.publicJwk));
  const issuer = 'https://idp.bench';
  const identityConfig = (maxEntries: number) => ({
    devIssuer: { enabled: false },
    cache: { maxEntries },
    issuers: [{ issuer, audience: 'gatehouse', jwksUri: jwks.url, maxTokenLifetimeSeconds: 3600, typ: 'at+jwt', claims: { groups: ['realm_access.roles'] } }],
  });
  const services: IdentityServiceHandle[] = [];
  try {
    const cached = await createIdentityService(identityConfig(10_000), { dataDir, log: silentLogger });
    const uncached = await createIdentityService(identityConfig(0), { dataDir, log: silentLogger });
    services.push(cached, uncached);
    const tokens = new Map(keys.map((key) => [key.alg, tokenBuilder({ key, issuer, audience: 'gatehouse' })
      .claims({ sub: 'ci-bot', azp: 'ci-pipeline', realm_access: { roles: ['ci', 'ml'] } }).build()]));

    const results: Result[] = [];
    const rsBearer = `Bearer ${tokens.get('RS256')!}`;
    await cached.verify(rsBearer);
    results.push(await measure('cache hit: identity.verify()', () => cached.verify(rsBearer), 1000));

    const stage = verifyIdentity({ identity: cached } as Pick<Runtime, 'identity'> as Runtime);
    const headers: IncomingHttpHeaders = { authorization: rsBearer, 'content-type': 'application/json' };
    results.push(await measure('cache hit: verify-identity stage', () => stage(exchange(headers)), 1000));
    results.push(await measure('identity off (no stage): baseline', () => exchange(headers), 1000));

    for (const key of keys) {
      const bearer = `Bearer ${tokens.get(key.alg)!}`;
      await uncached.verify(bearer);
      results.push(await measure(`cache miss: ${key.alg}`, () => uncached.verify(bearer), 20));
    }

    if (json) {
      console.log(JSON.stringify({ bench: 'identity', budgetMs, node: process.version, results }, null, 2));
    } else {
      console.log(`identity micro-benchmark (node ${process.version}, ${budgetMs} ms per case)`);
      console.log('case'.padEnd(40) + 'µs/op wall'.padStart(12) + 'µs/op CPU'.padStart(12) + 'ops'.padStart(10));
      for (const r of results) {
        console.log(r.case.padEnd(40) + r.usPerOpWall.toFixed(2).padStart(12) + r.usPerOpCpu.toFixed(2).padStart(12) + String(r.ops).padStart(10));
      }
    }
  } finally {
    await Promise.all(services.map((s) => s.close()));
    await jwks.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
