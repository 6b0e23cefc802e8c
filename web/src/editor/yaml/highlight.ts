// The selected steps' lines, as line decorations. The field holds the selected model paths; decorations are
// recomputed from the text's step ranges when the selection or the server's text changes, and only mapped
// through the user's own typing (re-parsing on every keystroke would be wasted work).
import { Annotation, RangeSetBuilder, StateEffect, StateField, type EditorState } from '@codemirror/state';
import { Decoration, EditorView, type DecorationSet } from '@codemirror/view';
import type { StepRange } from './ranges';

/** Marks a transaction that brings the server's text (not the user's typing). */
export const fromServer = Annotation.define<boolean>();

export const setSelectedPaths = StateEffect.define<string[]>();

const line = Decoration.line({ class: 'cm-step-selected' });

interface Highlight {
  paths: string[];
  decorations: DecorationSet;
}

export function selectedStepLines(rangesOf: (text: string) => StepRange[]) {
  const build = (state: EditorState, paths: string[]): DecorationSet => {
    if (!paths.length) return Decoration.none;
    const wanted = new Set(paths);
    const lines = new Set<number>();
    for (const r of rangesOf(state.doc.toString())) {
      if (!wanted.has(r.path)) continue;
      const first = state.doc.lineAt(r.from).number;
      const last = state.doc.lineAt(r.to).number;
      for (let n = first; n <= last; n++) lines.add(n);
    }
    const b = new RangeSetBuilder<Decoration>();
    for (const n of [...lines].sort((a, c) => a - c)) {
      const at = state.doc.line(n).from;
      b.add(at, at, line);
    }
    return b.finish();
  };
  return StateField.define<Highlight>({
    create: () => ({ paths: [], decorations: Decoration.none }),
    update(value, tr) {
      let paths = value.paths;
      for (const e of tr.effects) if (e.is(setSelectedPaths)) paths = e.value;
      if (paths !== value.paths || (tr.docChanged && tr.annotation(fromServer))) {
        return { paths, decorations: build(tr.state, paths) };
      }
      return tr.docChanged ? { paths, decorations: value.decorations.map(tr.changes) } : value;
    },
    provide: (f) => EditorView.decorations.from(f, (v) => v.decorations),
  });
}
