import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AdminClient } from '../../../../extension/admin/admin-client';
import type { AdminEvent } from '../../../../gateway/core/admin-api';
import type { EventStreamStatus } from '../../../../extension/admin/event-stream';

/**
 * A real SSE endpoint with the gateway's wire format: per connection it records the
 * Last-Event-ID header, replays events after it, and the test can drop connections.
 */
async function sseServer(events: { id: string; name: string; data: object }[], status = 200) {
  const seen: (string | undefined)[] = [];
  const auth: (string | undefined)[] = [];
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    seen.push(req.headers['last-event-id'] as string | undefined);
    auth.push(req.headers.authorization);
    if (status !== 200) return res.writeHead(status).end();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': hello\n\n');
    const from = events.findIndex((e) => e.id === req.headers['last-event-id']) + 1;
    for (const e of events.slice(from)) res.write(`id: ${e.id}\nevent: ${e.name}\ndata: ${JSON.stringify(e.data)}\n\n`);
    open.add(res);
    res.on('close', () => open.delete(res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    auth,
    push(e: { id: string; name: string; data: object }) {
      events.push(e);
      for (const res of open) res.write(`id: ${e.id}\nevent: ${e.name}\ndata: ${JSON.stringify(e.data)}\n\n`);
    },
    dropAll: () => {
      for (const res of open) res.destroy();
    },
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

function collector() {
  const events: AdminEvent[] = [];
  const statuses: EventStreamStatus[] = [];
  const waiters: (() => void)[] = [];
  const until = (pred: () => boolean) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; events ${events.length}, statuses ${statuses.join(',')}`)), 5000);
      const check = () => (pred() ? (clearTimeout(timer), resolve(), true) : false);
      if (!check()) waiters.push(() => void check());
    });
  const notify = () => waiters.forEach((w) => w());
  return { events, statuses, until, onEvent: (e: AdminEvent) => (events.push(e), notify()), onStatus: (s: EventStreamStatus) => (statuses.push(s), notify()) };
}

describe('AdminClient.events (EventStream)', () => {
  it('parses events with the bearer token and resumes with Last-Event-ID after a drop', async () => {
    const server = await sseServer([{ id: '1', name: 'audit.appended', data: { id: 'a1', seq: 1, kind: 'arrival' } }]);
    const c = collector();
    const stream = new AdminClient(server.url, 'tok').events(c.onEvent, { minDelayMs: 10, onStatus: c.onStatus });
    try {
      await c.until(() => c.events.length === 1);
      assert.equal(c.events[0].name, 'audit.appended');
      assert.deepEqual(c.events[0].data, { id: 'a1', seq: 1, kind: 'arrival' });
      assert.equal(server.auth[0], 'Bearer tok');
      server.dropAll();
      await c.until(() => c.statuses.includes('reconnecting'));
      server.push({ id: '2', name: 'approval.requested', data: { id: 'r1', principal: 'ci', method: 'POST', path: '/v1/x', rule: 'r', expiresAt: 'soon' } });
      await c.until(() => c.events.length === 2);
      assert.equal(c.events[1].name, 'approval.requested');
      assert.deepEqual(server.seen, [undefined, '1'], 'the second connection resumed after event 1');
      assert.equal(stream.resumeFrom, '2');
    } finally {
      stream.dispose();
      await server.close();
    }
  });

  it('stops on 401 instead of retrying', async () => {
    const server = await sseServer([], 401);
    const c = collector();
    const stream = new AdminClient(server.url, 'bad').events(c.onEvent, { minDelayMs: 10, onStatus: c.onStatus });
    try {
      await c.until(() => c.statuses.includes('unauthorized'));
      assert.equal(server.seen.length, 1);
    } finally {
      stream.dispose();
      await server.close();
    }
  });
});
