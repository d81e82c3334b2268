import type { AuditSink } from '../../generated/gatehouse.config';
import { elasticsearchSink } from './elasticsearch-sink';
import { httpSink } from './http-sink';
import { readSecretRef } from './secret-ref';
import type { SinkTransport } from './sink-runner';
import { splunkHecSink } from './splunk-hec-sink';
import { syslogSink } from './syslog-sink';
import { isAbsolute, resolve } from 'node:path';

/** Builds the transport of a configured sink; secrets are read once, here, at start-up. */
export async function createSinkTransport(cfg: AuditSink, configDir: string): Promise<SinkTransport> {
  const token = cfg.token ? await readSecretRef(cfg.token, configDir) : undefined;
  const timeoutMs = cfg.timeoutMs ?? 10_000;
  switch (cfg.type) {
    case 'http':
      return httpSink({ url: cfg.url!, token, headers: cfg.headers, timeoutMs });
    case 'splunk-hec':
      if (!token) throw new Error(`audit sink ${cfg.name}: splunk-hec needs a token`);
      return splunkHecSink({ url: cfg.url!, token, index: cfg.index, sourcetype: cfg.sourcetype, headers: cfg.headers, timeoutMs });
    case 'elasticsearch':
      return elasticsearchSink({ url: cfg.url!, token, index: cfg.index, headers: cfg.headers, timeoutMs });
    case 'syslog': {
      const ca = cfg.tls?.ca ? (isAbsolute(cfg.tls.ca) ? cfg.tls.ca : resolve(configDir, cfg.tls.ca)) : undefined;
      return syslogSink({ host: cfg.host!, port: cfg.port, tls: cfg.tls ? { ...cfg.tls, ca } : undefined, appName: cfg.appName, facility: cfg.facility, timeoutMs });
    }
  }
}
