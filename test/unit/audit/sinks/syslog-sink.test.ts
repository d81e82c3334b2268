import assert from 'node:assert/strict';
import { octetCounted, syslogMessage } from '../../../../gateway/audit/sinks/syslog-sink';
import type { AuditRecord } from '../../../../gateway/generated/audit-record';

describe('audit/sinks/syslog-sink', () => {
  const record = { id: 'a"b]c\\d', seq: 7, prev: '0', hash: '1', time: '2025-01-01T00:00:00.000Z', kind: 'denied', chain: 'gw-1' } as AuditRecord;
  const fmt = { facility: 16, appName: 'gatehouse', host: 'h1' };

  it('writes RFC 5424 with escaped structured data and a warning severity for denials', () => {
    const msg = syslogMessage(record, '{"x":1}', fmt);
    assert.equal(msg, `<132>1 2025-01-01T00:00:00.000Z h1 gatehouse ${process.pid} denied [gatehouse@32473 id="a\\"b\\]c\\\\d" seq="7" chain="gw-1" kind="denied"] {"x":1}`);
    assert.match(syslogMessage({ ...record, kind: 'arrival' }, '{}', fmt), /^<134>1 /);
  });

  it('frames by octet count (RFC 6587), counting bytes not characters', () => {
    assert.equal(octetCounted('é'), '2 é');
  });
});
