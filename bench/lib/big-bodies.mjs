// Deterministic big chat bodies for the big-prompt mode: the bench's 4 KB prompt scaled up to
// 64 KB / 1 MB / 4 MB. Prose (a long-context prompt: notes, a log excerpt, a table row) with a few
// values for masking to find — about one e-mail address and one phone number per 4 KB, as in
// bodies/chat-4KB.json — in one user message, so the body is one large JSON string like a real
// long-context request. The same size always gives the same bytes (no randomness).

export const bigSizes = { '64KB': 64 * 1024, '1MB': 1024 * 1024, '4MB': 4 * 1024 * 1024 };

const paragraphs = [
  'Our quarterly review covers the migration of the billing service to the new cluster, the on-call rotation, and the incident from last Tuesday. ',
  'The deploy pipeline now runs the integration suite before the canary, and the canary holds for twenty minutes before the rollout widens to every region. ',
  'Section 4 of the design notes says the ledger writes are idempotent; the incident shows they were not when the retry crossed a shard boundary. ',
  'Open risks: the replica lag alarm fires late, the runbook for a failed failover is out of date, and nobody owns the nightly export job. ',
  '| 2026-03-14 | ledger-api | p99 latency 840 ms | retries 3,112 | owner: platform team |\n',
  'The vendor confirmed the fix ships in their next release; until then we pin the client library and keep the circuit breaker at its lower threshold. ',
];
const contact = (i) => `The customer, reachable at jane.doe${i}@example.com or +1 415 555 ${String(100 + (i % 900)).padStart(4, '0')}, reported that invoices were duplicated for accounts created before March. `;

/** A chat request of exactly `bytes` bytes (UTF-8), JSON or (stream: true) SSE. */
export function bigChatBody(bytes, stream) {
  const head = `{"model":"gpt-4o-mini",${stream ? '"stream":true,' : ''}"messages":[{"role":"system","content":"You are a careful assistant for an engineering team. Answer concisely and never invent facts."},{"role":"user","content":"Summarise the following notes for the engineering leadership, list open risks and owners.\\n\\n`;
  const tail = '"}]}';
  const room = bytes - head.length - tail.length;
  const parts = [];
  let size = 0;
  for (let i = 0; size < room; i++) {
    // JSON-escape each piece (newlines in the table rows) so the byte count is of the body as sent.
    const text = JSON.stringify(i % 8 === 7 ? contact(i >> 3) : paragraphs[i % paragraphs.length]).slice(1, -1);
    parts.push(text);
    size += text.length;
  }
  let content = parts.join('');
  content = content.slice(0, room);
  // Do not end inside an escape (a cut "\n" would leave a lone backslash).
  while (content.endsWith('\\')) content = content.slice(0, -1) + ' ';
  const body = head + content.padEnd(room, ' ') + tail;
  if (Buffer.byteLength(body) !== bytes) throw new Error(`big body is ${Buffer.byteLength(body)} bytes, not ${bytes}`);
  JSON.parse(body);
  return body;
}
