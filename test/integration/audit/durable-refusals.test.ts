import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyAuditDir } from '../../../gateway/audit/verify-log';
import { policyYaml } from '../../builders/policy';
import { runCli, startServe, type ServeProcess } from '../../helpers/cli';
import { readAuditRecords } from '../../helpers/audit-log';
import { FakeUpstream } from '../../helpers/fake-upstream';

const perSource = 3;
const intervalSeconds = 2;
const maxSources = 2;

/**
 * Every refusal the client sees is preceded by its durable record: the gateway is killed with
 * SIGKILL the moment the answer arrives, and the record must be in the log afterwards.
 * `groupCommitMaxDelayMs: 100` makes each batch wait 100 ms before its write, so a record
 * written after the answer (as before) is certain to be lost by the kill.
 */
describe('audit: refusals are durable before they are answered (kill -9)', function () {
  this.timeout(180_000);
  let dir: string;
  let upstream: FakeUpstream;
  let serve: ServeProcess | undefined;
  let token = '';
  const dataDir = () => join(dir, 'data');
  const auditDir = () => join(dir, 'data', 'audit');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-refusals-'));
    upstream = await new FakeUpstream().start();
    writeFileSync(join(dir, 'team.policy.yaml'), policyYaml({ rules: [{ id: 'no-forbidden', match: { models: ['gpt-forbidden'] }, action: 'deny' }, { id: 'allow-rest', action: 'allow' }] }));
    writeFileSync(join(dir, 'gatehouse.yaml'), [
      'server:',
      `  dataDir: ${dataDir()}`,
      '  listen: { host: 127.0.0.1, port: 0 }',
      '  admin: { host: 127.0.0.1, port: 0 }',
      '  maxBodyBytes: 2048',
      'upstreams:',
      `  - { name: fake, url: "${upstream.url}" }`,
      'policy: { paths: [team.policy.yaml], watch: false }',
      'audit:',
      '  groupCommitMaxDelayMs: 100',
      `  authFailureRecords: { perSource: ${perSource}, intervalSeconds: ${intervalSeconds}, maxSources: ${maxSources} }`,
      '',
    ].join('\n'));
  });
  afterEach(async () => {
    await serve?.stop('SIGKILL');
    serve = undefined;
  });
  after(async () => {
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(): Promise<ServeProcess> {
    serve = await startServe(['--config', join(dir, 'gatehouse.yaml')]);
    if (!token) {
      const minted = await runCli(['token', '--sub', 'refusal-test', '--data-dir', dataDir()]);
      assert.equal(minted.code, 0, minted.stderr);
      token = minted.stdout.trim();
    }
    return serve;
  }

  /** Sends one request and kills the gateway with SIGKILL as soon as the answer's headers arrive. */
  function sendThenKill(s: ServeProcess, body: string, headers: Record<string, string>): Promise<{ status: number; requestId: string }> {
    return new Promise((resolve, reject) => {
      const req = request(`${s.dataUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
        s.child.kill('SIGKILL');
        res.resume();
        resolve({ status: res.statusCode!, requestId: String(res.headers['x-request-id']) });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Sends one request, kills the gateway with SIGKILL at the answer's first body bytes, and returns every body byte the client got. */
  function readThenKill(s: ServeProcess, body: string, headers: Record<string, string>): Promise<{ status: number; requestId: string; chunked: boolean; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(`${s.dataUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
        const got: Buffer[] = [];
        res.on('data', (chunk: Buffer) => {
          if (got.length === 0) s.child.kill('SIGKILL');
          got.push(chunk);
        });
        res.on('error', () => undefined);
        res.on('close', () => resolve({ status: res.statusCode!, requestId: String(res.headers['x-request-id']), chunked: res.headers['transfer-encoding'] === 'chunked', body: Buffer.concat(got).toString('utf8') }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  // The gateway was killed when the answer arrived: stop() returns once it has exited, also when its
  // 'exit' came before this test got here (a listener added then would wait forever; under load it did).
  async function recordOf(requestId: string) {
    await serve!.stop('SIGKILL');
    const records = await readAuditRecords(auditDir());
    return records.find((r) => r.requestId === requestId);
  }

  const chat = (model: string) => JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] });

  it('a 401 acknowledged, then kill -9: its auth_failed record is on disk', async () => {
    const s = await start();
    const answer = await sendThenKill(s, chat('gpt-4o-mini'), { authorization: 'Bearer not-a-token' });
    assert.equal(answer.status, 401);
    const record = await recordOf(answer.requestId);
    assert.ok(record, 'no record for the acknowledged 401');
    assert.equal(record.kind, 'auth_failed');
    assert.equal(record.status, 401);
    assert.equal(record.source, '127.0.0.1');
  });

  it('a 403 deny acknowledged, then kill -9: its denied record is on disk', async () => {
    const s = await start();
    const answer = await sendThenKill(s, chat('gpt-forbidden'), { authorization: `Bearer ${token}` });
    assert.equal(answer.status, 403);
    const record = await recordOf(answer.requestId);
    assert.ok(record, 'no record for the acknowledged 403');
    assert.equal(record.kind, 'denied');
    assert.equal(record.decision?.rule, 'no-forbidden');
    assert.equal(record.principal?.subject, 'refusal-test');
  });

  it('a 413 acknowledged, then kill -9: its denied record is on disk', async () => {
    const s = await start();
    const answer = await sendThenKill(s, JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(4096) }] }), { authorization: `Bearer ${token}` });
    assert.equal(answer.status, 413);
    const record = await recordOf(answer.requestId);
    assert.ok(record, 'no record for the acknowledged 413');
    assert.equal(record.errorCode, 'ERR_REQUEST_TOO_LARGE');
  });

  it('malformed HTTP refused with 400, then kill -9: its rejected record is on disk', async () => {
    const s = await start();
    const { hostname, port } = new URL(s.dataUrl);
    const socket = connect(Number(port), hostname);
    socket.write('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}');
    let head = '';
    for await (const chunk of socket) {
      head += String(chunk);
      if (head.includes('\r\n\r\n')) break;
    }
    s.child.kill('SIGKILL');
    socket.destroy();
    assert.match(head, /^HTTP\/1\.1 400 /);
    const requestId = /x-request-id: (\S+)/.exec(head)![1]!;
    const record = await recordOf(requestId);
    assert.ok(record, 'no record for the acknowledged 400');
    assert.equal(record.kind, 'rejected');
    assert.equal(record.errorCode, 'ERR_REQUEST_MALFORMED');
  });

  it(`an auth-failure flood from one address: ${perSource} records per interval, the rest counted exactly into one summary per interval, each durable before its refusals are answered`, async () => {
    const s = await start();
    const before = (await readAuditRecords(auditDir())).length;
    const startedAt = Date.now();
    const total = 12;
    const answers: { status: number; requestId: string }[] = [];
    const bad = () => new Promise<void>((resolve, reject) => {
      const body = chat('gpt-4o-mini');
      const req = request(`${s.dataUrl}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer nope', 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
        answers.push({ status: res.statusCode!, requestId: String(res.headers['x-request-id']) });
        // The moment the last refusal is acknowledged, the gateway dies: everything answered must be on disk.
        if (answers.length === total) s.child.kill('SIGKILL');
        res.resume();
        resolve();
      });
      req.on('error', reject);
      req.end(body);
    });
    await Promise.all(Array.from({ length: total }, bad));
    const intervals = Math.ceil((Date.now() - startedAt) / (intervalSeconds * 1000)) + 1;
    assert.deepEqual(answers.map((a) => a.status), Array(total).fill(401));
    await s.stop('SIGKILL');

    const records = (await readAuditRecords(auditDir())).slice(before);
    const own = records.filter((r) => r.kind === 'auth_failed');
    const summaries = records.filter((r) => r.kind === 'auth_failed_summary');
    const counted = summaries.reduce((n, r) => n + (r.details as { count: number }).count, 0);
    // Exact: every refusal is in the log once, by its own record or in a summary's count.
    assert.equal(own.length + counted, total, JSON.stringify(records.map((r) => [r.kind, r.details])));
    assert.ok(summaries.length >= 1, 'no summary record');
    // Bounded: at most perSource own records and one summary per interval.
    assert.ok(own.length <= perSource * intervals, `${own.length} own records in ${intervals} intervals`);
    assert.ok(summaries.length <= intervals);
    const answeredIds = new Set(answers.map((a) => a.requestId));
    for (const r of own) assert.ok(answeredIds.has(r.requestId!));
    for (const r of summaries) {
      assert.equal(r.source, '127.0.0.1');
      assert.deepEqual((r.details as { codes: Record<string, number> }).codes, { ERR_TOKEN_MALFORMED: (r.details as { count: number }).count });
    }
    assert.deepEqual((await verifyAuditDir(auditDir())).findings, []);
  });

  it(`a spray of 401s from many addresses: ${maxSources} addresses are tracked, the rest share one overflow summary, durable before they are answered`, async () => {
    const s = await start();
    const before = (await readAuditRecords(auditDir())).length;
    // Five client addresses on the loopback net (127.0.0.0/8), one bad token each, all at once.
    const sources = ['127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14', '127.0.0.15'];
    const answers: { status: number; source: string }[] = [];
    await Promise.all(sources.map((source) => new Promise<void>((resolve, reject) => {
      const body = chat('gpt-4o-mini');
      const req = request(`${s.dataUrl}/v1/chat/completions`, { method: 'POST', localAddress: source, headers: { authorization: 'Bearer nope', 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
        answers.push({ status: res.statusCode!, source });
        // The last refusal acknowledged, the gateway dies: the overflow summary must already be on disk.
        if (answers.length === sources.length) s.child.kill('SIGKILL');
        res.resume();
        resolve();
      });
      req.on('error', reject);
      req.end(body);
    })));
    assert.deepEqual(answers.map((a) => a.status), Array(sources.length).fill(401));
    await s.stop('SIGKILL');

    const records = (await readAuditRecords(auditDir())).slice(before);
    const own = records.filter((r) => r.kind === 'auth_failed');
    const summaries = records.filter((r) => r.kind === 'auth_failed_summary');
    assert.equal(own.length, maxSources, JSON.stringify(records.map((r) => [r.kind, r.source, r.details])));
    assert.equal(new Set(own.map((r) => r.source)).size, maxSources);
    assert.equal(summaries.length, 1);
    const [overflow] = summaries;
    assert.equal(overflow.source, undefined, 'the overflow is no one address');
    const d = overflow.details as { count: number; recordedSeparately: number; codes: Record<string, number>; overflow: { maxSources: number; firstSource: string; lastSource: string } };
    assert.equal(d.count, sources.length - maxSources);
    assert.equal(d.recordedSeparately, 0);
    assert.deepEqual(d.codes, { ERR_TOKEN_MALFORMED: sources.length - maxSources });
    assert.equal(d.overflow.maxSources, maxSources);
    const untracked = sources.filter((a) => !own.some((r) => r.source === a));
    assert.ok(untracked.includes(d.overflow.firstSource) && untracked.includes(d.overflow.lastSource), JSON.stringify(d.overflow));
    assert.deepEqual((await verifyAuditDir(auditDir())).findings, []);
  });
  // A chunked answer is whole for an HTTP client at its terminator, which waits for the outcome
  // record; a client reading the bytes themselves must not have the whole JSON text before then
  // either: its last byte waits with the terminator.
  it('a JSON answer (masked, so re-framed as chunked) cut by kill -9 before its record is durable: the client has not got the whole JSON text', async () => {
    const s = await start();
    const answer = await readThenKill(s, chat('gpt-4o-mini'), { authorization: `Bearer ${token}` });
    assert.equal(answer.status, 200);
    assert.equal(answer.chunked, true);
    assert.ok(answer.body.length > 0, 'the body before the record is sent at once');
    await serve!.stop('SIGKILL');
    const records = await readAuditRecords(auditDir());
    const outcome = records.find((r) => r.requestId === answer.requestId && r.kind === 'outcome');
    assert.equal(outcome, undefined, 'groupCommitMaxDelayMs holds the outcome record back past the kill');
    assert.throws(() => JSON.parse(answer.body), SyntaxError, `the client got the whole answer without its record: ${answer.body}`);
  });
});
