// Which bundles need building: `node esbuild.config.mjs --if-stale` (what `npm start` runs) skips a
// bundle whose every input is older than its last build. After each build, esbuild's metafile lists
// the files that went in (sources and node_modules alike); they are kept in dist/.build/<name>.json
// with the time the build started, its entry points, its outputs and its mode.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const recordFile = (name) => path.join('dist', '.build', `${name}.json`);
const mtime = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
};

/** Files whose change makes every bundle stale: the build itself and the installed dependencies. */
const buildFiles = ['esbuild.config.mjs', 'scripts/stale-build.mjs', 'package-lock.json'];

/**
 * Why the bundle `name` must be built again, or undefined when it is up to date.
 * `options` is its esbuild options (entry points and mode are compared with the last build's).
 */
export function staleReason(name, options) {
  let last;
  try {
    last = JSON.parse(readFileSync(recordFile(name), 'utf8'));
  } catch {
    return 'not built yet';
  }
  if (JSON.stringify(last.entryPoints) !== JSON.stringify(options.entryPoints)) return 'its entry points changed';
  if (last.minify !== !!options.minify) return 'the other mode (--production) was built last';
  for (const file of last.outputs) if (mtime(file) === undefined) return `${file} is missing`;
  for (const file of [...buildFiles, ...last.inputs]) {
    const t = mtime(file);
    if (t === undefined) return `${file} was removed`;
    if (t > last.startedAt) return `${file} changed`;
  }
  return undefined;
}

/** Keeps what a finished build read and wrote (its metafile), for the next staleReason(). */
export function recordBuild(name, options, startedAt, metafile) {
  mkdirSync(path.dirname(recordFile(name)), { recursive: true });
  const record = {
    startedAt,
    entryPoints: options.entryPoints,
    minify: !!options.minify,
    inputs: Object.keys(metafile.inputs).filter((f) => !f.includes(':')), // not esbuild's virtual (ns:) inputs
    outputs: Object.keys(metafile.outputs),
  };
  writeFileSync(recordFile(name), JSON.stringify(record));
}
