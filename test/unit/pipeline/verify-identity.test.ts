import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIdentityService, type IdentityServiceHandle } from '../../../gateway/identity/identity-service';
import { silentLogger } from '../../../gateway/log';
import type { Exchange } from '../../../gateway/pipeline/exchange';
import { verifyIdentity } from '../../../gateway/pipeline/verify-identity';
import type { Runtime } from '../../../gateway/runtime';

describe('pipeline: verifyIdentity', () => {
  let dataDir: string;
  let identity: IdentityServiceHandle;
  let stage: ReturnType<typeof verifyIdentity>;
  let token: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-stage-'));
    identity = await createIdentityService({}, { dataDir, log: silentLogger });
    stage = verifyIdentity({ identity } as Pick<Runtime, 'identity'> as Runtime);
    token = await identity.devIssuer!.mint({ sub: 'agent', groups: ['ml'] });
  });
  after(async () => {
    await identity.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  // The stage reads only the request's headers (and clears the credential in them) and writes only x.principal.
  const exchange = (headers: IncomingHttpHeaders) => ({ req: { headers, rawHeaders: Object.entries(headers).flatMap(([k, v]) => [k, String(v)]) } }) as unknown as Exchange;

  it('sets the principal from Authorization: Bearer', async () => {
    const x = exchange({ authorization: `Bearer ${token}` });
    await stage(x);
    assert.equal(x.principal?.subject, 'agent');
  });

  it('takes the token out of the request once read, parsed and raw headers alike (a held or streaming request would keep it)', async () => {
    const x = exchange({ 'content-type': 'application/json', authorization: `Bearer ${token}`, 'user-agent': 'sdk' });
    x.req.rawHeaders[2] = 'Authorization';
    await stage(x);
    assert.equal(x.principal?.subject, 'agent');
    assert.equal(x.req.headers.authorization, undefined);
    assert.equal(x.req.headers['user-agent'], 'sdk');
    assert.deepEqual(x.req.rawHeaders, ['content-type', 'application/json', 'Authorization', '', 'user-agent', 'sdk']);
    const viaApiKey = exchange({ 'x-api-key': token });
    await stage(viaApiKey);
    assert.equal(viaApiKey.principal?.subject, 'agent');
    assert.equal(viaApiKey.req.headers['x-api-key'], undefined);
    assert.ok(!viaApiKey.req.rawHeaders.includes(token));
  });

  it('is synchronous once the token is cached', () => {
    const x = exchange({ authorization: `Bearer ${token}` });
    assert.equal(stage(x), undefined);
    assert.equal(x.principal?.subject, 'agent');
  });

  it('reads x-api-key (Anthropic SDKs) when there is no Authorization', async () => {
    const x = exchange({ 'x-api-key': token });
    await stage(x);
    assert.deepEqual(x.principal?.groups, ['ml']);
  });

  it('prefers Authorization over x-api-key', async () => {
    const x = exchange({ authorization: 'Bearer not-a-jwt', 'x-api-key': token });
    await assert.rejects(async () => stage(x), { code: 'ERR_TOKEN_MALFORMED' });
    assert.equal(x.principal, undefined);
  });

  it('refuses a provider key in x-api-key', async () => {
    await assert.rejects(async () => stage(exchange({ 'x-api-key': 'sk-ant-api03-abcdef' })), { code: 'ERR_TOKEN_MALFORMED', status: 401 });
  });

  it('refuses a request with neither header', async () => {
    await assert.rejects(async () => stage(exchange({})), { code: 'ERR_TOKEN_MISSING', status: 401 });
  });
});
