import type { Masking } from '../generated/gatehouse.config';
import { jsonBytes } from '../core/json-bytes';
import { jsonPrefix } from '../core/json-prefix';
import { splicedJsonBytes } from '../core/json-splice';
import type { CompileMaskingOptions, CompiledMasking } from '../core/masking/compile';
import { maskedParts, maskJson } from '../core/masking/mask-json';
import { maskText, selectRules } from '../core/masking/mask-text';
import { auditSameAs } from '../core/masking/same-copy';
import type { MaskReportEntry } from '../core/types';
import type { Logger } from '../log';
import type { MaskingService, RequestMasking, ResponseMasker } from '../runtime';
import { loadHashKey } from './hash-key';
import { createJsonResponseMasker, createSseResponseMasker } from './response-maskers';

export interface MaskingServiceDeps {
  /** The compiled masking rules of the running policy snapshot (the policy service owns reloads). */
  getCompiled: () => CompiledMasking;
  log: Logger;
  /** Folder a relative masking.hashKey.file is resolved against. */
  configDir?: string;
  /**
   * The most of a body an audit record stores (audit.maxBodyBytes): a truncated audit copy's text
   * is kept no longer than that, since the record cuts it there anyway (the record is the same).
   */
  recordBodyBytes?: number;
}

export interface MaskingLimits {
  maxAuditBodyBytes: number;
  maxBufferedResponseBytes: number;
  streamHoldbackMaxBytes: number;
}

/**
 * The options the policy service passes to `compileMaskingRules` so compiled snapshots carry the
 * configured hash key, default audit detectors and phone regions.
 */
export function maskingCompileOptions(cfg: Masking | undefined, configDir = '.'): CompileMaskingOptions {
  const hashKey = loadHashKey(cfg, configDir);
  return {
    ...(hashKey ? { hashKey } : {}),
    ...(cfg?.auditDetectors ? { auditDetectors: cfg.auditDetectors } : {}),
    ...(cfg?.phoneRegions ? { phoneRegions: cfg.phoneRegions } : {}),
  };
}

/**
 * Applies the decision's masking rules (`masks`) to the request and the response: the audit copy
 * always (every applicable rule plus the default audit masking), upstream and client copies only
 * where a rule says so. It returns what it made; the pipeline's mask stages record it.
 */
export function createMaskingService(cfg: Masking | undefined, deps: MaskingServiceDeps): MaskingService {
  const hashKey = loadHashKey(cfg, deps.configDir ?? '.');
  if (!hashKey) deps.log.info('masking: no masking.hashKey configured; hash-style tokens correlate within this process only');
  const limits: MaskingLimits = {
    maxAuditBodyBytes: cfg?.maxAuditBodyBytes ?? 262_144,
    maxBufferedResponseBytes: cfg?.maxBufferedResponseBytes ?? 10 * 1024 * 1024,
    streamHoldbackMaxBytes: cfg?.streamHoldbackMaxBytes ?? 8192,
  };

  return {
    maskRequest({ masks, body, json }): RequestMasking {
      const compiled = deps.getCompiled();
      const key = hashKey ?? compiled.hashKey;
      if (json === undefined) return { auditBody: auditTextCopy(body, compiled, masks, key, limits.maxAuditBodyBytes), report: [] };
      const audit = maskJson(json, compiled, { where: 'audit', ruleNames: masks, hashKey: key, spans: false });
      const result: RequestMasking = { auditBody: boundAudit(audit.value, (body?.length ?? 0), limits.maxAuditBodyBytes, deps.recordBodyBytes), report: [] };
      const upstreamRules = selectRules(compiled, 'upstream', masks);
      let upstreamReport: MaskReportEntry[] = [];
      if (upstreamRules.length) {
        const upstream = auditSameAs(compiled, 'upstream', masks) ? audit : maskJson(json, compiled, { where: 'upstream', ruleNames: masks, hashKey: key, spans: false });
        if (upstream.changed) {
          // A prompt's bytes are the client's with the replacements spliced in, where they can be
          // shown to be those of the masked value; else serialized (from the masked pieces of a
          // long prompt, never as one string).
          result.upstreamBody = (body && upstream.spliced && splicedJsonBytes(upstream.value, body, upstream.spliced)) || jsonBytes(upstream.value, maskedParts);
          upstreamReport = upstream.report;
          // The same copy is the audit's (unbounded): the record takes these bytes, not a second serialization.
          if (upstream === audit && result.auditBody === audit.value) result.auditJson = result.upstreamBody;
        }
      }
      // One copy for both: each of its entries is the upstream's too (no key to look up).
      const upstreamKeys = upstreamReport === audit.report ? null : new Set(upstreamReport.map(reportKey));
      for (const e of audit.report) {
        const up = upstreamKeys === null || upstreamKeys.has(reportKey(e));
        // Member by member: V8 (Node 20) makes `{ ...e, part, where }` a new hidden class each
        // time, 1–3 µs an entry (measured), where a literal costs tens of nanoseconds. `satisfies
        // Required<…>` fails the typecheck when the schema gains a member this literal would drop.
        result.report.push({ rule: e.rule, detector: e.detector, path: e.path, count: e.count, part: 'request', where: up ? ['audit', 'upstream'] : ['audit'] } satisfies Required<MaskReportEntry>);
      }
      return result;
    },

    responseMasker({ masks }, contentType: string | undefined): ResponseMasker | null {
      const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
      const compiled = deps.getCompiled();
      const ctx = { compiled, masks, hashKey: hashKey ?? compiled.hashKey, limits };
      if (type === 'text/event-stream') return createSseResponseMasker(ctx);
      if (type === 'application/json' || type.endsWith('+json') || type.startsWith('text/')) return createJsonResponseMasker(ctx, type === 'application/json' || type.endsWith('+json'));
      return null;
    },
  };
}

function reportKey(e: MaskReportEntry): string {
  return `${e.rule}\u0000${e.detector}\u0000${e.path}`;
}

/** Non-JSON request bodies: text is masked as text (bounded); binary is only described. */
function auditTextCopy(body: Buffer | undefined, compiled: CompiledMasking, masks: readonly string[] | undefined, hashKey: Uint8Array | string, max: number): unknown {
  if (!body || body.length === 0) return undefined;
  const sample = body.subarray(0, max);
  const text = sample.toString('utf8');
  // More than a few control characters: a binary upload (audio, files); store only its size.
  if (/[\u0000-\u0008\u000e-\u001f]/.test(text.slice(0, 1024))) return { omitted: 'binary', bytes: body.length };
  const masked = maskText(text, compiled, { where: 'audit', ruleNames: masks, hashKey, spans: false }).value;
  return body.length > max ? { truncated: true, bytes: body.length, text: masked } : masked;
}

/**
 * A masked body larger than the audit bound is stored as a truncated masked JSON text, serialized
 * only as far as the cut (a 4 MB body costs what its first 256 KB cost; a long masked prompt is
 * read from its pieces, so it is not copied whole either). Of that text only the first `keep`
 * characters are kept (the record's own bound, audit.maxBodyBytes): the record serializes this
 * copy and keeps at most `keep` bytes of it, each character one byte or more, so nothing past
 * them could reach it (issue 23: a big prompt's 256 KB text was joined for the record's 64 KB).
 */
export function boundAudit(value: unknown, bytes: number, max: number, keep = max): unknown {
  if (bytes <= max) return value;
  const { text, complete } = jsonPrefix(value, max, maskedParts, undefined, keep);
  return complete ? value : { truncated: true, bytes, text };
}
