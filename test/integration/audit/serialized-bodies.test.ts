import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { listSegments, readSegmentLines } from '../../../gateway/audit/segment-files';
import type { AuditRecord } from '../../../gateway/generated/audit-record';
import { policyYaml } from '../../builders/policy';
import { until } from '../../helpers/audit-log';
import { FakeUpstream, sendJson } from '../../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../../helpers/gateway';
import { HttpReceiver } from '../../helpers/http-receiver';

/**
 * A masked body is serialized once (issue 23): the bytes sent upstream (or to the client) are the
 * audit copy's JSON text, and the record embeds them. Through a running gateway: the log holds
 * exactly those bytes as the record's body, the log verifies, and the SIEM sink, the admin query
 * and the log all give the same structured record.
 */
describe('audit: masked bodies recorded as the bytes sent', function () {
  this.timeout(30_000);
  let upstream: FakeUpstream;
  let receiver: HttpReceiver;
  let gateway: TestGateway;
  let dir: string;

  before(async () => {
    process.env.GATEHOUSE_TEST_PROVIDER_KEY = 'sk-provider-secret';
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-serialized-'));
    // One rule for the upstream and the client with every detector: each copy is also the audit copy.
    writeFileSync(join(dir, 'pii.policy.yaml'), policyYaml({ defaultAction: 'allow', rules: [], masking: [{ name: 'pii', detectors: ['all'], where: ['upstream', 'client'] }] }));
    upstream = await new FakeUpstream().start();
    receiver = await new HttpReceiver().start();
    gateway = await startGateway(
      {
        upstreams: [{ name: 'fake', url: upstream.url, auth: { secret: { env: 'GATEHOUSE_TEST_PROVIDER_KEY' } } }],
        policy: { paths: ['pii.policy.yaml'], watch: false },
        audit: { sinks: [{ type: 'http', name: 'siem', url: `${receiver.url}/ingest`, batchSize: 50, backoffMinMs: 20, backoffMaxMs: 200, timeoutMs: 2000 }] },
      },
      { configDir: dir },
    );
  });
  after(async () => {
    await gateway?.close();
    await upstream?.stop();
    await receiver?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The line of the log holding the request's record of `kind`, as its bytes. */
  async function logLine(requestId: string, kind: string): Promise<Buffer> {
    for (const seg of await listSegments(join(gateway.dataDir, 'audit'))) {
      for await (const l of readSegmentLines(seg.path)) {
        const r = JSON.parse(l.text) as AuditRecord;
        if (r.requestId === requestId && r.kind === kind) return Buffer.from(l.text);
      }
    }
    throw new Error(`no ${kind} record for ${requestId}`);
  }

  /** The record as the SIEM received it (ndjson batches), once delivered. */
  async function siemRecord(requestId: string, kind: string): Promise<AuditRecord> {
    const find = () => receiver.received.flatMap((r) => r.body.split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditRecord)).find((r) => r.requestId === requestId && r.kind === kind);
    await until(() => find() !== undefined, 10_000, `the SIEM received the ${kind} record`);
    return find()!;
  }

  /** Whether the line's last member before its hash is `name` with exactly these bytes: it ends `,"<name>":<bytes>,"hash":"<64 hex>"}`. */
  function endsWithMember(line: Buffer, name: string, bytes: Buffer): boolean {
    const tail = Buffer.concat([Buffer.from(`,"${name}":`), bytes, Buffer.from(',"hash":"')]);
    return line.subarray(-(tail.length + 66), -66).equals(tail);
  }

  it('the arrival record holds the masked request body as the bytes the upstream received; SIEM, query and log agree', async () => {
    const client = new OpenAI({ baseURL: `${gateway.dataUrl}/v1`, apiKey: await gateway.token(), maxRetries: 0 });
    const content = 'Mail jane.doe@example.com or call +1 415 555 0100 — "quoted", back\\slash, tab\t, 東京 😀\nnext line';
    const { response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content }], temperature: 0.5 }).withResponse();
    const requestId = response.headers.get('x-request-id')!;
    const sent = upstream.last.body;
    const sentJson = JSON.parse(sent.toString('utf8'));
    assert.equal(sentJson.messages[1].content, 'Mail [REDACTED:EMAIL] or call [REDACTED:PHONE] — "quoted", back\\slash, tab\t, 東京 😀\nnext line');

    const line = await logLine(requestId, 'arrival');
    assert.ok(endsWithMember(line, 'requestBody', sent), `the arrival line ends with the bytes sent upstream:\n${line}\n${sent}`);
    const logged = JSON.parse(line.toString('utf8')) as AuditRecord;
    assert.deepEqual(logged.requestBody, sentJson);

    const [queried] = await gateway.runtime.audit.query({ requestId, kind: 'arrival' });
    assert.deepEqual(queried, logged);
    const siem = await siemRecord(requestId, 'arrival');
    assert.deepEqual(siem, logged);
    assert.equal(typeof siem.requestBody, 'object', 'the SIEM gets the body as structured JSON, not as a string');
    assert.deepEqual((await gateway.runtime.audit.verify()).findings, []);
  });

  it('the outcome record holds the masked answer as the bytes the client received (a client rule)', async () => {
    upstream.handler = (_req, res) =>
      sendJson(res, 200, { id: 'chatcmpl-1', object: 'chat.completion', created: 0, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'Write to john.smith@example.org — ½ €' }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 } });
    const res = await fetch(`${gateway.dataUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await gateway.token()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] }),
    });
    assert.equal(res.status, 200);
    const got = Buffer.from(await res.arrayBuffer());
    assert.equal(JSON.parse(got.toString('utf8')).choices[0].message.content, 'Write to [REDACTED:EMAIL] — ½ €');
    const requestId = res.headers.get('x-request-id')!;

    const line = await logLine(requestId, 'outcome');
    assert.ok(endsWithMember(line, 'responseBody', got), `the outcome line ends with the bytes the client got:\n${line}\n${got}`);
    const logged = JSON.parse(line.toString('utf8')) as AuditRecord;
    const siem = await siemRecord(requestId, 'outcome');
    assert.deepEqual(siem, logged);
    assert.deepEqual(siem.responseBody, JSON.parse(got.toString('utf8')));
    assert.deepEqual((await gateway.runtime.audit.verify()).findings, []);
  });
});
