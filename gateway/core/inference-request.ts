import { classifyEndpoint } from './endpoints';
import { definePromptText, promptSource } from './prompt-text';
import type { EndpointKind, InferenceRequest } from './types';

/**
 * Reads what policy and audit need from a parsed request body: model, stream flag, token cap and
 * the prompt text (every message, input and system text joined by newlines), for OpenAI chat,
 * completions, responses and embeddings, and Anthropic messages. Pure and allocation-light: the
 * prompt text is built only from string parts, and joined only when it is read
 * (`core/prompt-text.ts`: a megabyte prompt is not copied for policy to read its ends).
 *
 * @example
 * describeBody({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] })
 * // => { model: 'gpt-4o', stream: true, promptText: 'hi', maxTokens: undefined }
 */
export interface BodyFacts {
  model?: string;
  stream: boolean;
  promptText: string;
  maxTokens?: number;
}

export function describeBody(json: unknown): BodyFacts {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return definePromptText({ stream: false }, '');
  const body = json as Record<string, unknown>;
  const parts: string[] = [];
  collectText(body.system, parts);
  collectText(body.instructions, parts);
  if (Array.isArray(body.messages)) for (const m of body.messages) collectText((m as { content?: unknown })?.content, parts);
  collectText(body.input, parts);
  collectText(body.prompt, parts);
  const maxTokens = firstNumber(body.max_tokens, body.max_completion_tokens, body.max_output_tokens);
  return definePromptText({ model: typeof body.model === 'string' ? body.model : undefined, stream: body.stream === true, maxTokens }, parts);
}

/** Strings, arrays of strings, and content parts ({type:'text', text}) / Responses input items. */
function collectText(value: unknown, out: string[], depth = 0): void {
  if (typeof value === 'string') {
    out.push(value);
  } else if (Array.isArray(value) && depth < 5) {
    for (const item of value) collectText(item, out, depth + 1);
  } else if (value && typeof value === 'object' && depth < 5) {
    const part = value as { text?: unknown; content?: unknown };
    if (typeof part.text === 'string') out.push(part.text);
    else if (part.content !== undefined) collectText(part.content, out, depth + 1);
  }
}

function firstNumber(...values: unknown[]): number | undefined {
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) return v;
  return undefined;
}

/** Where a request goes and how big it is: what the body does not say. */
export interface RequestTarget {
  method: string;
  /** The checked path, without the query string. */
  path: string;
  /** The upstream's configured name. */
  upstream: string;
  bodyBytes: number;
  /** Overrides the kind derived from the path (the decision preview lets a caller choose it). */
  endpoint?: EndpointKind;
}

/**
 * The request as policy, approvals and audit see it: the endpoint kind from the path, model,
 * stream flag, token cap and prompt text from the body's facts. The one place an InferenceRequest
 * is assembled: routing, the admin decision preview and the extension's preview all call it.
 *
 * @example
 * describeRequest({ method: 'POST', path: '/v1/chat/completions', upstream: 'openai', bodyBytes: 58 },
 *   describeBody({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }))
 * // => { method: 'POST', path: '/v1/chat/completions', endpoint: 'chat', upstream: 'openai', model: 'gpt-4o',
 * //      stream: false, promptText: 'hi', maxTokens: undefined, bodyBytes: 58 }
 */
export function describeRequest(target: RequestTarget, facts: BodyFacts): InferenceRequest {
  const request = {
    method: target.method,
    path: target.path,
    endpoint: target.endpoint ?? classifyEndpoint(target.path),
    upstream: target.upstream,
    model: facts.model,
    stream: facts.stream,
    maxTokens: facts.maxTokens,
    bodyBytes: target.bodyBytes,
  };
  // The prompt is handed on unjoined (core/prompt-text.ts).
  return definePromptText(request, promptSource(facts));
}
