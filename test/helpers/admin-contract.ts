import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import type { Router } from 'express';
import { parse } from 'yaml';
import { createAjv } from '../../gateway/core/config-schema';

type Json = Record<string, any>;

const schemasDir = join(__dirname, '../../schemas');
const docId = 'https://gatehouse.dev/schemas/admin-api.openapi.yaml';
const methods = ['get', 'post', 'put', 'patch', 'delete'] as const;

/**
 * The admin API contract (schemas/admin-api.openapi.yaml) as a checker of real answers: each
 * answer is validated against the schema its route documents for its status and content type,
 * with objects closed (a field the contract does not name is an error, so a field renamed or
 * added on one side only is caught). It remembers which operations were answered, so a test can
 * demand that every route of the contract was exercised.
 */
export class AdminContract {
  readonly doc: Json = parse(readFileSync(join(schemasDir, 'admin-api.openapi.yaml'), 'utf8'));
  /** `GET /admin/approvals/{id}` → statuses seen. */
  readonly answered = new Map<string, Set<number>>();
  private readonly ajv = createAjv();
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor() {
    // The other schema files, for the $refs into them (audit records, masking rules).
    for (const f of readdirSync(schemasDir).filter((n) => n.endsWith('.schema.json'))) this.ajv.addSchema(JSON.parse(readFileSync(join(schemasDir, f), 'utf8')));
    this.ajv.addSchema(closeObjects({ ...this.doc, $id: docId }, this.doc));
  }

  /** Every operation of the contract, as `METHOD /path/{param}`. */
  operations(): string[] {
    return Object.entries(this.doc.paths as Json).flatMap(([path, item]) => methods.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`));
  }

  /** The contract's path template that a concrete path matches, e.g. /admin/approvals/apr_1 → /admin/approvals/{id}. */
  template(path: string): string | undefined {
    const bare = path.split('?')[0]!;
    return Object.keys(this.doc.paths).find((t) => new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(bare));
  }

  /** Checks one answer; throws with the schema errors when it does not match. */
  check(method: string, path: string, status: number, contentType: string | null, body: unknown): void {
    const template = this.template(path);
    const op = template && this.doc.paths[template][method.toLowerCase()];
    if (!op) throw new Error(`${method} ${path}: not in the admin API contract`);
    const key = `${method.toUpperCase()} ${template}`;
    const response = op.responses[String(status)];
    if (!response) throw new Error(`${key} answered ${status}, which the contract does not document (${Object.keys(op.responses).join(', ')})`);
    const pointer = response.$ref ? (response.$ref as string).slice(1) : `/paths/${escape(template)}/${method.toLowerCase()}/responses/${status}`;
    const content = response.$ref ? this.resolve(response.$ref).content : response.content;
    const mediaType = (contentType ?? '').split(';')[0]!.trim();
    if (!content?.[mediaType]) throw new Error(`${key} ${status} answered ${mediaType || 'no content type'}; the contract says ${Object.keys(content ?? {}).join(', ') || 'no body'}`);
    if (mediaType === 'application/json') this.validate(`${pointer}/content/${escape(mediaType)}/schema`, body, `${key} ${status}`);
    if (!this.answered.has(key)) this.answered.set(key, new Set());
    this.answered.get(key)!.add(status);
  }

  /** Checks one event of GET /admin/events: its payload against GatewayEvents (or GapEvent). */
  checkEvent(name: string, data: unknown): void {
    const pointer = name === 'gap' ? '/components/schemas/GapEvent' : `/components/schemas/GatewayEvents/properties/${escape(name)}`;
    if (name !== 'gap' && !this.doc.components.schemas.GatewayEvents.properties[name]) throw new Error(`event ${name} is not in the contract`);
    this.validate(pointer, data, `event ${name}`);
  }

  private validate(pointer: string, value: unknown, label: string): void {
    let validate = this.compiled.get(pointer);
    if (!validate) this.compiled.set(pointer, (validate = this.ajv.compile({ $ref: `${docId}#${pointer}` })));
    if (!validate(value)) throw new Error(`${label} does not match the contract: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(value).slice(0, 2000)}`);
  }

  private resolve(ref: string): Json {
    return ref.slice(2).split('/').reduce((o: Json, k) => o[k.replace(/~1/g, '/').replace(/~0/g, '~')], this.doc);
  }
}

/**
 * The routes an Express router serves, as `METHOD /admin/path/{param}` (nested routers mounted
 * without a path, as adminRouter mounts its parts).
 */
export function routesOf(router: Router, prefix = '/admin'): string[] {
  const out: string[] = [];
  for (const layer of (router as unknown as { stack: Json[] }).stack) {
    if (layer.route) {
      for (const m of Object.keys(layer.route.methods)) out.push(`${m.toUpperCase()} ${prefix}${String(layer.route.path).replace(/:(\w+)/g, '{$1}')}`);
    } else if (layer.handle?.stack) {
      out.push(...routesOf(layer.handle as Router, prefix));
    }
  }
  return out;
}

const escape = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * A copy of the OpenAPI document where every object schema that lists its properties admits no
 * others, and an allOf of object schemas is merged into one (closing each part alone would
 * reject the other parts' properties).
 */
function closeObjects(node: Json, doc: Json): Json {
  const resolve = (s: Json): Json => (typeof s.$ref === 'string' && s.$ref.startsWith('#/') ? resolve(s.$ref.slice(2).split('/').reduce((o: Json, k: string) => o[k], doc)) : s);
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!v || typeof v !== 'object') return v;
    let o = v as Json;
    if (Array.isArray(o.allOf) && o.allOf.every((p: Json) => resolve(p).properties)) {
      const parts = o.allOf.map(resolve);
      const { allOf: _, ...rest } = o;
      o = { ...rest, type: 'object', properties: Object.assign({}, ...parts.map((p: Json) => p.properties)), required: parts.flatMap((p: Json) => p.required ?? []) };
    }
    const out: Json = Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x)]));
    if (out.properties && typeof out.properties === 'object' && out.additionalProperties === undefined && !Array.isArray(out.properties)) out.additionalProperties = false;
    return out;
  };
  return walk(node) as Json;
}
