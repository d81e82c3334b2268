/**
 * Walks JSON Schemas (draft-07 as written in schemas/*.schema.json) along a YAML/JSON path, for
 * editor completion and hover: which properties fit at a path, which values an enum allows, and
 * what the schema says about a node. Resolves `$ref` (local `#/$defs/x` and cross-file refs such
 * as `masking-rules.schema.json` or `gatehouse.policy.schema.json#/$defs/match`, relative to each
 * schema's `$id`) and expands `anyOf`/`oneOf`/`allOf`. Pure: schemas are passed in.
 *
 * @example
 * const nav = createSchemaNavigator(policySchema, [maskingRulesSchema, alertRulesSchema]);
 * nav.propertiesAt(['spec', 'rules', 0]).map((p) => p.name)  // => ['id', 'description', 'match', 'action', ...]
 * nav.valuesAt(['spec', 'rules', 0, 'action']).map((v) => v.value) // => ['allow', 'deny', 'require_approval']
 * nav.describe(['spec', 'masking'])  // => 'Masking rules. Unlike rules, every masking rule whose match holds applies.'
 */
export type JsonSchema = { [key: string]: unknown };
export type SchemaPath = readonly (string | number)[];

export interface PropertyInfo {
  name: string;
  description?: string;
  required: boolean;
  /** The property's resolved schemas (after $ref and combinators). */
  schemas: JsonSchema[];
}

export interface ValueInfo {
  value: string | number | boolean | null;
  description?: string;
}

export interface SchemaNavigator {
  /** Every schema that can describe the value at `path`, $refs resolved and combinators expanded. */
  schemasAt(path: SchemaPath): JsonSchema[];
  /** Properties an object at `path` may have, in schema order, deduplicated by name. */
  propertiesAt(path: SchemaPath): PropertyInfo[];
  /** Values allowed at `path` (enum, const, booleans); for an array, those of its items. */
  valuesAt(path: SchemaPath): ValueInfo[];
  /** The description of the node at `path`: the one next to the property's $ref wins over the target's. */
  describe(path: SchemaPath): string | undefined;
}

/** A schema together with the $id of the document it lives in (the base for relative $refs). */
interface Located {
  schema: JsonSchema;
  base: string;
}

const LOCAL_BASE = 'local:root';

