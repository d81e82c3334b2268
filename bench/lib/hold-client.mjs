// Opens N chat requests that the gateway will hold for approval, each on its own connection, and
// keeps them open until SIGTERM. Prints `sent N` once every request is written.
// Usage: node hold-client.mjs <url> <token> <n> <model>
import http from 'node:http';

const [url, token, nArg, model] = process.argv.slice(2);
const n = Number(nArg);
const u = new URL(url);
const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'please approve this benchmark request' }], max_tokens: 16 });
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const requests = [];
let written = 0;
let failed = 0;
// Connections that broke (reset during the accept storm, ...): said in the log, so a run that
// holds fewer than N explains itself.
const broken = new Map();
const burst = 200;

function open(i) {
  const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` } }, (res) => {
    // An answer while we hold means the gateway refused to hold (capacity, policy): count it.
    failed++;
    res.resume();
  });
  req.on('error', (err) => {
    const why = err.code ?? err.message;
    broken.set(why, (broken.get(why) ?? 0) + 1);
  });
  req.end(body, () => {
    written++;
    if (written === n) console.log(`sent ${n}`);
    else if (written % burst === 0) next();
  });
  requests.push(req);
}

let opened = 0;
function next() {
  const until = Math.min(n, opened + burst);
  while (opened < until) open(opened++);
}
next();
setInterval(() => {
  if (failed) console.log(`answered ${failed}`);
  if (broken.size) console.log(`broken ${JSON.stringify(Object.fromEntries(broken))}`);
}, 1000).unref();
process.on('SIGTERM', () => {
  for (const r of requests) r.destroy();
  process.exit(0);
});
