import { parseArgs } from 'node:util';
import { ConfigError, configDiagnostic, loadConfig } from '../config/load-config';
import { formatDiagnostic } from '../core/diagnostics';
import { createLogger } from '../log';
import { createGateway } from '../server/create-gateway';
import { DataDirLockedError } from '../server/data-dir-lock';
import { StateStartError } from '../state/state-errors';
import { UsageError, parsePort } from './usage-error';

export const serveHelp = `Usage: gatehouse serve [options]

Starts the gateway. Without --config it runs the embedded default: loopback listeners, the
built-in development token issuer and the built-in demo model (an echo server, not a real model).

Once listening it prints two lines to stdout, for scripts and the VS Code extension:
  data  http://127.0.0.1:8787
  admin http://127.0.0.1:8788

Options:
  -c, --config FILE     gateway config (YAML); invalid config exits 2 listing every error
  -p, --port N          data listener port (0 picks a free one)
      --admin-port N    admin listener port (0 picks a free one)
      --data-dir DIR    audit log, keys and tokens (default $GATEHOUSE_DATA_DIR, else the config's
                        server.dataDir, else ./.gatehouse)
      --log-json        log as JSON lines on stderr
      --exit-with-stdin stop when standard input closes: a launcher's lifeline, so the gateway
                        never outlives the process that started it (the VS Code extension uses it)
      --migrate         migrate the fleet's PostgreSQL schema first (state.store: postgres), as
                        \`gatehouse db migrate\` does
      --proxy-only      forward only: no identity, policy, approvals, masking or audit (for
                        benchmarks and debugging; refused unless both listeners are loopback)
  -h, --help            show this help

Exit codes: 0 stopped cleanly, 1 failed at run time, 2 bad usage, invalid config, the data dir
is in use by another gatehouse serve (its lock file <dataDir>/gatehouse.lock names the holder), or
the shared state (state:) is unreachable or its schema not migrated.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p' },
      'admin-port': { type: 'string' },
      'data-dir': { type: 'string' },
      'log-json': { type: 'boolean' },
      'proxy-only': { type: 'boolean' },
      migrate: { type: 'boolean' },
      'exit-with-stdin': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(serveHelp);
    return 0;
  }
  const log = createLogger({ json: values['log-json'] });
  let loaded;
  try {
    loaded = await loadConfig(values.config, {
      port: values.port !== undefined ? parsePort(values.port, '--port') : undefined,
      adminPort: values['admin-port'] !== undefined ? parsePort(values['admin-port'], '--admin-port') : undefined,
      dataDir: values['data-dir'],
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`gatehouse: invalid config (${err.diagnostics.length} error${err.diagnostics.length === 1 ? '' : 's'}):\n${err.message}`);
      return 2;
    }
    throw err;
  }

  let gateway;
  try {
    gateway = await createGateway(loaded, log, { proxyOnly: values['proxy-only'], migrate: values.migrate });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new UsageError(`address in use: ${(e as unknown as { address: string; port: number }).address}:${(e as unknown as { port: number }).port} (choose another with --port / --admin-port, or 0)`);
    if (err instanceof DataDirLockedError || err instanceof StateStartError) {
      console.error(`gatehouse: ${err.message}`);
      return 2;
    }
    if (e.name === 'ConfigError' || e.code?.startsWith('ERR_CONFIG')) {
      const configPath = (e as { configPath?: string }).configPath;
      if (configPath !== undefined && loaded.file) {
        console.error(`gatehouse: invalid config (1 error):\n${formatDiagnostic(await configDiagnostic(loaded.file, configPath, e.message))}`);
      } else {
        console.error(`gatehouse: ${e.message}`);
      }
      return 2;
    }
    throw err;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info('stopping', { signal });
      const force = setTimeout(() => resolve(1), 10_000);
      force.unref();
      gateway.close().then(() => resolve(0), () => resolve(1));
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    if (values['exit-with-stdin']) {
      // The launcher holds the other end of the pipe; if it dies, even by SIGKILL, the pipe closes.
      process.stdin.on('end', () => stop('stdin closed'));
      process.stdin.on('error', () => stop('stdin closed'));
      process.stdin.resume();
    }
    // Printed once the signal handlers are in place: a launcher that stops the gateway as soon as it
    // reads these lines gets a clean stop (lock released, final checkpoint), not the default SIGTERM death.
    console.log(`data  ${gateway.dataUrl}`);
    console.log(`admin ${gateway.adminUrl}`);
    log.info('gateway started', { config: loaded.file ?? '(embedded default)', dataDir: loaded.dataDir });
  });
}
