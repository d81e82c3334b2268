import assert from 'node:assert/strict';
import { UsageReport, usageCsv, usageTable } from '../../../../gateway/core/usage/usage-report';
import type { AuditRecord } from '../../../../gateway/generated/audit-record';

describe('core/usage: usage report over the audit log', () => {
  const at = (iso: string) => Date.parse(iso);
  const arrival = (requestId: string, upstream: string) => ({ kind: 'arrival', requestId, upstream, time: '2026-03-01T10:00:00.000Z' }) as AuditRecord;
  const outcome = (requestId: string, subject: string, groups: string[], model: string, input: number, output: number, cost?: [number, string], time = '2026-03-01T10:00:01.000Z', source: 'reported' | 'estimated' = 'reported') => ({
    kind: 'outcome', requestId, time, model, principal: { issuer: 'i', subject, groups }, decision: { action: 'allow', rule: 'r1' },
    usage: { inputTokens: input, outputTokens: output, totalTokens: input + output, source },
    ...(cost ? { cost: { amount: cost[0], currency: cost[1] } } : {}),
  }) as AuditRecord;
  const records = [
    arrival('a', 'openai'), outcome('a', 'ci-bot', ['ml', 'ci'], 'gpt-4o', 1000, 200, [0.0045, 'USD']),
    arrival('b', 'anthropic'), outcome('b', 'ci-bot', ['ml', 'ci'], 'claude-sonnet-4-5', 500, 100, [0.003, 'USD']),
    arrival('c', 'openai'), outcome('c', 'alice', [], 'gpt-4o', 10, 5, undefined, undefined, 'estimated'),
    arrival('d', 'openai'), outcome('d', 'alice', [], 'gpt-4o', 99, 1, [1, 'USD'], '2026-02-01T00:00:00.000Z'),
    { kind: 'denied', requestId: 'e', time: '2026-03-01T10:00:02.000Z', principal: { issuer: 'i', subject: 'mallory' } } as AuditRecord,
  ];
  const report = (by: Parameters<typeof usageCsv>[1]) => {
    const r = new UsageReport(by, { from: at('2026-03-01T00:00:00Z'), to: at('2026-03-02T00:00:00Z') });
    for (const x of records) r.add(x);
    return r.rows();
  };

  it('per principal: only outcomes in the window, largest first; counted and unpriced records said', () => {
    const rows = report(['principal']);
    assert.deepEqual(rows.map((r) => [r.key, r.requests, r.inputTokens, r.outputTokens, r.totalTokens, r.counted, r.unpriced, r.cost]), [
      [['ci-bot'], 2, 1500, 300, 1800, 0, 0, { USD: 0.0075 }],
      [['alice'], 1, 10, 5, 15, 1, 1, {}],
    ]);
  });

  it('per upstream (from the arrival records) and model; per group, a record in each of its groups', () => {
    assert.deepEqual(report(['upstream', 'model']).map((r) => [r.key, r.totalTokens]), [[['openai', 'gpt-4o'], 1215], [['anthropic', 'claude-sonnet-4-5'], 600]]);
    assert.deepEqual(report(['group']).map((r) => [r.key, r.totalTokens]), [[['ci'], 1800], [['ml'], 1800], [['(none)'], 15]]);
  });

  it('CSV (RFC 4180) with a cost column per currency; a caller name that would run as a spreadsheet formula is defused', () => {
    const csv = usageCsv(report(['principal']), ['principal']);
    assert.equal(csv, [
      'principal,requests,inputTokens,cachedInputTokens,outputTokens,reasoningTokens,totalTokens,counted,unpriced,cost_USD',
      'ci-bot,2,1500,0,300,0,1800,0,0,0.0075',
      'alice,1,10,0,5,0,15,1,1,',
      '',
    ].join('\r\n'));
    const odd = usageCsv([{ ...report(['principal'])[0]!, key: ['=HYPERLINK("x"),a'] }], ['principal']);
    assert.match(odd, /\r\n"'=HYPERLINK\(""x""\),a",2,/);
  });

  it('table: aligned, with a total line (not for groups, whose rows overlap)', () => {
    const table = usageTable(report(['principal']), ['principal']);
    assert.equal(table, [
      'principal  requests  inputTokens  outputTokens  totalTokens  counted  unpriced  cost USD',
      'ci-bot            2         1500           300         1800        0         0    0.0075',
      'alice             1           10             5           15        1         1         -',
      'total             3         1510           305         1815        1         1    0.0075',
      '',
    ].join('\n'));
    assert.ok(!usageTable(report(['group']), ['group']).split('\n').some((l) => l.startsWith('total ')));
  });
});
