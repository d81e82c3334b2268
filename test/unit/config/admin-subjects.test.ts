import assert from 'node:assert/strict';
import { ConfigError, parseConfigText } from '../../../gateway/config/load-config';
import { compilePolicy } from '../../../gateway/core/policy';
import { parseYamlDocument } from '../../../gateway/core/yaml-document';

/**
 * Issue 15 item 6: a listed subject names the issuer that must have issued it whenever approver
 * tokens come from more than one issuer (the development issuer counts when on); a bare entry
 * is refused at load, with its file:line:col.
 */
describe('admin and approver subjects: the issuer is named when several are trusted', () => {
  const config = (approverIdentity: string, subjects: string) => [
    'approvals:',
    `  approverIdentity: ${approverIdentity}`,
    'server:',
    '  admins:',
    `    subjects: ${subjects}`,
    '',
  ].join('\n');
  const twoIssuers = '{ devIssuer: { enabled: true, audience: gatehouse-admin }, issuers: [{ issuer: "https://staff.idp.test", audience: gatehouse-admin, maxTokenLifetimeSeconds: 600 }] }';
  const oneIssuer = '{ devIssuer: { enabled: false }, issuers: [{ issuer: "https://staff.idp.test", audience: gatehouse-admin, maxTokenLifetimeSeconds: 600 }] }';

  it('refuses a bare server.admins subject when the development issuer and another are trusted, at its line and column', () => {
    const err = (() => {
      try {
        parseConfigText(config(twoIssuers, '[{ issuer: "https://staff.idp.test", subject: sec-lead }, sec-lead]'), 'gatehouse.yaml');
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.diagnostics.length, 1);
    const d = err.diagnostics[0]!;
    assert.deepEqual([d.file, d.line, d.column, d.path, d.code], ['gatehouse.yaml', 5, 73, '/server/admins/subjects/1', 'ERR_CONFIG_SUBJECT_ISSUER']);
    assert.match(err.message, /^gatehouse\.yaml:5:73: error: \/server\/admins\/subjects\/1 a subject without an issuer, while approvals\.approverIdentity trusts 2 issuers/);
  });

  it('accepts subjects with their issuer, and bare subjects while one issuer is trusted', () => {
    assert.doesNotThrow(() => parseConfigText(config(twoIssuers, '[{ issuer: "https://staff.idp.test", subject: sec-lead }, { issuer: "urn:gatehouse:dev", subject: sec-lead }]'), 'gatehouse.yaml'));
    assert.doesNotThrow(() => parseConfigText(config(oneIssuer, '[sec-lead]'), 'gatehouse.yaml'));
    assert.doesNotThrow(() => parseConfigText(config('{ devIssuer: { enabled: true, audience: gatehouse-admin } }', '[sec-lead]'), 'gatehouse.yaml'));
  });

  const policy = (subjects: string) => parseYamlDocument([
    'apiVersion: gatehouse.dev/v1',
    'kind: Policy',
    'metadata: { name: p }',
    'spec:',
    '  rules:',
    '    - id: fine-tune',
    '      match: { endpoints: [fine-tuning] }',
    '      action: require_approval',
    `      approval: { approvers: { subjects: ${subjects} } }`,
    '',
  ].join('\n'), 'team.policy.yaml');

  it('refuses a bare approver subject in a policy when approver tokens come from two issuers, at its line and column', () => {
    const { policy: compiled, diagnostics } = compilePolicy(policy('[{ issuer: "https://staff.idp.test", subject: ml-lead }, ml-lead]'), { approverIssuers: 2 });
    assert.equal(compiled, undefined);
    assert.deepEqual(diagnostics.map((d) => [d.line, d.column, d.path, d.code]), [[9, 99, '/spec/rules/0/approval/approvers/subjects/1', 'ERR_POLICY_SUBJECT_ISSUER']]);
  });

  it('accepts the same policy with one approver issuer, and issuer-qualified subjects with two', () => {
    assert.ok(compilePolicy(policy('[ml-lead]'), { approverIssuers: 1 }).policy);
    assert.ok(compilePolicy(policy('[{ issuer: "https://staff.idp.test", subject: ml-lead }]'), { approverIssuers: 2 }).policy);
  });
});
