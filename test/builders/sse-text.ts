/**
 * The text a client reads from an SSE stream, whatever the API: OpenAI chat deltas, Anthropic
 * content_block_delta and Responses API output_text deltas, concatenated in order.
 */
export function clientText(sse: string): string {
  let out = '';
  for (const block of sse.split('\n\n')) {
    const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
    if (!data || data === '[DONE]') continue;
    const ev = JSON.parse(data);
    if (ev.choices) for (const c of ev.choices) out += c.delta?.content ?? '';
    else if (ev.type === 'content_block_delta') out += ev.delta.text ?? '';
    else if (ev.type === 'response.output_text.delta') out += ev.delta;
  }
  return out;
}
