import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { utimes } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditServiceImpl } from '../../../gateway/audit/audit-service';
import { listSegments } from '../../../gateway/audit/segment-files';
import { verifyAuditDir } from '../../../gateway/audit/verify-log';
import { EventBus, type GatewayEvents } from '../../../gateway/events';
import type { Exchange } from '../../../gateway/pipeline/exchange';
import { recordArrival } from '../../../gateway/pipeline/record-arrival';
import type { Runtime } from '../../../gateway/runtime';
import { openAudit, tempDataDir, until } from '../../helpers/audit-log';

/** An Exchange as the pipeline leaves it after masking (builder). */
function exchange(over: Partial<Exchange> = {}): Exchange {
  const raw = Buffer.from(JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'card 4111 1111 1111 1111' }] }));
  return {
    id: `req-${Math.random().toString(16).slice(2)}`,
    req: { method: 'POST', url: '/v1/chat/completions?x=1', headers: {} } as IncomingMessage,
    res: {} as ServerResponse,
    receivedAt: Date.parse('2025-03-01T10:00:00.000Z'),
    startNs: process.hrtime.bigint(),
    principal: { issuer: 'https://idp.test', subject: 'ci-deployer', clientId: 'ci', groups: ['ml'], tokenHash: 'abc', attributes: { repo: 'x' } },
    request: { method: 'POST', path: '/v1/chat/completions', endpoint: 'chat', upstream: 'openai', model: 'gpt-4o', stream: false, promptText: 'card 4111 1111 1111 1111', bodyBytes: raw.length },
    body: raw,
    json: JSON.parse(raw.toString()),
    decision: { action: 'allow', rule: 'ci-may-chat', reasons: ['group ml'], limits: {}, masks: ['cards'], explain: [], policyVersion: 'pv1' },
    auditRequestBody: { model: 'gpt-4o', messages: [{ role: 'user', content: 'card [CARD]' }] },
    maskReport: [{ rule: 'cards', detector: 'card', path: '$.messages[0].content', count: 1 }],
    outcome: { status: 200, responseBytes: 321, clientAborted: false, firstByteMs: 12.5, usage: { inputTokens: 5, outputTokens: 7, totalTokens: 12, source: 'reported' }, cost: { amount: 0.0001, currency: 'USD' }, auditResponseBody: { choices: [] } },
    clientGone: new AbortController().signal,
    ...over,
  };
}

