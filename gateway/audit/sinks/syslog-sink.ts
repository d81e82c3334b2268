import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { connect as tlsConnect } from 'node:tls';
import type { AuditRecord } from '../../generated/audit-record';
import type { SinkTransport } from './sink-runner';

/** Our structured-data id: private enterprise number 32473 is the one reserved for examples (RFC 5612). */
export const SD_ID = 'gatehouse@32473';

const warningKinds = new Set(['denied', 'auth_failed', 'alert', 'recovery', 'approval_timeout', 'error']);

/**
 * One RFC 5424 message for a record: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`, MSGID =
 * the record kind, structured data carrying the record id (de-duplication), seq and chain, and
 * the stored JSON line as the message.
 */
export function syslogMessage(record: AuditRecord, line: string, o: { facility: number; appName: string; host: string }): string {
  const severity = warningKinds.has(record.kind) ? 4 : 6;
  const sd = `[${SD_ID} id="${sdValue(record.id)}" seq="${record.seq}" chain="${sdValue(record.chain)}" kind="${sdValue(record.kind)}"]`;
  return `<${o.facility * 8 + severity}>1 ${record.time} ${o.host} ${o.appName} ${process.pid} ${msgId(record.kind)} ${sd} ${line}`;
}

/** RFC 6587 octet counting: `<length> <message>`. */
export function octetCounted(message: string): string {
  return `${Buffer.byteLength(message)} ${message}`;
}

/**
 * Batches written on a connection in the last few seconds (at most `resendMaxBytes`). TCP tells
 * us only that the kernel took the bytes: a connection that breaks may have lost the last of them
 * on the way or in the collector's buffers. They are sent again, first, on the next connection
 * (with the next batch): at least once, de-duplicated by record id like every sink.
 */
const resendWindowMs = 10_000;
const resendMaxBytes = 8 << 20;

/**
 * Syslog over TCP or TLS (RFC 5425) with octet-counted framing. A batch counts as delivered once
 * the socket accepted every byte; what was written in the last `resendWindowMs` before a
 * connection breaks is written again on the next one. A broken connection fails the batch in
 * flight; the next attempt reconnects and re-sends from the cursor. (A collector that crashes
 * later than that can still lose what it had buffered: use an HTTP sink where that matters.)
 */
export function syslogSink(o: { host: string; port?: number; tls?: { ca?: string; servername?: string }; appName?: string; facility?: number; timeoutMs: number }): SinkTransport {
  const port = o.port ?? (o.tls ? 6514 : 514);
  const ca = o.tls?.ca ? readFileSync(o.tls.ca) : undefined;
  const fmt = { facility: o.facility ?? 16, appName: o.appName ?? 'gatehouse', host: hostname().replace(/[^!-~]/g, '-').slice(0, 255) || '-' };
  let socket: Socket | undefined;
  let closing = false;
  /** Written on the current connection: [time, payload], oldest first. */
  let sent: [number, string][] = [];
  let sentBytes = 0;
  /** To write first on the next connection. */
  let resend: string[] = [];

  const keepSent = (now: number) => {
    while (sent.length && (now - sent[0][0] > resendWindowMs || sentBytes > resendMaxBytes)) sentBytes -= sent.shift()![1].length;
  };
  // The connection broke: what it may have lost goes out again on the next one.
  const carryOver = () => {
    keepSent(Date.now());
    for (const [, payload] of sent) resend.push(payload);
    sent = [];
    sentBytes = 0;
  };

  const open = (): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const s: Socket = o.tls
        ? tlsConnect({ host: o.host, port, ca, servername: o.tls.servername ?? o.host }, () => done())
        : netConnect({ host: o.host, port }, () => done());
      const timer = setTimeout(() => s.destroy(new Error(`syslog: no connection within ${o.timeoutMs} ms`)), o.timeoutMs);
      const done = () => {
        clearTimeout(timer);
        s.off('error', fail);
        s.on('error', () => undefined);
        s.on('close', () => {
          if (socket === s) socket = undefined;
          if (!closing) carryOver();
        });
        // Read (and drop) what the collector sends, so its FIN or RST is seen at once.
        s.resume();
        resolve(s);
      };
      const fail = (err: Error) => {
        clearTimeout(timer);
        reject(err);
      };
      s.once('error', fail);
      s.setKeepAlive(true);
    });

  return {
    async deliver(records, lines) {
      socket ??= await open();
      const s = socket;
      let payload = resend.join('');
      for (let i = 0; i < records.length; i++) payload += octetCounted(syslogMessage(records[i], lines[i], fmt));
      await new Promise<void>((resolve, reject) => {
        if (s.destroyed) return reject(new Error('syslog: connection closed'));
        s.write(payload, (err) => (err ? reject(err) : resolve()));
      }).catch((err: Error) => {
        s.destroy();
        if (socket === s) socket = undefined;
        carryOver();
        throw err;
      });
      resend = [];
      const now = Date.now();
      sent.push([now, payload]);
      sentBytes += payload.length;
      keepSent(now);
    },
    async close() {
      closing = true;
      socket?.end();
      socket?.destroy();
      socket = undefined;
    },
  };
}

function sdValue(v: string): string {
  return v.replace(/["\\\]]/g, (c) => '\\' + c);
}

function msgId(kind: string): string {
  return kind.replace(/[^!-~]/g, '_').slice(0, 32) || '-';
}
