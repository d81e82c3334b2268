import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatehouseConfig } from '../../../gateway/generated/gatehouse.config';
import { createLogger } from '../../../gateway/log';
import { createGateway } from '../../../gateway/server/create-gateway';
import { FakeUpstream } from '../../helpers/fake-upstream';

describe('proxy: serve --proxy-only (the benchmark baseline)', () => {
  let upstream: FakeUpstream;
  let dataDir: string;
  const log = createLogger({ level: 'error', write: () => {} });
  before(async () => {
    upstream = await new FakeUpstream().start();
    dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-proxy-only-'));
  });
  after(async () => {
    await upstream?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const config = (host: string): GatehouseConfig => ({
    server: { dataDir, listen: { host, port: 0 }, admin: { host: '127.0.0.1', port: 0 } },
    upstreams: [{ name: 'fake', url: upstream.url }],
  });

  it('forwards on loopback and still strips the caller credential', async () => {
    const gateway = await createGateway({ config: config('127.0.0.1'), configDir: dataDir, dataDir }, log, { proxyOnly: true });
    try {
      const res = await fetch(`${gateway.dataUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer caller-token' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(res.status, 200);
      assert.equal(upstream.last.headers.authorization, undefined);
    } finally {
      await gateway.close();
    }
  });

  it('refuses a non-loopback listener before listening', async () => {
    await assert.rejects(
      createGateway({ config: config('0.0.0.0'), configDir: dataDir, dataDir }, log, { proxyOnly: true }),
      (err: { code?: string }) => err.code === 'ERR_CONFIG_PROXY_ONLY_EXPOSED',
    );
  });
});
