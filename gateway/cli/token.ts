import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/load-config';
import { parseDurationSeconds } from '../core/identity/duration';
import type { DevIssuer as DevIssuerConfig } from '../generated/gatehouse.config';
import { DevIssuerError, devIssuerDefaults, openDevIssuer } from '../identity/dev-issuer';

/**
 * `gatehouse token`: mints a token from the built-in development issuer and prints it to
 * stdout (nothing else goes to stdout, so `$(gatehouse token --sub ci-bot)` works).
 * Exit codes: 0 printed, 2 usage error, 1 could not mint (issuer off, key file unsafe).
 */
const usage = `Usage: gatehouse token --sub <subject> [options]

Mints a short-lived access token from the gateway's development issuer.

Options:
  --sub <subject>       subject of the token (required), e.g. ci-bot
  --groups <a,b>        comma-separated groups, e.g. ci,ml
  --ttl <duration>      lifetime: 900, 90s, 15m, 1h (default 15m; at most the issuer's maximum)
  --aud <audience>      audience (default the development issuer's, "gatehouse")
  --client-id <id>      client_id claim
  --data-dir <dir>      data directory holding dev-issuer.jwk.json (default $GATEHOUSE_DATA_DIR, else
                        the --config's server.dataDir, else ./.gatehouse: the gateway's own)
  --config <file>       gateway config; its server.dataDir and identity.devIssuer apply
  -h, --help            show this help

Example:
  export OPENAI_API_KEY=$(gatehouse token --sub ci-bot --groups ci --ttl 15m)
`;

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const processIo: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        sub: { type: 'string' },
        groups: { type: 'string' },
        ttl: { type: 'string' },
        aud: { type: 'string' },
        'client-id': { type: 'string' },
        'data-dir': { type: 'string' },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    io.err(`gatehouse token: ${(err as Error).message}\n\n${usage}`);
    return 2;
  }
  if (values.help) {
    io.out(usage);
    return 0;
  }
  if (!values.sub) {
    io.err(`gatehouse token: --sub is required\n\n${usage}`);
    return 2;
  }
  const ttl = parseDurationSeconds(values.ttl ?? `${devIssuerDefaults.ttlSeconds}`);
  if (ttl === undefined) {
    io.err(`gatehouse token: --ttl "${values.ttl}" is not a duration (e.g. 900, 90s, 15m, 1h)\n`);
    return 2;
  }
  const groups = (values.groups ?? '').split(',').map((g) => g.trim()).filter(Boolean);

  // The same data dir `gatehouse serve` would use: --data-dir, $GATEHOUSE_DATA_DIR, the config's, ./.gatehouse.
  let loaded;
  try {
    loaded = await loadConfig(values.config, { dataDir: values['data-dir'] });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(`gatehouse token: invalid config (${err.diagnostics.length} error${err.diagnostics.length === 1 ? '' : 's'}):\n${err.message}\n`);
    return 2;
  }
  const dataDir = loaded.dataDir;
  const identity = loaded.config.identity;
  // Same rule as the gateway: on when no issuers are listed, unless the config says otherwise.
  if (!(identity?.devIssuer?.enabled ?? !identity?.issuers?.length)) {
    io.err(`gatehouse token: the development issuer is off in ${values.config} (identity.devIssuer.enabled); get a token from your identity provider\n`);
    return 1;
  }
  const devConfig: DevIssuerConfig = identity?.devIssuer ?? {};

  try {
    const dev = await openDevIssuer(dataDir, devConfig);
    if (ttl > dev.maxTtlSeconds) {
      io.err(`gatehouse token: --ttl ${values.ttl} is longer than the development issuer's maximum of ${dev.maxTtlSeconds}s\n`);
      return 2;
    }
    const token = await dev.mint({ sub: values.sub, groups, ttl, aud: values.aud, clientId: values['client-id'] });
    io.out(token + '\n');
    return 0;
  } catch (err) {
    if (err instanceof DevIssuerError || (err as NodeJS.ErrnoException).code) {
      io.err(`gatehouse token: ${(err as Error).message}\n`);
      return 1;
    }
    throw err;
  }
}
