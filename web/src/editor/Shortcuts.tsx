// Keyboard shortcuts for every frequent action (the table is keys/table.ts), clipboard copy/cut/paste of steps
// as YAML, the `?` overlay, the save-version prompt and a confirmation toast.
//
// Key presses are handled on the window after the page's own handlers (a handler that took the key calls
// preventDefault), except inside the canvas, where they are taken first: React Flow would otherwise move the
// selected node with the arrow keys and delete nodes itself on Backspace.
import { useEffect, useRef, useState } from 'react';
import type { ViewMode } from '../pages/EditorPage';
import { deleteSelection, duplicateSelection, pasteSteps, stepsFromText, stepsToYaml, topSelected } from './commands';
import { canvasAction } from './keys/canvas';
import { fromCanvas, fromCodeMirror, fromDialog, fromTextField, hasTextSelection } from './keys/focus';
import { HelpOverlay } from './keys/HelpOverlay';
import { stepToward } from './keys/navigate';
import { SaveVersion } from './keys/SaveVersion';
import { shortcutFor, type ActionId } from './keys/table';
import { useEditor } from './state';

const NEXT_MODE: Record<ViewMode, ViewMode> = { visual: 'split', split: 'yaml', yaml: 'visual' };
const TOAST_MS = 2500;

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

export function Shortcuts(props: { mode: ViewMode; setMode(m: ViewMode): void; help: boolean; setHelp(b: boolean): void }) {
  const editor = useEditor();
  const [saving, setSaving] = useState(false);
  const [toast, setToast] = useState<string | null>(null);
  // Listeners are registered once and read the latest state from here.
  const latest = useRef({ editor, props });
  latest.current = { editor, props };

  useEffect(() => {
    if (!toast) return;
    const t = setTimeout(() => setToast(null), TOAST_MS);
    return () => clearTimeout(t);
  }, [toast]);

  useEffect(() => {
    const run = (id: ActionId): void => {
      const { editor: ed, props: p } = latest.current;
      const { doc, model, selection, setSelection, undo } = ed;
      switch (id) {
        case 'save':
          if (ed.readOnly) setToast('Viewers cannot save versions');
          else setSaving(true);
          return;
        case 'undo':
          undo.undo();
          return;
        case 'redo':
          undo.redo();
          return;
        case 'delete':
          if (!selection.length) return;
          deleteSelection(doc, model, selection);
          setSelection([]);
          return;
        case 'duplicate': {
          const ids = duplicateSelection(doc, model, selection);
          if (ids.length) setSelection(ids);
          return;
        }
        case 'selectAll':
          setSelection(model.all.map((s) => s.id));
          return;
        case 'search':
          if (p.mode === 'yaml') p.setMode('split');
          focusWhenShown('library-search');
          return;
        case 'zoomIn':
        case 'zoomOut':
        case 'fit':
          canvasAction(id);
          return;
        case 'toggleYaml':
          p.setMode(NEXT_MODE[p.mode]);
          return;
        case 'previous':
        case 'next':
        case 'parent':
        case 'child': {
          const to = stepToward(model, selection, id);
          if (to) setSelection([to]);
          return;
        }
        case 'clear':
          setSelection([]);
          return;
        case 'help':
          p.setHelp(true);
          return;
        case 'copy':
        case 'cut':
        case 'paste':
          return; // the clipboard events below
      }
    };

    const onKey = (e: KeyboardEvent, phase: 'canvas' | 'page') => {
      if (e.defaultPrevented || e.isComposing || fromDialog(e)) return;
      if ((phase === 'canvas') !== fromCanvas(e)) return;
      const sc = shortcutFor(e);
      if (!sc || sc.clipboard) return;
      if (fromTextField(e)) {
        if (sc.id === 'clear' && !fromCodeMirror(e)) {
          // Esc leaves a form field (the next Esc clears the selection); CodeMirror keeps its own Esc.
          (e.target as HTMLElement).blur();
          return;
        }
        if (!sc.inFields) return;
      }
      if (sc.edits && latest.current.editor.readOnly) return;
      e.preventDefault();
      if (phase === 'canvas') e.stopPropagation();
      run(sc.id);
    };
    const onCanvasKey = (e: KeyboardEvent) => onKey(e, 'canvas');
    const onPageKey = (e: KeyboardEvent) => onKey(e, 'page');

    // Clipboard: steps travel as YAML text, so they paste into a text editor and back, or into another pipeline.
    const stepsHere = (e: ClipboardEvent) => !fromTextField(e) && !fromDialog(e) && !hasTextSelection();
    const copy = (e: ClipboardEvent, cut: boolean) => {
      const { doc, model, selection, setSelection, readOnly } = latest.current.editor;
      if (!stepsHere(e) || !e.clipboardData) return;
      const steps = topSelected(model, selection);
      if (!steps.length) return;
      e.preventDefault();
      e.clipboardData.setData('text/plain', stepsToYaml(steps));
      if (cut && !readOnly) {
        deleteSelection(doc, model, selection);
        setSelection([]);
        setToast(`Cut ${plural(steps.length, 'step')}`);
      } else setToast(`Copied ${plural(steps.length, 'step')}`);
    };
    const onCopy = (e: ClipboardEvent) => copy(e, false);
    const onCut = (e: ClipboardEvent) => copy(e, true);
    const onPaste = (e: ClipboardEvent) => {
      const { doc, model, selection, setSelection, readOnly } = latest.current.editor;
      if (!stepsHere(e) || !e.clipboardData || readOnly) return;
      const text = e.clipboardData.getData('text/plain');
      if (!text.trim()) return;
      e.preventDefault();
      const steps = stepsFromText(text);
      if (!steps?.length) {
        setToast('Nothing to paste: the clipboard holds no steps');
        return;
      }
      setSelection(pasteSteps(doc, model, selection, steps));
      setToast(`Pasted ${plural(steps.length, 'step')}`);
    };

    window.addEventListener('keydown', onCanvasKey, true);
    window.addEventListener('keydown', onPageKey);
    document.addEventListener('copy', onCopy);
    document.addEventListener('cut', onCut);
    document.addEventListener('paste', onPaste);
    return () => {
      window.removeEventListener('keydown', onCanvasKey, true);
      window.removeEventListener('keydown', onPageKey);
      document.removeEventListener('copy', onCopy);
      document.removeEventListener('cut', onCut);
      document.removeEventListener('paste', onPaste);
    };
  }, []);

  return (
    <>
      {props.help && <HelpOverlay onClose={() => props.setHelp(false)} />}
      {saving && (
        <SaveVersion
          pipelineId={editor.pipelineId}
          onClose={() => setSaving(false)}
          onSaved={(message) => {
            setSaving(false);
            setToast(message ? `Version saved: ${message}` : 'Version saved');
          }}
        />
      )}
      {toast && (
        <div className="toast" role="status" aria-live="polite">
          {toast}
        </div>
      )}
    </>
  );
}

/** Focuses an element that may only appear after the next render (the library, after leaving the YAML view). */
function focusWhenShown(id: string, tries = 10): void {
  const el = document.getElementById(id);
  if (el) {
    el.focus();
    // A new search replaces the last one.
    if (el instanceof HTMLInputElement) el.select();
  }
  else if (tries > 0) requestAnimationFrame(() => focusWhenShown(id, tries - 1));
}
