// Schema walking for the generated forms: which widget a JSON Schema (2020-12, as generated from the Rust
// model) asks for, default values for new fields and list items, and the cheap checks the browser can make
// without ajv (the CSP forbids compiling validators at run time).
import { isObject, type Json, type JsonObject } from '../../doc/pipeline';
import { CATALOG, resolve, stepSchema, type JsonSchema } from '../catalog';

/** The generated schema also marks fields pipeline_ex ignores (`deprecated`). */
export type Schema = JsonSchema & { deprecated?: boolean; minItems?: number };

export { isObject };

const isNullSchema = (s: Schema) => s.type === 'null';

/** Resolves `$ref`s and drops `null` alternatives (an optional field is written by removing it). */
export function normalize(s: Schema | boolean | undefined): Schema {
  if (s === undefined || s === true) return {};
  if (s === false) return {};
  let cur = (resolve(s) ?? {}) as Schema;
  for (let i = 0; i < 8; i++) {
    if (Array.isArray(cur.type)) {
      const types = cur.type.filter((t) => t !== 'null');
      cur = { ...cur, type: types.length === 1 ? types[0] : types };
    }
    const alts = cur.anyOf ?? cur.oneOf;
    if (!alts) break;
    const live = alts.filter((a) => !isNullSchema(a));
    if (live.length !== 1 || live.length === alts.length) break;
    // `anyOf: [X, null]`: the field is X, with the outer description.
    const { anyOf: _a, oneOf: _o, ...outer } = cur;
    const inner = (resolve(live[0]) ?? {}) as Schema;
    cur = { ...inner, ...outer, description: outer.description ?? inner.description };
  }
  return cur;
}

/** Alternatives of a union, resolved, nulls dropped. */
export function alternatives(s: Schema): Schema[] {
  return (s.anyOf ?? s.oneOf ?? []).filter((a) => !isNullSchema(a)).map((a) => normalize(a));
}

/** A tagged union (`oneOf` of objects each with a `const` under the same key, like PromptItem's `type`). */
export interface Tagged {
  key: string;
  branches: { tag: string; description?: string; schema: Schema }[];
}

export function taggedUnion(s: Schema): Tagged | null {
  const raw = (s.oneOf ?? s.anyOf ?? []).filter((a) => !isNullSchema(a));
  if (raw.length < 2) return null;
  let key: string | null = null;
  const branches: Tagged['branches'] = [];
  for (const b of raw) {
    const entry = Object.entries(b.properties ?? {}).find(([, p]) => typeof p.const === 'string');
    if (!entry || (key && entry[0] !== key)) return null;
    key = entry[0];
    branches.push({ tag: entry[1].const as string, description: entry[1].description, schema: branchSchema(b, key) });
  }
  return key ? { key, branches } : null;
}

/** A union branch `{$ref, properties: {tag}}`: the referenced object with the tag property first (a shallow
 * merge would let the branch's one-property `properties` hide the referenced ones). */
function branchSchema(b: Schema, key: string): Schema {
  const target = b.$ref ? normalize({ $ref: b.$ref }) : {};
  const tagProp = b.properties?.[key] ?? {};
  return {
    ...target,
    properties: { [key]: tagProp, ...(target.properties ?? {}) },
    required: [...new Set([key, ...(target.required ?? []), ...(b.required ?? [])])],
  };
}

/** The fixed choices of a field (an `enum`, or a union of `const`s / enums), or null for free values. */
export function choices(s: Schema): string[] | null {
  if (s.enum) return s.enum.map(String);
  if (s.const !== undefined) return [String(s.const)];
  const alts = alternatives(s);
  if (!alts.length) return null;
  const out: string[] = [];
  for (const a of alts) {
    const c = a.enum ?? (a.const !== undefined ? [a.const] : null);
    if (!c) return null;
    out.push(...c.map(String));
  }
  return out;
}

/** Suggested values of a field that also takes free text (`anyOf: [enum, string]`, e.g. fallback_action). */
export function suggestions(s: Schema): string[] {
  return alternatives(s).flatMap((a) => (a.enum ?? []).map(String));
}

export type Kind =
  | 'text'
  | 'number'
  | 'integer'
  | 'boolean'
  | 'select'
  | 'object'
  | 'map'
  | 'array'
  | 'tagged'
  | 'raw';

const hasType = (s: Schema, t: string) => s.type === t || (Array.isArray(s.type) && s.type.includes(t));

