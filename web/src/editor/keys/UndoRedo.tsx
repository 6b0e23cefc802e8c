// Toolbar Undo / Redo: this user's own changes only (Loro's UndoManager never undoes someone else's).
import { useEditor } from '../state';
import { comboLabel, SHORTCUTS } from './table';

const hint = (id: 'undo' | 'redo') => SHORTCUTS.find((s) => s.id === id)!.combos.map(comboLabel).join(' or ');

export function UndoRedo() {
  // The editor context is renewed on every document change, so canUndo/canRedo are read afresh.
  const { undo, readOnly } = useEditor();
  return (
    <div className="segmented" role="group" aria-label="History">
      <button aria-label="Undo" title={`Undo (${hint('undo')})`} disabled={readOnly || !undo.canUndo()} onClick={() => undo.undo()}>
        ↶
      </button>
      <button aria-label="Redo" title={`Redo (${hint('redo')})`} disabled={readOnly || !undo.canRedo()} onClick={() => undo.redo()}>
        ↷
      </button>
    </div>
  );
}
