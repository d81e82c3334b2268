import assert from 'node:assert/strict';
import { createAlertFiring, type AlertFiring } from '../../../gateway/alerts/alert-firing';
import { EventBus } from '../../../gateway/events';
import { silentLogger } from '../../../gateway/log';
import { RecordingAudit } from '../../builders/recording-audit';
import { collectEvents } from '../../builders/wait-for';

/** The one way an alert fires (alert rules, budgets): once per key and period, here and in the fleet. */
describe('alerts/alert-firing', () => {
  let events: EventBus;
  let audit: RecordingAudit;
  let firing: AlertFiring | undefined;
  const clock = Date.parse('2026-03-01T10:30:00.000Z');
  const window = { key: 'budget:r\u0000tokens.total\u0000rule\u00000.8', fromMs: Date.parse('2026-03-01T10:00:00.000Z'), untilMs: Date.parse('2026-03-01T11:00:00.000Z') };
  const alert = { rule: 'r', severity: 'medium', message: 'token budget of rule r at 80 %', details: { budget: { fraction: 0.8 } } };
  const tick = () => new Promise((r) => setImmediate(r));

  beforeEach(() => {
    events = new EventBus();
    audit = new RecordingAudit();
  });
  afterEach(() => firing?.close());

  it('fires as an event and an alert record, once per key in a period; a later period fires again', async () => {
    firing = createAlertFiring({ events, audit, log: silentLogger, now: () => clock });
    const fired = collectEvents(events, ['alert.fired']);
    firing.fire(alert, window);
    firing.fire(alert, window);
    firing.fire(alert, { ...window, key: 'another' });
    assert.equal(fired.list.length, 2);
    assert.deepEqual([fired.list[0]!.payload.rule, fired.list[0]!.payload.at], ['r', '2026-03-01T10:30:00.000Z']);
    firing.fire(alert, { ...window, fromMs: window.untilMs, untilMs: window.untilMs + 3_600_000 });
    assert.equal(fired.list.length, 3, 'the next window');
    await tick();
    assert.deepEqual(audit.records.map((r) => [r.kind, r.fields.alertId, (r.fields.budget as { fraction: number }).fraction]), fired.list.map((e) => ['alert', e.payload.id, 0.8]));
  });

  it('in a fleet, only the instance whose claim wins announces; a claim that fails fires here rather than not at all', async () => {
    const claims: [string, number, number][] = [];
    let answer: () => Promise<boolean> = async () => false;
    firing = createAlertFiring({ events, audit, log: silentLogger, now: () => clock, claim: (key, atMs, untilMs) => (claims.push([key, atMs, untilMs]), answer()) });
    const fired = collectEvents(events, ['alert.fired']);
    firing.fire(alert, window);
    await tick();
    assert.equal(fired.list.length, 0, 'another instance claimed it');
    assert.deepEqual(claims, [[window.key, window.fromMs, window.untilMs]]);
    firing.fire(alert, window);
    assert.equal(claims.length, 1, 'quiet here too for the rest of the period, without asking again');
    answer = async () => Promise.reject(new Error('connection refused'));
    firing.fire(alert, { ...window, key: 'k2' });
    await tick();
    assert.equal(fired.list.length, 1);
  });
});
