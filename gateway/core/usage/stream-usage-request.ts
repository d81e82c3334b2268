import { joinParts, type ByteParts } from '../byte-parts';
import { jsonBytes } from '../json-bytes';
import { memberBytes, prependMemberBytes } from '../json-member';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** The member added to nearly every OpenAI stream request, as bytes made once (issue 23: ≈ 0.3 µs per request). */
const includeUsage = memberBytes('stream_options', { include_usage: true });

/** Whether an object has an own enumerable member (without listing them all). */
function hasMembers(o: Json): boolean {
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) return true;
  return false;
}

/**
 * The request body with `stream_options.include_usage: true`, for a stream that did not ask for
 * usage; undefined when it already asks, or when its stream_options is not an object (the
 * upstream's own error answers that). When the body has no stream_options, the member is added
 * right after the opening brace, as a part of its own (`json-member.ts`: a big prompt is not
 * copied), and every other byte stays as it was; otherwise the body is re-serialized with the
 * member set.
 *
 * @example
 * Buffer.concat(withStreamUsage({ model: 'gpt-4o', stream: true }, Buffer.from('{"model":"gpt-4o","stream":true}')) as Buffer[]).toString()
 * // => '{"stream_options":{"include_usage":true},"model":"gpt-4o","stream":true}'
 */
export function withStreamUsage(json: unknown, body: ByteParts | undefined): ByteParts | undefined {
  if (!isObj(json) || !body) return undefined;
  const options = json.stream_options;
  if (options === undefined) {
    // `{}` is no stream request (a stream request always has `stream`).
    return hasMembers(json) ? prependMemberBytes(body, includeUsage) : undefined;
  }
  if (options !== null && !isObj(options)) return undefined;
  if (isObj(options) && options.include_usage === true) return undefined;
  // The body that goes upstream (masked where rules say so) is the base, not the client's.
  let parsed: unknown;
  try {
    parsed = JSON.parse(joinParts(body).toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObj(parsed)) return undefined;
  parsed.stream_options = { ...(isObj(parsed.stream_options) ? parsed.stream_options : {}), include_usage: true };
  return jsonBytes(parsed);
}
