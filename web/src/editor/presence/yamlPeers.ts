// Others' selected steps in the YAML pane: their lines marked with a bar and a tint of the person's colour
// (beside our own selection's bar). Like our own highlight (yaml/highlight.ts), the decorations are rebuilt
// from the text's step ranges when the selections or the server's text change and mapped through typing.
// Colours arrive at run time; each gets a class in a constructed style sheet adopted by the editor's shadow
// root (the CSP refuses style attributes and <style> elements).
import { StateEffect, StateField, RangeSetBuilder, type EditorState } from '@codemirror/state';
import { Decoration, EditorView, type DecorationSet } from '@codemirror/view';
import { fromServer } from '../yaml/highlight';
import type { StepRange } from '../yaml/ranges';

export interface PeerPaths {
  name: string;
  colour: string;
  paths: string[];
}

export const setPeerPaths = StateEffect.define<PeerPaths[]>();

interface Value {
  peers: PeerPaths[];
  decorations: DecorationSet;
}

export function peerStepLines(rangesOf: (text: string) => StepRange[]) {
  const build = (state: EditorState, peers: PeerPaths[]): DecorationSet => {
    if (!peers.some((p) => p.paths.length)) return Decoration.none;
    const ranges = rangesOf(state.doc.toString());
    const marks: { line: number; deco: Decoration }[] = [];
    for (const p of peers) {
      const deco = Decoration.line({ class: `cm-peer-sel ${colourClass(p.colour)}`, attributes: { title: `Selected by ${p.name}` } });
      const lines = new Set<number>();
      for (const r of ranges) {
        if (!p.paths.includes(r.path)) continue;
        const last = state.doc.lineAt(r.to).number;
        for (let n = state.doc.lineAt(r.from).number; n <= last; n++) lines.add(n);
      }
      for (const line of lines) marks.push({ line, deco });
    }
    marks.sort((a, b) => a.line - b.line);
    const b = new RangeSetBuilder<Decoration>();
    for (const m of marks) {
      const at = state.doc.line(m.line).from;
      b.add(at, at, m.deco);
    }
    return b.finish();
  };
  return StateField.define<Value>({
    create: () => ({ peers: [], decorations: Decoration.none }),
    update(value, tr) {
      let peers = value.peers;
      for (const e of tr.effects) if (e.is(setPeerPaths)) peers = e.value;
      if (peers !== value.peers || (tr.docChanged && tr.annotation(fromServer))) return { peers, decorations: build(tr.state, peers) };
      return tr.docChanged ? { peers, decorations: value.decorations.map(tr.changes) } : value;
    },
    provide: (f) => EditorView.decorations.from(f, (v) => v.decorations),
  });
}

const sheets = new WeakMap<DocumentOrShadowRoot, { sheet: CSSStyleSheet; done: Set<string> }>();

const colourClass = (colour: string) => `cm-peer-${colour.slice(1).toLowerCase()}`;

/** Makes sure the editor's root has the rule for each colour's class. */
export function ensureColours(root: DocumentOrShadowRoot, colours: string[]): void {
  let entry = sheets.get(root);
  if (!entry) {
    entry = { sheet: new CSSStyleSheet(), done: new Set() };
    sheets.set(root, entry);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, entry.sheet];
  }
  for (const c of colours) {
    if (!/^#[0-9a-fA-F]{6}$/.test(c) || entry.done.has(c)) continue;
    entry.done.add(c);
    const tint = `color-mix(in srgb, ${c} 12%, transparent)`;
    entry.sheet.insertRule(
      `.cm-line.${colourClass(c)} { background-image: linear-gradient(90deg, transparent 3px, ${c} 3px, ${c} 6px, ${tint} 6px); }`,
    );
  }
}
