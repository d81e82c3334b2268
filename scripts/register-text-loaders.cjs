// Lets tsx-run code (mocha, benches) import *.yaml as text, as the esbuild bundle does
// (`loader: { '.yaml': 'text' }` in esbuild.config.mjs). Used as mocha's `require`.
const { readFileSync } = require('node:fs');
require.extensions['.yaml'] = (module, filename) => {
  module.exports = readFileSync(filename, 'utf8');
};
