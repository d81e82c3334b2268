/**
 * The inputs of the masking micro-benchmarks, shared by `masking.bench.ts` and the in-process
 * A/B runner `masking-ab.ts` so both measure the same bytes. Deterministic (seeded).
 */
import { Faker, base, en } from '@faker-js/faker';
import { createCorpus } from '../../test/corpus/generator';

/**
 * A ~64 KB chat request as agents send them: prose, code, a JSON tool result, timestamps, ids and
 * versions, with a sensitive value every ~2 KB (cards, emails, IBANs, phones, keys) taken from
 * the test corpus generator.
 */
export function mixedBody(): { body: unknown; bytes: number; text: string } {
  const f = new Faker({ locale: [en, base] });
  f.seed(7);
  const corpus = createCorpus(7, 200);
  const pii = corpus.flatMap((c) => c.planted.map((p) => p.value));
  const negatives = corpus.flatMap((c) => c.negatives);
  const messages: unknown[] = [{ role: 'system', content: 'You are a helpful assistant for the support team. Answer briefly.' }];
  let size = 0;
  let text = '';
  let k = 0;
  while (size < 62 * 1024) {
    const parts: string[] = [];
    for (let i = 0; i < 12; i++) {
      parts.push(f.helpers.arrayElement([
        () => f.lorem.paragraph(),
        () => f.hacker.phrase(),
        () => `const ${f.hacker.noun().replace(/\W/g, '')} = await fetch('/api/v${f.number.int(3)}/${f.hacker.verb()}', { method: 'POST' }); // ${f.hacker.ingverb()}`,
        () => `at ${f.date.recent().toISOString()} request ${f.string.uuid()} took ${f.number.int(900)} ms (build ${f.system.semver()})`,
        () => `ref ${negatives[k++ % negatives.length]}`,
      ])());
    }
    parts.push(`contact ${pii[k++ % pii.length]} about it`);
    const content = parts.join('\n');
    text += content + '\n';
    messages.push({ role: 'user', content });
    messages.push({ role: 'tool', tool_call_id: `call_${k}`, content: JSON.stringify({ status: 'ok', order: negatives[k++ % negatives.length], items: f.number.int(9), note: f.lorem.sentence() }) });
    size = JSON.stringify(messages).length;
  }
  const body = { model: 'gpt-4o', messages, metadata: { user: 'u-1', trace: 'a1b2c3' } };
  return { body, bytes: Buffer.byteLength(JSON.stringify(body)), text: text.slice(0, 64 * 1024) };
}

/** The quality corpus packed into ~64 KB: a sensitive value every ~100 bytes (worst case). */
export function denseBody(): { body: unknown; bytes: number } {
  const messages: unknown[] = [];
  for (const item of createCorpus(7, 400)) {
    for (const m of (item.body as { messages?: unknown[] }).messages ?? []) messages.push(m);
    if (JSON.stringify(messages).length >= 64 * 1024) break;
  }
  const body = { model: 'gpt-4o', messages };
  return { body, bytes: Buffer.byteLength(JSON.stringify(body)) };
}

/** `text` cut into small deltas (2–6 characters, as models emit them) and as OpenAI chat SSE events. */
export function sseDeltas(text: string): { deltas: string[]; events: Buffer[]; sseBytes: number; textBytes: number } {
  const deltas: string[] = [];
  for (let i = 0, n = 0; i < text.length; n++) {
    const size = 2 + (n % 5);
    deltas.push(text.slice(i, i + size));
    i += size;
  }
  const events = deltas.map((d) => Buffer.from(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: { content: d }, finish_reason: null }] })}\n\n`));
  return { deltas, events, sseBytes: events.reduce((n, e) => n + e.length, 0), textBytes: Buffer.byteLength(text) };
}
