// Editing commands shared by the canvas, the library, menus and keyboard shortcuts. Each is one commit (one
// undo step, one update to the server).
import type { LoroDoc, TreeID } from 'loro-crdt';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { deleteSteps, insertSteps, stepJson, type Json, type JsonObject, type Model, type Place, type StepNode } from '../doc/pipeline';
import { infoOf } from './catalog';

/** A fresh step of `type`, named uniquely among `names`. */
export function newStep(type: string, names: Set<string>): JsonObject {
  let i = 1;
  let name = type;
  while (names.has(name)) name = `${type}_${++i}`;
  const step: JsonObject = { name, type };
  const info = infoOf(type);
  if (info?.prompt === 'required') step.prompt = [{ type: 'static', content: '' }];
  switch (type) {
    case 'for_loop':
      Object.assign(step, { iterator: 'item', data_source: '', steps: [] });
      break;
    case 'while_loop':
      Object.assign(step, { condition: '', max_iterations: 5, steps: [] });
      break;
    case 'pipeline':
      Object.assign(step, { pipeline_file: '' });
      break;
    case 'set_variable':
      Object.assign(step, { variables: {} });
      break;
    case 'claude_batch':
      Object.assign(step, { tasks: [] });
      break;
    case 'parallel_claude':
      Object.assign(step, { parallel_tasks: [] });
      break;
  }
  return step;
}

export function stepNames(m: Model): Set<string> {
  return new Set(m.all.map((s) => s.fields?.name).filter((n): n is string => typeof n === 'string'));
}

/** Where "insert after the selection" puts a step: after the last selected step, in its list; else at the end. */
export function placeAfter(m: Model, selection: TreeID[]): Place {
  const last = [...selection].map((id) => m.byId.get(id)).filter(Boolean).sort((a, b) => a!.order - b!.order).pop();
  if (!last) return { parent: null, slot: '', index: m.steps.length };
  const siblings = siblingsOf(m, last);
  return { parent: last.parent, slot: last.slot, index: siblings.indexOf(last) + 1 };
}

export function siblingsOf(m: Model, s: StepNode): StepNode[] {
  if (!s.parent) return m.steps;
  return m.byId.get(s.parent)?.slots[s.slot as '/steps' | '/pipeline/steps'] ?? [];
}

/** Top-most selected steps (a selected loop carries its body). */
export function topSelected(m: Model, selection: TreeID[]): StepNode[] {
  const set = new Set(selection);
  const covered = (s: StepNode): boolean => {
    let p = s.parent;
    while (p) {
      if (set.has(p)) return true;
      p = m.byId.get(p)?.parent ?? null;
    }
    return false;
  };
  return selection
    .map((id) => m.byId.get(id))
    .filter((s): s is StepNode => !!s && !covered(s))
    .sort((a, b) => a.order - b.order);
}

export function deleteSelection(doc: LoroDoc, m: Model, selection: TreeID[]): void {
  const ids = topSelected(m, selection).map((s) => s.id);
  if (ids.length) deleteSteps(doc, ids);
}

/** Steps as YAML (a list, as it would appear under `steps:`). */
export function stepsToYaml(steps: StepNode[]): string {
  return stringifyYaml(steps.map(stepJson), { lineWidth: 0 });
}

/** Steps from pasted text: a YAML list of steps, one step mapping, or a whole pipeline file. */
export function stepsFromText(text: string): JsonObject[] | null {
  let v: unknown;
  try {
    v = parseYaml(text);
  } catch {
    return null;
  }
  const isStep = (x: unknown): x is JsonObject => !!x && typeof x === 'object' && !Array.isArray(x) && 'type' in x;
  if (Array.isArray(v)) return v.every(isStep) ? (v as JsonObject[]) : null;
  if (isStep(v)) return [v];
  const w = (v as { workflow?: { steps?: unknown } } | null)?.workflow?.steps;
  if (Array.isArray(w) && w.every(isStep)) return w as JsonObject[];
  return null;
}

/** Renames pasted steps whose names are taken (`name_copy`, `name_copy_2`…), nested steps included. */
export function uniqueNames(steps: JsonObject[], names: Set<string>): JsonObject[] {
  const fix = (s: JsonObject): JsonObject => {
    const out: JsonObject = { ...s };
    if (typeof out.name === 'string') {
      let name = out.name;
      if (names.has(name)) {
        name = `${out.name}_copy`;
        for (let i = 2; names.has(name); i++) name = `${out.name}_copy_${i}`;
      }
      names.add(name);
      out.name = name;
    }
    if (Array.isArray(out.steps)) out.steps = (out.steps as Json[]).map((c) => (c && typeof c === 'object' && !Array.isArray(c) ? fix(c as JsonObject) : c));
    return out;
  };
  return steps.map(fix);
}

export function pasteSteps(doc: LoroDoc, m: Model, selection: TreeID[], steps: JsonObject[]): TreeID[] {
  const place = placeAfter(m, selection);
  return insertSteps(doc, place, uniqueNames(steps, stepNames(m)));
}

export function duplicateSelection(doc: LoroDoc, m: Model, selection: TreeID[]): TreeID[] {
  const sel = topSelected(m, selection);
  if (!sel.length) return [];
  return pasteSteps(doc, m, sel.map((s) => s.id), sel.map((s) => stepJson(s) as JsonObject));
}
