/**
 * The one message protocol between the masking/decision preview panel (extension host) and its
 * webview. Both sides import this file; the host computes, the webview renders. The webview
 * speaks first (`ready`), then the host sends `init`.
 */

export type MaskWhere = 'audit' | 'upstream' | 'client';
export const maskWheres: readonly MaskWhere[] = ['audit', 'upstream', 'client'];

/** A sample payload the user can pick: a workspace file, an audit record, or pasted text. */
export interface SampleOption {
  id: string;
  label: string;
  description?: string;
}

/** One masked span in the rendered result: offsets into `maskedText`. */
export interface MaskHighlight {
  start: number;
  end: number;
  rule: string;
  detector: string;
  /** JSON path of the value ($ for free text). */
  path: string;
}

export interface DecisionRequest {
  method: string;
  path: string;
  /** The request body as typed (JSON, or empty). */
  body: string;
  subject: string;
  groups: string[];
}

export interface DecisionView {
  action: string;
  rule: string;
  reasons: string[];
  masks: string[];
  explain: { rule: string; matched: boolean; reason: string }[];
  endpoint: string;
  model?: string;
}

/** Host → webview. */
export type HostMessage =
  | {
      type: 'init';
      policyFile: string;
      rulesText: string;
      /** JSON Schemas for the rules editor: the masking rules schema (fileMatch) and the policy schema it refers to. */
      schemas: { uri: string; schema: object; fileMatch?: string[] }[];
      samples: SampleOption[];
      sample: { id: string; label: string; text: string };
      where: MaskWhere;
      decisionRequest: DecisionRequest;
    }
  /** The policy changed in its text editor (or another policy became active). */
  | { type: 'rules'; policyFile: string; rulesText: string }
  | { type: 'samples'; samples: SampleOption[] }
  | { type: 'showTab'; tab: 'masking' | 'decision' }
  | { type: 'sample'; id: string; label: string; text: string }
  | { type: 'maskResult'; seq: number; ok: true; maskedText: string; language: 'json' | 'plaintext'; highlights: MaskHighlight[]; summary: string }
  | { type: 'maskResult'; seq: number; ok: false; errors: string[] }
  | { type: 'decisionResult'; ok: true; decision: DecisionView }
  | { type: 'decisionResult'; ok: false; error: string };

/** Webview → host. */
export type WebviewMessage =
  | { type: 'ready' }
  /** The masking rules were edited in the webview's editor (a scratch copy; the policy is untouched). */
  | { type: 'rulesEdited'; text: string }
  /** The sample was edited or pasted. */
  | { type: 'sampleEdited'; text: string }
  | { type: 'chooseSample'; id: string }
  | { type: 'setWhere'; where: MaskWhere }
  | { type: 'evaluateDecision'; request: DecisionRequest }
  /** Problems the webview cannot show itself (CSP violations, exceptions). */
  | { type: 'log'; level: 'info' | 'error'; message: string };

/** Sample ids with a meaning of their own. */
export const SAMPLE_PICK_AUDIT = 'audit:pick';
export const SAMPLE_PASTED = 'pasted';

const isString = (v: unknown): v is string => typeof v === 'string';

/**
 * Checks a message from the webview before the host acts on it (the webview is a separate,
 * less trusted context).
 *
 * @example
 * isWebviewMessage({ type: 'setWhere', where: 'upstream' }) // => true
 * isWebviewMessage({ type: 'setWhere', where: 'disk' })     // => false
 */
export function isWebviewMessage(m: unknown): m is WebviewMessage {
  if (typeof m !== 'object' || m === null) return false;
  const o = m as Record<string, unknown>;
  switch (o.type) {
    case 'ready':
      return true;
    case 'rulesEdited':
    case 'sampleEdited':
      return isString(o.text);
    case 'chooseSample':
      return isString(o.id);
    case 'setWhere':
      return maskWheres.includes(o.where as MaskWhere);
    case 'evaluateDecision': {
      const r = o.request as Record<string, unknown> | undefined;
      return !!r && isString(r.method) && isString(r.path) && isString(r.body) && isString(r.subject) && Array.isArray(r.groups) && r.groups.every(isString);
    }
    case 'log':
      return (o.level === 'info' || o.level === 'error') && isString(o.message);
    default:
      return false;
  }
}
