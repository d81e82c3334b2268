import type { Attributes } from '@opentelemetry/api';
import { boundText } from '../core/caller-context';
import type { EndpointKind } from '../core/types';
import type { Exchange } from '../pipeline/exchange';

/**
 * A request's span attributes: the OpenTelemetry GenAI semantic conventions
 * (gen_ai.operation.name, gen_ai.request.model, gen_ai.response.model, gen_ai.usage.*) where the
 * call is a model call, the HTTP server conventions, and the gateway's own verdict (gatehouse.*).
 * Caller text (model, user agent) is bounded like in the audit record. Never a body, a token or
 * a prompt.
 */

/** gen_ai.operation.name for each endpoint that is a model call (the conventions' well-known values). */
const operations: Partial<Record<EndpointKind, string>> = {
  chat: 'chat',
  responses: 'chat',
  messages: 'chat',
  completions: 'text_completion',
  embeddings: 'embeddings',
};

const maxText = 256;

/** What is known when the request arrives. */
export function requestAttributes(x: Exchange): Attributes {
  const a: Attributes = { 'http.request.method': x.req.method ?? 'GET', 'gatehouse.request_id': x.id };
  const ua = x.req.headers['user-agent'];
  if (ua) a['user_agent.original'] = boundText(ua, 512);
  return a;
}

/** What is known when the response is over (set on the span before it ends). */
export function responseAttributes(x: Exchange): Attributes {
  const a: Attributes = { 'http.response.status_code': x.outcome.status ?? 499 };
  if (x.path !== undefined) a['url.path'] = boundText(x.path, 1024);
  if (x.clientAddress !== undefined) a['client.address'] = x.clientAddress;
  const r = x.request;
  const operation = r && operations[r.endpoint];
  if (operation) a['gen_ai.operation.name'] = operation;
  if (r?.model !== undefined) a['gen_ai.request.model'] = boundText(r.model, maxText);
  if (r?.maxTokens !== undefined) a['gen_ai.request.max_tokens'] = r.maxTokens;
  if (r) a['gatehouse.endpoint'] = r.endpoint;
  if (r) a['gatehouse.upstream'] = r.upstream;
  // A stream names its model in its events (read by the usage reader); a JSON answer in its body.
  const responseModel = x.usageTap?.reported().model ?? modelOf(x.outcome.auditResponseBody);
  if (responseModel !== undefined) a['gen_ai.response.model'] = boundText(responseModel, maxText);
  const usage = x.outcome.usage;
  if (usage) {
    a['gen_ai.usage.input_tokens'] = usage.inputTokens;
    a['gen_ai.usage.output_tokens'] = usage.outputTokens;
  }
  if (x.principal) a['gatehouse.principal'] = boundText(x.principal.subject, maxText);
  const d = x.decision;
  if (d) {
    a['gatehouse.decision'] = d.action;
    a['gatehouse.rule'] = d.rule;
    a['gatehouse.policy_version'] = d.policyVersion;
  }
  if (x.approval) a['gatehouse.approval.state'] = x.approval.state;
  const error = x.outcome.errorCode ?? x.outcome.upstreamError;
  if (error !== undefined) a['error.type'] = error;
  if (x.outcome.clientAborted) a['gatehouse.client_aborted'] = true;
  return a;
}

/** `{operation} {model}` for a model call (the GenAI conventions), else `{method} {endpoint}`. */
export function spanName(x: Exchange): string {
  const r = x.request;
  const operation = r && operations[r.endpoint];
  if (operation) return r.model ? `${operation} ${boundText(r.model, maxText)}` : operation;
  return `${x.req.method ?? 'GET'}${r ? ` ${r.endpoint}` : ''}`;
}

function modelOf(body: unknown): string | undefined {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const model = (body as { model?: unknown }).model;
    if (typeof model === 'string') return model;
  }
  return undefined;
}
