import type { Runtime } from '../runtime';
import type { Stage } from './exchange';

/**
 * Stage: ask an OpenAI stream for its usage.
 * Rules enforced:
 *  - a chat/completions stream that did not ask for usage gets stream_options.include_usage: true
 *    upstream (config usage.includeStreamUsage, default on), so its tokens are the upstream's own
 *    figures; x.streamUsageAsked tells the response side to take the extra chunk and the
 *    `"usage":null` members back out, so the client receives the stream it asked for;
 *  - a caller that asked keeps its usage chunk; the audit copy of the request is the caller's.
 * Runs after masking (the body it rewrites is the one that goes upstream), before the arrival record.
 */
export function askStreamUsage(rt: Runtime): Stage {
  return (x) => {
    if (!x.request || x.streamBody) return;
    const body = rt.usage.askStreamUsage(x.request, x.json, x.upstreamBody ?? x.body);
    if (!body) return;
    x.upstreamBody = body;
    x.streamUsageAsked = true;
  };
}
