import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { Spec } from '../../../gateway/generated/gatehouse.policy';
import { policyYaml } from '../../builders/policy';
import { nextEvent } from '../../builders/wait-for';
import { until } from '../../helpers/audit-log';
import { runCli, startServe } from '../../helpers/cli';
import { chatSse, FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../../helpers/gateway';
import { OtlpReceiver, type ReceivedSpan } from '../../helpers/otlp-receiver';

const spec: Spec = {
  rules: [
    { id: 'frontier-needs-approval', match: { models: ['gpt-4o'] }, action: 'require_approval', approval: { approvers: { groups: ['ml-leads'] }, timeout: '30s' } },
    { id: 'no-forbidden', match: { models: ['forbidden'] }, action: 'deny' },
    { id: 'allow-rest', action: 'allow' },
  ],
};
// The W3C Trace Context specification's example trace, as a caller would send it.
const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
const callerSpan = '00f067aa0ba902b7';
const SERVER = 2;
// Every span's start and end is read from one clock (the gateway's time origin plus the monotonic
// clock), so spans of one request are ordered exactly; only a time the test took itself, on its own
// wall clock, is compared with a slack.
const wallClockSlack = 1_500_000n;
/** a ends before b starts. */
const endsBefore = (a: ReceivedSpan, b: ReceivedSpan) => a.endNs <= b.startNs;
/** Whether a time sits on Date.now()'s millisecond grain (the SDK's own clock): one in a million of the monotonic clock's do. */
const onMillisecondGrain = (ns: bigint) => ns % 1_000_000n === 0n;
const CLIENT = 3;

/**
 * Issue 22 §3: OpenTelemetry traces over OTLP/HTTP to a receiver the test runs on 127.0.0.1:
 * span names, GenAI attributes, the gateway's decision, parent links (the caller's traceparent →
 * the request span → policy, approval wait, audit durability, upstream), and the upstream span's
 * context sent to the upstream as traceparent.
 */
describe('telemetry: OTLP/HTTP traces of data-path requests', function () {
  this.timeout(120_000);
  let dir: string;
  let receiver: OtlpReceiver;
  let upstream: FakeUpstream;
  let gateway: TestGateway;
  let client: OpenAI;
  let adminToken: string;
  const batchDelay = process.env.OTEL_BSP_SCHEDULE_DELAY;

  before(async () => {
    // The SDK's standard knob: export every 50 ms instead of 5 s, so spans arrive while the test waits.
    process.env.OTEL_BSP_SCHEDULE_DELAY = '50';
    process.env.GATEHOUSE_TEST_OTLP_KEY = 'otlp-key-123';
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-otlp-'));
    writeFileSync(join(dir, 'team.policy.yaml'), policyYaml(spec));
    receiver = await new OtlpReceiver().start();
    upstream = await new FakeUpstream().start();
    gateway = await startGateway(
      {
        upstreams: [{ name: 'fake', url: upstream.url }],
        policy: { paths: ['team.policy.yaml'], watch: false },
        approvals: { keepAliveSeconds: 0.05 },
        telemetry: { otlp: { endpoint: receiver.endpoint, headers: { 'x-api-key': { env: 'GATEHOUSE_TEST_OTLP_KEY' } }, serviceName: 'gatehouse-test' } },
      },
      { configDir: dir },
    );
    adminToken = readFileSync(join(gateway.dataDir, 'admin.token'), 'utf8').trim();
    client = new OpenAI({ baseURL: `${gateway.dataUrl}/v1`, apiKey: await gateway.token({ sub: 'ci-deployer', groups: ['ci'] }), maxRetries: 0 });
  });
  after(async () => {
    await gateway?.close();
    await upstream?.stop();
    await receiver?.stop();
    rmSync(dir, { recursive: true, force: true });
    if (batchDelay === undefined) delete process.env.OTEL_BSP_SCHEDULE_DELAY;
    else process.env.OTEL_BSP_SCHEDULE_DELAY = batchDelay;
    delete process.env.GATEHOUSE_TEST_OTLP_KEY;
  });
  beforeEach(() => upstream.reset());

  /**
   * The request span of the request with this gateway request id, and its children, once exported:
   * by name, the two audit durability spans by the record they made durable (`arrival`, `outcome`).
   */
  async function traceOf(requestId: string, children: number): Promise<{ request: ReceivedSpan; byName: Map<string, ReceivedSpan>; all: ReceivedSpan[]; names: string[] }> {
    let request: ReceivedSpan | undefined;
    await until(() => {
      request = receiver.spans.find((s) => s.attributes['gatehouse.request_id'] === requestId);
      return !!request && receiver.spans.filter((s) => s.parentSpanId === request!.spanId).length >= children;
    }, 20_000, `the spans of ${requestId}`);
    const kids = receiver.spans.filter((s) => s.parentSpanId === request!.spanId);
    const key = (s: ReceivedSpan) => (s.name === 'gatehouse.audit_durability' ? String(s.attributes['gatehouse.audit.record']) : s.name);
    return { request: request!, byName: new Map(kids.map((s) => [key(s), s])), all: kids, names: kids.map(key).sort() };
  }

  it('a chat call: a server span named by the GenAI conventions, child of the caller\'s traceparent, with policy, audit and upstream children', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] }, { headers: { traceparent: `00-${callerTrace}-${callerSpan}-01` } })
      .withResponse();
    assert.equal(data.choices[0]!.message.content, 'echo: hello');
    const { request, byName, names } = await traceOf(response.headers.get('x-request-id')!, 4);

    assert.equal(request.name, 'chat gpt-4o-mini');
    assert.equal(request.kind, SERVER);
    assert.equal(request.traceId, callerTrace);
    assert.equal(request.parentSpanId, callerSpan, 'the caller\'s span is the parent');
    assert.equal(request.resource['service.name'], 'gatehouse-test');
    assert.deepEqual(
      Object.fromEntries(['gen_ai.operation.name', 'gen_ai.request.model', 'gen_ai.response.model', 'gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens', 'gatehouse.decision', 'gatehouse.rule', 'http.response.status_code', 'gatehouse.principal'].map((k) => [k, request.attributes[k]])),
      {
        'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.response.model': 'gpt-4o-mini',
        'gen_ai.usage.input_tokens': 5, 'gen_ai.usage.output_tokens': 2,
        'gatehouse.decision': 'allow', 'gatehouse.rule': 'allow-rest', 'http.response.status_code': 200, 'gatehouse.principal': 'ci-deployer',
      },
    );
    // Audit durability twice: the arrival record before forwarding, the outcome record before the answer ends.
    assert.deepEqual(names, ['arrival', 'gatehouse.policy', 'gatehouse.upstream', 'outcome']);
    const up = byName.get('gatehouse.upstream')!;
    assert.equal(up.kind, CLIENT);
    assert.equal(up.traceId, callerTrace);
    assert.equal(up.attributes['gatehouse.upstream'], 'fake');
    // The upstream got the gateway's span as its parent, not the caller's.
    assert.equal(upstream.last.headers.traceparent, `00-${callerTrace}-${up.spanId}-01`);
    // In order: policy, then the arrival record's sync, then the upstream call.
    assert.ok(endsBefore(byName.get('gatehouse.policy')!, byName.get('arrival')!));
    assert.ok(endsBefore(byName.get('arrival')!, up));
    // The outcome record is made durable once the upstream's answer is in, before the client's response ends.
    const outcome = byName.get('outcome')!;
    assert.equal(outcome.attributes['gatehouse.audit.record'], 'outcome');
    assert.ok(up.startNs <= outcome.startNs && outcome.endNs <= request.endNs, 'the outcome record\'s sync within the exchange, after the upstream call started');
    // The upstream span lasts until the answer has ended (its last bytes wait for the outcome record), not until the forward stage settles.
    assert.ok(outcome.endNs <= up.endNs, 'the upstream span ends with the answer, after the outcome record\'s sync');
    assert.ok(request.startNs <= byName.get('gatehouse.policy')!.startNs && up.endNs <= request.endNs, 'children inside the request span');
    // Not one time from Date.now(): a span given its start used to end on it, the request span to start on it.
    const times = [request, ...byName.values()].flatMap((span) => [span.startNs, span.endNs]);
    assert.deepEqual(times.filter(onMillisecondGrain), [], 'span times on the millisecond grain (another clock than the monotonic one)');
    // The exporter's header came from its secretRef.
    assert.ok(receiver.exports.every((e) => e.headers['x-api-key'] === 'otlp-key-123'));
  });

  it('a held-then-approved streaming request: the approval wait is its own span, between policy and upstream', async () => {
    const requested = nextEvent(gateway.runtime.events, 'approval.requested');
    const { data: stream, response } = await client.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'stream it' }] }).withResponse();
    const { id } = await requested;
    assert.match(response.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/, 'a held stream has its request id too');
    const decidedAt = BigInt(Date.now()) * 1_000_000n;
    const decided = await fetch(`${gateway.adminUrl}/admin/approvals/${id}/decision`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve', reason: 'ticket ML-7' }),
    });
    assert.equal(decided.status, 200);
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    assert.equal(text, 'echo: stream it');

    const { request, byName, names } = await traceOf(response.headers.get('x-request-id')!, 5);
    assert.equal(request.name, 'chat gpt-4o');
    assert.equal(request.parentSpanId, undefined, 'no caller trace: a root span');
    assert.equal(request.attributes['gatehouse.decision'], 'require_approval');
    assert.equal(request.attributes['gatehouse.rule'], 'frontier-needs-approval');
    assert.equal(request.attributes['gatehouse.approval.state'], 'approved');
    assert.deepEqual(names, ['arrival', 'gatehouse.approval_wait', 'gatehouse.policy', 'gatehouse.upstream', 'outcome']);
    assert.equal(request.attributes['gen_ai.response.model'], 'gpt-4o');
    const wait = byName.get('gatehouse.approval_wait')!;
    assert.equal(wait.parentSpanId, request.spanId);
    assert.ok(endsBefore(byName.get('gatehouse.policy')!, wait) && endsBefore(wait, byName.get('gatehouse.upstream')!), 'policy, then the wait, then the upstream');
    // The wait lasted until the approval was posted (span times are wall-clock ns).
    assert.ok(wait.endNs + wallClockSlack >= decidedAt, 'the wait span ends after the approval was posted');
  });

  it('a denied request: the decision, the status and the error code; no upstream span', async () => {
    const err = await client.chat.completions.create({ model: 'forbidden', messages: [{ role: 'user', content: 'x' }] }).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof OpenAI.PermissionDeniedError, String(err));
    const requestId = (err.headers as Headers).get('x-request-id')!;
    const { request, names } = await traceOf(requestId, 2);
    assert.equal(request.name, 'chat forbidden');
    assert.deepEqual(
      [request.attributes['gatehouse.decision'], request.attributes['gatehouse.rule'], request.attributes['http.response.status_code'], request.attributes['error.type']],
      ['deny', 'no-forbidden', 403, 'ERR_POLICY_DENIED'],
    );
    // No arrival record (nothing was forwarded); the refusal's record is durable before the 403 is sent.
    assert.deepEqual(names, ['gatehouse.policy', 'outcome']);
    assert.equal(upstream.requests.length, 0);
  });

  it('streaming answers: gen_ai.response.model is the model the stream names (OpenAI chunks, Anthropic message_start)', async () => {
    // As OpenAI answers: the dated snapshot that served the alias asked for, in every chunk.
    upstream.handler = (_req, res) => chatSse(res, 'gpt-4o-mini-2024-07-18', ['streamed ', 'words']);
    const { data: stream, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'x' }] }).withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    assert.equal(text, 'streamed words');
    const openaiTrace = await traceOf(response.headers.get('x-request-id')!, 4);
    assert.deepEqual(
      [openaiTrace.request.attributes['gen_ai.request.model'], openaiTrace.request.attributes['gen_ai.response.model']],
      ['gpt-4o-mini', 'gpt-4o-mini-2024-07-18'],
    );

    upstream.reset();
    // The fake upstream's Anthropic stream names its model "claude" in message_start.
    const anthropic = new Anthropic({ baseURL: gateway.dataUrl, apiKey: await gateway.token({ sub: 'ci-deployer', groups: ['ci'] }), maxRetries: 0 });
    const messages = anthropic.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] });
    assert.equal((await messages.finalMessage()).model, 'claude');
    const anthropicTrace = await traceOf((await messages.withResponse()).response.headers.get('x-request-id')!, 4);
    assert.deepEqual(
      [anthropicTrace.request.name, anthropicTrace.request.attributes['gen_ai.response.model'], anthropicTrace.request.attributes['gen_ai.usage.input_tokens']],
      ['chat claude-sonnet-4-5', 'claude', 3],
    );
  });

  it('the bundled gateway (dist/) loads its tracing from dist/telemetry.js and exports the spans of a request', async () => {
    const home = mkdtempSync(join(tmpdir(), 'gatehouse-otlp-serve-'));
    const config = join(home, 'gatehouse.yaml');
    writeFileSync(config, `upstreams:\n  - { name: fake, url: ${JSON.stringify(upstream.url)} }\ntelemetry:\n  otlp: { endpoint: ${JSON.stringify(receiver.endpoint)}, serviceName: gatehouse-bundled }\n`);
    const serve = await startServe(['--config', config, '--port', '0', '--admin-port', '0'], { cwd: home, env: { OTEL_BSP_SCHEDULE_DELAY: '50' } });
    try {
      const token = (await runCli(['token', '--config', config, '--sub', 'bundled-caller'], { cwd: home })).stdout.trim();
      const res = await fetch(`${serve.dataUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(res.status, 200, await res.text());
      const { request, byName } = await traceOf(res.headers.get('x-request-id')!, 4);
      assert.equal(request.resource['service.name'], 'gatehouse-bundled');
      assert.equal(request.name, 'chat gpt-4o-mini');
      assert.ok(byName.has('gatehouse.upstream'));
    } finally {
      await serve.stop();
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('off (no telemetry.otlp), the bundled gateway never loads the OpenTelemetry file; on, it does', async () => {
    const home = mkdtempSync(join(tmpdir(), 'gatehouse-otlp-off-'));
    try {
      const loaded: Record<string, boolean> = {};
      for (const mode of ['off', 'on'] as const) {
        const config = join(home, `${mode}.yaml`);
        writeFileSync(config, `upstreams:\n  - { name: fake, url: ${JSON.stringify(upstream.url)} }\n` + (mode === 'on' ? `telemetry:\n  otlp: { endpoint: ${JSON.stringify(receiver.endpoint)} }\n` : ''));
        // NODE_DEBUG=esm: node reports each module its loader loads (the import of dist/telemetry.js is one).
        const serve = await startServe(['--config', config, '--port', '0', '--admin-port', '0', '--data-dir', join(home, mode)], { cwd: home, env: { NODE_DEBUG: 'esm' } });
        const token = (await runCli(['token', '--data-dir', join(home, mode), '--sub', 'probe'], { cwd: home })).stdout.trim();
        const res = await fetch(`${serve.dataUrl}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
        });
        assert.equal(res.status, 200, await res.text());
        await serve.stop();
        loaded[mode] = serve.stderr().includes('/dist/telemetry.js');
      }
      assert.deepEqual(loaded, { off: false, on: true });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
