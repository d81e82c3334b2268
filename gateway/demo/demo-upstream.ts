import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The built-in demo model: an OpenAI- and Anthropic-compatible echo server, NOT a real model.
 * It answers chat, completions, responses, embeddings, models and messages (JSON or SSE) by
 * echoing the last user message, so a new user can see a request go through the gateway without
 * a model server. Listens on loopback only.
 */
export async function startDemoUpstream(port = 0): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => answer(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function answer(req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
  const path = (req.url ?? '/').split('?')[0]!;
  let body: Record<string, unknown> = {};
  try {
    body = raw.length ? JSON.parse(raw.toString('utf8')) : {};
  } catch {
    return json(res, 400, { error: { message: 'invalid JSON', type: 'invalid_request_error', code: 'invalid_json' } });
  }
  const model = typeof body.model === 'string' ? body.model : 'demo-echo';
  const text = `Echo from the Gatehouse demo model (not a real model): ${lastUserText(body) || '(empty prompt)'}`;
  const created = Math.floor(Date.now() / 1000);

  if (path.endsWith('/models')) {
    return json(res, 200, { object: 'list', data: [{ id: 'demo-echo', object: 'model', created, owned_by: 'gatehouse-demo' }] });
  }
  if (path.endsWith('/embeddings')) {
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    return json(res, 200, {
      object: 'list', model,
      data: inputs.map((input, index) => ({ object: 'embedding', index, embedding: pseudoEmbedding(String(input)) })),
      usage: { prompt_tokens: 1, total_tokens: 1 },
    });
  }
  if (path.endsWith('/messages')) {
    if (body.stream === true) return anthropicStream(res, model, text);
    return json(res, 200, {
      id: 'msg_demo', type: 'message', role: 'assistant', model, content: [{ type: 'text', text }],
      stop_reason: 'end_turn', usage: { input_tokens: 1, output_tokens: words(text).length },
    });
  }
  if (path.endsWith('/chat/completions')) {
    if (body.stream === true) return chatStream(res, model, text, created);
    return json(res, 200, {
      id: 'chatcmpl-demo', object: 'chat.completion', created, model,
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: words(text).length, total_tokens: 1 + words(text).length },
    });
  }
  if (path.endsWith('/completions')) {
    return json(res, 200, { id: 'cmpl-demo', object: 'text_completion', created, model, choices: [{ index: 0, text, finish_reason: 'stop' }] });
  }
  if (path.endsWith('/responses')) {
    return json(res, 200, {
      id: 'resp_demo', object: 'response', created_at: created, model, status: 'completed',
      output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] }],
    });
  }
  json(res, 404, { error: { message: `The demo model does not serve ${path}`, type: 'invalid_request_error', code: 'not_found' } });
}

function chatStream(res: ServerResponse, model: string, text: string, created: number): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const word of words(text)) {
    res.write(`data: ${JSON.stringify({ id: 'chatcmpl-demo', object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta: { content: word }, finish_reason: null }] })}\n\n`);
  }
  res.write(`data: ${JSON.stringify({ id: 'chatcmpl-demo', object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
  res.end('data: [DONE]\n\n');
}

function anthropicStream(res: ServerResponse, model: string, text: string): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const event = (type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  event('message_start', { message: { id: 'msg_demo', type: 'message', role: 'assistant', model, content: [], usage: { input_tokens: 1, output_tokens: 0 } } });
  event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  for (const word of words(text)) event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: word } });
  event('content_block_stop', { index: 0 });
  event('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: words(text).length } });
  event('message_stop', {});
  res.end();
}

function lastUserText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as { role?: string; content?: unknown };
    if (m?.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) return m.content.map((p: { text?: string }) => p?.text ?? '').join(' ');
  }
  if (typeof body.prompt === 'string') return body.prompt;
  if (typeof body.input === 'string') return body.input;
  return '';
}

/** Splits into words keeping the spaces, so the streamed deltas join back to the text. */
function words(text: string): string[] {
  return text.match(/\S+\s*/g) ?? [];
}

function pseudoEmbedding(input: string): number[] {
  const v = new Array<number>(8).fill(0);
  for (let i = 0; i < input.length; i++) v[i % 8]! += input.charCodeAt(i) / 1000;
  return v;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
