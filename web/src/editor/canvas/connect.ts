// Connecting two steps on the canvas means "the target reads the source's result": a `previous_response`
// item appended to the target's prompt list. These rules say when that can be expressed (and why not).
// Whether a step type has a prompt list is passed in (the catalogue's `prompt` rule), which keeps this
// module free of the generated JSON so it runs in Node for its unit tests.
import type { Json, Model, StepNode } from '../../doc/pipeline';

/** Whether steps of `type` read a `prompt` list. */
export type TakesPrompt = (type: unknown) => boolean;

const nameOf = (s: StepNode): string => (typeof s.fields?.name === 'string' ? s.fields.name : '');

/** Whether `source`'s result is visible to `target` at run time: `source` runs earlier in the list of the
 * target or of one of its enclosing loops/pipelines (body results are not kept after a loop ends). */
function visibleFrom(model: Model, source: StepNode, target: StepNode): boolean {
  for (let c: StepNode | undefined = target; c; c = c.parent ? model.byId.get(c.parent) : undefined) {
    if (source !== c && source.parent === c.parent && source.slot === c.slot) return source.order < c.order;
  }
  return false;
}

function isInside(model: Model, step: StepNode, container: StepNode): boolean {
  for (let p = step.parent; p; p = model.byId.get(p)?.parent ?? null) if (p === container.id) return true;
  return false;
}

/** Why `source` → `target` cannot become a reference, or null when it can. */
export function connectionProblem(model: Model, sourceId: string, targetId: string, takesPrompt: TakesPrompt): string | null {
  const source = model.byId.get(sourceId as never);
  const target = model.byId.get(targetId as never);
  if (!source || !target || !target.fields) return 'That step no longer exists.';
  const s = nameOf(source);
  const t = nameOf(target) || 'this step';
  if (source === target) return 'A step cannot use its own output.';
  if (!s) return 'The source step has no name to refer to; give it one first.';
  if (target.order < source.order) return `“${t}” runs before “${s}”, so it cannot use its output. Connect an earlier step to a later one.`;
  if (!takesPrompt(target.fields.type)) {
    return `“${t}” is a ${String(target.fields.type)} step, which has no prompt to receive “${s}”'s output.`;
  }
  if (isInside(model, target, source)) return `“${t}” is inside “${s}”, whose result only exists after it ends.`;
  if (!visibleFrom(model, source, target)) {
    const loop = source.parent ? model.byId.get(source.parent) : undefined;
    return `“${s}” is inside “${loop ? nameOf(loop) : 'a loop'}”; its result is not visible to “${t}”.`;
  }
  const prompt = target.fields.prompt;
  if (prompt !== undefined && prompt !== null && !Array.isArray(prompt)) return `“${t}”'s prompt is not a list; fix it in the YAML first.`;
  if (Array.isArray(prompt) && prompt.some((p) => isPrevious(p, s))) return `“${t}” already uses the output of “${s}”.`;
  return null;
}

const isPrevious = (p: Json, name: string): boolean =>
  !!p && typeof p === 'object' && !Array.isArray(p) && p.type === 'previous_response' && p.step === name;

/** The target's prompt list with a `previous_response` item for `sourceName` appended. */
export function withReference(prompt: Json | undefined, sourceName: string): Json[] {
  const list = Array.isArray(prompt) ? prompt : [];
  return [...list, { type: 'previous_response', step: sourceName }];
}

/** The prompt list without item `index` (checked to still be a previous_response item, in case it moved). */
export function withoutItem(prompt: Json | undefined, index: number): Json[] | null {
  if (!Array.isArray(prompt)) return null;
  const item = prompt[index];
  if (!item || typeof item !== 'object' || Array.isArray(item) || item.type !== 'previous_response') return null;
  return prompt.filter((_, i) => i !== index);
}
