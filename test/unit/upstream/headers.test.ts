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
  const others = compileUpstreams(
    [
      { name: 'b', url: 'https://api.example.test' },
      { name: 'c', url: 'https://api.example.test', forwardHeaders: ['OpenAI-Organization', 'x-team-*', 'Authorization', 'X-Forwarded-For'] },
    ],
    process.cwd(),
    (u) => u.url!,
  );
  after(() => others.close());
  const [other, allowing] = others.upstreams as [typeof upstream, typeof upstream];

  it('drops hop-by-hop, Connection-named and caller credential headers; injects the provider key last', () => {
    const out = upstreamRequestHeaders(
      {
        connection: 'keep-alive, x-secret, authorization, accept',
        'keep-alive': 'timeout=5', 'x-secret': 's', authorization: 'Bearer caller', 'x-api-key': 'k', cookie: 'c',
        'proxy-authorization': 'p', te: 'trailers', upgrade: 'h2c', host: 'gateway', 'content-length': '999', accept: 'text/plain', 'content-type': 'application/json',
      },
      upstream, 'rid', 12, '192.0.2.1',
    );
    assert.deepEqual(out, {
      'content-type': 'application/json', host: 'api.example.test', 'content-length': '12', 'x-request-id': 'rid', 'x-forwarded-for': '192.0.2.1',
      'openai-organization': 'org-1', authorization: 'Bearer sk-unit',
    });
  });

  it('forwards only allowed caller headers: provider version and feature headers, not account-selecting ones', () => {
    const out = upstreamRequestHeaders(
      {
        'openai-organization': 'org-other', 'openai-project': 'proj-other', 'openai-beta': 'assistants=v2', 'anthropic-version': '2023-06-01',
        'anthropic-beta': 'tools-2024-04-04', 'x-stainless-lang': 'js', 'user-agent': 'OpenAI/JS 4', 'x-custom': '1', 'accept-encoding': 'gzip',
        'x-forwarded-for': '10.9.9.9', forwarded: 'for=10.9.9.9', 'x-real-ip': '10.9.9.9', 'x-request-id': 'caller-chosen',
      },
      other, 'rid', 0, '203.0.113.9',
    );
    assert.deepEqual(out, {
      'openai-beta': 'assistants=v2', 'anthropic-version': '2023-06-01', 'anthropic-beta': 'tools-2024-04-04', 'x-stainless-lang': 'js', 'user-agent': 'OpenAI/JS 4',
      host: 'api.example.test', 'content-length': '0', 'x-request-id': 'rid', 'x-forwarded-for': '203.0.113.9',
    });
  });

  it('forwards what an upstream allows in forwardHeaders (any case, globs), but never credentials or address claims', () => {
    const out = upstreamRequestHeaders(
      { 'openai-organization': 'org-2', 'openai-project': 'p', 'x-team-a': '1', authorization: 'Bearer caller', 'x-forwarded-for': '10.9.9.9' },
      allowing, 'rid', 0, undefined,
    );
    assert.deepEqual(out, { 'openai-organization': 'org-2', 'x-team-a': '1', host: 'api.example.test', 'content-length': '0', 'x-request-id': 'rid' });
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
