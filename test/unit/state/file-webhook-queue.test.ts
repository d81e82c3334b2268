import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../../../gateway/log';
import { FileWebhookQueue } from '../../../gateway/state/file-webhook-queue';
import type { WebhookQueueStore } from '../../../gateway/state/webhook-queue-store';
import { describeWebhookQueueStoreContract } from '../../contract/webhook-queue-store';

describe('state/file-webhook-queue', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const freshFile = () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-webhook-queue-'));
    dirs.push(dir);
    return join(dir, 'webhook-queue.json');
  };

  // One process owns a data dir: an instance is the queue opened from the file, one at a time.
  describeWebhookQueueStoreContract('file', {
    shared: false,
    fresh: async () => {
      const file = freshFile();
      return { open: (): Promise<WebhookQueueStore> => FileWebhookQueue.open(file, silentLogger) };
    },
  });

  it('is one file, readable by the gateway\'s user only, holding what is queued', async () => {
    const file = freshFile();
    const q = await FileWebhookQueue.open(file, silentLogger);
    await q.enqueue({ channel: 'soc', alertId: 'alt_1', body: '{"principal":"ci"}' }, 5);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')).entries.map((e: { alertId: string }) => e.alertId), ['alt_1']);
    assert.deepEqual(readdirSync(join(file, '..')), ['webhook-queue.json'], 'no temp file left behind');
    await q.close();
  });

  it('is bounded: a full queue drops its oldest entry for the new one and says which', async () => {
    const q = await FileWebhookQueue.open(freshFile(), silentLogger, 2);
    assert.deepEqual(await q.enqueue({ channel: 'soc', alertId: 'a1', body: '{}' }, 0), []);
    assert.deepEqual(await q.enqueue({ channel: 'pager', alertId: 'b1', body: '{}' }, 0), []);
    const dropped = await q.enqueue({ channel: 'soc', alertId: 'a2', body: '{}' }, 0);
    assert.deepEqual(dropped.map((d) => d.alertId), ['a1']);
    assert.deepEqual((await q.claim(['soc', 'pager'], 0, 1000)).map((c) => c.alertId).sort(), ['a2', 'b1']);
    await q.close();
  });

  it('sets aside a file it cannot read, says so, and starts empty', async () => {
    const file = freshFile();
    writeFileSync(file, '{"version":1,"entries":[{"id":');
    const logged: string[] = [];
    const log: Logger = { ...silentLogger, error: (m: string) => void logged.push(m) };
    const q = await FileWebhookQueue.open(file, log);
    assert.equal(await q.nextDueMs(['soc']), undefined);
    assert.deepEqual(logged, ['alerts: the webhook retry queue could not be read; set aside, starting empty']);
    assert.equal(readdirSync(join(file, '..')).filter((f) => f.startsWith('webhook-queue.json.unreadable-')).length, 1);
    await q.close();
  });
});
