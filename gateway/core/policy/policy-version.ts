import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Spec } from '../../generated/gatehouse.policy';

/**
 * The policy's version: SHA-256 of the RFC 8785 canonical JSON of its spec (of the list of specs
 * when several files are combined). Formatting, comments, metadata and tests do not change it.
 * Uses node:crypto: the gateway, the CLI and the extension host all run in Node.
 *
 * @example
 * policyVersion([{ defaultAction: 'deny' }]) // => 'sha256:6c5f…' (64 hex digits)
 */
export function policyVersion(specs: Spec[]): string {
  const canonical = canonicalize(specs.length === 1 ? specs[0] : specs) ?? '';
  return 'sha256:' + createHash('sha256').update(canonical).digest('hex');
}
