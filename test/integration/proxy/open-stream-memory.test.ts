import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http, { type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { policyYaml } from '../../builders/policy';
import { FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../../helpers/gateway';
import { heapAfterGc } from '../../helpers/heap';

/** The heap and the Buffers' memory (the bodies' bytes live outside the heap). */
function memoryAfterGc(): number {
  const heap = heapAfterGc();
  return heap + process.memoryUsage().arrayBuffers;
}

/**
 * What an open stream keeps of its request body. A streamed answer keeps its exchange for as long
 * as it runs (minutes, thousands at once): once the arrival record is durable and the request is
 * dispatched, the exchange lets go of the body's copies (raw bytes, parsed JSON, upstream and
 * audit copies); the dispatcher keeps the bytes it sends, and the request's prompt stays readable.
 */
describe('proxy: what an open stream keeps of a big request body', () => {
  let upstream: FakeUpstream;
  let gateway: TestGateway;
  let token: string;
  let dir: string;
  const open: ServerResponse[] = [];

  before(async () => {
    process.env.GATEHOUSE_TEST_PROVIDER_KEY = 'sk-provider-secret';
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-stream-memory-'));
    // An upstream rule that changes the prompt: the upstream copy differs from the raw body.
    writeFileSync(join(dir, 'p.policy.yaml'), policyYaml({ defaultAction: 'allow', rules: [], masking: [{ name: 'contacts', detectors: ['email'], where: ['upstream'] }] }));
    upstream = await new FakeUpstream().start();
    // Answers with SSE headers and holds every stream open.
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      open.push(res);
    };
    gateway = await startGateway(
      {
        upstreams: [{ name: 'fake', url: upstream.url, auth: { secret: { env: 'GATEHOUSE_TEST_PROVIDER_KEY' } } }],
        policy: { paths: ['p.policy.yaml'], watch: false },
        // No window of recent records: it would hold each arrival record's (masked) body too.
        audit: { recentRecords: 0 },
      },
      { configDir: dir },
    );
    token = await gateway.token();
  });
  after(async () => {
    for (const res of open) res.destroy();
    await gateway?.close();
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Opens a stream with this prompt; resolves with its request once the response's headers are in. */
  function openStream(prompt: string): Promise<http.ClientRequest> {
    const body = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: prompt }] });
    const u = new URL(`${gateway.dataUrl}/v1/chat/completions`);
    return new Promise((resolve, reject) => {
      const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
        else resolve(req);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('keeps a few copies of the prompt per open stream, not nine', async function () {
    this.timeout(120_000);
    const n = 12;
    const size = 192 * 1024;
    // A different prompt each time (nothing shared between streams), with addresses to mask.
    const prompt = (i: number) => `stream ${i} `.padEnd(size - 40, `write to person${i}@example.com please `);
    const warm = await openStream(prompt(-1));
    const before = memoryAfterGc();
    const streams: http.ClientRequest[] = [];
    for (let i = 0; i < n; i++) streams.push(await openStream(prompt(i)));
    upstream.requests.length = 0; // the fake's own record of each body
    const perStream = (memoryAfterGc() - before) / n;
    console.log(`      ${(perStream / 1024).toFixed(0)} KB per open stream with a ${size / 1024} KB prompt`);
    // ≈ 630 KB: the dispatcher's masked bytes, the prompt's text and what else the request made;
    // with the exchange's copies of the body (raw, parsed, upstream, audit) it was ≈ 1,750 KB.
    assert.ok(perStream < 4 * size, `an open stream keeps ${(perStream / 1024).toFixed(0)} KB (bound ${(4 * size / 1024).toFixed(0)} KB)`);
    assert.equal(open.length, n + 1);
    for (const s of [warm, ...streams]) s.destroy();
  });
});
