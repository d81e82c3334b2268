/* Generated from schemas/masking-rules.schema.json by scripts/gen-types.mjs. Do not edit; run npm run gen:types. */

/**
 * Masking rules of a policy (spec.masking). Placeholder: the masking work owns and replaces this file. Each rule has a name and an optional match (gatehouse.policy.schema.json#/$defs/match).
 */
export type MaskingRules = unknown[];
