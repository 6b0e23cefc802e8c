// The pipeline-doc layout (crates/pipeline-doc/src/doc.rs, steps.rs, convert.rs) read and edited with
// loro-crdt. The browser edits its own replica with the same operations the Rust side uses (fields synced key
// by key, so concurrent edits of other keys survive); the server renders the YAML from it.
//
// Roots: map `data` (key `root`: the file's data without workflow.steps), map `meta` (`top_steps`), movable
// tree `steps` (node meta: `fields`, `slot`, `slots`, or `value` for a non-mapping list entry), map `layout`
// (node id -> {x, y}), map `comments`, map `base` (the base text; only the server changes it).

import { LoroDoc, LoroList, LoroMap, LoroTree, type TreeID, type Value } from 'loro-crdt';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

/** Child lists of a step that live in the tree: a loop body and an inline child pipeline's steps. */
export type Slot = '' | '/steps' | '/pipeline/steps';

export interface StepNode {
  id: TreeID;
  /** The step's own keys (child lists excluded). Null for a list entry that is not a mapping. */
  fields: JsonObject | null;
  /** A non-mapping list entry's value. */
  value?: Json;
  slot: Slot;
  /** The child lists this step has (even when empty), with their steps in order. */
  slots: Partial<Record<Exclude<Slot, ''>, StepNode[]>>;
  parent: TreeID | null;
  /** Model path, `/workflow/steps/2/steps/0`. */
  path: string;
  /** Depth-first position among all steps (execution order). */
  order: number;
  depth: number;
}

export interface Model {
  /** Top-level steps, with their children. */
  steps: StepNode[];
  /** Every step, depth first. */
  all: StepNode[];
  byId: Map<TreeID, StepNode>;
  /** The file's data except workflow.steps. */
  root: Json;
  hasTopSteps: boolean;
}

interface RawNode {
  id: TreeID;
  parent: TreeID | null;
  meta: { slot?: string; fields?: JsonObject; slots?: Record<string, boolean>; value?: Json };
  children: RawNode[];
}

export const tree = (doc: LoroDoc): LoroTree => doc.getTree('steps');

/** A fresh replica with the document's tree settings (fractional index, as on the server). */
export function newDoc(): LoroDoc {
  const doc = new LoroDoc();
  doc.setRecordTimestamp(true);
  doc.getTree('steps').enableFractionalIndex(0);
  return doc;
}

/**
 * The whole model, read in one pass (one `toJSON` of the tree), or from `nodes`: the same tree as the server
 * sent it with the welcome (sync/connection.ts `serverTreeNow`), which must be the replica's current state.
 */
export function readModel(doc: LoroDoc, nodes?: unknown[] | null): Model {
  const raw = (nodes ?? tree(doc).toJSON()) as RawNode[];
  const all: StepNode[] = [];
  const byId = new Map<TreeID, StepNode>();
  let order = 0;
  const build = (nodes: RawNode[], parent: TreeID | null, prefix: string, depth: number): StepNode[] => {
    // Group by slot in first-seen order, as the Rust side does.
    const slots: string[] = [];
    for (const n of nodes) {
      const s = n.meta.slot ?? '';
      if (!slots.includes(s)) slots.push(s);
    }
    const out: StepNode[] = [];
    for (const s of slots) {
      const list = nodes.filter((n) => (n.meta.slot ?? '') === s);
      list.forEach((n, i) => {
        const path = `${prefix}${s}/${i}`;
        const node: StepNode = {
          id: n.id,
          fields: n.meta.value !== undefined ? null : { ...(n.meta.fields ?? {}) },
          value: n.meta.value,
          slot: s as Slot,
          slots: {},
          parent,
          path,
          order: order++,
          depth,
        };
        all.push(node);
        byId.set(n.id, node);
        const declared = Object.keys(n.meta.slots ?? {});
        const kids = build(n.children, n.id, path, depth + 1);
        for (const d of declared) node.slots[d as Exclude<Slot, ''>] = [];
        for (const k of kids) (node.slots[k.slot as Exclude<Slot, ''>] ??= []).push(k);
        out.push(node);
      });
    }
    return out;
  };
  const steps = build(raw, null, '/workflow/steps', 0);
  const data = doc.getMap('data').toJSON() as { root?: Json };
  const hasTopSteps = doc.getMap('meta').get('top_steps') === true;
  return { steps, all, byId, root: data.root ?? null, hasTopSteps };
}

/** A step as the YAML means it: its fields with child lists put back. */
export function stepJson(step: StepNode): Json {
  if (!step.fields) return step.value ?? null;
  const out: JsonObject = { ...step.fields };
  for (const [slot, kids] of Object.entries(step.slots)) {
    const items = (kids ?? []).map(stepJson);
    if (slot === '/steps') out.steps = items;
    else {
      const p = (out.pipeline && typeof out.pipeline === 'object' && !Array.isArray(out.pipeline) ? { ...out.pipeline } : {}) as JsonObject;
      p.steps = items;
      out.pipeline = p;
    }
  }
  return out;
}