/** The widget for a field with schema `s` holding `value` (unions that mix shapes go by the current value). */
export function kindOf(s: Schema, value: Json | undefined): Kind {
  if (choices(s)) return 'select';
  if (taggedUnion(s)) return 'tagged';
  if (s.anyOf || s.oneOf) {
    // Mixed unions (Condition: text or and/or/not mappings; PromptText: text or items): by the value's shape.
    const alts = alternatives(s);
    if (value === undefined || typeof value === 'string') {
      if (alts.some((a) => hasType(a, 'string'))) return 'text';
    }
    if (Array.isArray(value)) {
      const list = alts.find((a) => hasType(a, 'array'));
      if (list) return 'array';
    }
    if (typeof value === 'number' && alts.some((a) => hasType(a, 'number') || hasType(a, 'integer'))) return 'number';
    if (typeof value === 'boolean' && alts.some((a) => hasType(a, 'boolean'))) return 'boolean';
    return 'raw';
  }
  if (Array.isArray(s.type)) return anyKind(value);
  switch (s.type) {
    case 'string':
      return typeof value === 'string' || value === undefined ? 'text' : 'raw';
    case 'integer':
      return typeof value === 'number' || value === undefined ? 'integer' : 'raw';
    case 'number':
      return typeof value === 'number' || value === undefined ? 'number' : 'raw';
    case 'boolean':
      return typeof value === 'boolean' || value === undefined ? 'boolean' : 'raw';
    case 'array':
      return Array.isArray(value) || value === undefined ? 'array' : 'raw';
    case 'object':
      if (!(isObject(value) || value === undefined)) return 'raw';
      return s.properties ? 'object' : 'map';
    default:
      return anyKind(value);
  }
}

const isScalar = (v: Json) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** A field the schema says nothing about: edited by what it holds (flat lists and maps get their editors). */
function anyKind(value: Json | undefined): Kind {
  if (value === undefined || typeof value === 'string') return 'text';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  if (Array.isArray(value) && value.every(isScalar)) return 'array';
  if (isObject(value) && Object.values(value).every(isScalar)) return 'map';
  return 'raw';
}

/** The schema of the list items of an array field (the array branch of a mixed union included). */
export function itemSchema(s: Schema): Schema {
  if (s.items !== undefined) return normalize(s.items);
  const list = alternatives(s).find((a) => hasType(a, 'array'));
  return normalize(list?.items);
}

/** A value for a newly added field or list item. */
export function defaultValue(s: Schema): Json {
  if (s.default !== undefined) return s.default as Json;
  const c = choices(s);
  if (c) return c[0];
  const tagged = taggedUnion(s);
  if (tagged) return tagValue(tagged, tagged.branches[0].tag);
  const kind = kindOf(s, undefined);
  switch (kind) {
    case 'number':
    case 'integer':
      return s.minimum ?? 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'object':
    case 'map':
      return {};
    default:
      return '';
  }
}

/** A new member of a tagged union: the tag plus its branch's required fields. */
export function tagValue(t: Tagged, tag: string): JsonObject {
  const branch = t.branches.find((b) => b.tag === tag);
  const out: JsonObject = { [t.key]: tag };
  for (const r of branch?.schema.required ?? []) {
    if (r !== t.key) out[r] = defaultValue(normalize(branch?.schema.properties?.[r]));
  }
  return out;
}

/** Whether a text field deserves several lines (prompt text, conditions, descriptions). */
export const LONG_TEXT = new Set(['content', 'condition', 'description', 'prompt', 'break_condition', 'continue_condition', 'system_prompt', 'append_system_prompt', 'value']);

export interface LocalIssue {
  path: string;
  message: string;
}

/** The cheap offline checks of one object: required fields missing, values outside an enum or a range. */
export function localIssues(s: Schema, value: JsonObject, path: string): LocalIssue[] {
  const out: LocalIssue[] = [];
  const at = (k: string) => (path ? `${path}.${k}` : k);
  for (const r of s.required ?? []) {
    if (!(r in value)) out.push({ path: at(r), message: `${r} is required` });
  }
  for (const [k, v] of Object.entries(value)) {
    const p = s.properties?.[k];
    if (!p) continue;
    const ps = normalize(p);
    const c = choices(ps);
    if (c && v !== null && !c.includes(String(v))) out.push({ path: at(k), message: `${JSON.stringify(v)} is not one of: ${c.join(', ')}` });
    if (typeof v === 'number' && ps.minimum !== undefined && v < ps.minimum) out.push({ path: at(k), message: `${k} must be at least ${ps.minimum}` });
    if (typeof v === 'number' && ps.maximum !== undefined && v > ps.maximum) out.push({ path: at(k), message: `${k} must be at most ${ps.maximum}` });
  }
  return out;
}

/** The fields every step type has (output_to_file, condition…): listed after a type's own ones. */
export const SHARED_STEP_FIELDS: ReadonlySet<string> = new Set(
  CATALOG.map((c) => stepSchema(c.type))
    .filter((s) => s !== undefined)
    .map((s) => Object.keys(s.properties ?? {}))
    .reduce((a, b) => a.filter((k) => b.includes(k)))
    .filter((k) => k !== 'name'),
);
