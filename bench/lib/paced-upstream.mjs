// A mock OpenAI-compatible upstream that paces SSE streams for bench/many-streams.mjs (loopback only).
//   POST /v1/chat/completions  {"stream": true, "x_bench_stream": k}: answers 200 with SSE headers at
//                              once and holds the stream (no event) until /go; without "stream", a
//                              small JSON answer at once (the warm-up)
//   GET  /open                 how many streams it holds
//   POST /go?n=N&events=E&period=MS
//                              starts the schedule and answers {t0, n, events, period}: stream k's
//                              event i is due at t0 + (i·N + k)·period/N ms (epoch ms, sub-ms), so
//                              the N streams' events are spread evenly over each period instead of
//                              arriving in one burst; after its E events a stream ends with [DONE].
//                              A stream that asks for usage (stream_options.include_usage: the full
//                              pipeline asks on the caller's behalf) gets it as OpenAI sends it, as
//                              bench/upstream.mjs does: "usage":null in each chunk and a usage chunk
//                              before [DONE] (without it the gateway estimates usage at each end).
// Prints `listening http://127.0.0.1:PORT`.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const now = () => performance.timeOrigin + performance.now();
const streams = [];
const withUsage = []; // stream k asked for usage
let open = 0;

// Words, not "tok<i>": stream masking holds back a tail that may still become a match (a digit may
// begin a phone or card number) until the next event decides it, which would add one period to
// those events' delay by design; plain words measure the gateway's own delay.
const words = 'the quick brown fox jumps over a lazy dog while seven wise owls watch quietly from an old oak tree at dusk'.split(' ');

function chunk(i, k) {
  return 'data: ' + JSON.stringify({
    id: `chatcmpl-${k}`, object: 'chat.completion.chunk', created: 1700000000, model: 'gpt-4o-mini',
    choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content: `${words[0]} ` } : { content: `${words[i % words.length]} ` }, finish_reason: null }],
    ...(withUsage[k] ? { usage: null } : {}),
  }) + '\n\n';
}

/** The chunk OpenAI adds before [DONE] when the request set stream_options.include_usage. */
function usageChunk(k, events) {
  return 'data: ' + JSON.stringify({
    id: `chatcmpl-${k}`, object: 'chat.completion.chunk', created: 1700000000, model: 'gpt-4o-mini', choices: [],
    usage: { prompt_tokens: 9, completion_tokens: events, total_tokens: 9 + events },
  }) + '\n\n';
}

/** Writes every event that is due, in due order, until all are written. */
function run(t0, n, events, period) {
  const step = period / n;
  const total = n * events;
  let c = 0;
  const tick = () => {
    const t = now();
    while (c < total && t0 + c * step <= t) {
      const k = c % n;
      const i = Math.floor(c / n);
      const res = streams[k];
      if (res && !res.destroyed) {
        res.write(chunk(i, k));
        if (i === events - 1) res.end(`${withUsage[k] ? usageChunk(k, events) : ''}data: [DONE]\n\n`);
      }
      c++;
    }
    if (c < total) setTimeout(tick, 1);
  };
  setTimeout(tick, Math.max(0, t0 - now()));
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (req.method === 'GET' && url.pathname === '/open') return res.end(String(open));
  if (req.method === 'POST' && url.pathname === '/go') {
    const n = Number(url.searchParams.get('n'));
    const events = Number(url.searchParams.get('events'));
    const period = Number(url.searchParams.get('period'));
    const t0 = now() + 200;
    run(t0, n, events, period);
    console.log(`go ${t0}`); // bench/stream-ends.mjs times its rounds from it
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ t0, n, events, period }));
  }
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(parts).toString('utf8') || '{}');
    const k = Number(body.x_bench_stream);
    if (!body.stream) {
      // The warm-up's ordinary requests: a small answer at once.
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ id: 'chatcmpl-warm', object: 'chat.completion', created: 1700000000, model: body.model, choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } }));
    }
    if (!Number.isInteger(k)) {
      res.writeHead(400, { 'content-type': 'application/json' });
      return res.end('{"error":{"message":"x_bench_stream required"}}');
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    streams[k] = res;
    withUsage[k] = body.stream_options?.include_usage === true;
    open++;
    res.on('close', () => open--);
  });
});
server.listen(0, '127.0.0.1', () => console.log(`listening http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