/** The model as JSON (workflow.steps filled in from the tree). */
export function modelJson(m: Model): Json {
  const root = structuredClone(m.root);
  if (m.hasTopSteps && root && typeof root === 'object' && !Array.isArray(root)) {
    const w = root.workflow;
    if (w && typeof w === 'object' && !Array.isArray(w)) w.steps = m.steps.map(stepJson);
  }
  return root;
}

// ---- JSON -> Loro (convert.rs) ----

export const isObject = (v: unknown): v is JsonObject => !!v && typeof v === 'object' && !Array.isArray(v);

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as JsonObject)[k], (b as JsonObject)[k]));
}
export { deepEqual };

const jsonOf = (v: unknown): Json => {
  if (v instanceof LoroMap || v instanceof LoroList) return v.toJSON() as Json;
  return (v ?? null) as Json;
};

export function mapSet(map: LoroMap, key: string, v: Json): void {
  if (Array.isArray(v)) fillList(map.setContainer(key, new LoroList()), v);
  else if (isObject(v)) fillMap(map.setContainer(key, new LoroMap()), v);
  else map.set(key, v as Value);
}

function listInsert(list: LoroList, pos: number, v: Json): void {
  if (Array.isArray(v)) fillList(list.insertContainer(pos, new LoroList()), v);
  else if (isObject(v)) fillMap(list.insertContainer(pos, new LoroMap()), v);
  else list.insert(pos, v as Value);
}

function fillMap(map: LoroMap, o: JsonObject): void {
  for (const [k, v] of Object.entries(o)) mapSet(map, k, v);
}

function fillList(list: LoroList, a: Json[]): void {
  a.forEach((v, i) => listInsert(list, i, v));
}

/** Makes `map` hold exactly `target`, touching only what differs. */
export function syncMap(map: LoroMap, target: JsonObject): void {
  for (const k of map.keys()) if (!(k in target)) map.delete(k);
  for (const [k, v] of Object.entries(target)) syncEntry(map, k, v);
}

function syncEntry(map: LoroMap, k: string, v: Json): void {
  const cur = map.get(k) as unknown;
  if (cur instanceof LoroMap && isObject(v)) syncMap(cur, v);
  else if (cur instanceof LoroList && Array.isArray(v)) syncList(cur, v);
  else if (cur !== undefined && deepEqual(jsonOf(cur), v)) return;
  else mapSet(map, k, v);
}

/** Makes `list` hold exactly `target`: equal ends kept, the changed middle synced in place or replaced. */
export function syncList(list: LoroList, target: Json[]): void {
  const current = list.toJSON() as Json[];
  const n = current.length;
  const m = target.length;
  let pre = 0;
  while (pre < Math.min(n, m) && deepEqual(current[pre], target[pre])) pre++;
  let suf = 0;
  while (suf < Math.min(n - pre, m - pre) && deepEqual(current[n - 1 - suf], target[m - 1 - suf])) suf++;
  const oldMid = n - pre - suf;
  const newMid = m - pre - suf;
  if (oldMid === newMid) {
    for (let i = pre; i < pre + oldMid; i++) {
      const cur = list.get(i) as unknown;
      const t = target[i];
      if (cur instanceof LoroMap && isObject(t)) syncMap(cur, t);
      else if (cur instanceof LoroList && Array.isArray(t)) syncList(cur, t);
      else {
        list.delete(i, 1);
        listInsert(list, i, t);
      }
    }
    return;
  }
  if (oldMid > 0) list.delete(pre, oldMid);
  target.slice(pre, pre + newMid).forEach((v, k) => listInsert(list, pre + k, v));
}

// ---- step-level edits (edit.rs): each one commit, one undo step, one update sent ----

export interface Place {
  parent: TreeID | null;
  slot: Slot;
  index: number;
}

function metaOf(doc: LoroDoc, id: TreeID): LoroMap {
  const node = tree(doc).getNodeByID(id);
  if (!node) throw new Error(`no step ${id}`);
  return node.data;
}

function fieldsOf(doc: LoroDoc, id: TreeID): LoroMap {
  const f = metaOf(doc, id).get('fields') as unknown;
  if (!(f instanceof LoroMap)) throw new Error(`step ${id} has no fields`);
  return f;
}

function commit(doc: LoroDoc, message: string): void {
  doc.setNextCommitMessage(message);
  doc.commit();
}

export function setStepField(doc: LoroDoc, id: TreeID, key: string, value: Json): void {
  syncEntry(fieldsOf(doc, id), key, value);
  commit(doc, `set ${key}`);
}

export function removeStepField(doc: LoroDoc, id: TreeID, key: string): void {
  fieldsOf(doc, id).delete(key);
  commit(doc, `remove ${key}`);
}

function childSlots(step: JsonObject): Exclude<Slot, ''>[] {
  const out: Exclude<Slot, ''>[] = [];
  if (Array.isArray(step.steps)) out.push('/steps');
  if (isObject(step.pipeline) && Array.isArray(step.pipeline.steps)) out.push('/pipeline/steps');
  return out;
}

