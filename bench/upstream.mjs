// Mock OpenAI-compatible upstream for the benchmarks (loopback only). Not a model: it answers at once.
//   POST /v1/chat/completions  JSON, or SSE when "stream": true (STREAM_CHUNKS deltas + [DONE]); a
//                              stream that asks for usage (stream_options.include_usage) gets it as
//                              OpenAI sends it: `"usage":null` in every chunk and one more chunk with
//                              `"choices":[]` and the usage before [DONE] (STREAM_USAGE=ignore: never)
//                              with "x_bench_stream_bytes": N, an SSE stream of N bytes (memory bound test)
//   GET  /v1/models            a one-model list
// Env: UPSTREAM_PORT (default 0: any free port), STREAM_CHUNKS (20), STREAM_DELAY_MS (0),
//      STREAM_USAGE (asked: as OpenAI; ignore: an upstream that leaves usage out, so the gateway estimates it).
// Prints `listening http://127.0.0.1:PORT` once it listens.
import http from 'node:http';

const PORT = Number(process.env.UPSTREAM_PORT || 0);
const CHUNKS = Number(process.env.STREAM_CHUNKS || 20);
const DELAY = Number(process.env.STREAM_DELAY_MS || 0);
const USAGE = process.env.STREAM_USAGE !== 'ignore';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function completion(model) {
  return JSON.stringify({
    id: 'chatcmpl-mock',
    object: 'chat.completion',
    created: 1700000000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: 'This is a test.' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
  });
}

function chunk(model, i, last, withUsage) {
  return 'data: ' + JSON.stringify({
    id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: 1700000000, model,
    choices: [{ index: 0, delta: last ? {} : (i === 0 ? { role: 'assistant', content: 'tok0 ' } : { content: `tok${i} ` }), finish_reason: last ? 'stop' : null }],
    ...(withUsage ? { usage: null } : {}),
  }) + '\n\n';
}

/** The chunk OpenAI adds before [DONE] when the request set stream_options.include_usage. */
function usageChunk(model) {
  return 'data: ' + JSON.stringify({
    id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: 1700000000, model, choices: [],
    usage: { prompt_tokens: 12, completion_tokens: CHUNKS - 1, total_tokens: 12 + CHUNKS - 1 },
  }) + '\n\n';
}

/** N bytes of SSE in ~16 KB events, written with backpressure (the client side decides the pace). */
function bulkStream(res, model, total) {
  const head = 'data: {"id":"chatcmpl-bulk","object":"chat.completion.chunk","model":' + JSON.stringify(model) + ',"choices":[{"index":0,"delta":{"content":"';
  const tail = '"},"finish_reason":null}]}\n\n';
  const event = Buffer.from(head + 'x'.repeat(16384 - head.length - tail.length) + tail);
  let sent = 0;
  const pump = () => {
    while (sent < total) {
      sent += event.length;
      if (!res.write(event)) return void res.once('drain', pump);
    }
    res.end('data: [DONE]\n\n');
  };
  res.on('close', () => { sent = Infinity; });
  pump();
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url.startsWith('/v1/models')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end('{"object":"list","data":[{"id":"mock-model","object":"model"}]}');
  }
  if (req.method !== 'POST' || !req.url.includes('/chat/completions')) {
    res.writeHead(404, { 'content-type': 'application/json' });
    return res.end('{"error":{"message":"not found"}}');
  }
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', async () => {
    let body = {};
    try { body = JSON.parse(Buffer.concat(parts).toString('utf8') || '{}'); } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      return res.end('{"error":{"message":"bad json"}}');
    }
    const model = body.model || 'mock-model';
    if (!body.stream) {
      const out = completion(model);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
      return res.end(out);
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    if (body.x_bench_stream_bytes) return bulkStream(res, model, Number(body.x_bench_stream_bytes));
    const withUsage = USAGE && body.stream_options?.include_usage === true;
    for (let i = 0; i < CHUNKS; i++) {
      res.write(chunk(model, i, i === CHUNKS - 1, withUsage));
      if (DELAY) await sleep(DELAY);
    }
    if (withUsage) res.write(usageChunk(model));
    res.end('data: [DONE]\n\n');
  });
});
server.keepAliveTimeout = 65000;
server.listen(PORT, '127.0.0.1', () => console.log(`listening http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
