import { hash } from 'node:crypto';
import { canonicalJson } from '../../gateway/core/audit/canonical-json';

type Rec = Record<string, any>;

/**
 * The log line of record `r` (without `hash`) in its own line format, hashed, as someone who knows
 * the algorithm (but not the signing key) writes it (docs/audit-log-format.md): format 2 when
 * `r.v` is 2 (the record part as JSON.stringify writes it, in r's member order), format 1
 * otherwise (RFC 8785 canonical JSON). Written from the spec, not with the gateway's writer.
 *
 * @example
 * const { hash: _h, ...r } = JSON.parse(line); r.model = 'gpt-5';
 * sealLine(r) // a line whose own hash matches again
 */
export function sealLine(r: Rec): string {
  if ('hash' in r) throw new Error('sealLine takes the record without its hash');
  const text = r.v === 2 ? JSON.stringify(r) : canonicalJson(r);
  const h = hash('sha256', r.prev + text, 'hex');
  return `${text.slice(0, -1)},"hash":"${h}"}`;
}

/** The hash a line claims (its last member). */
export function hashOf(line: string): string {
  return (JSON.parse(line) as Rec).hash as string;
}
