import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { evaluatePolicy, type CompiledPolicy, type CompilePolicyOptions } from '../core/policy';
import { formatDiagnostic, type Diagnostic } from '../core/diagnostics';
import type { Decision, InferenceRequest, Principal } from '../core/types';
import type { EventBus } from '../events';
import type { Policy as PolicyConfig } from '../generated/gatehouse.config';
import type { Logger } from '../log';
import type { PolicyService } from '../runtime';
import { AdmissionControl, type Release } from './admission-control';
import type { AddedWindows, Admitted, CounterStore } from '../state/counter-store';
import { defaultPolicyFile, defaultPolicyText } from './default-policy';
import { loadPolicy } from './load-policy';
import { policyFileSuffix } from './load-policy-files';
import { PolicyLoadError } from './policy-error';

export interface PolicyServiceDeps extends Pick<CompilePolicyOptions, 'compileMasking' | 'knownDetectors' | 'approverIssuers'> {
  configDir: string;
  log: Logger;
  events: EventBus;
  /** Quiet period after a file change before reloading (editors write in bursts). Default 150 ms. */
  debounceMs?: number;
  /** Where rate and concurrency counters live (default: this process). */
  counters?: CounterStore;
  /** Lease of a concurrency slot in a shared store (state.leaseSeconds). */
  leaseMs?: number;
  /** This instance: its reload events say whose policy changed (in a fleet, every admin client hears every instance's). */
  instance: { id: string; name: string };
}

const embeddedDefault = { file: defaultPolicyFile, text: defaultPolicyText };

type ReloadResult = Awaited<ReturnType<PolicyService['reload']>>;

interface Snapshot {
  policy: CompiledPolicy;
  files: string[];
}

/**
 * Loads and compiles the configured policy (throws PolicyLoadError with every diagnostic when it is
 * invalid), then serves decisions from one immutable snapshot. A reload (file change or `reload()`)
 * builds a new snapshot and swaps it only when valid; otherwise the running one keeps serving and
 * the failure is logged and emitted as `policy.reload_failed`. The next good reload after a failure
 * always emits `policy.reloaded`, which clears it.
 *
 * Wiring: `rt.policy = await createPolicyService(config.policy, { configDir, log, events, instance })`.
 */
export async function createPolicyService(cfg: PolicyConfig | undefined, deps: PolicyServiceDeps): Promise<PolicyService> {
  const options: CompilePolicyOptions = {
    maxPromptScanBytes: cfg?.maxPromptScanBytes,
    compileMasking: deps.compileMasking,
    knownDetectors: deps.knownDetectors,
    approverIssuers: deps.approverIssuers,
  };
  const loaded = await loadPolicy(cfg?.paths, deps.configDir, options, embeddedDefault);
  if (!loaded.policy) throw new PolicyLoadError(loaded.diagnostics);
  for (const d of loaded.diagnostics) deps.log.warn('policy warning', { diagnostic: formatDiagnostic(d) });
  if (loaded.embedded) deps.log.warn('no policy configured: the embedded default allows every authenticated caller');
  deps.log.info('policy loaded', { version: loaded.policy.version, files: loaded.files.length, rules: loaded.policy.rules.length });

  const service = new FilePolicyService({ policy: loaded.policy, files: loaded.files }, cfg, options, deps);
  if (cfg?.paths?.length && cfg.watch !== false) await service.watchFiles();
  return service;
}

class FilePolicyService implements PolicyService {
  private snapshot: Snapshot;
  private readonly admission: AdmissionControl;
  private readonly watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** The last reload failed: the next good one is announced even when the version is unchanged. */
  private failing = false;

  constructor(initial: Snapshot, private readonly cfg: PolicyConfig | undefined, private readonly options: CompilePolicyOptions, private readonly deps: PolicyServiceDeps) {
    this.snapshot = initial;
    this.admission = new AdmissionControl({ store: deps.counters, leaseMs: deps.leaseMs });
  }

  get version(): string {
    return this.snapshot.policy.version;
  }

