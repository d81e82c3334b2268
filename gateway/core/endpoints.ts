import type { EndpointKind } from './types';

/**
 * Classifies a request path into an endpoint kind, independent of the provider's spelling and of
 * any base-path prefix (`/openai/v1/chat/completions` is still chat).
 *
 * @example
 * classifyEndpoint('/v1/chat/completions')   // => 'chat'
 * classifyEndpoint('/v1/fine_tuning/jobs/x') // => 'fine-tuning'
 * classifyEndpoint('/v1/messages')           // => 'messages'
 */
export function classifyEndpoint(path: string): EndpointKind {
  for (const [re, kind] of table) if (re.test(path)) return kind;
  return 'other';
}

const table: [RegExp, EndpointKind][] = [
  [/\/chat\/completions(\/|$)/, 'chat'],
  [/\/completions$/, 'completions'],
  [/\/responses(\/|$)/, 'responses'],
  [/\/embeddings$/, 'embeddings'],
  [/\/fine_tuning(\/|$)|\/fine-tunes(\/|$)/, 'fine-tuning'],
  [/\/files(\/|$)|\/uploads(\/|$)/, 'files'],
  [/\/models(\/|$)/, 'models'],
  [/\/messages(\/|$)/, 'messages'],
  [/\/images\//, 'images'],
  [/\/audio\//, 'audio'],
  [/\/moderations$/, 'moderations'],
  [/\/batches(\/|$)/, 'batches'],
];
