import { displayText } from '../../gateway/core/display-text';
import type { PendingApproval } from '../admin/admin-types';

/**
 * The one line an approver reads in the toast and the quick pick:
 * "ci-deployer wants POST /v1/fine_tuning/jobs on gpt-4o — rule fine-tune-needs-approval".
 * The principal, path and model come from the caller, so control and bidi characters are shown
 * as escapes: a caller must not be able to make "gpt-4o" read as another model, or add a line.
 */
export function describeApproval(a: PendingApproval): string {
  return displayText(`${a.principal} wants ${a.method} ${a.path}${a.model ? ` on ${a.model}` : ''} — rule ${a.rule}`);
}