  get compiled(): CompiledPolicy {
    return this.snapshot.policy;
  }

  get files(): readonly string[] {
    return this.snapshot.files;
  }

  decide(principal: Principal, request: InferenceRequest): Decision {
    return evaluatePolicy(this.snapshot.policy, principal, request, { explain: 'lazy' });
  }

  admit(principal: Principal, decision: Decision): Release | Promise<Release> {
    return this.admission.admit(principal, decision);
  }

  admitWith<T>(principal: Principal, decision: Decision, budgets: AddedWindows<T> | undefined): Admitted<T> | Promise<Admitted<T>> {
    return this.admission.admitWith(principal, decision, budgets);
  }

  reload(): Promise<ReloadResult> {
    return this.enqueue(() => this.load(true));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
    this.watchers.length = 0;
    await this.queue;
  }

  /** Watches the folders holding policy files (not the files: editors replace them by rename). */
  async watchFiles(): Promise<void> {
    const targets = new Map<string, (name: string) => boolean>();
    for (const p of this.cfg?.paths ?? []) {
      const abs = isAbsolute(p) ? p : resolve(this.deps.configDir, p);
      const isDir = await stat(abs).then((s) => s.isDirectory(), () => false);
      const dir = isDir ? abs : dirname(abs);
      const previous = targets.get(dir);
      const accept = isDir ? (n: string) => n.endsWith(policyFileSuffix) : (n: string) => n === basename(abs);
      targets.set(dir, previous ? (n) => previous(n) || accept(n) : accept);
    }
    for (const [dir, accept] of targets) {
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => {
          if (!name || accept(name.toString())) this.scheduleReload();
        });
        w.on('error', (err) => this.deps.log.warn('policy watch failed', { dir, error: err.message }));
        this.watchers.push(w);
      } catch (err) {
        this.deps.log.warn('policy watch failed', { dir, error: (err as Error).message });
      }
    }
  }

  private scheduleReload(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.enqueue(() => this.load(false)), this.deps.debounceMs ?? 150);
    this.timer.unref();
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const next = this.queue.then(job, job);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async load(requested: boolean): Promise<ReloadResult> {
    const { log, events } = this.deps;
    let loaded: Awaited<ReturnType<typeof loadPolicy>>;
    try {
      loaded = await loadPolicy(this.cfg?.paths, this.deps.configDir, this.options, embeddedDefault);
    } catch (err) {
      loaded = { files: [], embedded: false, diagnostics: [{ file: '', line: 1, column: 1, endLine: 1, endColumn: 1, path: '', message: (err as Error).message, severity: 'error' }] };
    }
    if (this.closed) return { ok: false, version: this.version, errors: [] };
    if (!loaded.policy) {
      const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
      log.error('policy reload failed; the running policy keeps serving', { version: this.version, errors: errors.length });
      for (const d of errors) log.error(formatDiagnostic(d));
      const payload = errors.map(toEventError);
      this.failing = true;
      events.emit('policy.reload_failed', { errors: payload, instance: this.deps.instance });
      return { ok: false, version: this.version, errors: payload };
    }
    const changed = loaded.policy.version !== this.version;
    this.snapshot = { policy: loaded.policy, files: loaded.files };
    for (const d of loaded.diagnostics) log.warn('policy warning', { diagnostic: formatDiagnostic(d) });
    // Restoring the running content after a failed save changes no version, but it ends the failure
    // that admin clients (the Gateway view) are showing: announce it.
    const recovered = this.failing;
    this.failing = false;
    if (changed || requested || recovered) {
      log.info('policy reloaded', { version: loaded.policy.version, rules: loaded.policy.rules.length });
      events.emit('policy.reloaded', { version: loaded.policy.version, files: loaded.files, instance: this.deps.instance });
    }
    return { ok: true, version: loaded.policy.version, errors: [] };
  }
}

function toEventError(d: Diagnostic) {
  return { file: d.file, line: d.line, column: d.column, path: d.path, message: d.message };
}
