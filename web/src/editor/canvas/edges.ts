// The canvas's edges, derived from the model alone (pure, no React, no Loro values: unit-tested in Node by
// e2e/canvas-edges.spec.ts). Sequence edges join consecutive steps of one list; data edges join a step to
// the steps whose results it reads: `previous_response` prompt items, `{{steps.X…}}` / `{{X.field}}`
// templates in any string, a for_loop's `data_source: "X:path"` and data_transform's `input_source`.
import type { TreeID } from 'loro-crdt';
import { isObject, type Json, type JsonObject, type Model, type StepNode } from '../../doc/pipeline';

export type RefKind = 'prompt' | 'template' | 'data_source' | 'input_source';

/** A reference to another step by name, as written in one step's fields. */
export interface StepRef {
  name: string;
  kind: RefKind;
  /** Where it is written: `prompt`, `parallel_tasks.0.prompt`, `data_source`… */
  field: string;
  /** For items of the step's own `prompt` list: the item's index (such edges can be removed from the canvas). */
  index?: number;
}

export interface DataEdge {
  id: string;
  source: TreeID;
  target: TreeID;
  kind: RefKind;
  field: string;
  index?: number;
  /** The source runs after the target: the reference cannot work at run time. */
  forward: boolean;
}

export interface SequenceEdge {
  id: string;
  source: TreeID;
  target: TreeID;
}

// Template heads that name something other than a step (format reference §4.2).
const NOT_STEPS = new Set(['inputs', 'global_vars', 'state', 'loop', 'workflow', 'step', 'steps', 'variables', 'config', 'environment']);
const TEMPLATE = /\{\{([^}]*)\}\}/g;
const STEPS_PATH = /\bsteps\.([A-Za-z0-9_-]+)/g;
const DOTTED = /^([A-Za-z_][A-Za-z0-9_-]*)\.[^\s]/;


/** The step names a template string refers to. */
export function templateNames(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(TEMPLATE)) {
    const expr = m[1].trim();
    for (const s of expr.matchAll(STEPS_PATH)) out.push(s[1]);
    // `{{X.result}}`: a dotted path whose head is not a known namespace may name a step (resolved only if
    // a step of that name exists).
    const d = DOTTED.exec(expr);
    if (d && !NOT_STEPS.has(d[1])) out.push(d[1]);
  }
  return out;
}

/** Every reference to another step written in `fields` (a step's own keys, child lists excluded). */
export function stepRefs(fields: JsonObject | null): StepRef[] {
  if (!fields) return [];
  const out: StepRef[] = [];
  const seen = new Set<string>();
  const add = (r: StepRef) => {
    const key = `${r.kind}|${r.field}|${r.index ?? ''}|${r.name}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(r);
    }
  };
  const walk = (v: Json, field: string, topPrompt: boolean) => {
    if (typeof v === 'string') {
      for (const name of templateNames(v)) add({ name, kind: 'template', field });
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => {
        if (isObject(item) && item.type === 'previous_response' && typeof item.step === 'string') {
          add({ name: item.step, kind: 'prompt', field, index: topPrompt ? i : undefined });
        }
        walk(item, `${field}.${i}`, false);
      });
    } else if (isObject(v)) {
      for (const [k, x] of Object.entries(v)) walk(x, `${field}.${k}`, false);
    }
  };
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'data_source' && typeof value === 'string' && fields.type === 'for_loop') {
      // "X:path" reads a field of X's result; a bare "X" is a variable or a step result.
      const name = value.split(':')[0].trim();
      if (name) add({ name, kind: 'data_source', field: key });
      continue;
    }
    if (key === 'input_source' && typeof value === 'string') {
      const parts = value.split(':');
      const name = parts[0] === 'previous_response' ? parts[1] : parts[0] === 'context' ? undefined : parts[0];
      if (name?.trim()) add({ name: name.trim(), kind: 'input_source', field: key });
      continue;
    }
    walk(value, key, key === 'prompt');
  }
  return out;
}

/** The step a name refers to, seen from `target`: the latest one of that name before it, else the first. */
function resolveName(byName: Map<string, StepNode[]>, name: string, target: StepNode): StepNode | undefined {
  const candidates = byName.get(name);
  if (!candidates) return undefined;
  let best: StepNode | undefined;
  for (const c of candidates) if (c.order < target.order) best = c;
  return best ?? candidates[0];
}

export function namesOf(model: Model): Map<string, StepNode[]> {
  const byName = new Map<string, StepNode[]>();
  for (const s of model.all) {
    const n = s.fields?.name;
    if (typeof n === 'string') {
      const list = byName.get(n);
      if (list) list.push(s);
      else byName.set(n, [s]);
    }
  }
  return byName;
}

/**
 * The data edges of the model. `refsOf` lets the canvas reuse each step's references while its fields are
 * unchanged (typing in one step's form then costs one `stepRefs`, not one per step).
 */
export function deriveDataEdges(model: Model, refsOf: (s: StepNode) => StepRef[] = (s) => stepRefs(s.fields)): DataEdge[] {
  const byName = namesOf(model);
  const out: DataEdge[] = [];
  for (const target of model.all) {
    for (const r of refsOf(target)) {
      const source = resolveName(byName, r.name, target);
      if (!source || source.id === target.id) continue;
      out.push({
        id: `ref|${target.id}|${r.kind}|${r.field}|${r.index ?? r.name}`,
        source: source.id,
        target: target.id,
        kind: r.kind,
        field: r.field,
        index: r.index,
        forward: source.order > target.order,
      });
    }
  }
  return out;
}

/** Edges between consecutive steps of each list (top level, loop bodies, inline child pipelines). */
export function deriveSequenceEdges(model: Model): SequenceEdge[] {
  const out: SequenceEdge[] = [];
  const chain = (list: StepNode[]) => {
    for (let i = 1; i < list.length; i++) out.push({ id: `seq|${list[i - 1].id}|${list[i].id}`, source: list[i - 1].id, target: list[i].id });
    for (const s of list) for (const kids of Object.values(s.slots)) if (kids) chain(kids);
  };
  chain(model.steps);
  return out;
}
