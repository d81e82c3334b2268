import { formatDiagnostic, type Diagnostic } from '../core/diagnostics';

/** Thrown at start-up when the configured policy does not load; carries every diagnostic. */
export class PolicyLoadError extends Error {
  readonly code = 'ERR_POLICY_INVALID';
  constructor(readonly diagnostics: Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    super(`policy is invalid (${errors.length} error${errors.length === 1 ? '' : 's'}):\n${errors.map(formatDiagnostic).join('\n')}`);
    this.name = 'PolicyLoadError';
  }
}
