import { displayText } from './display-text';

/**
 * A problem found in a config or policy file, pinned to the exact YAML node.
 * Shared by the gateway (start-up and reload errors), the CLI (`policy validate`) and the
 * extension (editor diagnostics). Lines and columns are 1-based, like editors print them.
 *
 * @example
 * formatDiagnostic({ file: 'gatehouse.yaml', line: 3, column: 5, path: '/server/port', message: 'must be integer', severity: 'error' })
 * // => "gatehouse.yaml:3:5: error: /server/port must be integer"
 */
export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** JSON pointer of the offending value, e.g. /upstreams/0/url; '' for the document. */
  path: string;
  message: string;
  severity: 'error' | 'warning';
  /** Stable code for quick fixes, e.g. ERR_POLICY_DUPLICATE_RULE_ID. */
  code?: string;
}

export function formatDiagnostic(d: Pick<Diagnostic, 'file' | 'line' | 'column' | 'path' | 'message' | 'severity'>): string {
  const where = d.path ? `${d.path} ` : '';
  // Messages quote values from the file (ids, patterns): escaped, they cannot forge a line.
  return displayText(`${d.file}:${d.line}:${d.column}: ${d.severity}: ${where}${d.message}`);
}
