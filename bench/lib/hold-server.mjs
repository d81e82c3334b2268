// The control for the held-approvals bound: a bare node:http server that reads each POST body,
// parses it, and never answers. `GET /held` returns how many requests it is holding.
// Prints `data  http://127.0.0.1:PORT`.
import http from 'node:http';

let held = 0;
const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/held') return res.end(String(held));
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString('utf8'));
    held++;
    res.once('close', () => { held--; });
  });
});
server.listen(0, '127.0.0.1', () => console.log(`data  http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
