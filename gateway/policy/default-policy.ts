import text from './default.policy.yaml';

/** Name shown in diagnostics and events for the embedded default policy. */
export const defaultPolicyFile = '<embedded default.policy.yaml>';
export const defaultPolicyText: string = text;
