import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { runCli } from '../../helpers/cli';
import { FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway } from '../../helpers/gateway';

/** Issue 21: `gatehouse usage` answers "who spent what on which model" from the audit log alone. */
describe('gatehouse usage', () => {
  let upstream: FakeUpstream;
  let dataDir: string;

  before(async () => {
    upstream = await new FakeUpstream().start();
    dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-usage-cli-'));
    const gateway = await startGateway({ upstreams: [{ name: 'fake', url: upstream.url }], pricing: [{ model: 'gpt-4o-mini', input: 0.15, output: 0.6 }] }, { dataDir });
    try {
      for (const [sub, model] of [['alice', 'gpt-4o-mini'], ['alice', 'gpt-4o-mini'], ['bob', 'llama3']] as const) {
        const client = new OpenAI({ baseURL: `${gateway.dataUrl}/v1`, apiKey: await gateway.token({ sub }), maxRetries: 0 });
        await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
      }
    } finally {
      await gateway.close();
    }
  });
  after(async () => {
    await upstream?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('CSV per principal and model, from the records of the last 24 h', async () => {
    const res = await runCli(['usage', '--data-dir', dataDir, '--by', 'principal,model', '--format', 'csv']);
    assert.equal(res.code, 0, res.stderr);
    // The fake upstream reports 5 prompt and 2 completion tokens; (10 × 0.15 + 4 × 0.6) / 1e6.
    assert.equal(res.stdout, [
      'principal,model,requests,inputTokens,cachedInputTokens,outputTokens,reasoningTokens,totalTokens,counted,unpriced,cost_USD',
      'alice,gpt-4o-mini,2,10,0,4,0,14,0,0,0.0000039',
      'bob,llama3,1,5,0,2,0,7,0,1,',
      '',
    ].join('\r\n'));
  });

  it('a table per upstream; a window with nothing in it prints the header alone', async () => {
    const table = await runCli(['usage', '--data-dir', dataDir, '--by', 'upstream']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^upstream\s+requests\s+inputTokens\s+outputTokens\s+totalTokens\s+counted\s+unpriced\s+cost USD\nfake\s+3\s+15\s+6\s+21\s+0\s+1\s+0\.0000039\n$/);
    const empty = await runCli(['usage', '--data-dir', dataDir, '--since', '2020-01-01', '--until', '2020-01-02', '--format', 'csv']);
    assert.equal(empty.stdout, 'principal,requests,inputTokens,cachedInputTokens,outputTokens,reasoningTokens,totalTokens,counted,unpriced\r\n');
  });

  it('bad options exit 2 with the reason', async () => {
    const res = await runCli(['usage', '--data-dir', dataDir, '--by', 'team']);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /--by: each of principal, group, model, upstream, rule \(got team\)/);
    assert.equal((await runCli(['usage', '--data-dir', dataDir, '--since', 'yesterday'])).code, 2);
  });
});
