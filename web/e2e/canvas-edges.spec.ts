// Unit tests of the canvas's pure modules (edge derivation, connection rules, summaries, diagnostic
// counts), run by the Playwright runner without a browser.
import { expect, test } from '@playwright/test';
import type { TreeID } from 'loro-crdt';
import type { Json, JsonObject, Model, Slot, StepNode } from '../src/doc/pipeline';
import { connectionProblem, withReference, withoutItem } from '../src/editor/canvas/connect';
import { deriveDataEdges, deriveSequenceEdges, stepRefs, templateNames } from '../src/editor/canvas/edges';
import { diagnosticCounts, stepSummary } from '../src/editor/canvas/summary';
import type { Diagnostic } from '../src/sync/protocol';

/** A model as readModel builds it, from plain step JSON (ids are the step names, or `_id`). */
function model(steps: JsonObject[]): Model {
  const all: StepNode[] = [];
  const byId = new Map<TreeID, StepNode>();
  let order = 0;
  const build = (list: JsonObject[], parent: TreeID | null, prefix: string, slot: Slot, depth: number): StepNode[] =>
    list.map((raw, i) => {
      const { steps: body, _id, ...fields } = raw;
      const path = `${prefix}${slot}/${i}`;
      const node: StepNode = { id: String(_id ?? raw.name) as TreeID, fields, slot, slots: {}, parent, path, order: order++, depth };
      all.push(node);
      byId.set(node.id, node);
      if (Array.isArray(body)) node.slots['/steps'] = build(body as JsonObject[], node.id, path, '/steps', depth + 1);
      return node;
    });
  return { steps: build(steps, null, '/workflow/steps', '', 0), all, byId, root: null, hasTopSteps: true };
}

// The catalogue's rule for the types used here.
const takesPrompt = (type: unknown) => type === 'claude' || type === 'gemini';
const ask = (name: string, prompt: Json[] = [{ type: 'static', content: `do ${name}` }], type = 'claude'): JsonObject => ({ name, type, prompt });
const ref = (step: string): Json => ({ type: 'previous_response', step });

