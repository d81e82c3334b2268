import assert from 'node:assert/strict';
import { symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { AuditServiceImpl } from '../../../gateway/audit/audit-service';
import { verifyAuditDir } from '../../../gateway/audit/verify-log';
import { EventBus } from '../../../gateway/events';
import { FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../../helpers/gateway';
import { openAudit, tempDataDir } from '../../helpers/audit-log';
import { nextEvent, waitFor } from '../../builders/wait-for';

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Fills the active segment past segmentMaxBytes so the next append starts a new segment. */
async function fillSegment(audit: AuditServiceImpl): Promise<void> {
  await audit.append({ kind: 'note', details: { padding: 'x'.repeat(2048) } });
}

describe('audit writer: disk full or unwritable → fail closed, then recover', () => {
  let env: Awaited<ReturnType<typeof tempDataDir>>;
  beforeEach(async () => (env = await tempDataDir()));
  afterEach(() => env.cleanup());

  const failures: { name: string; stage: (next: string) => Promise<void>; code: string }[] = [
    { name: 'disk full (the new segment is /dev/full)', code: 'ENOSPC', stage: (next) => symlink('/dev/full', next) },
    {
      name: 'unwritable (the new segment is under a regular file)',
      code: 'ENOTDIR',
      stage: async (next) => {
        const file = join(env.dataDir, 'not-a-dir');
        await writeFile(file, '');
        await symlink(join(file, 'segment.jsonl'), next);
      },
    },
  ];

  for (const f of failures) {
    it(`${f.name}: appends reject with ${f.code}, audit.failed is emitted, writes resume afterwards`, async () => {
      const events = new EventBus();
      const failed: string[] = [];
      events.on('audit.failed', (e) => failed.push(e.message));
      const audit = await openAudit(env.dataDir, { segmentMaxBytes: 1024 }, events);
      await audit.append({ kind: 'arrival', requestId: 'before' });
      await fillSegment(audit);
      const next = audit.writer.nextSegmentPath();
      await f.stage(next);

      await assert.rejects(audit.append({ kind: 'arrival', requestId: 'during-1' }), (err: NodeJS.ErrnoException) => err.code === f.code);
      await assert.rejects(audit.append({ kind: 'arrival', requestId: 'during-2' }), (err: NodeJS.ErrnoException) => err.code === f.code);
      assert.equal(failed.length, 1, 'one audit.failed per outage');
      assert.match(failed[0], new RegExp(f.code));
      assert.equal(audit.stats().healthy, false);

      await unlink(next);
      const after = await audit.append({ kind: 'arrival', requestId: 'after' });
      assert.equal(audit.stats().healthy, true);
      await audit.close();

      const report = await verifyAuditDir(env.auditDir);
      assert.deepEqual(report.findings, []);
      // Nothing of the refused appends reached the log.
      assert.deepEqual((await audit.query({ kind: 'arrival' })).map((r) => r.requestId), ['before', 'after']);
      assert.ok(after.seq > 0);
    });
  }
});

describe('gateway: audit log unwritable → 503 ERR_AUDIT_UNAVAILABLE, nothing forwarded', function () {
  this.timeout(20_000);
  let upstream: FakeUpstream;
  let gateway: TestGateway;
  let client: OpenAI;

  before(async () => {
    upstream = await new FakeUpstream().start();
    gateway = await startGateway({ upstreams: [{ name: 'fake', url: upstream.url }], audit: { segmentMaxBytes: 1024 } });
    client = new OpenAI({ baseURL: `${gateway.dataUrl}/v1`, apiKey: await gateway.token(), maxRetries: 0 });
  });
  after(async () => {
    await gateway?.close();
    await upstream?.stop();
  });

  it('refuses while the disk is full and serves again once it is not', async () => {
    const audit = gateway.runtime.audit as AuditServiceImpl;
    const failed: string[] = [];
    gateway.runtime.events.on('audit.failed', (e) => failed.push(e.message));
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'first' }] });
    await fillSegment(audit);
    const next = audit.writer.nextSegmentPath();
    await symlink('/dev/full', next);
    const seen = upstream.requests.length;

    let duringId = '';
    await assert.rejects(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'during' }] }), (err: InstanceType<typeof OpenAI.APIError>) => {
      assert.equal(err.status, 503);
      assert.equal(err.code, 'ERR_AUDIT_UNAVAILABLE');
      duringId = err.headers?.get('x-request-id') ?? '';
      return true;
    });
    // The refused request's own outcome record is attempted after the response: let it fail too before the disk frees up.
    await until(() => gateway.logLines.some((l) => l.includes('outcome not recorded') && l.includes(duringId)));
    assert.equal(upstream.requests.length, seen, 'nothing forwarded while the audit log is down');
    assert.ok(failed.length >= 1);

    await unlink(next);
    const ok = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'after' }] });
    assert.equal(ok.choices[0]!.message.content, 'echo: after');
    assert.equal(upstream.requests.length, seen + 1);
    const report = await audit.verify();
    assert.deepEqual(report.findings, []);
  });
});

describe('gateway: /readyz follows the audit log, and an idle instance recovers by itself', function () {
  this.timeout(20_000);
  let upstream: FakeUpstream;
  let gateway: TestGateway;

  before(async () => {
    upstream = await new FakeUpstream().start();
    gateway = await startGateway({ upstreams: [{ name: 'fake', url: upstream.url }], audit: { segmentMaxBytes: 1024, outageRetryMs: 50 } });
  });
  after(async () => {
    await gateway?.close();
    await upstream?.stop();
  });

  const readyz = async () => {
    const res = await fetch(`${gateway.adminUrl}/readyz`);
    return { status: res.status, body: (await res.json()) as { status: string; reasons?: string[] } };
  };

  it('503 with the reason while the log cannot be written, 200 again with no request in between, and an outage record', async () => {
    const audit = gateway.runtime.audit as AuditServiceImpl;
    assert.deepEqual(await readyz(), { status: 200, body: { status: 'ready', policyVersion: gateway.runtime.policy.version } });
    await fillSegment(audit);
    const next = audit.writer.nextSegmentPath();
    await symlink('/dev/full', next);
    const failed = nextEvent(gateway.runtime.events, 'audit.failed');
    await assert.rejects(audit.append({ kind: 'note', details: { during: true } }));
    await failed;

    const down = await readyz();
    assert.equal(down.status, 503);
    assert.deepEqual(down.body.reasons, ['audit log not writable']);
    // The retry keeps failing while the disk is full: still not ready after three more tries.
    const failures = audit.stats().failures;
    await waitFor(() => audit.stats().failures >= failures + 3, 'three failed retries');
    assert.equal((await readyz()).status, 503);

    // The disk frees up; nobody sends a request (a load balancer would not): the retry brings it back.
    const recovered = nextEvent(gateway.runtime.events, 'audit.recovered');
    await unlink(next);
    const { since, seconds } = await recovered;
    assert.equal((await readyz()).status, 200);
    const [outage] = await audit.query({ kind: 'outage' });
    assert.deepEqual(outage.details, { since, seconds });
    assert.ok(seconds >= 0.1, `the outage lasted at least the three retries (${seconds} s)`);
    assert.deepEqual((await audit.verify()).findings, []);
  });
});
