import { objectEnd, valueStart } from './json-scan';
import { normalizeUsage, type Usage, type UsageDialect } from './usage';

/** Bytes of a JSON body's end kept for its usage: the providers write `usage` last or close to it. */
const tailBytes = 4096;

/**
 * Reads the usage of a whole (non-streamed) JSON response from its last bytes, so a body of any
 * size costs the same: OpenAI (chat, completions, embeddings, Responses) and Anthropic write the
 * top-level `usage` object at or near the end (the Responses object has only `user` and
 * `metadata` after it). The last `"usage"` key followed by an object is the one: a quote inside
 * a JSON string is escaped, so the bare key cannot be text. Nothing is copied until the end.
 *
 * @example
 * const r = new JsonUsageReader('openai');
 * r.push(Buffer.from('{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}'));
 * r.end() // => { inputTokens: 3, outputTokens: 4, totalTokens: 7, source: 'reported' }
 */
export class JsonUsageReader {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly dialect: UsageDialect) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    // Drop whole chunks that lie before the tail.
    while (this.chunks.length > 1 && this.size - this.chunks[0]!.length >= tailBytes) this.size -= this.chunks.shift()!.length;
  }

  end(): Usage | undefined {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    const text = all.subarray(Math.max(0, all.length - tailBytes)).toString('latin1');
    return usageFromTail(text, this.dialect);
  }
}

/** The last `"usage": {…}` object of a JSON text's tail, normalized. */
export function usageFromTail(text: string, dialect: UsageDialect): Usage | undefined {
  for (let at = text.lastIndexOf('"usage"'); at >= 0; at = at > 0 ? text.lastIndexOf('"usage"', at - 1) : -1) {
    const object = objectAt(text, at + 7);
    if (object === undefined) continue;
    try {
      return normalizeUsage(JSON.parse(object), dialect);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The object text after the member name ending at i, or undefined. */
function objectAt(s: string, i: number): string | undefined {
  const start = valueStart(s, i);
  if (start < 0 || s.charCodeAt(start) !== 123) return undefined;
  const end = objectEnd(s, start);
  return end < 0 ? undefined : s.slice(start, end);
}