/** Index among all of `parent`'s children for position `index` among those in `slot`. */
function treeIndex(doc: LoroDoc, parent: TreeID | null, slot: Slot, index: number, skip?: TreeID): number {
  const t = tree(doc);
  const kids = (parent ? (t.getNodeByID(parent)?.children() ?? []) : t.roots()).filter((c) => c.id !== skip);
  let seen = 0;
  for (let i = 0; i < kids.length; i++) {
    if (((kids[i].data.get('slot') as string | undefined) ?? '') === slot) {
      if (seen === index) return i;
      seen++;
    }
  }
  return kids.length;
}

function createStep(doc: LoroDoc, at: Place, v: Json): TreeID {
  const t = tree(doc);
  const idx = treeIndex(doc, at.parent, at.slot, at.index);
  const node = at.parent ? t.createNode(at.parent, idx) : t.createNode(undefined, idx);
  const meta = node.data;
  meta.set('slot', at.slot);
  if (isObject(v)) {
    const fields: JsonObject = { ...v };
    const slots = childSlots(v);
    const lists: [Exclude<Slot, ''>, Json[]][] = [];
    for (const s of slots) {
      if (s === '/steps') {
        lists.push([s, fields.steps as Json[]]);
        delete fields.steps;
      } else {
        const p = { ...(fields.pipeline as JsonObject) };
        lists.push([s, p.steps as Json[]]);
        delete p.steps;
        fields.pipeline = p;
      }
    }
    fillMap(meta.setContainer('fields', new LoroMap()), fields);
    const slotMap = meta.setContainer('slots', new LoroMap());
    for (const [s, items] of lists) {
      slotMap.set(s, true);
      items.forEach((item, i) => createStep(doc, { parent: node.id, slot: s, index: i }, item));
    }
  } else {
    meta.set('value', v as Value);
  }
  return node.id;
}

export function insertStep(doc: LoroDoc, at: Place, step: Json): TreeID {
  const id = createStep(doc, at, step);
  if (!at.parent) doc.getMap('meta').set('top_steps', true);
  commit(doc, 'insert step');
  return id;
}

/** Inserts several steps in order starting at `at` (paste), in one commit. */
export function insertSteps(doc: LoroDoc, at: Place, steps: Json[]): TreeID[] {
  const ids = steps.map((s, i) => createStep(doc, { ...at, index: at.index + i }, s));
  if (!at.parent && steps.length) doc.getMap('meta').set('top_steps', true);
  commit(doc, steps.length === 1 ? 'insert step' : `insert ${steps.length} steps`);
  return ids;
}

export function moveStep(doc: LoroDoc, id: TreeID, to: Place): void {
  const idx = treeIndex(doc, to.parent, to.slot, to.index, id);
  tree(doc).move(id, to.parent ?? undefined, idx);
  metaOf(doc, id).set('slot', to.slot);
  commit(doc, 'move step');
}

export function deleteSteps(doc: LoroDoc, ids: TreeID[]): void {
  const t = tree(doc);
  for (const id of ids) if (t.has(id) && !t.isNodeDeleted(id)) t.delete(id);
  commit(doc, ids.length === 1 ? 'delete step' : `delete ${ids.length} steps`);
}

/** Canvas position of a step (layout never enters the YAML). */
export function setPosition(doc: LoroDoc, id: TreeID, x: number, y: number, commitNow = true): void {
  const m = doc.getMap('layout').getOrCreateContainer(id, new LoroMap());
  m.set('x', Math.round(x));
  m.set('y', Math.round(y));
  if (commitNow) commit(doc, 'move on canvas');
}

export function positions(doc: LoroDoc): Map<TreeID, { x: number; y: number }> {
  const out = new Map<TreeID, { x: number; y: number }>();
  const raw = doc.getMap('layout').toJSON() as Record<string, { x?: number; y?: number }>;
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v?.x === 'number' && typeof v?.y === 'number') out.set(k as TreeID, { x: v.x, y: v.y });
  }
  return out;
}

/** Sets a value at a JSON Pointer-like path of the data outside the steps (`['workflow', 'name']`). */
export function setDataField(doc: LoroDoc, path: string[], value: Json | undefined): void {
  const data = doc.getMap('data');
  let root = data.get('root') as unknown;
  if (!(root instanceof LoroMap)) root = data.setContainer('root', new LoroMap());
  let map = root as LoroMap;
  for (const seg of path.slice(0, -1)) {
    const next = map.get(seg) as unknown;
    map = next instanceof LoroMap ? next : map.setContainer(seg, new LoroMap());
  }
  const last = path[path.length - 1];
  if (value === undefined) map.delete(last);
  else syncEntry(map, last, value);
  commit(doc, `set ${path.join('.')}`);
}

/** The document's version as a string: equal strings, the same operations. */
export function frontiersKey(doc: LoroDoc): string {
  return JSON.stringify(doc.frontiers());
}
