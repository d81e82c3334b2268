// Builds every bundle into dist/:
//   dist/gateway.js     the gateway CLI (node, cjs, with a shebang): `gatehouse serve|token|policy|audit|mask`
//   dist/extension.js   the VS Code extension (node, cjs, `vscode` external)
//   dist/webview/       the preview webview: preview.js + preview.css + codicon font, editor/yaml workers
//   dist/test/extension/index.js + *.test.js   the extension-host mocha suite (test/extension/suite/)
// Flags: --watch rebuilds on change; --production minifies and drops sourcemaps; --if-stale builds
// only bundles with an input changed since their last build (scripts/stale-build.mjs). Names
// (gateway, extension, extension-tests, webview) build only those bundles: `--if-stale gateway`.
import * as esbuild from 'esbuild';
import { chmodSync, existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { recordBuild, staleReason } from './scripts/stale-build.mjs';

const watch = process.argv.includes('--watch');

// monaco-editor >= 0.56 maps "./*" to "./esm/vs/*.js", which breaks the deep import
// 'monaco-editor/esm/vs/editor/editor.worker.js' that monaco-yaml's worker makes (through
// monaco-worker-manager): point such paths at the real file.
const monacoDeepImports = {
  name: 'monaco-deep-imports',
  setup(build) {
    build.onResolve({ filter: /^monaco-editor\/esm\// }, async (args) => {
      const entry = await build.resolve('monaco-editor', { kind: 'import-statement', resolveDir: args.resolveDir });
      if (entry.errors.length) return { errors: entry.errors };
      const marker = `${path.sep}esm${path.sep}vs${path.sep}`;
      const root = entry.path.slice(0, entry.path.lastIndexOf(marker));
      const file = path.join(root, args.path.slice('monaco-editor/'.length));
      return { path: existsSync(file) ? file : `${file}.js` };
    });
  },
};
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'info',
  legalComments: 'none',
};

/** Node bundles. `import.meta.url` is shimmed because some ESM dependencies read it. */
const nodeCommon = {
  ...common,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  define: { 'import.meta.url': 'importMetaUrl' },
  // The embedded default policy (gateway/policy/default.policy.yaml) and the SQL migrations
  // (gateway/state/migrations/*.sql) are bundled as text.
  loader: { '.yaml': 'text', '.sql': 'text' },
  banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
};

// OpenTelemetry (telemetry.otlp) is its own file, dist/telemetry.js, that the gateway requires only
// when tracing is on: a gateway without it never reads or parses that code (~0.7 MB, ~0.1 s of start).
const telemetryApart = {
  name: 'telemetry-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\/otlp-tracing$/ }, (args) =>
      args.importer.endsWith(path.join('gateway', 'telemetry', 'tracing.ts')) ? { path: './telemetry.js', external: true } : undefined);
  },
};

const builds = [
  {
    name: 'gateway',
    ...nodeCommon,
    // dist/tokenizer.js: the usage estimate's tokenizer, loaded by the gateway on first use (gateway/usage/tokenizer.ts).
    entryPoints: { gateway: 'gateway/cli/main.ts', tokenizer: 'gateway/usage/tokenizer-entry.ts', telemetry: 'gateway/telemetry/otlp-tracing.ts' },
    outdir: 'dist',
    define: { ...nodeCommon.define, GATEHOUSE_TOKENIZER_BUNDLE: '"tokenizer.js"' },
    banner: { js: '#!/usr/bin/env node\n' + nodeCommon.banner.js },
    // The `gatehouse` bin: `npx gatehouse` in this folder runs the file itself, so it must be executable.
    plugins: [telemetryApart, { name: 'executable', setup: (b) => b.onEnd((r) => { if (r.errors.length === 0) chmodSync('dist/gateway.js', 0o755); }) }],
  },
  {
    name: 'extension',
    ...nodeCommon,
    entryPoints: { extension: 'extension/extension.ts' },
    outdir: 'dist',
    external: ['vscode'],
  },
];

// The extension-host suite: index.js (run()) plus one bundle per test file, which index.js adds to mocha.
const extensionSuite = 'test/extension/suite';
if (existsSync(extensionSuite) && !production) {
  builds.push({
    name: 'extension-tests',
    ...nodeCommon,
    entryPoints: readdirSync(extensionSuite).filter((f) => f.endsWith('.ts')).map((f) => `${extensionSuite}/${f}`),
    outdir: 'dist/test/extension',
    external: ['vscode', 'mocha'],
  });
}

// Webview bundles (browser, iife): the preview panel's script + CSS (Monaco's included, codicon font
// as a file next to it) and the two workers it starts from blob: URLs. See extension/webview/.
const webviewDir = 'extension/webview/preview';
if (existsSync(`${webviewDir}/main.ts`)) {
  builds.push({
    name: 'webview',
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    entryPoints: {
      preview: `${webviewDir}/main.ts`,
      'editor.worker': `${webviewDir}/editor.worker.ts`,
      'yaml.worker': `${webviewDir}/yaml.worker.ts`,
    },
    outdir: 'dist/webview',
    loader: { '.ttf': 'file' },
    assetNames: '[name]-[hash]',
    plugins: [monacoDeepImports],
  });
}

// A production build (the VSIX) must not carry a development build's source maps.
if (production && existsSync('dist')) for (const f of readdirSync('dist', { recursive: true }).map(String)) if (f.endsWith('.map')) rmSync(path.join('dist', f));

const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const unknown = only.filter((n) => !builds.some((b) => b.name === n));
if (unknown.length) throw new Error(`unknown bundle ${unknown.join(', ')}: one of ${builds.map((b) => b.name).join(', ')}`);
const selected = builds.filter((b) => !only.length || only.includes(b.name));
const optionsOf = ({ name, ...options }) => options;

if (watch) {
  const contexts = await Promise.all(selected.map((b) => esbuild.context(optionsOf(b))));
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  const ifStale = process.argv.includes('--if-stale');
  await Promise.all(selected.map(async (b) => {
    const options = optionsOf(b);
    const reason = ifStale ? staleReason(b.name, options) : 'asked to build';
    if (!reason) return console.error(`${b.name}: up to date`);
    if (ifStale) console.error(`${b.name}: building (${reason})`);
    const startedAt = Date.now();
    // --if-stale (npm start, prepack) prints one line per bundle, not esbuild's size table.
    const result = await esbuild.build({ ...options, metafile: true, ...(ifStale ? { logLevel: 'warning' } : {}) });
    recordBuild(b.name, options, startedAt, result.metafile);
    if (ifStale) console.error(`${b.name}: built in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  }));
}
