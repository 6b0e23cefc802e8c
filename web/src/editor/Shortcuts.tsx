// FIRST CUT (being replaced): undo/redo.
import { useEffect } from 'react';
import type { ViewMode } from '../pages/EditorPage';
import { useEditor } from './state';

export function Shortcuts(props: { mode: ViewMode; setMode(m: ViewMode): void; help: boolean; setHelp(b: boolean): void }) {
  const { undo } = useEditor();
  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'z') {
        e.preventDefault();
        if (e.shiftKey) undo.redo();
        else undo.undo();
      }
    };
    window.addEventListener('keydown', on);
    return () => window.removeEventListener('keydown', on);
  }, [undo]);
  return props.help ? <div role="dialog" aria-label="Keyboard shortcuts" onClick={() => props.setHelp(false)}>Ctrl+Z undo</div> : null;
}
