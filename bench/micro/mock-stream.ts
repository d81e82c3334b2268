/**
 * The bench mock's stream (bench/upstream.mjs) with usage asked, as undici hands it over, a chunk
 * per event: `events` chat chunks (`"usage":null` in each, the last with finish_reason "stop"), the
 * usage chunk, [DONE]. Shared by the response steps' micro-benchmarks.
 */
export function mockStream(events: number): Buffer[] {
  const model = 'gpt-4o-mini';
  const chunk = (i: number, last: boolean) => 'data: ' + JSON.stringify({
    id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: 1700000000, model,
    choices: [{ index: 0, delta: last ? {} : (i === 0 ? { role: 'assistant', content: 'tok0 ' } : { content: `tok${i} ` }), finish_reason: last ? 'stop' : null }],
    usage: null,
  }) + '\n\n';
  const out = Array.from({ length: events }, (_, i) => Buffer.from(chunk(i, i === events - 1)));
  out.push(Buffer.from('data: ' + JSON.stringify({ id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: 1700000000, model, choices: [], usage: { prompt_tokens: 12, completion_tokens: events - 1, total_tokens: 11 + events } }) + '\n\n'));
  out.push(Buffer.from('data: [DONE]\n\n'));
  return out;
}