describe('audit service: records from the pipeline, queries, events', () => {
  let env: Awaited<ReturnType<typeof tempDataDir>>;
  let audit: AuditServiceImpl;
  let events: EventBus;
  const appended: GatewayEvents['audit.appended'][] = [];
  beforeEach(async () => {
    env = await tempDataDir();
    events = new EventBus();
    appended.length = 0;
    events.on('audit.appended', (e) => appended.push(e));
    audit = await openAudit(env.dataDir, { maxBodyBytes: 4096, recentRecords: 5 }, events);
  });
  afterEach(async () => {
    await audit.close();
    await env.cleanup();
  });

  it('a number JSON cannot hold (NaN) is null in the line, and so in what listeners get and queries answer; audit.appended leaves it out', async () => {
    const tailed: unknown[] = [];
    const stop = audit.tail({ kind: 'outcome' }, (r) => tailed.push(r));
    try {
      const written = await audit.append({ kind: 'outcome', requestId: 'req-nan', status: 200, latencyMs: NaN, usage: { inputTokens: 1, outputTokens: NaN, totalTokens: NaN, source: 'reported' }, cost: { amount: NaN, currency: 'USD' } } as never);
      await until(() => tailed.length === 1 && appended.some((e) => e.id === written.id));
    } finally {
      stop();
    }
    const [inLog] = await audit.query({ kind: 'outcome' });
    const r = tailed[0] as typeof inLog;
    assert.deepEqual([r.latencyMs, r.usage, r.cost], [null, { inputTokens: 1, outputTokens: null, totalTokens: null, source: 'reported' }, { amount: null, currency: 'USD' }]);
    assert.deepEqual(r, inLog, 'the listener\'s record is the one the log holds');
    const event = appended.find((e) => e.kind === 'outcome')!;
    assert.deepEqual([event.status, 'tokens' in event, 'cost' in event, 'costCurrency' in event], [200, false, false, false]);
  });

  it('an outcome written while its arrival is still syncing is the combined record; the next exchange\'s outcome follows its own arrival', async () => {
    const cut = exchange({ outcome: { status: 502, errorCode: 'ERR_UPSTREAM_UNREACHABLE', responseBytes: 0, clientAborted: true } });
    const arriving = audit.arrival(cut);
    // The client left before the arrival was durable: its end is written now, not as an outcome.
    await audit.outcome(cut);
    await arriving;
    const next = exchange();
    await audit.arrival(next);
    await audit.outcome(next);
    const [combined] = await audit.query({ requestId: cut.id, kind: 'error' });
    assert.equal(combined?.errorCode, 'ERR_UPSTREAM_UNREACHABLE');
    assert.deepEqual(await audit.query({ requestId: cut.id, kind: 'outcome' }), [], 'no outcome record for an exchange whose end came before its arrival');
    assert.equal((await audit.query({ requestId: next.id, kind: 'outcome' })).length, 1);
  });

  it('arrival stores the masked body and the raw body size and SHA-256, never the raw body', async () => {
    const x = exchange();
    await recordArrival({ audit } as unknown as Runtime)(x);
    const [r] = await audit.query({ kind: 'arrival' });
    assert.equal(r.requestId, x.id);
    assert.equal(r.time, '2025-03-01T10:00:00.000Z');
    // The mapped claim attributes are kept (bounded), the token itself never.
    assert.deepEqual(r.principal, { issuer: 'https://idp.test', subject: 'ci-deployer', clientId: 'ci', groups: ['ml'], tokenHash: 'abc', attributes: { repo: 'x' } });
    assert.deepEqual([r.method, r.path, r.upstream, r.endpoint, r.model, r.stream], ['POST', '/v1/chat/completions', 'openai', 'chat', 'gpt-4o', false]);
    assert.deepEqual(r.decision, { action: 'allow', rule: 'ci-may-chat', reasons: ['group ml'] });
    assert.equal(r.policyVersion, 'pv1');
    assert.deepEqual(r.requestBody, x.auditRequestBody);
    assert.equal(r.bodyBytes, x.body!.length);
    assert.equal(r.bodySha256, createHash('sha256').update(x.body!).digest('hex'));
    assert.deepEqual(r.mask, x.maskReport);
    assert.ok(!JSON.stringify(r).includes('4111'), 'the raw card number never reaches the log');
  });

  it('outcome follows the arrival; a request refused before forwarding gets one combined record named for why', async () => {
    const ok = exchange();
    await audit.arrival(ok);
    audit.outcome(ok);
    const denied = exchange({ decision: { action: 'deny', rule: 'no-fine-tune', reasons: ['fine-tuning is off'], limits: {}, masks: [], explain: [], policyVersion: 'pv1' }, outcome: { status: 403, errorCode: 'ERR_POLICY_DENIED', responseBytes: 80, clientAborted: false } });
    audit.outcome(denied);
    const unauth = exchange({ principal: undefined, decision: undefined, outcome: { status: 401, errorCode: 'ERR_IDENTITY_INVALID_TOKEN', responseBytes: 60, clientAborted: false } });
    audit.outcome(unauth);
    await until(() => appended.filter((e) => e.kind !== 'checkpoint').length === 4, 5000, 'records durable');

    const [out] = await audit.query({ kind: 'outcome' });
    assert.equal(out.requestId, ok.id);
    assert.equal(out.status, 200);
    assert.deepEqual(out.usage, { inputTokens: 5, outputTokens: 7, totalTokens: 12, source: 'reported' });
    assert.deepEqual(out.cost, { amount: 0.0001, currency: 'USD' });
    assert.equal(out.firstByteMs, 12.5);
    assert.equal(out.responseBytes, 321);
    assert.ok(typeof out.latencyMs === 'number' && out.latencyMs >= 0);
    assert.deepEqual(out.responseBody, { choices: [] });

    const [d] = await audit.query({ kind: 'denied' });
    assert.equal(d.requestId, denied.id);
    assert.equal(d.errorCode, 'ERR_POLICY_DENIED');
    assert.equal(d.decision!.rule, 'no-fine-tune');
    assert.ok(d.bodySha256, 'combined record carries the request part');
    const [a] = await audit.query({ kind: 'auth_failed' });
    assert.equal(a.status, 401);
    assert.equal(a.principal, undefined);
    assert.equal(a.path, '/v1/chat/completions');

    const ev = appended.find((e) => e.kind === 'arrival')!;
    assert.deepEqual({ ...ev, id: undefined, seq: undefined }, { id: undefined, seq: undefined, kind: 'arrival', principal: 'ci-deployer', decision: 'allow', model: 'gpt-4o', status: undefined });
  });

  it('bounds stored bodies with a truncation flag and survives lone surrogates from clients', async () => {
    const big = 'y'.repeat(10_000);
    const x = exchange({ body: Buffer.from(big), auditRequestBody: { text: big, odd: 'a\ud800b' } });
    // The masked body is serialized only as far as the cut (a big prompt is not serialized whole to keep 4 KB of it).
    const lengths: number[] = [];
    const stringify = JSON.stringify;
    JSON.stringify = ((...args: Parameters<typeof JSON.stringify>) => {
      const out = stringify(...args);
      lengths.push(out?.length ?? 0);
      return out;
    }) as typeof JSON.stringify;
    try {
      await audit.arrival(x);
    } finally {
      JSON.stringify = stringify;
    }
    assert.ok(Math.max(...lengths) < 10_000, `longest serialization ${Math.max(...lengths)} characters`);
    const [r] = await audit.query({ kind: 'arrival' });
    assert.equal(r.requestBodyTruncated, true);
    assert.equal(r.requestBody, stringify({ text: big, odd: 'a\ud800b' }).slice(0, 4096), 'the first 4096 bytes of the serialization (all ASCII here)');
    const y = exchange({ auditRequestBody: { odd: 'a\ud800b' } });
    await audit.arrival(y);
    const [s] = await audit.query({ requestId: y.id });
    assert.deepEqual(s.requestBody, { odd: 'a\ufffdb' });
    await audit.close();
    assert.deepEqual((await verifyAuditDir(env.auditDir)).findings, []);
    audit = await openAudit(env.dataDir, {}, events);
  });

  it('query filters and pages beyond the in-memory window (from the segment files); get by id', async () => {
    for (let i = 0; i < 12; i++) {
      await audit.append({ kind: 'arrival', requestId: `q${i}`, model: i % 2 ? 'a' : 'b', principal: { issuer: 'i', subject: i % 3 ? 'alice' : 'bob' }, decision: { action: i % 4 ? 'allow' : 'deny', rule: 'r' } });
    }
    const all = await audit.query({ after: 0, limit: 1000 });
    assert.equal(all.filter((r) => r.kind === 'arrival').length, 12, 'older records come from the files (window is 5)');
    assert.deepEqual((await audit.query({ principal: 'bob', model: 'b', limit: 1000 })).map((r) => r.requestId), ['q0', 'q6']);
    assert.deepEqual((await audit.query({ decision: 'deny' })).map((r) => r.requestId), ['q0', 'q4', 'q8']);
    const since = all.find((r) => r.requestId === 'q4')!.time;
    const denied = all.filter((r) => r.decision?.action === 'deny' && r.time >= since).map((r) => r.requestId);
    assert.ok(denied.includes('q4') && denied.includes('q8'));
    assert.deepEqual((await audit.query({ decision: 'deny', since })).map((r) => r.requestId), denied, 'since: made at or after that time');
    const latest2 = await audit.query({ kind: 'arrival', limit: 2 });
    assert.deepEqual(latest2.map((r) => r.requestId), ['q10', 'q11']);
    const page = await audit.query({ after: all[2].id, limit: 3 });
    assert.deepEqual(page.map((r) => r.seq), [all[3].seq, all[4].seq, all[5].seq]);
    assert.equal((await audit.get(all[1].id))!.hash, all[1].hash, 'old record by id from the files');
    assert.equal((await audit.get(all.at(-1)!.id))!.seq, all.at(-1)!.seq);
    assert.equal(await audit.get('nope'), undefined);
    const report = await audit.verify();
    assert.deepEqual(report.findings, []);
  });

  it('retention deletes whole old segments and the log still verifies from the first kept record', async () => {
    await audit.close();
    audit = await openAudit(env.dataDir, { segmentMaxBytes: 1024, retentionDays: 1 }, events);
    for (let i = 0; i < 15; i++) await audit.append({ kind: 'note', details: { pad: 'z'.repeat(600), i } });
    const before = await listSegments(env.auditDir);
    assert.ok(before.length >= 5);
    const old = (Date.now() - 3 * 86_400_000) / 1000;
    for (const seg of before.slice(0, 3)) await utimes(seg.path, old, old);
    const removed = await audit.prune();
    assert.deepEqual(removed, before.slice(0, 3).map((s) => s.name));
    const report = await audit.verify();
    assert.deepEqual(report.findings, []);
    assert.equal(report.start, 'checkpoint');
    assert.equal(report.firstSeq, before[3].firstSeq);
  });
});
