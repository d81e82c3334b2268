import { StringDecoder } from 'node:string_decoder';
import type { CompiledMasking } from '../core/masking/compile';
import { maskJson } from '../core/masking/mask-json';
import { maskText, selectRules } from '../core/masking/mask-text';
import { auditSameAs } from '../core/masking/same-copy';
import { SseMasker } from '../core/masking/sse-masker';
import { StreamTextMasker } from '../core/masking/stream-text-masker';
import type { ResponseMasker, ResponseMasking } from '../runtime';
import type { MaskingLimits } from './masking-service';

interface Ctx {
  compiled: CompiledMasking;
  masks: readonly string[] | undefined;
  hashKey: Uint8Array | string;
  limits: MaskingLimits;
}

const empty = Buffer.alloc(0);

/**
 * SSE: masked event by event for the client where rules say `client` (otherwise passed through
 * untouched, still parsed for the audit copy); the audit copy is each slot's final text, masked.
 */
export function createSseResponseMasker(ctx: Ctx): ResponseMasker {
  return new SseResponseMasker(ctx);
}

/** A class, not closures: one object per stream besides its SSE masker (thousands may stream at once). */
class SseResponseMasker implements ResponseMasker {
  private readonly sse: SseMasker;
  private readonly passThrough: boolean;
  private readonly compiled: CompiledMasking;
  private readonly masks: readonly string[] | undefined;
  private readonly hashKey: Uint8Array | string;
  private masking: ResponseMasking | undefined;

  constructor({ compiled, masks, hashKey, limits }: Ctx) {
    const clientRules = selectRules(compiled, 'client', masks);
    this.sse = new SseMasker(compiled, { rules: clientRules, hashKey, maxHoldChars: limits.streamHoldbackMaxBytes, maxFinalChars: limits.maxAuditBodyBytes });
    this.passThrough = clientRules.length === 0;
    this.compiled = compiled;
    this.masks = masks;
    this.hashKey = hashKey;
  }

  push(chunk: Buffer): Buffer {
    const out = this.sse.pushBytes(chunk);
    return this.passThrough ? chunk : Buffer.from(out);
  }

  end(): Buffer {
    const { sse, compiled, masks, hashKey } = this;
    const tail = sse.end();
    const finals = sse.finalTexts();
    const texts = finals.map((t) => ({
      path: t.path,
      text: maskText(t.text, compiled, { where: 'audit', ruleNames: masks, hashKey, spans: false, path: t.path }).value,
      ...(t.truncated ? { truncated: true } : {}),
    }));
    this.masking = {
      body: { stream: true, texts },
      truncated: finals.some((t) => t.truncated),
      report: sse.report.entries().map((e) => ({ ...e, part: 'response', where: ['audit', 'client'] })),
    };
    return this.passThrough ? empty : Buffer.from(tail);
  }

  audit(): ResponseMasking {
    return this.masking!;
  }
}

/**
 * JSON (and other text): buffered (bounded) and masked for the client when a rule says `client`;
 * otherwise streamed through while a bounded copy is kept for the audit record.
 */
export function createJsonResponseMasker({ compiled, masks, hashKey, limits }: Ctx, isJson: boolean): ResponseMasker {
  const clientRules = selectRules(compiled, 'client', masks);
  const buffering = clientRules.length > 0;
  const max = buffering ? limits.maxBufferedResponseBytes : limits.maxAuditBodyBytes;
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  // Past the buffering bound the body can no longer be parsed as a whole: it is masked as a text
  // stream from there on (headers are already out, so failing is not an option; leaking neither).
  let overflow: { masker: StreamTextMasker; decoder: StringDecoder } | null = null;
  let audit: ResponseMasking | undefined;
  return {
    push(chunk) {
      if (overflow) return Buffer.from(overflow.masker.push(overflow.decoder.write(chunk)));
      if (size + chunk.length > max) {
        if (buffering) {
          const masker = new StreamTextMasker(compiled, { rules: clientRules.filter((r) => r.detectPaths === null), hashKey, maxHoldChars: limits.streamHoldbackMaxBytes, path: '$' });
          overflow = { masker, decoder: new StringDecoder('utf8') };
          truncated = true;
          return Buffer.from(masker.push(overflow.decoder.write(Buffer.concat([...chunks, chunk]))));
        }
        if (!truncated) chunks.push(chunk.subarray(0, max - size));
        truncated = true;
        size = max;
        return chunk;
      }
      chunks.push(chunk);
      size += chunk.length;
      return buffering ? empty : chunk;
    },
    end() {
      if (overflow) {
        const tail = overflow.masker.push(overflow.decoder.end()) + overflow.masker.end();
        audit = {
          body: { truncated: true, text: maskText(Buffer.concat(chunks).subarray(0, limits.maxAuditBodyBytes).toString('utf8'), compiled, { where: 'audit', ruleNames: masks, hashKey, spans: false }).value },
          truncated: true,
          report: [],
        };
        return Buffer.from(tail);
      }
      const text = Buffer.concat(chunks).toString('utf8');
      let parsed: unknown;
      let isParsed = false;
      if (isJson && !truncated) {
        try {
          parsed = JSON.parse(text);
          isParsed = true;
        } catch { /* masked as text below */ }
      }
      let out: Buffer = empty;
      audit = { body: undefined, truncated, report: [] };
      if (isParsed) {
        let client: ReturnType<typeof maskJson> | undefined;
        if (buffering) {
          client = maskJson(parsed, compiled, { where: 'client', ruleNames: masks, hashKey, spans: false });
          out = client.changed ? Buffer.from(JSON.stringify(client.value)) : Buffer.from(text);
          for (const e of client.report) audit.report.push({ ...e, part: 'response', where: ['audit', 'client'] });
        }
        const sameCopy = client && auditSameAs(compiled, 'client', masks) ? client : undefined;
        audit.body = (sameCopy ?? maskJson(parsed, compiled, { where: 'audit', ruleNames: masks, hashKey, spans: false })).value;
        // The client's masked copy is the audit's: the record takes the bytes the client got, not a second serialization.
        if (sameCopy?.changed) audit.json = out;
      } else {
        // Not JSON (or cut): mask it as text; for the client this fails closed rather than leak.
        if (buffering) out = Buffer.from(maskText(text, compiled, { where: 'client', ruleNames: masks, hashKey, spans: false }).value);
        audit.body = maskText(text, compiled, { where: 'audit', ruleNames: masks, hashKey, spans: false }).value;
      }
      return out;
    },
    audit: () => audit!,
  };
}