test('previous_response items, templates, data_source and input_source become data edges', () => {
  const m = model([
    ask('scan'),
    ask('plan', [ref('scan'), { type: 'static', content: 'use {{steps.scan.result}} and {{ scan.files }} and {{state.x}}' }]),
    { name: 'each', type: 'for_loop', iterator: 'f', data_source: 'plan:items', steps: [ask('inner', [ref('plan')])] },
    { name: 'shape', type: 'data_transform', input_source: 'previous_response:plan:data' },
    ask('late', [ref('later')]),
    ask('later'),
  ]);
  const edges = deriveDataEdges(m).map((e) => `${e.source}->${e.target} ${e.kind} ${e.field}${e.index !== undefined ? `#${e.index}` : ''}${e.forward ? ' forward' : ''}`);
  expect(edges).toEqual([
    'scan->plan prompt prompt#0',
    'scan->plan template prompt.1.content',
    'plan->each data_source data_source',
    'plan->inner prompt prompt#0',
    'plan->shape input_source input_source',
    'later->late prompt prompt#0 forward',
  ]);
});

test('unknown names, namespaces and self references make no edge', () => {
  const m = model([ask('a', [ref('a'), ref('ghost'), { type: 'static', content: '{{inputs.x}} {{global_vars.y}} {{loop.item}} {{a.result}}' }])]);
  expect(deriveDataEdges(m)).toEqual([]);
  expect(templateNames('{{ multiply(steps.n.count, 2) }} {{x}} {{q.r}}')).toEqual(['n', 'q']);
});

test('nested previous_response items (parallel tasks) are edges that cannot be removed from the canvas', () => {
  const refs = stepRefs({ name: 'p', type: 'parallel_claude', parallel_tasks: [{ id: 't', prompt: [ref('x')] }] });
  expect(refs).toEqual([{ name: 'x', kind: 'prompt', field: 'parallel_tasks.0.prompt', index: undefined }]);
});

test('a duplicated name resolves to the latest earlier step of that name', () => {
  const m = model([ask('dup'), { ...ask('dup'), _id: 'dup#2' }, ask('use', [ref('dup')]), { ...ask('dup'), _id: 'dup#3' }]);
  expect(deriveDataEdges(m).map((e) => e.source)).toEqual(['dup#2']);
  const first = model([ask('use', [ref('dup')]), ask('dup'), { ...ask('dup'), _id: 'dup#2' }]);
  expect(deriveDataEdges(first).map((e) => `${e.source} ${e.forward}`)).toEqual(['dup true']);
});

test('sequence edges join consecutive steps of each list', () => {
  const m = model([ask('a'), { name: 'l', type: 'while_loop', condition: 'a.ok', steps: [ask('x'), ask('y')] }, ask('b')]);
  expect(deriveSequenceEdges(m).map((e) => `${e.source}>${e.target}`)).toEqual(['a>l', 'l>b', 'x>y']);
});

test('connections that cannot be expressed are refused with a reason', () => {
  const m = model([
    ask('a'),
    ask('b', [ref('a')]),
    { name: 'loop', type: 'for_loop', iterator: 'i', data_source: 'a', steps: [ask('in1'), ask('in2')] },
    { name: 'vars', type: 'set_variable', variables: {} },
    ask('z'),
  ]);
  expect(connectionProblem(m, 'a', 'z', takesPrompt)).toBeNull();
  expect(connectionProblem(m, 'in1', 'in2', takesPrompt)).toBeNull();
  expect(connectionProblem(m, 'a', 'in2', takesPrompt)).toBeNull();
  expect(connectionProblem(m, 'z', 'a', takesPrompt)).toContain('“a” runs before “z”');
  expect(connectionProblem(m, 'a', 'a', takesPrompt)).toContain('its own output');
  expect(connectionProblem(m, 'a', 'vars', takesPrompt)).toContain('no prompt');
  expect(connectionProblem(m, 'in1', 'z', takesPrompt)).toContain('inside “loop”');
  expect(connectionProblem(m, 'loop', 'in1', takesPrompt)).toContain('only exists after it ends');
  expect(connectionProblem(m, 'a', 'b', takesPrompt)).toContain('already uses');
});

test('prompt list edits', () => {
  expect(withReference([{ type: 'static', content: 'x' }], 'a')).toEqual([{ type: 'static', content: 'x' }, ref('a')]);
  expect(withReference(undefined, 'a')).toEqual([ref('a')]);
  expect(withoutItem([{ type: 'static', content: 'x' }, ref('a')], 1)).toEqual([{ type: 'static', content: 'x' }]);
  expect(withoutItem([{ type: 'static', content: 'x' }], 0)).toBeNull();
});

test('summaries and diagnostic counts', () => {
  expect(stepSummary(ask('a', [{ type: 'static', content: '  Summarise\n the   file ' }]))).toBe('Summarise the file');
  expect(stepSummary({ type: 'for_loop', iterator: 'f', data_source: 'scan:files' })).toBe('for f in scan:files');
  expect(stepSummary(ask('a', [{ type: 'static', content: 'x'.repeat(200) }])).length).toBe(90);
  const m = model([ask('a'), { name: 'l', type: 'for_loop', steps: [ask('x')] }]);
  const d = (path: string, severity: Diagnostic['severity']): Diagnostic => ({ code: 'c', severity, message: '', hint: null, path, line: 1, column: 1, end_line: 1, end_column: 2 });
  const counts = diagnosticCounts(m, [
    d('workflow.steps[1].steps[0].prompt[0].step', 'error'),
    d('workflow.steps[1].steps[0].bogus', 'warning'),
    d('workflow.steps[1].iterator', 'warning'),
    d('workflow.steps[0]', 'info'),
    d('workflow.name', 'error'),
  ]);
  expect(Object.fromEntries(counts)).toEqual({ x: { errors: 1, warnings: 1 }, l: { errors: 0, warnings: 1 } });
});
