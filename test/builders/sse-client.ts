import http from 'node:http';

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/**
 * A minimal SSE reader over node:http for tests: collects parsed events and comments, and lets
 * a test wait until a condition on them holds.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  status = 0;
  private req: http.ClientRequest | undefined;
  private buffer = '';
  private waiters: (() => void)[] = [];

  static async open(url: string, headers: Record<string, string>): Promise<SseClient> {
    const client = new SseClient();
    await new Promise<void>((resolve, reject) => {
      client.req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        client.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => client.feed(chunk));
        res.on('error', () => {});
        resolve();
      });
      client.req.on('error', reject);
    });
    return client;
  }

  /** Resolves once `condition` holds, re-checked on every chunk; rejects after the deadline. */
  until(condition: (c: SseClient) => boolean, label: string, deadlineMs = 5000): Promise<void> {
    if (condition(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`SSE: timed out waiting for ${label}; got ${JSON.stringify(this.events)}`)), deadlineMs);
      const check = () => {
        if (!condition(this)) return void this.waiters.push(check);
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(check);
    });
  }

  named(name: string): SseEvent[] {
    return this.events.filter((e) => e.event === name);
  }

  close(): void {
    this.req?.destroy();
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const e: SseEvent = { data: '' };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('id: ')) e.id = line.slice(4);
        else if (line.startsWith('event: ')) e.event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length) {
        e.data = data.join('\n');
        this.events.push(e);
      }
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
