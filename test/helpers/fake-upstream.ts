import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export type UpstreamHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

/**
 * A real OpenAI-compatible HTTP server for tests, on 127.0.0.1:0. It records every request and
 * lets a test swap the handler to inject faults (hang, reset mid-stream, slow deltas).
 * Events: 'request' (RecordedRequest), 'aborted' (the gateway closed a request mid-way).
 */
export class FakeUpstream extends EventEmitter {
  readonly requests: RecordedRequest[] = [];
  handler: UpstreamHandler = defaultHandler;
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const recorded = { method: req.method!, path: req.url!, headers: req.headers, body: Buffer.concat(chunks) };
        this.requests.push(recorded);
        this.emit('request', recorded);
        this.handler(req, res, recorded.body);
      });
      res.on('close', () => {
        if (!res.writableFinished) this.emit('aborted', req.url);
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  reset(): void {
    this.requests.length = 0;
    this.handler = defaultHandler;
  }

  get last(): RecordedRequest {
    const r = this.requests.at(-1);
    if (!r) throw new Error('the upstream has seen no request');
    return r;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

/** Echoes the last user message: JSON, or SSE with one delta per word when stream is true. */
export const defaultHandler: UpstreamHandler = (req, res, raw) => {
  const path = req.url!.split('?')[0]!;
  const isJson = String(req.headers['content-type'] ?? 'application/json').startsWith('application/json');
  const body = raw.length && isJson ? JSON.parse(raw.toString('utf8')) : {};
  if (path.endsWith('/models')) return sendJson(res, 200, { object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model', created: 0, owned_by: 'fake' }] });
  if (path.endsWith('/files')) return sendJson(res, 200, { id: 'file-1', object: 'file', bytes: raw.length, created_at: 0, filename: 'x', purpose: 'fine-tune', status: 'processed' });
  const text = `echo: ${lastUser(body)}`;
  if (path.endsWith('/messages')) {
    if (body.stream) return anthropicSse(res, text);
    return sendJson(res, 200, { id: 'msg_1', type: 'message', role: 'assistant', model: body.model, content: [{ type: 'text', text }], stop_reason: 'end_turn', usage: { input_tokens: 3, output_tokens: 2 } });
  }
  if (body.stream) return chatSse(res, body.model, text.split(/(?<= )/));
  sendJson(res, 200, {
    id: 'chatcmpl-1', object: 'chat.completion', created: 0, model: body.model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
  });
};

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function chatChunk(model: string, content: string | null, finish: string | null = null): string {
  const delta = content === null ? {} : { content };
  return `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 0, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
}

export function chatSse(res: ServerResponse, model: string, deltas: string[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const d of deltas) res.write(chatChunk(model, d));
  res.write(chatChunk(model, null, 'stop'));
  res.end('data: [DONE]\n\n');
}

export function anthropicSse(res: ServerResponse, text: string): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const ev = (type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  ev('message_start', { message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'claude', usage: { input_tokens: 3, output_tokens: 0 } } });
  ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  for (const word of text.split(/(?<= )/)) ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: word } });
  ev('content_block_stop', { index: 0 });
  ev('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 2 } });
  ev('message_stop', {});
  res.end();
}

function lastUser(body: { messages?: { role: string; content: unknown }[]; input?: unknown }): string {
  const m = body.messages?.filter((x) => x.role === 'user').at(-1);
  if (typeof m?.content === 'string') return m.content;
  return typeof body.input === 'string' ? body.input : '';
}

/**
 * A chat stream as OpenAI documents stream_options.include_usage: with it, every chunk carries
 * `"usage":null` and one more chunk with `"choices":[]` and the usage comes before [DONE];
 * without it, neither. The member order is the API's (id, object, created, model,
 * system_fingerprint, choices, usage).
 */
export function chatSseAsDocumented(res: ServerResponse, body: { model: string; stream_options?: { include_usage?: boolean } }, deltas: string[], usage: object): void {
  const withUsage = body.stream_options?.include_usage === true;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
  const chunk = (choices: object[], extra: object = {}) => `data: ${JSON.stringify({ id: 'chatcmpl-9', object: 'chat.completion.chunk', created: 1733400000, model: body.model, system_fingerprint: 'fp_44709d6fcb', choices, ...(withUsage ? { usage: null } : {}), ...extra })}\n\n`;
  res.write(chunk([{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }]));
  for (const d of deltas) res.write(chunk([{ index: 0, delta: { content: d }, logprobs: null, finish_reason: null }]));
  res.write(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]));
  if (withUsage) res.write(chunk([], { usage }));
  res.end('data: [DONE]\n\n');
}
