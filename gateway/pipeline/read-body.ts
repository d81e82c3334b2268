import { bodyText } from '../core/body-text';
import { classifyEndpoint } from '../core/endpoints';
import type { EndpointKind } from '../core/types';
import { GatehouseError } from '../errors';
import type { Runtime } from '../runtime';
import { serverDefaults } from '../config/defaults';
import type { Exchange, Stage } from './exchange';

/**
 * Stage: read the request body within the size limit.
 * Rules: a declared or actual body over `server.maxBodyBytes` is refused with 413 before it is
 * buffered (a declared one without `100 Continue` to a client that asked for it, so it never
 * sends the body); a body must be valid JSON (400 otherwise), except multipart or octet-stream uploads to
 * upload endpoints (files, audio, images), which are not buffered but streamed to the upstream
 * later, with the same limit enforced while they flow.
 */
export function readBody(rt: Runtime): Stage {
  const limit = rt.config.server?.maxBodyBytes ?? serverDefaults.maxBodyBytes;
  return (x) => {
    const { req } = x;
    const declared = req.headers['content-length'];
    const hasBody = declared !== undefined ? declared !== '0' : req.headers['transfer-encoding'] !== undefined;
    if (!hasBody) return;
    if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
    // The client waits for this before sending the body (RFC 9110 §10.1.1): only a body we accept gets it.
    if (expectsContinue(req.headers.expect)) x.res.writeContinue();
    if (isUpload(req.headers['content-type'], x.path!)) {
      x.streamBody = true;
      return;
    }
    return bufferBody(x, limit).then((body) => {
      x.body = body;
      try {
        x.json = JSON.parse(bodyText(body));
      } catch {
        throw new GatehouseError(400, 'ERR_REQUEST_INVALID_JSON', 'The request body is not valid JSON.');
      }
    });
  };
}

/**
 * Only uploads to upload endpoints stream unparsed. Everything else is parsed as JSON whatever
 * its content type says: a JSON body labelled text/plain must not slip past policy and masking.
 */
function isUpload(contentType: string | undefined, path: string): boolean {
  if (!contentType || !/^(multipart\/form-data|application\/octet-stream)\b/.test(contentType)) return false;
  return uploadEndpoints.has(classifyEndpoint(path));
}

const uploadEndpoints = new Set<EndpointKind>(['files', 'audio', 'images', 'batches', 'other']);

function expectsContinue(expect: string | undefined): boolean {
  return expect !== undefined && expect.toLowerCase() === '100-continue';
}

function tooLarge(limit: number): GatehouseError {
  return new GatehouseError(413, 'ERR_REQUEST_TOO_LARGE', `The request body exceeds the limit of ${limit} bytes.`, {
    headers: { connection: 'close' },
  });
}

function bufferBody(x: Exchange, limit: number): Promise<Buffer> {
  const { req } = x;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        // Stop reading; the 413 goes out with Connection: close and the rest is discarded.
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = () => {
      cleanup();
      reject(new GatehouseError(400, 'ERR_REQUEST_ABORTED', 'The client aborted the request body.'));
    };
    const onClose = () => {
      if (!req.complete) onError();
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
