import assert from 'node:assert/strict';
import { createAlertEvaluator, type AlertEvaluator } from '../../../gateway/alerts/alert-evaluator';
import { createAlertFiring, type AlertFiring } from '../../../gateway/alerts/alert-firing';
import { EventBus, type GatewayEvents } from '../../../gateway/events';
import type { Rule } from '../../../gateway/generated/alert-rules';
import { silentLogger } from '../../../gateway/log';
import { RecordingAudit } from '../../builders/recording-audit';
import { collectEvents } from '../../builders/wait-for';

describe('alerts/alert-evaluator', () => {
  let events: EventBus;
  let audit: RecordingAudit;
  let clock: number;
  let rules: Rule[];
  let evaluator: AlertEvaluator;
  let firing: AlertFiring;
  let fired: ReturnType<typeof collectEvents<'alert.fired'>>;
  let seq: number;

  function start(r: Rule[], opts: { requestKinds?: string[] } = {}) {
    rules = r;
    firing = createAlertFiring({ events, audit, log: silentLogger, now: () => clock });
    evaluator = createAlertEvaluator({ events, log: silentLogger, firing, getRules: () => rules, now: () => clock, ...opts });
  }
  function request(principal: string, decision: string, model?: string, over: Partial<GatewayEvents['audit.appended']> = {}) {
    seq++;
    const kind = decision === 'deny' ? 'denied' : 'arrival';
    events.emit('audit.appended', { id: `rec_${seq}`, seq, kind, principal, decision, ...(model ? { model } : {}), ...over });
  }
  const alerts = () => fired.list.map((e) => e.payload);

  beforeEach(() => {
    events = new EventBus();
    audit = new RecordingAudit();
    clock = Date.parse('2025-03-01T10:00:00Z');
    seq = 0;
    fired = collectEvents(events, ['alert.fired']);
  });
  afterEach(() => {
    evaluator.close();
    firing.close();
    fired.stop();
  });

  it('fires once for a burst of denials of one principal, then again after the cooldown', () => {
    start([{ id: 'denial-burst', kind: 'denial_burst', threshold: 5, windowSeconds: 60, cooldownSeconds: 300, severity: 'high' }]);
    for (let i = 0; i < 4; i++) request('ci-deployer', 'deny');
    request('other', 'deny');
    request('ci-deployer', 'allow');
    assert.equal(alerts().length, 0);
    request('ci-deployer', 'deny');
    assert.equal(alerts().length, 1);
    const [a] = alerts();
    assert.equal(a.rule, 'denial-burst');
    assert.equal(a.severity, 'high');
    assert.equal(a.principal, 'ci-deployer');
    assert.match(a.message, /ci-deployer was denied 5 times within 60 s/);
    assert.match(a.id, /^alr_/);
    for (let i = 0; i < 20; i++) request('ci-deployer', 'deny');
    assert.equal(alerts().length, 1, 'one incident, one alert');
    clock += 301_000;
    for (let i = 0; i < 5; i++) request('ci-deployer', 'deny');
    assert.equal(alerts().length, 2);
    assert.deepEqual(audit.kinds(), ['alert', 'alert']);
    assert.equal(audit.records[0].fields.alertId, a.id);
  });

  it('does not count denials spread wider than the window', () => {
    start([{ id: 'burst', kind: 'denial_burst', threshold: 3, windowSeconds: 10 }]);
    for (let i = 0; i < 6; i++) {
      request('slow', 'deny');
      clock += 6000;
    }
    assert.equal(alerts().length, 0);
    request('slow', 'deny');
    request('slow', 'deny');
    assert.equal(alerts().length, 1);
  });

  it('fires on attempts at restricted models, by glob and decision', () => {
    start([{ id: 'restricted', kind: 'restricted_model', models: ['gpt-4o*', 'o1-?'], decisions: ['deny', 'require_approval'], severity: 'critical' }]);
    const table: [string, string, string, boolean][] = [
      ['alice', 'allow', 'gpt-4o', false], // decision not watched
      ['alice', 'deny', 'gpt-3.5-turbo', false], // model not restricted
      ['alice', 'deny', 'o1-mini', false], // ? is one character
      ['alice', 'deny', 'gpt-4o-mini', true],
      ['alice', 'require_approval', 'o1-x', false], // same principal: cooldown
      ['bob', 'require_approval', 'o1-x', true],
    ];
    for (const [who, decision, model, fires] of table) {
      const before = alerts().length;
      request(who, decision, model);
      assert.equal(alerts().length - before, fires ? 1 : 0, `${who} ${decision} ${model}`);
    }
    assert.match(alerts()[0].message, /alice attempted restricted model gpt-4o-mini \(decision deny\)/);
  });

  it('fires when a principal passes a static volume threshold', () => {
    start([{ id: 'volume', kind: 'request_volume', threshold: 10, windowSeconds: 60 }]);
    for (let i = 0; i < 10; i++) request('batch-job', 'allow');
    assert.equal(alerts().length, 0);
    request('batch-job', 'allow');
    assert.equal(alerts().length, 1);
    assert.match(alerts()[0].message, /more than 10 requests within 60 s/);
  });

  it('fires when a principal goes well above its own baseline, not before warm-up', () => {
    start([{ id: 'surge', kind: 'request_volume', factor: 5, windowSeconds: 60, warmupWindows: 3, minRequests: 20, baselineHalfLifeWindows: 2, cooldownSeconds: 0 }]);
    const windowStart = Math.ceil(clock / 60_000) * 60_000;
    clock = windowStart;
    // Before warm-up, even a big window is no incident.
    for (let i = 0; i < 100; i++) request('svc', 'allow');
    assert.equal(alerts().length, 0);
    // Settle to a baseline of ~10 per window.
    for (let w = 1; w <= 20; w++) {
      clock = windowStart + w * 60_000;
      for (let i = 0; i < 10; i++) request('svc', 'allow');
    }
    assert.equal(alerts().length, 0);
    clock += 60_000;
    for (let i = 0; i < 45; i++) request('svc', 'allow');
    assert.equal(alerts().length, 0, '45 is under 5× the baseline');
    clock += 60_000;
    // The 45 raised the baseline to about 20: 100 is still under 5×, 150 is not.
    for (let i = 0; i < 100; i++) request('svc', 'allow');
    assert.equal(alerts().length, 0);
    for (let i = 0; i < 50; i++) request('svc', 'allow');
    assert.ok(alerts().length >= 1, 'a surge well above 5× the baseline fires');
    assert.match(alerts()[0].message, /svc made \d+ requests within 60 s, over 5× its baseline of/);
  });

  it('fires on approval timeouts of a principal', () => {
    start([{ id: 'approval-timeouts', kind: 'approval_timeout', threshold: 2, windowSeconds: 600 }]);
    const ask = (id: string, state: 'timeout' | 'approved') => {
      events.emit('approval.requested', { id, principal: 'ci-deployer', method: 'POST', path: '/v1/fine_tuning/jobs', rule: 'r', expiresAt: '' });
      events.emit('approval.resolved', { id, state });
    };
    ask('apr_1', 'timeout');
    ask('apr_2', 'approved');
    assert.equal(alerts().length, 0);
    ask('apr_3', 'timeout');
    assert.equal(alerts().length, 1);
    assert.equal(alerts()[0].principal, 'ci-deployer');
  });

  it('fires on audit and sink failures, once per sink per cooldown', () => {
    start([
      { id: 'audit-down', kind: 'audit_failure', severity: 'critical' },
      { id: 'siem-down', kind: 'sink_failure', sinks: ['splunk', 'syslog'] },
    ]);
    events.emit('audit.failed', { message: 'ENOSPC' });
    events.emit('audit.failed', { message: 'ENOSPC' });
    events.emit('sink.failed', { sink: 'splunk', message: 'HTTP 503' });
    events.emit('sink.failed', { sink: 'splunk', message: 'HTTP 503' });
    events.emit('sink.failed', { sink: 'syslog', message: 'ECONNREFUSED' });
    events.emit('sink.failed', { sink: 'file', message: 'EACCES' });
    assert.deepEqual(
      alerts().map((a) => [a.rule, a.message]),
      [
        ['audit-down', 'the audit log failed to write: ENOSPC'],
        ['siem-down', 'audit sink splunk failed: HTTP 503'],
        ['siem-down', 'audit sink syslog failed: ECONNREFUSED'],
      ],
    );
  });

  it('counts each request once: its arrival or its refusal, not its outcome or notes', () => {
    start([{ id: 'r', kind: 'request_volume', threshold: 2 }]);
    for (let i = 0; i < 3; i++) request('p', 'allow', undefined, { kind: 'outcome' });
    events.emit('audit.appended', { id: 'alert_1', seq: 9, kind: 'alert' });
    events.emit('audit.appended', { id: 'n_1', seq: 10, kind: 'approval_requested', principal: 'p' });
    assert.equal(alerts().length, 0);
    request('p', 'allow'); // arrival
    request('p', 'deny'); // denied
    request('p', 'deny', undefined, { kind: 'error' });
    assert.equal(alerts().length, 1);
    evaluator.close();
    start([{ id: 'r', kind: 'request_volume', threshold: 2 }], { requestKinds: ['outcome'] });
    for (let i = 0; i < 3; i++) request('q', 'allow');
    assert.equal(alerts().length, 1);
    for (let i = 0; i < 3; i++) request('q', 'allow', undefined, { kind: 'outcome' });
    assert.equal(alerts().length, 2);
  });

  it('keeps a rule’s state across a policy reload that does not change it, and drops removed rules', () => {
    start([{ id: 'burst', kind: 'denial_burst', threshold: 2 }]);
    request('p', 'deny');
    rules = [{ id: 'burst', kind: 'denial_burst', threshold: 2 }]; // reloaded, same definition
    request('p', 'deny');
    assert.equal(alerts().length, 1);
    rules = [];
    for (let i = 0; i < 5; i++) request('q', 'deny');
    assert.equal(alerts().length, 1);
  });
});
