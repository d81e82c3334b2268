import assert from 'node:assert/strict';
import OpenAI from 'openai';
import type { Upstream } from '../../../gateway/generated/gatehouse.config';
import { auditRecordOf } from '../../builders/audit-record-of';
import { FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../../helpers/gateway';
import { rawPost } from '../../helpers/raw-http';

/** Issue 15 item 3: what the caller may say to the provider, and which client address counts. */
const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] };
const spoofs = { 'x-forwarded-for': '6.6.6.6', forwarded: 'for=6.6.6.6', 'x-real-ip': '6.6.6.6' };

describe('proxy: caller headers and the client address', () => {
  let upstream: FakeUpstream;
  const gateways: TestGateway[] = [];

  before(async () => {
    upstream = await new FakeUpstream().start();
  });
  after(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    await upstream?.stop();
  });
  beforeEach(() => upstream.reset());

  async function gatewayWith(upstreams: Upstream[], trustedProxies?: string[]): Promise<TestGateway> {
    const gateway = await startGateway({ server: trustedProxies ? { trustedProxies } : {}, upstreams });
    gateways.push(gateway);
    return gateway;
  }

  it('does not let a caller pick the organization or project the gateway key pays with; provider version headers pass', async () => {
    const gateway = await gatewayWith([{ name: 'fake', url: upstream.url }]);
    const client = new OpenAI({
      baseURL: `${gateway.dataUrl}/v1`, apiKey: await gateway.token(), maxRetries: 0, organization: 'org-victim', project: 'proj-victim',
      defaultHeaders: { 'OpenAI-Beta': 'assistants=v2', 'anthropic-version': '2023-06-01', 'anthropic-beta': 'tools-2024-04-04', 'X-Internal-Debug': '1' },
    });
    await client.chat.completions.create(chat as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming);
    const seen = upstream.last.headers;
    assert.equal(seen['openai-organization'], undefined);
    assert.equal(seen['openai-project'], undefined);
    assert.equal(seen['x-internal-debug'], undefined);
    assert.equal(seen['openai-beta'], 'assistants=v2');
    assert.equal(seen['anthropic-version'], '2023-06-01');
    assert.equal(seen['anthropic-beta'], 'tools-2024-04-04');
    assert.equal(seen['accept-encoding'], undefined, 'the upstream answers uncompressed: the gateway reads the response');
  });

  it('forwards them when the upstream allows them (forwardHeaders) or sets them itself (headers)', async () => {
    const gateway = await gatewayWith([
      { name: 'allows', url: upstream.url, pathPrefix: '/allows', stripPrefix: true, forwardHeaders: ['OpenAI-Organization'] },
      { name: 'sets', url: upstream.url, pathPrefix: '/sets', stripPrefix: true, headers: { 'OpenAI-Project': 'proj-gateway' } },
    ]);
    const auth = { authorization: `Bearer ${await gateway.token()}`, 'openai-organization': 'org-mine', 'openai-project': 'proj-mine' };
    await rawPost(`${gateway.dataUrl}/allows/v1/chat/completions`, chat, auth);
    assert.equal(upstream.last.headers['openai-organization'], 'org-mine');
    assert.equal(upstream.last.headers['openai-project'], undefined);
    await rawPost(`${gateway.dataUrl}/sets/v1/chat/completions`, chat, auth);
    assert.equal(upstream.last.headers['openai-organization'], undefined);
    assert.equal(upstream.last.headers['openai-project'], 'proj-gateway');
  });

  it("drops the caller's X-Forwarded-For, Forwarded and X-Real-IP, sets its own, and audits the peer", async () => {
    const gateway = await gatewayWith([{ name: 'fake', url: upstream.url }]);
    const res = await rawPost(`${gateway.dataUrl}/v1/chat/completions`, chat, { authorization: `Bearer ${await gateway.token()}`, ...spoofs });
    assert.equal(res.status, 200);
    const seen = upstream.last.headers;
    assert.equal(seen['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen.forwarded, undefined);
    assert.equal(seen['x-real-ip'], undefined);
    assert.equal((await auditRecordOf(gateway, { requestId: String(res.headers['x-request-id']), kind: 'arrival' })).clientAddress, '127.0.0.1');
  });

  it('believes X-Forwarded-For only from trustedProxies, from the right while hops are trusted', async () => {
    const gateway = await gatewayWith([{ name: 'fake', url: upstream.url }], ['127.0.0.0/8', '10.0.0.0/8']);
    const auth = { authorization: `Bearer ${await gateway.token()}` };
    // The load balancer (127.0.0.1, trusted) appended the client it saw; the caller wrote 6.6.6.6 before it.
    const res = await rawPost(`${gateway.dataUrl}/v1/chat/completions`, chat, { ...auth, 'x-forwarded-for': '6.6.6.6, 198.51.100.7, 10.0.0.3', 'x-real-ip': '6.6.6.6' });
    assert.equal(upstream.last.headers['x-forwarded-for'], '198.51.100.7');
    assert.equal(upstream.last.headers['x-real-ip'], undefined);
    assert.equal((await auditRecordOf(gateway, { requestId: String(res.headers['x-request-id']), kind: 'arrival' })).clientAddress, '198.51.100.7');
    // A refusal carries it too.
    const refused = await rawPost(`${gateway.dataUrl}/v1/chat/completions`, chat, { authorization: 'Bearer nope', 'x-forwarded-for': '198.51.100.8' });
    assert.equal(refused.status, 401);
    assert.equal((await auditRecordOf(gateway, { requestId: String(refused.headers['x-request-id']) })).clientAddress, '198.51.100.8');
  });
});
