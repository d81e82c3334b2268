// Generates TypeScript types into gateway/generated/: one file per schemas/*.schema.json, and
// admin-api.ts from the component schemas of schemas/admin-api.openapi.yaml (the admin API and
// event contract that the gateway and the extension both import, via gateway/core/admin-api.ts).
// `--check` regenerates in memory and fails when the checked-in files differ (CI runs it).
import { compile } from 'json-schema-to-typescript';
import { readFileSync, writeFileSync, readdirSync, mkdirSync, existsSync } from 'node:fs';
import { join, basename } from 'node:path';
import { parse } from 'yaml';

const check = process.argv.includes('--check');
const schemaDir = 'schemas';
const outDir = join('gateway', 'generated');
mkdirSync(outDir, { recursive: true });
const style = { singleQuote: true, printWidth: 120 };

const stale = [];
function emit(out, ts) {
  const current = existsSync(out) ? readFileSync(out, 'utf8') : '';
  if (current === ts) return;
  if (check) stale.push(out);
  else writeFileSync(out, ts);
}

for (const file of readdirSync(schemaDir).filter((f) => f.endsWith('.schema.json')).sort()) {
  const schema = JSON.parse(readFileSync(join(schemaDir, file), 'utf8'));
  const ts = await compile(schema, schema.title ?? basename(file), {
    bannerComment: `/* Generated from schemas/${file} by scripts/gen-types.mjs. Do not edit; run npm run gen:types. */`,
    additionalProperties: false,
    cwd: schemaDir,
    style,
  });
  emit(join(outDir, file.replace('.schema.json', '.ts')), ts);
}

// The OpenAPI component schemas are JSON Schema. For TypeScript: a $ref to another component is a
// reference to its type (siblings such as a description would make a second copy of the type);
// a $ref into the other schema files is an import of the type generated above; a schema that
// constrains nothing (`masked: {}`, a sample body) is `unknown`, not an object.
const openapiFile = 'admin-api.openapi.yaml';
const external = { 'audit-record.schema.json': ['AuditRecord', './audit-record'], 'masking-rules.schema.json': ['MaskingRules', './masking-rules'] };
const typing = ['type', 'enum', 'const', 'properties', 'items', 'allOf', 'anyOf', 'oneOf', 'additionalProperties'];
const used = new Set();
function forTypes(schema) {
  if (typeof schema.$ref === 'string') {
    if (schema.$ref.startsWith('#/components/schemas/')) return { $ref: `#/definitions/${schema.$ref.slice('#/components/schemas/'.length)}` };
    const ext = external[schema.$ref];
    if (!ext) throw new Error(`${openapiFile}: no type for $ref ${schema.$ref}; add it to scripts/gen-types.mjs`);
    used.add(ext);
    return { tsType: ext[0], ...(schema.description ? { description: schema.description } : {}) };
  }
  if (!typing.some((k) => k in schema)) return { ...schema, tsType: 'unknown' };
  const out = { ...schema };
  if (out.properties) out.properties = Object.fromEntries(Object.entries(out.properties).map(([k, v]) => [k, forTypes(v)]));
  if (out.items && typeof out.items === 'object') out.items = forTypes(out.items);
  if (out.additionalProperties && typeof out.additionalProperties === 'object') out.additionalProperties = forTypes(out.additionalProperties);
  for (const k of ['allOf', 'anyOf', 'oneOf']) if (out[k]) out[k] = out[k].map(forTypes);
  return out;
}
const components = Object.fromEntries(
  Object.entries(parse(readFileSync(join(schemaDir, openapiFile), 'utf8')).components.schemas).map(([name, schema]) => [name, forTypes(schema)]),
);
// Each named schema is its own exported type; the root only lists them.
const names = Object.keys(components);
const root = {
  title: 'AdminApiSchemas',
  description: 'Every schema of the admin API contract, by name.',
  type: 'object',
  properties: Object.fromEntries(names.map((n) => [n, { $ref: `#/definitions/${n}` }])),
  required: names,
  definitions: Object.fromEntries(names.map((n) => [n, { title: n, ...components[n] }])),
};
const imports = [...used].sort().map(([type, from]) => `import type { ${type} } from '${from}';`).join('\n');
emit(join(outDir, 'admin-api.ts'), await compile(root, 'AdminApiSchemas', {
  bannerComment: `/* Generated from schemas/${openapiFile} (components.schemas) by scripts/gen-types.mjs. Do not edit; run npm run gen:types. */\n\n${imports}`,
  additionalProperties: false,
  style,
}));

if (stale.length) {
  console.error(`generated types are stale: ${stale.join(', ')}\nrun: npm run gen:types`);
  process.exit(1);
}
