import type { MaskingRules } from '../../generated/masking-rules';
import { compileMaskingRules, MaskingRulesError, type MaskingSpecError, type MaskWhere } from './compile';
import { maskJson } from './mask-json';
import { maskText, type MaskSpan } from './mask-text';
import type { MaskReportEntry } from '../types';

export interface PreviewOptions {
  /** Which copy to show. Default audit. */
  where?: MaskWhere;
  /** Only these rules (as if the decision listed them); default every rule. */
  ruleNames?: readonly string[];
  /** Hash key for the hash style; default a fixed preview key (tokens differ from the gateway's). */
  hashKey?: string | Uint8Array;
  /** Default audit detectors (config masking.auditDetectors). */
  auditDetectors?: readonly string[];
  /** Regions of national phone formats (config masking.phoneRegions). */
  phoneRegions?: readonly string[];
}

export type PreviewResult =
  | { ok: true; masked: unknown; spans: MaskSpan[]; report: MaskReportEntry[]; changed: boolean }
  | { ok: false; errors: MaskingSpecError[] };

/**
 * What a masking spec does to a sample payload: the masked payload and every span (rule,
 * detector, path, offsets into the original string). Backs `gatehouse mask preview`, the admin
 * API's /admin/preview/mask and the extension's preview. A string sample that parses as JSON is
 * masked as JSON; any other string as free text.
 *
 * @example
 * previewMasking([{ name: 'pii', detectors: ['email'] }], '{"input":"mail a@b.io"}', { where: 'upstream' })
 * // => { ok: true, masked: { input: 'mail [REDACTED:EMAIL]' }, changed: true,
 * //      spans: [{ rule: 'pii', detector: 'email', path: '$.input', start: 5, end: 11, confidence: 0.9 }], report: [...] }
 */
export function previewMasking(spec: MaskingRules | undefined, sample: unknown, options: PreviewOptions = {}): PreviewResult {
  let compiled;
  try {
    compiled = compileMaskingRules(spec, { hashKey: options.hashKey ?? 'gatehouse-preview', auditDetectors: options.auditDetectors, phoneRegions: options.phoneRegions });
  } catch (err) {
    if (err instanceof MaskingRulesError) return { ok: false, errors: err.errors };
    throw err;
  }
  const opts = { where: options.where ?? 'audit', ruleNames: options.ruleNames } as const;
  let value = sample;
  if (typeof sample === 'string') {
    try {
      value = JSON.parse(sample);
    } catch {
      const r = maskText(sample, compiled, opts);
      return { ok: true, masked: r.value, spans: r.spans, report: r.report, changed: r.changed };
    }
  }
  const r = maskJson(value, compiled, opts);
  return { ok: true, masked: r.value, spans: r.spans, report: r.report, changed: r.changed };
}
