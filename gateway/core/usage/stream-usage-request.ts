import { jsonBytes } from '../json-bytes';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const member = Buffer.from('"stream_options":{"include_usage":true},');

/**
 * The request body with `stream_options.include_usage: true`, for a stream that did not ask for
 * usage; undefined when it already asks, or when its stream_options is not an object (the
 * upstream's own error answers that). When the body has no stream_options, the member is added
 * right after the opening brace and every other byte stays as the client sent it; otherwise the
 * body is re-serialized with the member set.
 *
 * @example
 * withStreamUsage({ model: 'gpt-4o', stream: true }, Buffer.from('{"model":"gpt-4o","stream":true}'))?.toString()
 * // => '{"stream_options":{"include_usage":true},"model":"gpt-4o","stream":true}'
 */
export function withStreamUsage(json: unknown, body: Buffer | undefined): Buffer | undefined {
  if (!isObj(json) || !body) return undefined;
  const options = json.stream_options;
  if (options === undefined) {
    let i = 0;
    while (i < body.length && (body[i] === 0x20 || body[i] === 0x0a || body[i] === 0x0d || body[i] === 0x09)) i++;
    if (body[i] !== 0x7b) return undefined;
    let j = i + 1;
    while (j < body.length && (body[j] === 0x20 || body[j] === 0x0a || body[j] === 0x0d || body[j] === 0x09)) j++;
    // `{}` has no member to put a comma before (a stream request always has `stream`).
    if (body[j] === 0x7d) return undefined;
    return Buffer.concat([body.subarray(0, i + 1), member, body.subarray(i + 1)]);
  }
  if (options !== null && !isObj(options)) return undefined;
  if (isObj(options) && options.include_usage === true) return undefined;
  // The body that goes upstream (masked where rules say so) is the base, not the client's.
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObj(parsed)) return undefined;
  parsed.stream_options = { ...(isObj(parsed.stream_options) ? parsed.stream_options : {}), include_usage: true };
  return jsonBytes(parsed);
}
