// The model kept up to date from Loro's events instead of read whole after every change. Reading the whole
// tree (`toJSON` through WebAssembly) costs ~65 ms at 1000 steps, on every keystroke in a form; a field edit
// only needs its own step's meta read again, and new objects for that step and its ancestors. Every other step
// keeps its object, so what is derived per step (canvas node data, summaries) is reused by identity.
//
// What the events say decides: edits inside a step's `fields` (or its `value`) are applied to those steps;
// anything that changes the tree's shape (create, move, delete, a step's `slot` or `slots`), or an event this
// module does not recognise, makes the next read a whole one.
import type { LoroDoc, LoroEventBatch, TreeID } from 'loro-crdt';
import { deepEqual, readModel, tree, type Json, type JsonObject, type Model, type StepNode } from './pipeline';

/** What changed since the model was last read. */
export interface Changes {
  /** Read everything again. */
  full: boolean;
  /** Steps whose fields or value changed. */
  steps: Set<TreeID>;
  /** `data` or `meta` (the file's data outside the steps, `top_steps`). */
  data: boolean;
  /** `layout` (canvas positions). */
  layout: boolean;
}

const everything = (): Changes => ({ full: true, steps: new Set(), data: true, layout: true });
const nothing = (): Changes => ({ full: false, steps: new Set(), data: false, layout: false });

/** What one event changed: a step's fields or value, a root outside the tree, nothing the model holds, or the shape. */
function classify(e: LoroEventBatch['events'][number]): { step: TreeID } | 'data' | 'layout' | 'none' | 'shape' {
  const [root, node, key] = e.path as (string | number)[];
  if (root === 'steps') {
    // The tree itself (nodes created, moved or deleted), or something of a node other than its fields.
    if (typeof node !== 'string') return 'shape';
    if (key === 'fields') return { step: node as TreeID };
    // The node's meta map: only `fields` replaced or `value` set keep the shape.
    const d = e.diff;
    const keepsShape = key === undefined && d.type === 'map' && Object.keys(d.updated).every((k) => k === 'fields' || k === 'value');
    return keepsShape ? { step: node as TreeID } : 'shape';
  }
  if (root === 'data' || root === 'meta') return 'data';
  if (root === 'layout') return 'layout';
  // `comments` and `base` are not in the model; anything else is unknown here.
  return root === 'comments' || root === 'base' ? 'none' : 'shape';
}

/** Collects the changes of event batches until they are taken. */
export class ChangeLog {
  private changes: Changes = everything();

  /** Marks everything changed (a read from elsewhere: the welcome, a restored copy). */
  all(): void {
    this.changes = everything();
  }

  note(batch: LoroEventBatch): void {
    const c = this.changes;
    for (const e of batch.events) {
      if (c.full) return;
      const kind = classify(e);
      if (kind === 'shape') c.full = true;
      else if (kind === 'data') c.data = true;
      else if (kind === 'layout') c.layout = true;
      else if (kind !== 'none') c.steps.add(kind.step);
    }
  }

  /** The changes collected since the last take, and a fresh log. */
  take(): Changes {
    const c = this.changes;
    this.changes = nothing();
    return c;
  }
}

interface Meta {
  slot?: string;
  fields?: JsonObject;
  value?: Json;
}

/**
 * `prev` with the changed steps read again from `doc`; a whole read when `changes` asks for one or when a
 * step is not where `prev` has it. `nodes`: the server's tree JSON for a whole read (see `readModel`).
 */
export function updateModel(doc: LoroDoc, prev: Model | null, changes: Changes, nodes?: unknown[] | null): Model {
  if (!prev || changes.full) return readModel(doc, nodes);
  if (!changes.steps.size && !changes.data) return prev;
  const t = tree(doc);
  const replaced = new Map<TreeID, StepNode>();
  for (const id of changes.steps) {
    const old = prev.byId.get(id);
    const live = t.has(id) && !t.isNodeDeleted(id) ? t.getNodeByID(id) : undefined;
    if (!old || !live) return readModel(doc);
    const meta = live.data.toJSON() as Meta;
    if ((meta.slot ?? '') !== old.slot) return readModel(doc);
    const fields = meta.value !== undefined ? null : { ...(meta.fields ?? {}) };
    if (deepEqual(fields, old.fields) && deepEqual(meta.value, old.value)) continue;
    replaced.set(id, { ...old, fields, value: meta.value });
  }
  let next = prev;
  if (replaced.size) {
    // The changed steps and their ancestors get new objects (a parent's `slots` hold its children).
    const touched = new Set<TreeID>();
    for (const id of replaced.keys()) {
      for (let cur: TreeID | null = id; cur && !touched.has(cur); cur = prev.byId.get(cur)?.parent ?? null) touched.add(cur);
    }
    const made = new Map<TreeID, StepNode>();
    const remake = (s: StepNode): StepNode => {
      if (!touched.has(s.id)) return s;
      const base = replaced.get(s.id) ?? s;
      const slots: StepNode['slots'] = {};
      for (const [k, kids] of Object.entries(base.slots) as [keyof StepNode['slots'], StepNode[]][]) slots[k] = kids.map(remake);
      const out = { ...base, slots };
      made.set(s.id, out);
      return out;
    };
    const steps = prev.steps.map(remake);
    const byId = new Map(prev.byId);
    for (const [id, s] of made) byId.set(id, s);
    next = { ...prev, steps, all: prev.all.map((s) => made.get(s.id) ?? s), byId };
  }
  if (changes.data) {
    const data = doc.getMap('data').toJSON() as { root?: Json };
    next = { ...next, root: data.root ?? null, hasTopSteps: doc.getMap('meta').get('top_steps') === true };
  }
  return next;
}
