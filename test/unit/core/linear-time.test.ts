import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { compileDetector } from '../../../gateway/alerts/alert-detectors';
import { compileMaskingRules, maskJson, maskText } from '../../../gateway/core/masking';
import { evaluatePolicy, type CompiledPolicy } from '../../../gateway/core/policy';
import { compileUpstreams } from '../../../gateway/upstream/upstream-table';
import { chatRequest, compileSpec, principal } from '../../builders/policy';

/**
 * Issue 15 item 5: no caller input may freeze the event loop. Every place a glob or a regular
 * expression from the config or a policy meets caller text (policy subject, path, model and
 * content conditions, deny lists and the explain trace, alert model globs, upstream model
 * routing, masking custom detectors and field paths) runs here on 256 KB inputs built to make
 * a backtracking matcher explode. The bound is on event-loop delay (the stall a caller could
 * cause), sampled by perf_hooks.monitorEventLoopDelay: a linear pass takes tens of
 * milliseconds, the old matchers took from 6 s to hours on these inputs.
 */
const size = 256 * 1024;
const stallBoundMs = 1500;

const globs: [string, ...string[]] = ['*claude*opus*', '*-*-*-*x', `*${'a'.repeat(32)}b`, '?*?*?*?*?*y', '*a?a?a?z*y'];
const pathGlobs = globs.map((g) => `/v1/${g}`) as [string, ...string[]];
const regexes: [string, ...string[]] = ['\\d+x', '[a-z]+@[a-z]+\\.com', '(?:ab)*(?:ab)*z', '(a+)+z$', '.*a.*z', '(\\w+\\s?)*!'];

/** Inputs that defeat backtracking: long runs of what the patterns repeat, never completing a match. */
const inputs: Record<string, string> = {
  'claude-run': 'claude'.repeat(size / 6),
  'dash-run': '-'.repeat(size),
  'a-run': 'a'.repeat(size),
  'digit-run': '1'.repeat(size),
  'ab-run': 'ab'.repeat(size / 2),
  'words': 'word '.repeat(size / 5),
};

/** The longest stall of the event loop while `work` runs (ms). */
async function stallOf(work: () => unknown): Promise<number> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  await samplerTick();
  work();
  await samplerTick(); // the sampler's timer fires late by the stall, and records it
  h.disable();
  return h.max / 1e6;
}
const samplerTick = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('linear time: every glob and regex entry point on adversarial 256 KB inputs', function () {
  this.timeout(120_000);

  let policy: CompiledPolicy;
  before(() => (policy = compileSpec({
    denyEndpoints: [{ id: 'export', paths: pathGlobs }],
    denyContent: regexes.map((pattern, i) => ({ id: `deny-${i}`, pattern })),
    rules: [
      { id: 'subjects', match: { principal: { subject: globs } }, action: 'deny' },
      { id: 'models', match: { models: globs }, action: 'deny' },
      { id: 'paths', match: { paths: pathGlobs }, action: 'deny' },
      { id: 'attributes', match: { principal: { attributes: { repository: globs } } }, action: 'deny' },
      { id: 'content', match: { content: regexes }, action: 'deny' },
      { id: 'rest', action: 'allow' },
    ],
  }, { maxPromptScanBytes: 2 * size })));

  for (const [name, text] of Object.entries(inputs)) {
    it(`policy (deny lists, subject/path/model/attribute globs, content, explain trace) on ${name}`, async () => {
      let action = '';
      const stall = await stallOf(() => {
        const d = evaluatePolicy(
          policy,
          principal({ subject: text, attributes: { repository: text } }),
          chatRequest({ model: text, path: `/v1/${text}`, promptText: text }),
          { explain: 'eager' },
        );
        action = d.action;
      });
      assert.equal(action, 'allow', 'nothing matched, every condition was tried');
      assert.ok(stall < stallBoundMs, `event loop stalled ${stall.toFixed(0)} ms`);
    });

    it(`alerts (restricted_model globs) on ${name}`, async () => {
      const detector = compileDetector({ kind: 'restricted_model', id: 'opus', models: globs });
      let finding: unknown = 'unset';
      const stall = await stallOf(() => (finding = detector.request!({ principal: 'p', decision: 'allow', model: text }, Date.now())));
      assert.equal(finding, undefined);
      assert.ok(stall < stallBoundMs, `event loop stalled ${stall.toFixed(0)} ms`);
    });

    it(`upstream routing (model globs) on ${name}`, async () => {
      const table = compileUpstreams([{ name: 'u', url: 'http://127.0.0.1:9', models: globs }], process.cwd(), (u) => u.url!);
      try {
        let selected: unknown = 'unset';
        const stall = await stallOf(() => (selected = table.select('/v1/chat/completions', text)));
        assert.equal(selected, undefined);
        assert.ok(stall < stallBoundMs, `event loop stalled ${stall.toFixed(0)} ms`);
      } finally {
        table.close();
      }
    });

    it(`masking (custom detectors, JSON and text) on ${name}`, async () => {
      const masking = compileMaskingRules(
        [{ name: 'custom', custom: regexes.map((pattern, i) => ({ name: `c${i}`, pattern })), detectors: regexes.map((_, i) => `c${i}`) }],
        { hashKey: 'k', auditDetectors: [] },
      );
      let changed = true;
      const stall = await stallOf(() => {
        changed = maskJson({ messages: [{ role: 'user', content: text }] }, masking, { where: 'audit' }).changed || maskText(text, masking, { where: 'audit' }).value !== text;
      });
      assert.equal(changed, false);
      assert.ok(stall < stallBoundMs, `event loop stalled ${stall.toFixed(0)} ms`);
    });
  }

  it('masking field paths on a body nested 4,000 levels deep', async () => {
    const masking = compileMaskingRules([{ name: 'fields', fields: [{ path: '$..a..a..a..content' }] }], { hashKey: 'k', auditDetectors: [] });
    let text = '"secret"';
    for (let i = 0; i < 4000; i++) text = `{"a":${text}}`;
    const body: unknown = JSON.parse(text);
    let changed = true;
    const stall = await stallOf(() => (changed = maskJson(body, masking, { where: 'audit' }).changed));
    assert.equal(changed, false, 'no member named content');
    assert.ok(stall < stallBoundMs, `event loop stalled ${stall.toFixed(0)} ms`);
  });
});
