// Lets tsx-run code (mocha, benches) import *.yaml and *.sql as text, as the esbuild bundle does
// (`loader: { '.yaml': 'text', '.sql': 'text' }` in esbuild.config.mjs). Used as mocha's `require`.
const { readFileSync } = require('node:fs');
for (const ext of ['.yaml', '.sql']) {
  require.extensions[ext] = (module, filename) => {
    module.exports = readFileSync(filename, 'utf8');
  };
}
