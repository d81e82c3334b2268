type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The generated text of a response, as the audit copy holds it, for an estimate when the
 * upstream reported no usage: a stream's texts (`{ stream: true, texts }`), OpenAI chat
 * `choices[].message.content` and tool-call arguments, completions `choices[].text`, Responses
 * `output[].content[].text`, Anthropic `content[].text` / `.thinking` / tool `input`.
 *
 * @example
 * outputTextOf({ choices: [{ message: { content: 'Hello' } }] }) // => 'Hello'
 * outputTextOf({ stream: true, texts: [{ path: '$.content[0].text', text: 'Hi' }] }) // => 'Hi'
 */
export function outputTextOf(body: unknown): string {
  if (!isObj(body)) return typeof body === 'string' ? body : '';
  const parts: string[] = [];
  if (body.stream === true && Array.isArray(body.texts)) {
    for (const t of body.texts) if (isObj(t) && typeof t.text === 'string') parts.push(t.text);
    return parts.join('\n');
  }
  if (Array.isArray(body.choices)) {
    for (const c of body.choices) {
      if (!isObj(c)) continue;
      if (typeof c.text === 'string') parts.push(c.text);
      if (isObj(c.message)) {
        if (typeof c.message.content === 'string') parts.push(c.message.content);
        if (Array.isArray(c.message.tool_calls)) {
          for (const call of c.message.tool_calls) if (isObj(call) && isObj(call.function) && typeof call.function.arguments === 'string') parts.push(call.function.arguments);
        }
      }
    }
  }
  if (Array.isArray(body.output)) {
    for (const item of body.output) {
      if (!isObj(item)) continue;
      if (typeof item.arguments === 'string') parts.push(item.arguments);
      if (Array.isArray(item.content)) for (const p of item.content) if (isObj(p) && typeof p.text === 'string') parts.push(p.text);
    }
  }
  if (Array.isArray(body.content)) {
    for (const block of body.content) {
      if (!isObj(block)) continue;
      if (typeof block.text === 'string') parts.push(block.text);
      else if (typeof block.thinking === 'string') parts.push(block.thinking);
      else if (block.input !== undefined) parts.push(JSON.stringify(block.input));
    }
  }
  return parts.join('\n');
}
