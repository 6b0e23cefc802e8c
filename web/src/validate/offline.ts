// Schema checks that run in the browser, offline included: each step against its own type's schema and the
// workflow's settings against theirs, with validators compiled ahead of time (plugins/schema-validators.ts).
// These are the JSON Schema's checks only; the full validation (pipeline_ex's rules, references, the lint)
// stays on the server, which the editor shows whenever it is connected.
import * as compiled from 'virtual:schema-validators';
import type { AjvError, Validator } from 'virtual:schema-validators';
import { SCHEMA } from '../editor/catalog';
import type { Json, Model } from '../doc/pipeline';
import { stepJson } from '../doc/pipeline';

const validators = compiled as unknown as Record<string, Validator>;

export interface LocalIssue {
  /** Model path of the step (`/workflow/steps/2`), or `/workflow` for the settings. */
  at: string;
  /** JSON Pointer inside it (`/prompt/0/content`); empty for the whole step. */
  field: string;
  message: string;
}

/** `$defs` name of each step type's schema, from the Step oneOf. */
const defOfType = new Map<string, string>(
  (SCHEMA.$defs?.Step?.oneOf ?? [])
    .map((b) => [String(b.properties?.type?.const ?? ''), (b.$ref ?? '').replace('#/$defs/', '')] as [string, string])
    .filter(([t, d]) => t && d),
);

function describe(e: AjvError): string {
  switch (e.keyword) {
    case 'type':
      return `must be ${e.params.type === 'array' ? 'a list' : e.params.type === 'object' ? 'a mapping' : `a ${String(e.params.type)}`}`;
    case 'enum':
      return `must be one of: ${(e.params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'required':
      return `is missing the required field ${String(e.params.missingProperty)}`;
    case 'minimum':
    case 'maximum':
      return `must be ${e.keyword === 'minimum' ? '≥' : '≤'} ${String(e.params.limit)}`;
    case 'minItems':
      return `needs at least ${String(e.params.limit)} item${e.params.limit === 1 ? '' : 's'}`;
    default:
      return e.message ?? e.keyword;
  }
}

function run(v: Validator | undefined, data: unknown, at: string): LocalIssue[] {
  if (!v || v(data)) return [];
  const seen = new Set<string>();
  const out: LocalIssue[] = [];
  for (const e of v.errors ?? []) {
    // oneOf/anyOf branches report every alternative; the summary keyword says it once.
    if (e.keyword === 'oneOf' || e.keyword === 'anyOf' || e.keyword === 'const' || e.keyword === 'if') continue;
    const message = describe(e);
    const key = `${e.instancePath}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ at, field: e.instancePath, message });
  }
  return out;
}

/** Issues of one step (its child steps are checked on their own). */
export function checkStep(step: Json, at: string): LocalIssue[] {
  if (!step || typeof step !== 'object' || Array.isArray(step)) return [{ at, field: '', message: 'a step must be a mapping' }];
  const def = defOfType.get(String(step.type ?? ''));
  if (!def) return [{ at, field: '/type', message: `unknown step type ${JSON.stringify(step.type ?? null)}` }];
  return run(validators[def], step, at);
}

/** Issues of the whole model: the workflow's settings and every step. */
export function checkModel(m: Model): LocalIssue[] {
  const root = m.root as { workflow?: Json } | null;
  const workflow = root?.workflow;
  const settings = workflow && typeof workflow === 'object' && !Array.isArray(workflow) ? { ...workflow } : workflow;
  // The steps are checked one by one below; a placeholder list keeps `required: steps` quiet when they exist.
  if (settings && typeof settings === 'object' && !Array.isArray(settings) && m.hasTopSteps) settings.steps = [];
  const out = run(validators.workflow, settings ?? {}, '/workflow').filter((i) => !i.field.startsWith('/steps'));
  for (const s of m.all) {
    // A child step's problems are reported on the child, not again on its loop.
    const own = checkStep(stepJson(s), s.path).filter((i) => !/^\/(pipeline\/)?steps\/\d/.test(i.field));
    out.push(...own);
  }
  return out;
}
