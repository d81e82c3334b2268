import assert from 'node:assert/strict';
import { clientResponseHeaders, upstreamRequestHeaders } from '../../../gateway/upstream/headers';
import { compileUpstreams } from '../../../gateway/upstream/upstream-table';

describe('upstream: header rules', () => {
  process.env.GATEHOUSE_UNIT_KEY = 'sk-unit';
  const table = compileUpstreams(
    [{ name: 'a', url: 'https://api.example.test/base', auth: { secret: { env: 'GATEHOUSE_UNIT_KEY' } }, headers: { 'OpenAI-Organization': 'org-1' } }],
    process.cwd(),
    (u) => u.url!,
  );
  after(() => table.close());
  const upstream = table.upstreams[0]!;

  it('drops hop-by-hop, Connection-named and caller credential headers; injects the provider key last', () => {
    const out = upstreamRequestHeaders(
      {
        connection: 'keep-alive, x-secret, authorization',
        'keep-alive': 'timeout=5', 'x-secret': 's', authorization: 'Bearer caller', 'x-api-key': 'k', cookie: 'c',
        'proxy-authorization': 'p', te: 'trailers', upgrade: 'h2c', host: 'gateway', 'content-length': '999', 'x-ok': '1',
      },
      upstream, 'rid', 12,
    );
    assert.deepEqual(out, {
      'x-ok': '1', host: 'api.example.test', 'content-length': '12', 'x-request-id': 'rid',
      'openai-organization': 'org-1', authorization: 'Bearer sk-unit',
    });
  });

  it('keeps the upstream URL path as a prefix', () => {
    assert.equal(upstream.basePath, '/base');
    assert.equal(upstream.https, true);
    assert.equal(upstream.port, 443);
  });

  it('drops length and validators from responses whose body the gateway rewrites', () => {
    const incoming = { 'content-length': '10', etag: 'x', 'content-type': 'application/json', connection: 'close', 'transfer-encoding': 'chunked' };
    assert.deepEqual(clientResponseHeaders(incoming, 'r', true), { 'content-type': 'application/json', 'x-request-id': 'r' });
    assert.deepEqual(clientResponseHeaders(incoming, 'r', false), { 'content-length': '10', etag: 'x', 'content-type': 'application/json', 'x-request-id': 'r' });
  });
});
