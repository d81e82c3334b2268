import { Document, isSeq, parse, parseDocument } from 'yaml';
import { describeBody, describeRequest } from '../../gateway/core/inference-request';
import { previewMasking, type MaskingRules } from '../../gateway/core/masking';
import { evaluatePolicy, type CompiledPolicy } from '../../gateway/core/policy';
import { renderMaskedJson, renderMaskedText } from './masked-rendering';
import type { DecisionRequest, DecisionView, HostMessage, MaskWhere } from './protocol';

/**
 * The `spec.masking` block of a policy's text as a YAML document of its own (comments kept), for
 * the preview's rules editor. Empty when the policy has none or does not parse.
 *
 * @example
 * maskingRulesText('spec:\n  masking:\n    - name: pii\n      detectors: [email]\n')
 * // => '- name: pii\n  detectors: [ email ]\n'
 */
export function maskingRulesText(policyText: string): string {
  const doc = parseDocument(policyText, { strict: false });
  const node = doc.getIn(['spec', 'masking'], true);
  if (!isSeq(node) || !node.items.length) return '';
  const out = new Document();
  out.contents = node;
  return out.toString({ lineWidth: 0 });
}

type MaskResultMessage = Extract<HostMessage, { type: 'maskResult' }>;

/**
 * Masks `sampleText` with the rules in `rulesText` for one copy (`where`), as the gateway would,
 * and renders the result with each masked span's position, rule and detector.
 */
export function computeMaskPreview(rulesText: string, sampleText: string, where: MaskWhere, seq: number): MaskResultMessage {
  let rules: unknown;
  try {
    rules = rulesText.trim() ? parse(rulesText) : [];
  } catch (err) {
    return { type: 'maskResult', seq, ok: false, errors: [`masking rules do not parse: ${(err as Error).message.split('\n')[0]}`] };
  }
  if (rules !== null && !Array.isArray(rules)) return { type: 'maskResult', seq, ok: false, errors: ['masking rules must be a list of rules'] };
  let sample: unknown = sampleText;
  let isJson = false;
  try {
    sample = JSON.parse(sampleText);
    isJson = true;
  } catch {
    // free text
  }
  const r = previewMasking((rules ?? []) as MaskingRules, isJson ? sample : sampleText, { where });
  if (!r.ok) return { type: 'maskResult', seq, ok: false, errors: r.errors.map((e) => `${e.path} ${e.message}`) };
  const rendering = isJson ? renderMaskedJson(sample, r.masked, r.spans) : renderMaskedText(sampleText, String(r.masked), r.spans);
  const counts = new Map<string, number>();
  for (const h of rendering.highlights) counts.set(`${h.rule}/${h.detector}`, (counts.get(`${h.rule}/${h.detector}`) ?? 0) + 1);
  const summary = rendering.highlights.length
    ? `${rendering.highlights.length} masked (${where}): ${[...counts].map(([k, n]) => `${k} ×${n}`).join(', ')}`
    : `nothing masked (${where})`;
  return { type: 'maskResult', seq, ok: true, maskedText: rendering.text, language: isJson ? 'json' : 'plaintext', highlights: rendering.highlights, summary };
}

/**
 * Which rule decides a sample request and why: the request is built like the gateway builds it
 * (endpoint from the path, model, stream, prompt and token cap from the body).
 */
export function computeDecision(policy: CompiledPolicy, input: DecisionRequest): DecisionView {
  let body: unknown;
  try {
    body = input.body.trim() ? JSON.parse(input.body) : undefined;
  } catch {
    body = undefined;
  }
  const request = describeRequest({ method: input.method.toUpperCase(), path: input.path, upstream: 'default', bodyBytes: Buffer.byteLength(input.body) }, describeBody(body));
  const d = evaluatePolicy(policy, { issuer: 'https://issuer.test', subject: input.subject, groups: input.groups }, request);
  return { action: d.action, rule: d.rule, reasons: d.reasons, masks: d.masks, explain: d.explain, endpoint: request.endpoint, model: request.model };
}
