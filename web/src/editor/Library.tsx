// FIRST CUT (being replaced): the step types, click to insert after the selection.
import { insertStep } from '../doc/pipeline';
import { CATALOG } from './catalog';
import { newStep, placeAfter, stepNames } from './commands';
import { useEditor } from './state';

export function Library() {
  const { doc, model, selection, setSelection, readOnly } = useEditor();
  return (
    <ul className="library-list">
      {CATALOG.map((t) => (
        <li key={t.type}>
          <button
            disabled={readOnly}
            onClick={() => setSelection([insertStep(doc, placeAfter(model, selection), newStep(t.type, stepNames(model)))])}
          >
            {t.label}
          </button>
        </li>
      ))}
    </ul>
  );
}
