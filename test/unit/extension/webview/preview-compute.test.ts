import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzePolicy } from '../../../../extension/policy/policy-analysis';
import { computeDecision, computeMaskPreview, maskingRulesText } from '../../../../extension/webview/preview-compute';

const team = readFileSync('examples/policies/team.policy.yaml', 'utf8');

describe('preview computations', () => {
  it('extracts spec.masking as its own YAML document', () => {
    assert.equal(maskingRulesText(team), '- name: agents-upstream-pii\n  match:\n    principal:\n      groups: [ agents ]\n  detectors: [ all ]\n  where: [ upstream ]\n');
    assert.equal(maskingRulesText('spec: {}\n'), '');
    assert.equal(maskingRulesText(': : :'), '');
  });

  it('masks a JSON sample for one copy and labels the spans', () => {
    const sample = JSON.stringify({ input: 'mail jane@example.com' });
    const upstream = computeMaskPreview(maskingRulesText(team), sample, 'upstream', 1);
    assert.ok(upstream.ok);
    assert.deepEqual(upstream.highlights.map((h) => [h.rule, h.detector, upstream.maskedText.slice(h.start, h.end)]), [['agents-upstream-pii', 'email', '[REDACTED:EMAIL]']]);
    assert.equal(upstream.summary, '1 masked (upstream): agents-upstream-pii/email ×1');
    const client = computeMaskPreview(maskingRulesText(team), sample, 'client', 2);
    assert.ok(client.ok);
    assert.deepEqual(client.highlights, []);
    assert.equal(client.summary, 'nothing masked (client)');
  });

  it('masks free text', () => {
    const r = computeMaskPreview('- name: p\n  detectors: [email]\n', 'mail a@b.io', 'upstream', 1);
    assert.ok(r.ok);
    assert.equal(r.language, 'plaintext');
    assert.equal(r.maskedText, 'mail [REDACTED:EMAIL]');
  });

  it('reports rules that do not parse or do not compile', () => {
    const broken = computeMaskPreview('- name: [', '{}', 'audit', 1);
    assert.equal(broken.ok, false);
    const notList = computeMaskPreview('name: x', '{}', 'audit', 1);
    assert.deepEqual(notList.ok ? [] : notList.errors, ['masking rules must be a list of rules']);
    const bad = computeMaskPreview('- name: x\n  custom: [{ name: c, pattern: "(a)\\\\1" }]\n  detectors: [c]\n', '{}', 'audit', 1);
    assert.equal(bad.ok, false);
  });

  it('explains which rule decides a sample request', () => {
    const policy = analyzePolicy(team, 'team.policy.yaml').policy!;
    const d = computeDecision(policy, { method: 'POST', path: '/v1/chat/completions', subject: 'agent-7', groups: ['agents'], body: '{"model":"o1-preview","messages":[{"role":"user","content":"hi"}]}' });
    assert.equal(d.action, 'require_approval');
    assert.equal(d.rule, 'restricted-models');
    assert.equal(d.endpoint, 'chat');
    assert.equal(d.model, 'o1-preview');
    assert.deepEqual(d.explain.map((s) => s.matched), [false, false, false, false, false, false, true]);
    assert.deepEqual(d.masks, ['agents-upstream-pii']);
    const denied = computeDecision(policy, { method: 'POST', path: '/v1/chat/completions', subject: 'x', groups: [], body: 'not json' });
    assert.equal(denied.rule, 'deny-everything-else');
  });
});
