import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { VerifyReport } from '../core/audit/findings';
import { formatReport } from '../core/audit/findings';
import { verifyAuditDir } from '../audit/verify-log';
import { ConfigError, loadConfig } from '../config/load-config';
import { readSecret } from '../config/secrets';
import { fleetChains, type FleetChain } from '../state/postgres-audit-index';
import { createPool } from '../state/postgres-state';
import { stateSettings } from '../state/state-settings';

/** One chain's result: its report, or why it could not be read from here. */
interface ChainResult {
  dir: string;
  instance?: string;
  chain?: string;
  report?: VerifyReport;
  error?: string;
}

/**
 * `gatehouse audit verify` over several chains: each `--dir`, and with `--fleet` every chain the
 * fleet's PostgreSQL lists (from the --config's state.postgres) whose folder this host can read.
 * Reports per chain; exit 0 only when every chain is intact and has records, 1 otherwise (a chain
 * this host cannot read counts: verify it where it lives, or mount it and pass --dir), 2 on usage.
 */
export async function verifyChains(o: { dirs: string[]; fleet: boolean; config?: string; anchor?: string; key?: string; json: boolean }, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  if (o.anchor || o.key) {
    err('gatehouse audit verify: --anchor and --key name one chain\'s files; with several chains each uses its own data dir\'s\n');
    return 2;
  }
  const targets: { dir: string; instance?: string; chain?: string }[] = o.dirs.map((d) => ({ dir: resolve(d) }));
  if (o.fleet) {
    try {
      for (const c of await listFleetChains(o.config)) targets.push({ dir: c.auditDir, instance: `${c.instanceName} (${c.instance}) on ${c.host}`, chain: c.chain });
    } catch (e) {
      err(`gatehouse audit verify --fleet: ${e instanceof ConfigError ? `invalid config:\n${e.message}` : (e as Error).message}\n`);
      return 2;
    }
  }
  const results: ChainResult[] = [];
  for (const t of targets) {
    if (!(await stat(t.dir).then((s) => s.isDirectory(), () => false))) {
      results.push({ ...t, error: `no audit log at ${t.dir} on this host: verify it where it lives, or mount it and pass --dir` });
      continue;
    }
    try {
      const report = await verifyAuditDir(t.dir, {});
      results.push({ ...t, chain: report.chain ?? t.chain, report });
    } catch (e) {
      results.push({ ...t, error: (e as Error).message });
    }
  }
  const intact = (r: ChainResult) => !!r.report && r.report.findings.length === 0 && r.report.records.total > 0;
  if (o.json) {
    out(JSON.stringify({ chains: results.map((r) => ({ ...r, intact: intact(r) })) }, null, 2) + '\n');
  } else {
    for (const r of results) {
      out(`== chain ${r.chain ?? '?'}${r.instance ? ` of ${r.instance}` : ''}: ${intact(r) ? 'INTACT' : r.error ? 'NOT VERIFIED' : 'INVALID'}\n`);
      out(r.report ? formatReport(r.report, r.dir) : `${r.error}\n`);
      out('\n');
    }
    const bad = results.filter((r) => !intact(r)).length;
    out(`${results.length} chain${results.length === 1 ? '' : 's'}: ${results.length - bad} intact, ${bad} not\n`);
  }
  return results.length > 0 && results.every(intact) ? 0 : 1;
}

async function listFleetChains(config: string | undefined): Promise<FleetChain[]> {
  if (!config) throw new Error('--fleet needs --config FILE (its state.postgres.url names the fleet\'s database)');
  const loaded = await loadConfig(config);
  const pg = loaded.config.state?.postgres;
  if (!pg) throw new Error(`${loaded.file}: state.postgres is not set`);
  const settings = stateSettings(loaded.config);
  const pool = createPool({ url: readSecret(pg.url, loaded.configDir), schema: settings.schema, poolSize: 1, connectTimeoutMs: settings.connectTimeoutMs });
  pool.on('error', () => undefined);
  try {
    return await fleetChains(async (text) => (await pool.query(text)).rows);
  } catch (e) {
    throw new Error(`PostgreSQL (state.postgres.url): ${(e as Error).message}`, { cause: e });
  } finally {
    await pool.end().catch(() => undefined);
  }
}
