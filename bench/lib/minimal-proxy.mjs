// The control in bench/compare.mjs: the least a node:http reverse proxy can do (buffer the body,
// forward over a keep-alive Agent, pipe the answer back). Not a gateway: no header hygiene, no
// errors, no limits. Env: UPSTREAM (base URL). Prints `data  http://127.0.0.1:PORT`.
import http from 'node:http';

const up = new URL(process.env.UPSTREAM);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const headers = { 'content-type': 'application/json', 'content-length': body.length };
    const out = http.request({ agent, host: up.hostname, port: up.port, method: req.method, path: req.url, headers }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    out.end(body);
  });
}).listen(0, '127.0.0.1', function () { console.log(`data  http://127.0.0.1:${this.address().port}`); });
process.on('SIGTERM', () => process.exit(0));
