// The properties panel: a form generated from the JSON Schema for the selected step, or for the workflow
// settings when nothing is selected. Every change is one commit through the document's step-level API (the
// UndoManager merges typing within 500 ms into one undo step); server diagnostics are shown at their fields.
import { useMemo } from 'react';
import { removeStepField, setDataField, setStepField, type JsonObject, type StepNode } from '../doc/pipeline';
import { CATALOG, SCHEMA, familyOf, infoOf, stepSchema } from './catalog';
import { earlierStepNames, templateCompletions } from './forms/completion';
import { FormContext, type FormContextValue } from './forms/context';
import { stepDiagnostics, workflowDiagnostics } from './forms/diagnostics';
import { ObjectForm } from './forms/SchemaForm';
import { isObject, normalize, SHARED_STEP_FIELDS, type Schema } from './forms/schema';
import { useEditor } from './state';
import './forms/forms.css';

/** Child step lists are edited on the canvas, never as fields. */
const STEP_HIDDEN = new Set(['steps', 'pipeline.steps']);
const WORKFLOW_HIDDEN = new Set(['steps']);

export function Properties() {
  const { model, selection } = useEditor();
  if (selection.length > 1) {
    return (
      <div className="pf-panel">
        <p className="pf-multi" role="status">
          {selection.length} steps selected
        </p>
        <p className="muted small">Select a single step to edit its fields.</p>
      </div>
    );
  }
  const step = selection.length === 1 ? model.byId.get(selection[0]) : undefined;
  return <div className="pf-panel">{step ? <StepProperties key={step.id} step={step} /> : <WorkflowProperties />}</div>;
}

/** Whether the browser's own checks stand in for the server's (no view, or not connected). */
function useLocalChecks(): boolean {
  const { view, status } = useEditor();
  return !view || status.state === 'offline' || status.state === 'error';
}

function StepProperties({ step }: { step: StepNode }) {
  const { doc, model, view, readOnly } = useEditor();
  const localChecks = useLocalChecks();
  const type = step.fields?.type;
  const info = infoOf(type);
  const family = familyOf(type);

  const schema = useMemo((): Schema => {
    const base: Schema = stepSchema(type) ?? { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] };
    const types = CATALOG.map((c) => c.type);
    const typeField: Schema = { enum: types, description: info?.description ?? 'The step type.' };
    return { ...base, properties: { type: typeField, ...(base.properties ?? {}) }, required: [...new Set(['type', ...(base.required ?? [])])] };
  }, [type, info]);

  const form: FormContextValue = {
    readOnly,
    diagnostics: view ? stepDiagnostics(view.diagnostics, model, step) : [],
    localChecks,
    completions: templateCompletions(model, step),
    earlierSteps: earlierStepNames(model, step),
    hiddenPaths: STEP_HIDDEN,
  };

  return (
    <FormContext.Provider value={form}>
      <header className="pf-head">
        <span className="pf-icon" style={{ color: family?.colour }} aria-hidden="true">
          {family?.icon ?? '?'}
        </span>
        <h2 className="ellipsis" title={String(step.fields?.name ?? '')}>
          {String(step.fields?.name ?? 'Unnamed step')}
        </h2>
        <span className="badge">{info?.label ?? String(type ?? 'no type')}</span>
      </header>
      {info?.support === 'unsupported' && <p className="pf-note warning">This step type is not supported by pipeline_ex.</p>}
      {info?.support === 'test_only' && <p className="pf-note">Test only: pipeline_ex accepts this type only in its test environment.</p>}
      {step.fields ? (
        <ObjectForm
          schema={schema}
          value={step.fields}
          path=""
          first={['name', 'type']}
          late={SHARED_STEP_FIELDS}
          onSet={(k, v) => setStepField(doc, step.id, k, v)}
          onRemove={(k) => removeStepField(doc, step.id, k)}
        />
      ) : (
        <p className="pf-note warning">This list entry is not a step mapping; edit it in the YAML.</p>
      )}
    </FormContext.Provider>
  );
}

function WorkflowProperties() {
  const { doc, model, view, readOnly } = useEditor();
  const localChecks = useLocalChecks();
  const schema = useMemo(() => normalize(SCHEMA.properties?.workflow), []);
  const root = model.root;
  const workflow: JsonObject = isObject(root) && isObject(root.workflow) ? root.workflow : {};

  const form: FormContextValue = {
    readOnly,
    diagnostics: view ? workflowDiagnostics(view.diagnostics) : [],
    localChecks,
    completions: [],
    earlierSteps: [],
    hiddenPaths: WORKFLOW_HIDDEN,
  };

  return (
    <FormContext.Provider value={form}>
      <header className="pf-head">
        <span className="pf-icon" aria-hidden="true">⚙</span>
        <h2>Workflow settings</h2>
      </header>
      <p className="muted small pf-intro">Select a step to edit it; these settings apply to the whole pipeline.</p>
      <ObjectForm
        schema={schema}
        value={workflow}
        path=""
        first={['name']}
        onSet={(k, v) => setDataField(doc, ['workflow', k], v)}
        onRemove={(k) => setDataField(doc, ['workflow', k], undefined)}
      />
    </FormContext.Provider>
  );
}
