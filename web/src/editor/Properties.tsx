// FIRST CUT (being replaced): the selected step's name.
import { setStepField } from '../doc/pipeline';
import { useEditor } from './state';

export function Properties() {
  const { doc, model, selection, readOnly } = useEditor();
  const step = selection.length === 1 ? model.byId.get(selection[0]) : undefined;
  if (!step?.fields) return <p className="muted">Select a step.</p>;
  return (
    <label>
      Name
      <input
        readOnly={readOnly}
        value={String(step.fields.name ?? '')}
        onChange={(e) => setStepField(doc, step.id, 'name', e.target.value)}
      />
    </label>
  );
}
