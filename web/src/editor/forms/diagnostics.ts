// Server diagnostics placed in the forms: a diagnostic's people's path (`workflow.steps[2].prompt[0].content`)
// goes to the deepest step whose path it starts with, and within it to a field path (`prompt[0].content`).
import type { Model, StepNode } from '../../doc/pipeline';
import type { Diagnostic } from '../../sync/protocol';

/** `/workflow/steps/2/steps/0` → `workflow.steps[2].steps[0]`. */
export function dottedPath(pointer: string): string {
  return pointer
    .replace(/^\//, '')
    .replace(/\/(\d+)(?=\/|$)/g, '[$1]')
    .replace(/\//g, '.');
}

/** The rest of `path` below `prefix` (`''` for the prefix itself), or null when it is not below it. */
export function below(path: string, prefix: string): string | null {
  if (path === prefix) return '';
  if (!prefix) return path;
  if (!path.startsWith(prefix)) return null;
  const next = path[prefix.length];
  if (next === '.') return path.slice(prefix.length + 1);
  if (next === '[') return path.slice(prefix.length);
  return null;
}

/** The diagnostics of one step, with field paths relative to it (its child steps' own ones left out). */
export function stepDiagnostics(diags: Diagnostic[], model: Model, step: StepNode): Diagnostic[] {
  const own = dottedPath(step.path);
  const kids = model.all.filter((s) => s.parent === step.id).map((s) => dottedPath(s.path));
  return diags
    .filter((d) => below(d.path, own) !== null && !kids.some((k) => below(d.path, k) !== null))
    .map((d) => ({ ...d, path: below(d.path, own)! }));
}

/** The diagnostics of the workflow settings (everything outside the steps), relative to `workflow`. */
export function workflowDiagnostics(diags: Diagnostic[]): Diagnostic[] {
  return diags
    .filter((d) => !d.path.startsWith('workflow.steps['))
    .map((d) => ({ ...d, path: below(d.path, 'workflow') ?? '' }));
}

/** The first segment of a relative path: `prompt[0].content` → `prompt`, `[1].step` → `[1]`. */
export function firstSegment(path: string): string {
  const m = /^(\[\d+\]|[^.[]+)/.exec(path);
  return m ? m[1] : '';
}
