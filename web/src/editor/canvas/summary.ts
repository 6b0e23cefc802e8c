// What a node shows under the step's name: one line saying what the step does (its first prompt text or its
// key field), and the error/warning counts of the diagnostics that point into it.
import type { TreeID } from 'loro-crdt';
import type { Json, JsonObject, Model } from '../../doc/pipeline';
import type { Diagnostic } from '../../sync/protocol';

const MAX = 90;

function clip(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > MAX ? `${one.slice(0, MAX - 1)}…` : one;
}

const str = (v: Json | undefined): string | undefined => (typeof v === 'string' && v.trim() ? v : undefined);
const count = (v: Json | undefined): number => (Array.isArray(v) ? v.length : 0);

function promptLine(prompt: Json | undefined): string | undefined {
  if (!Array.isArray(prompt)) return str(prompt);
  for (const p of prompt) {
    if (!p || typeof p !== 'object' || Array.isArray(p)) continue;
    if (str(p.content)) return str(p.content);
    if (str(p.path)) return `file: ${p.path}`;
    if (p.type === 'previous_response' && str(p.step)) return `← ${p.step}`;
    if (str(p.new_prompt)) return str(p.new_prompt);
  }
  return undefined;
}

/** One line about the step, or '' when there is nothing to say. */
export function stepSummary(f: JsonObject | null): string {
  if (!f) return '';
  switch (f.type) {
    case 'for_loop':
      return clip(`for ${str(f.iterator) ?? '?'} in ${str(f.data_source) ?? '?'}`);
    case 'while_loop':
      return clip(`while ${str(f.condition) ?? '?'}${typeof f.max_iterations === 'number' ? ` (max ${f.max_iterations})` : ''}`);
    case 'pipeline': {
      const p = f.pipeline && typeof f.pipeline === 'object' && !Array.isArray(f.pipeline) ? f.pipeline : null;
      return clip(str(f.pipeline_file) ?? (p ? 'inline pipeline' : ''));
    }
    case 'set_variable': {
      const v = f.variables && typeof f.variables === 'object' && !Array.isArray(f.variables) ? Object.keys(f.variables) : [];
      return clip(v.length ? `set ${v.join(', ')}` : '');
    }
    case 'file_ops':
      return clip([str(f.operation), str(f.path) ?? str(f.source) ?? str(f.file)].filter(Boolean).join(' '));
    case 'data_transform':
      return clip(`${str(f.input_source) ?? '?'}${count(f.operations) ? ` · ${count(f.operations)} operations` : ''}`);
    case 'claude_batch':
      return clip(promptLine(f.prompt) ?? `${count(f.tasks)} tasks`);
    case 'parallel_claude':
      return clip(`${count(f.parallel_tasks)} parallel tasks`);
  }
  return clip(promptLine(f.prompt) ?? str(f.condition) ?? str(f.output_to_file) ?? '');
}

export interface Counts {
  errors: number;
  warnings: number;
}

/** `workflow.steps[3].steps[0].prompt` → `/workflow/steps/3/steps/0/prompt`. */
const pointerOf = (path: string): string => `/${path.replace(/\[(\d+)\]/g, '.$1').split('.').join('/')}`;

/** Error and warning counts per step, each diagnostic counted on the innermost step its path points into. */
export function diagnosticCounts(model: Model, diagnostics: Diagnostic[] | undefined): Map<TreeID, Counts> {
  const out = new Map<TreeID, Counts>();
  if (!diagnostics?.length) return out;
  const byPath = new Map<string, TreeID>();
  for (const s of model.all) byPath.set(s.path, s.id);
  for (const d of diagnostics) {
    if (d.severity !== 'error' && d.severity !== 'warning') continue;
    let p = pointerOf(d.path);
    let id: TreeID | undefined;
    while (p && !(id = byPath.get(p))) p = p.slice(0, p.lastIndexOf('/'));
    if (!id) continue;
    const c = out.get(id) ?? { errors: 0, warnings: 0 };
    if (d.severity === 'error') c.errors++;
    else c.warnings++;
    out.set(id, c);
  }
  return out;
}
