import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configValidator } from '../../gateway/core/config-schema';
import type { GatehouseConfig } from '../../gateway/generated/gatehouse.config';
import { openDevIssuer, type MintOptions } from '../../gateway/identity/dev-issuer';
import { createLogger, type Logger } from '../../gateway/log';
import { createGateway, type GatewayHandle } from '../../gateway/server/create-gateway';

export interface TestGateway extends GatewayHandle {
  dataDir: string;
  /** Log lines the gateway wrote (for asserting that no secret is ever logged). */
  logLines: string[];
  /** Mints a token from the gateway's development issuer (on unless the config lists issuers). Default sub "test-client". */
  token(options?: Partial<MintOptions>): Promise<string>;
}

/**
 * Starts a real gateway in this process on 127.0.0.1 port 0, with a fresh data dir. The config is
 * validated against the schema first, so a typo in a test fails loudly instead of being ignored.
 */
/** `options.dataDir`: reuse a data folder (a restart); the caller then removes it, not close(). `migrate`: as `serve --migrate`. */
export async function startGateway(config: GatehouseConfig, options: { configDir?: string; dataDir?: string; migrate?: boolean } = {}): Promise<TestGateway> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  const full: GatehouseConfig = {
    ...config,
    server: { ...config.server, dataDir, listen: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } },
  };
  const validate = configValidator();
  if (!validate(full)) throw new Error(`test config invalid: ${JSON.stringify(validate.errors)}`);
  const logLines: string[] = [];
  const log: Logger = createLogger({ level: 'debug', write: (line) => logLines.push(line) });
  const gateway = await createGateway({ config: full, configDir: options.configDir ?? process.cwd(), dataDir }, log, { migrate: options.migrate });
  return {
    ...gateway,
    dataDir,
    logLines,
    async token(options = {}) {
      const dev = await openDevIssuer(dataDir, full.identity?.devIssuer);
      return dev.mint({ sub: 'test-client', ...options });
    },
    async close() {
      await gateway.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
