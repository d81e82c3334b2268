/* Generated from schemas/alert-rules.schema.json by scripts/gen-types.mjs. Do not edit; run npm run gen:types. */

/**
 * Alert rules of a policy (spec.alerts). Placeholder: the approvals/alerts work owns and replaces this file.
 */
export type AlertRules = unknown[];
