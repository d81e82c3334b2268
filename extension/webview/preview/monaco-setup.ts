// Monaco + monaco-yaml inside a VS Code webview, offline. The recipe and its two version fixes are
// described in /work/shared/vscode-harness/sample-monaco/README.md:
//  - workers: the bundles are webview resources on another origin, so they are fetched and started
//    from blob: URLs (worker-src blob: in the CSP);
//  - monaco-yaml 5.5.1 calls createWebWorker({ moduleId, label, createData }), which the editor API of
//    monaco-editor >= 0.55 no longer accepts: the adapter below turns it into { worker }.
import * as monaco from 'monaco-editor/editor';
import 'monaco-editor/features/register.all';
import 'monaco-editor/languages/definitions/yaml/register';
import { configureMonacoYaml, type MonacoYamlOptions } from 'monaco-yaml';

export { monaco };

const workerScript: Record<string, string | undefined> = {
  editorWorkerService: document.body.dataset.editorWorker,
  yaml: document.body.dataset.yamlWorker,
};
const blobUrls = new Map<string, Promise<string>>();
function blobUrl(label: string): Promise<string> {
  let url = blobUrls.get(label);
  if (!url) {
    const src = workerScript[label];
    if (!src) throw new Error(`no worker bundle for label ${label}`);
    // Kept per label: monaco-yaml stops an idle worker and starts it again later.
    url = fetch(src)
      .then((r) => {
        if (!r.ok) throw new Error(`${src}: HTTP ${r.status}`);
        return r.text();
      })
      .then((text) => URL.createObjectURL(new Blob([text], { type: 'text/javascript' })));
    blobUrls.set(label, url);
  }
  return url;
}
Object.keys(workerScript).forEach(blobUrl);

const env = { getWorker: (_moduleId: string, label: string) => blobUrl(label).then((u) => new Worker(u, { name: label })) };
(self as unknown as { MonacoEnvironment: typeof env }).MonacoEnvironment = env;

type LegacyWorkerOptions = { moduleId: string; label: string; createData: unknown; host?: unknown; keepIdleModels?: boolean; worker?: unknown };
const createWebWorker = monaco.editor.createWebWorker as (opts: unknown) => unknown;
(monaco.editor as { createWebWorker: unknown }).createWebWorker = (opts: LegacyWorkerOptions) => {
  if (opts.worker) return createWebWorker(opts);
  const worker = env.getWorker(opts.moduleId, opts.label).then((w) => {
    w.postMessage('ignore'); // first message: lets the worker install its real handler
    w.postMessage(opts.createData); // second: the language service's createData
    return w;
  });
  return createWebWorker({ worker, host: opts.host, keepIdleModels: opts.keepIdleModels });
};

/** Registers the JSON Schemas monaco-yaml validates and completes with (no schema requests: offline). */
let yaml: ReturnType<typeof configureMonacoYaml> | undefined;
export function configureYaml(schemas: { uri: string; schema: object; fileMatch?: string[] }[]): void {
  const options: MonacoYamlOptions = {
    enableSchemaRequest: false,
    validate: true,
    completion: true,
    hover: true,
    schemas: schemas.map((s) => ({ uri: s.uri, schema: s.schema as never, fileMatch: s.fileMatch ?? [] })),
  };
  if (yaml) void yaml.update(options);
  else yaml = configureMonacoYaml(monaco, options);
}

export function editorTheme(): string {
  const body = document.body.classList;
  return body.contains('vscode-high-contrast') ? 'hc-black' : body.contains('vscode-light') ? 'vs' : 'vs-dark';
}
