// Generates TypeScript types from schemas/*.schema.json into gateway/generated/.
// `--check` regenerates in memory and fails when the checked-in files differ (CI runs it).
import { compile } from 'json-schema-to-typescript';
import { readFileSync, writeFileSync, readdirSync, mkdirSync, existsSync } from 'node:fs';
import { join, basename } from 'node:path';

const check = process.argv.includes('--check');
const schemaDir = 'schemas';
const outDir = join('gateway', 'generated');
mkdirSync(outDir, { recursive: true });

let stale = [];
for (const file of readdirSync(schemaDir).filter((f) => f.endsWith('.schema.json')).sort()) {
  const schema = JSON.parse(readFileSync(join(schemaDir, file), 'utf8'));
  const ts = await compile(schema, schema.title ?? basename(file), {
    bannerComment: `/* Generated from schemas/${file} by scripts/gen-types.mjs. Do not edit; run npm run gen:types. */`,
    additionalProperties: false,
    cwd: schemaDir,
    style: { singleQuote: true, printWidth: 120 },
  });
  const out = join(outDir, file.replace('.schema.json', '.ts'));
  const current = existsSync(out) ? readFileSync(out, 'utf8') : '';
  if (current === ts) continue;
  if (check) stale.push(out);
  else writeFileSync(out, ts);
}
if (stale.length) {
  console.error(`generated types are stale: ${stale.join(', ')}\nrun: npm run gen:types`);
  process.exit(1);
}
