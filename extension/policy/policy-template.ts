/** The starting point of "Gatehouse: New Policy File": one rule of each kind, masking, and tests. */
export const NEW_POLICY_TEMPLATE = `# A Gatehouse policy. Deny lists are checked first, then rules top to bottom:
# the first rule that matches decides. Run the tests with the CodeLens above tests:.
apiVersion: gatehouse.dev/v1
kind: Policy
metadata:
  name: \${name}
  description: What this policy allows, holds and refuses.

spec:
  denyContent:
    - id: system-prompt-extraction
      pattern: (reveal|print|repeat) (your|the) (system|hidden) (prompt|instructions)

  rules:
    - id: ci-small-models
      description: CI may chat with small models
      match:
        principal:
          groups: [ci]
        endpoints: [chat]
        models: [gpt-4o-mini*]
      action: allow
      limits:
        maxTokens: 1024

    - id: fine-tuning-needs-approval
      match:
        endpoints: [fine-tuning]
        methods: [POST]
      action: require_approval
      approval:
        approvers: { groups: [ml-leads] }
        timeout: 10m

    - id: deny-everything-else
      action: deny

  masking:
    - name: pii-everywhere
      detectors: [email, phone, card, iban, ssn]
      where: [audit, upstream]

tests:
  - name: CI may chat with a small model
    principal: { subject: ci-bot, groups: [ci] }
    request: { endpoint: chat, model: gpt-4o-mini }
    expect: { action: allow, rule: ci-small-models }

  - name: fine-tuning waits for an ML lead
    principal: { subject: ci-bot, groups: [ci] }
    request: { endpoint: fine-tuning, model: gpt-4o-mini }
    expect: { action: require_approval, rule: fine-tuning-needs-approval }
`;

/** The template with its metadata.name filled in (a file name without `.policy.yaml`). */
export function policyTemplate(name: string): string {
  const safe = name.replace(/\.policy\.ya?ml$/i, '').replace(/[^A-Za-z0-9_.-]+/g, '-') || 'new-policy';
  return NEW_POLICY_TEMPLATE.replace('${name}', safe);
}