export function createSchemaNavigator(root: JsonSchema, others: readonly JsonSchema[] = []): SchemaNavigator {
  const byId = new Map<string, JsonSchema>();
  for (const s of [root, ...others]) if (typeof s.$id === 'string') byId.set(stripFragment(s.$id), s);
  const rootBase = typeof root.$id === 'string' ? stripFragment(root.$id) : LOCAL_BASE;
  if (rootBase === LOCAL_BASE) byId.set(LOCAL_BASE, root);

  const resolveRef = (ref: string, base: string): Located | undefined => {
    let url: string;
    try {
      url = base === LOCAL_BASE ? (ref.startsWith('#') ? LOCAL_BASE + ref : ref) : new URL(ref, base).toString();
    } catch {
      return undefined;
    }
    const hash = url.indexOf('#');
    const docUrl = hash < 0 ? url : url.slice(0, hash);
    const pointer = hash < 0 ? '' : decodeURIComponent(url.slice(hash + 1));
    const doc = byId.get(docUrl) ?? byId.get(docUrl.split('/').pop() ?? '') ?? findByFileName(byId, docUrl);
    if (!doc) return undefined;
    const target = followPointer(doc, pointer);
    return target ? { schema: target, base: docUrl } : undefined;
  };

  /** $ref and combinators flattened into the schemas that actually constrain the value. */
  const expand = (node: Located, seen = new Set<JsonSchema>()): Located[] => {
    if (seen.has(node.schema)) return [];
    seen.add(node.schema);
    const out: Located[] = [];
    const s = node.schema;
    const base = typeof s.$id === 'string' ? stripFragment(s.$id) : node.base;
    if (typeof s.$ref === 'string') {
      const target = resolveRef(s.$ref, base);
      if (target) out.push(...expand(target, seen));
    }
    const own = Object.keys(s).some((k) => k !== '$ref' && k !== 'description' && k !== 'anyOf' && k !== 'oneOf' && k !== 'allOf' && k !== '$id' && k !== '$schema' && k !== 'title' && k !== '$defs' && k !== 'definitions');
    if (own) out.push({ schema: s, base });
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
      const list = s[key];
      if (Array.isArray(list)) for (const branch of list) if (isSchema(branch)) out.push(...expand({ schema: branch, base }, seen));
    }
    return out;
  };

  /** The raw child schemas (before expansion) of every expanded schema at a step. */
  const childOf = (parent: Located, key: string | number): Located[] => {
    const s = parent.schema;
    const out: Located[] = [];
    const props = s.properties as Record<string, unknown> | undefined;
    if (typeof key === 'string' && props && isSchema(props[key])) {
      out.push({ schema: props[key], base: parent.base });
      return out;
    }
    if (typeof key === 'number' || /^\d+$/.test(String(key))) {
      const items = s.items;
      const index = Number(key);
      if (Array.isArray(items)) {
        if (isSchema(items[index])) out.push({ schema: items[index], base: parent.base });
        else if (isSchema(s.additionalItems)) out.push({ schema: s.additionalItems, base: parent.base });
      } else if (isSchema(items)) out.push({ schema: items, base: parent.base });
      if (out.length || s.type === 'array') return out;
    }
    const patterns = s.patternProperties as Record<string, unknown> | undefined;
    if (patterns) {
      for (const [re, sub] of Object.entries(patterns)) if (isSchema(sub) && safeTest(re, String(key))) out.push({ schema: sub, base: parent.base });
    }
    if (!out.length && isSchema(s.additionalProperties)) out.push({ schema: s.additionalProperties, base: parent.base });
    return out;
  };

  /** Raw (unexpanded) schemas at a path; the last step's raw schemas carry the property's own description. */
  const rawAt = (path: SchemaPath): Located[] => {
    let current: Located[] = [{ schema: root, base: rootBase }];
    for (const key of path) {
      const next: Located[] = [];
      for (const raw of current) for (const e of expand(raw)) next.push(...childOf(e, key));
      current = next;
      if (!current.length) break;
    }
    return current;
  };

  const schemasAt = (path: SchemaPath): JsonSchema[] => unique(rawAt(path).flatMap((r) => expand(r)).map((l) => l.schema));

  return {
    schemasAt,
    propertiesAt(path) {
      const byName = new Map<string, PropertyInfo>();
      for (const raw of rawAt(path)) {
        for (const e of expand(raw)) {
          const props = e.schema.properties as Record<string, unknown> | undefined;
          if (!props) continue;
          const required = Array.isArray(e.schema.required) ? (e.schema.required as string[]) : [];
          for (const [name, sub] of Object.entries(props)) {
            if (!isSchema(sub)) continue;
            const schemas = expand({ schema: sub, base: e.base }).map((l) => l.schema);
            const existing = byName.get(name);
            if (existing) {
              existing.required ||= required.includes(name);
              existing.schemas.push(...schemas);
              existing.description ??= descriptionOf(sub, schemas);
            } else {
              byName.set(name, { name, description: descriptionOf(sub, schemas), required: required.includes(name), schemas });
            }
          }
        }
      }
      return [...byName.values()];
    },
    valuesAt(path) {
      let schemas = schemasAt(path);
      if (schemas.length && schemas.every((s) => s.type === 'array' || s.items !== undefined)) schemas = schemasAt([...path, 0]);
      else if (schemas.some((s) => s.type === 'array')) schemas = [...schemas, ...schemasAt([...path, 0])];
      const out: ValueInfo[] = [];
      const seen = new Set<string>();
      const add = (value: ValueInfo['value'], description?: string) => {
        const key = JSON.stringify(value);
        if (seen.has(key)) return;
        seen.add(key);
        out.push(description ? { value, description } : { value });
      };
      for (const s of schemas) {
        const description = typeof s.description === 'string' ? s.description : undefined;
        if (Array.isArray(s.enum)) for (const v of s.enum) if (isScalar(v)) add(v, description);
        if (isScalar(s.const)) add(s.const, description);
        if (s.type === 'boolean') {
          add(true, description);
          add(false, description);
        }
      }
      return out;
    },
    describe(path) {
      const raw = rawAt(path);
      for (const r of raw) if (typeof r.schema.description === 'string') return r.schema.description;
      for (const r of raw) for (const e of expand(r)) if (typeof e.schema.description === 'string') return e.schema.description;
      return undefined;
    },
  };
}

function descriptionOf(raw: JsonSchema, expanded: JsonSchema[]): string | undefined {
  if (typeof raw.description === 'string') return raw.description;
  for (const s of expanded) if (typeof s.description === 'string') return s.description;
  return undefined;
}

function isSchema(v: unknown): v is JsonSchema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isScalar(v: unknown): v is string | number | boolean | null {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function stripFragment(id: string): string {
  const hash = id.indexOf('#');
  return hash < 0 ? id : id.slice(0, hash);
}

function findByFileName(byId: Map<string, JsonSchema>, url: string): JsonSchema | undefined {
  const name = url.split('/').pop();
  for (const [id, s] of byId) if (id.split('/').pop() === name) return s;
  return undefined;
}

function followPointer(doc: JsonSchema, pointer: string): JsonSchema | undefined {
  if (!pointer || pointer === '/') return doc;
  let node: unknown = doc;
  for (const part of pointer.replace(/^\//, '').split('/')) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isSchema(node)) return undefined;
    node = node[key];
  }
  return isSchema(node) ? node : undefined;
}

function safeTest(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(value);
  } catch {
    return false;
  }
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
