import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnServer } from './ports';

/** Where rsyslogd lives on Debian (package `rsyslog`; TLS needs `rsyslog-gnutls`). */
export const rsyslogd = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'].find((p) => existsSync(p)) ?? 'rsyslogd';

export interface Rsyslog {
  tcpPort: number;
  tlsPort?: number;
  /** PEM of the self-signed certificate the TLS input presents (CN/SAN localhost, 127.0.0.1). */
  caFile?: string;
  /** Messages received so far, one per line: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG` as rsyslog saw it. */
  messages(): string[];
  stop(): Promise<void>;
}

/**
 * Starts a real rsyslogd in the foreground on loopback: imtcp (octet-counted framing is on by
 * default) on a plain TCP port and, with `tls`, a second imtcp input using the gtls driver with a
 * self-signed certificate made here with the openssl CLI. Every message is written by omfile,
 * re-assembled as an RFC 5424 line from rsyslog's parsed properties (so the test checks what the
 * collector understood, not what was sent).
 */
export async function startRsyslog(options: { tls?: boolean } = {}): Promise<Rsyslog> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-rsyslog-'));
  const out = join(dir, 'messages.log');
  const tcpPort = await freePort();
  const tlsPort = options.tls ? await freePort() : undefined;
  let caFile: string | undefined;
  let tlsGlobals = '';
  let tlsInput = '';
  if (options.tls) {
    caFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', caFile,
      '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    tlsGlobals = ` defaultNetstreamDriverCAFile="${caFile}" defaultNetstreamDriverCertFile="${caFile}" defaultNetstreamDriverKeyFile="${keyFile}"`;
    tlsInput = `input(type="imtcp" address="127.0.0.1" port="${tlsPort}" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")\n`;
  }
  writeFileSync(join(dir, 'rsyslog.conf'), `global(workDirectory="${dir}" maxMessageSize="256k"${tlsGlobals})
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="${tcpPort}")
${tlsInput}template(name="rfc5424" type="string" string="<%PRI%>1 %TIMESTAMP:::date-rfc3339% %HOSTNAME% %APP-NAME% %PROCID% %MSGID% %STRUCTURED-DATA% %msg%\\n")
action(type="omfile" file="${out}" template="rfc5424" flushOnTXEnd="on" asyncWriting="off")
`);
  const { stop } = await spawnServer('rsyslogd', rsyslogd, ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslogd.pid')], dir, [tcpPort, tlsPort].filter((p): p is number => p !== undefined));
  return {
    tcpPort,
    tlsPort,
    caFile,
    messages: () => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean) : []),
    stop,
  };
}
