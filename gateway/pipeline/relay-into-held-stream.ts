import type { Runtime } from '../runtime';
import type { Exchange } from './exchange';
import { recordOutcome } from './record-outcome';
import { openResponseSteps, type ResponseStage } from './response-stage';
import { noteUpstreamReset, type UpstreamBodySink, type UpstreamResponse } from './upstream-response';

const maxBodyBytes = 64 * 1024;

/**
 * A held streaming request already answered 200 with SSE headers while it waited for approval,
 * so an upstream answer that is not an SSE stream cannot change the status any more: it is
 * delivered as one SSE event instead — an `error` event carrying the upstream's error body for a
 * failure (the OpenAI and Anthropic SDKs raise it with the upstream's code), a data event for an
 * unexpected non-streaming success. The audit outcome records the upstream's real status.
 * Either body (bounded) goes through the response stages as one chunk, as the same answer to a
 * request that was never held would: an error may echo what the caller sent or carry what the
 * client rules mask, so it is masked for the client and for the audit copy like any other body.
 */
export function relayIntoHeldStream(rt: Runtime, x: Exchange, stages: readonly ResponseStage[], upstreamRes: UpstreamResponse, done: () => void): UpstreamBodySink {
  const status = upstreamRes.statusCode;
  x.outcome.status = status;
  const chunks: Buffer[] = [];
  let size = 0;
  const finish = (event: string) => {
    x.outcome.responseBytes += Buffer.byteLength(event);
    const end = () => {
      x.res.end(event);
      done();
    };
    const durable = recordOutcome(rt, x);
    if (durable) durable.then(end, end);
    else end();
  };
  const onEnd = () => {
    const text = Buffer.concat(chunks).toString('utf8').slice(0, maxBodyBytes);
    const steps = openResponseSteps(stages, x, { status, headers: upstreamRes.headers });
    const body = steps ? Buffer.concat([steps.chunk(Buffer.from(text)), steps.end()]).toString('utf8') : text;
    if (status >= 200 && status < 300) return finish(`data: ${body.replace(/\r?\n/g, ' ')}\n\ndata: [DONE]\n\n`);
    x.outcome.errorCode = `upstream_${status}`;
    finish(`event: error\ndata: ${errorData(body, status, x)}\n\n`);
  };
  return {
    data(chunk) {
      if (size < maxBodyBytes) {
        chunks.push(chunk);
        size += chunk.length;
      }
      return true;
    },
    end: onEnd,
    error(err) {
      if (!x.outcome.clientAborted) noteUpstreamReset(x.outcome, err);
      x.res.destroy();
      done();
    },
  };
}

/** The upstream's own error JSON when it has one (OpenAI `{error}`, Anthropic `{type:"error"}`), else a gateway error. */
function errorData(text: string, status: number, x: Exchange): string {
  try {
    const parsed = JSON.parse(text) as { error?: unknown; type?: unknown };
    if (parsed && typeof parsed === 'object' && (parsed.error || parsed.type === 'error')) return JSON.stringify(parsed);
  } catch {
    // not JSON: wrapped below
  }
  const message = `The upstream answered ${status}.`;
  return x.request?.endpoint === 'messages'
    ? JSON.stringify({ type: 'error', error: { type: 'api_error', message } })
    : JSON.stringify({ error: { message, type: 'api_error', code: 'ERR_UPSTREAM_STATUS', param: null } });
}
