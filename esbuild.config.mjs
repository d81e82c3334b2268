// Builds every bundle into dist/:
//   dist/gateway.js     the gateway CLI (node, cjs, with a shebang): `gatehouse serve|token|policy|audit|mask`
//   dist/extension.js   the VS Code extension (node, cjs, `vscode` external)
//   dist/webview/*.js   browser bundles for webviews (added as the extension grows)
//   dist/test/extension/index.js + *.test.js   the extension-host mocha suite (test/extension/suite/)
// Flags: --watch rebuilds on change; --production minifies and drops sourcemaps.
import * as esbuild from 'esbuild';
import { existsSync, readdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
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
  // The embedded default policy (gateway/policy/default.policy.yaml) is bundled as text.
  loader: { '.yaml': 'text' },
  banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
};

const builds = [
  {
    ...nodeCommon,
    entryPoints: { gateway: 'gateway/cli/main.ts' },
    outdir: 'dist',
    banner: { js: '#!/usr/bin/env node\n' + nodeCommon.banner.js },
  },
  {
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
    ...nodeCommon,
    entryPoints: readdirSync(extensionSuite).filter((f) => f.endsWith('.ts')).map((f) => `${extensionSuite}/${f}`),
    outdir: 'dist/test/extension',
    external: ['vscode', 'mocha'],
  });
}

// Webview bundles are listed here once they exist (browser, iife).
const webviewEntries = Object.fromEntries(
  [['webview/preview', 'extension/webview/preview/main.ts']].filter(([, src]) => existsSync(src)),
);
if (Object.keys(webviewEntries).length) {
  builds.push({ ...common, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: webviewEntries, outdir: 'dist' });
}

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
