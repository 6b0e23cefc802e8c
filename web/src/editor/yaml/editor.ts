// The YAML pane's CodeMirror editor and its text sync with the server. The user's typing is sent as a whole
// text replacement (PUT /api/pipelines/{id}/yaml) 400 ms after the last keystroke; the server turns it into
// ordinary edits that come back over sync, and a new view. While the text is the user's (typed and not yet
// sent, being sent, sent but its view not yet seen, or refused), incoming views are held; afterwards the
// editor takes the server's text as one minimal replacement, outside the undo history, so the cursor and the
// user's own undo stack survive.
import { indentWithTab } from '@codemirror/commands';
import { yaml } from '@codemirror/lang-yaml';
import { lintGutter, setDiagnostics } from '@codemirror/lint';
import { Compartment, EditorState, Transaction, type StateEffect } from '@codemirror/state';
import { EditorView, keymap } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import type { Diagnostic } from '../../sync/protocol';
import { ensureColours, peerStepLines, setPeerPaths, type PeerPaths } from '../presence/yamlPeers';
import type { View } from '../state';
import { toCmDiagnostics } from './diagnostics';
import { fromServer, selectedStepLines, setSelectedPaths } from './highlight';
import { rangesCache, stepAt } from './ranges';
import { minimalReplacement } from './textdiff';
import { yamlTheme } from './theme';

export const TYPING_DEBOUNCE_MS = 400;
/** How long to wait, after the server accepted the text, for the view showing it before taking whatever came. */
const VIEW_WAIT_MS = 1500;

export type TextState =
  | { state: 'synced' }
  | { state: 'editing' }
  | { state: 'sending' }
  | { state: 'invalid'; message: string; line: number; column: number }
  | { state: 'failed'; message: string };

/** What a refused save tells the editor: a located YAML error, or just a message. */
export class SaveError extends Error {
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(message);
  }
}

export interface YamlEditorOptions {
  readOnly: boolean;
  /** Sends the text to the server; rejects with a SaveError when it is refused. */
  save(text: string): Promise<void>;
  /** The user moved the cursor into the step at this model path. */
  onCursorStep(path: string): void;
  onState(s: TextState): void;
}

export class YamlEditor {
  readonly view: EditorView;
  private readonly editable = new Compartment();
  private readonly rangesOf = rangesCache();
  /** The last server text the editor took. */
  private serverText: string | null = null;
  private latest: View | null = null;
  private typingTimer: ReturnType<typeof setTimeout> | null = null;
  private waitTimer: ReturnType<typeof setTimeout> | null = null;
  /** Typed since the last send. */
  private dirty = false;
  private sending = false;
  /** Text the server accepted whose view has not been seen yet. */
  private awaiting: string | null = null;
  private refused: TextState | null = null;
  private paths = '';
  private destroyed = false;

  /** The element holding the editor's shadow root. */
  private readonly box: HTMLElement;

  constructor(
    parent: HTMLElement,
    private readonly opts: YamlEditorOptions,
  ) {
    // CodeMirror injects its styles as a <style> element in a document, which the app's Content-Security-Policy
    // (style-src 'self') refuses; in a shadow root it uses an adopted constructable stylesheet, which CSP allows.
    this.box = document.createElement('div');
    this.box.className = 'yaml-cm-box';
    parent.append(this.box);
    const root = this.box.attachShadow({ mode: 'open' });
    this.view = new EditorView({
      root,
      parent: root,
      state: EditorState.create({
        doc: '',
        extensions: [
          basicSetup,
          keymap.of([indentWithTab]),
          yaml(),
          lintGutter(),
          yamlTheme,
          selectedStepLines(this.rangesOf),
          peerStepLines(this.rangesOf),
          this.editable.of(editableExt(opts.readOnly)),
          EditorView.contentAttributes.of({ 'aria-label': 'YAML text' }),
          EditorView.updateListener.of((u) => {
            if (u.transactions.some((tr) => tr.docChanged && !tr.annotation(fromServer))) this.typed();
            else if (u.selectionSet && u.transactions.some((tr) => tr.isUserEvent('select'))) this.cursorMoved();
          }),
        ],
      }),
    });
  }

  setReadOnly(readOnly: boolean): void {
    this.view.dispatch({ effects: this.editable.reconfigure(editableExt(readOnly)) });
  }

  /** A view from the server: taken now unless the text is the user's. */
  receive(v: View): void {
    this.latest = v;
    if (this.awaiting !== null && v.yaml === this.awaiting) this.stopWaiting();
    if (!this.held()) this.take(v);
    this.report();
  }

  /** Highlights the steps at these model paths; scrolls the first into view unless `scroll` is false. */
  selectPaths(paths: string[], scroll: boolean): void {
    const key = paths.join('\n');
    if (key === this.paths) return;
    this.paths = key;
    const effects: StateEffect<unknown>[] = [setSelectedPaths.of(paths)];
    const first = this.rangesOf(this.view.state.doc.toString()).find((r) => r.path === paths[0]);
    if (scroll && first && !this.lineVisible(first.from)) effects.push(EditorView.scrollIntoView(first.from, { y: 'start', yMargin: 32 }));
    this.view.dispatch({ effects });
  }

  /** Marks the steps others have selected, in their colours. */
  showPeers(peers: PeerPaths[]): void {
    ensureColours(this.view.root, peers.map((p) => p.colour));
    this.view.dispatch({ effects: setPeerPaths.of(peers) });
  }

  /** Drops the user's text (after a refusal) and shows the server's. */
  discard(): void {
    this.clearTyping();
    this.dirty = false;
    this.refused = null;
    if (this.latest) this.take(this.latest);
    this.report();
  }

  destroy(): void {
    this.destroyed = true;
    this.clearTyping();
    if (this.waitTimer) clearTimeout(this.waitTimer);
    this.view.destroy();
    this.box.remove();
  }

  private held(): boolean {
    return this.dirty || this.sending || this.awaiting !== null || this.refused !== null;
  }

  private take(v: View): void {
    const r = minimalReplacement(this.view.state.doc.toString(), v.yaml);
    this.view.dispatch({
      changes: r ?? undefined,
      annotations: [fromServer.of(true), Transaction.addToHistory.of(false)],
    });
    this.view.dispatch(setDiagnostics(this.view.state, toCmDiagnostics(this.view.state.doc, v.diagnostics)));
    this.serverText = v.yaml;
  }

  private typed(): void {
    this.dirty = true;
    this.clearTyping();
    this.typingTimer = setTimeout(() => {
      this.typingTimer = null;
      void this.send();
    }, TYPING_DEBOUNCE_MS);
    this.report();
  }

  private async send(): Promise<void> {
    // One request at a time, so the server sees the texts in order; the answer sends what was typed since.
    if (this.sending || this.destroyed) return;
    const text = this.view.state.doc.toString();
    this.dirty = false;
    if (text === this.serverText && this.refused === null) {
      if (this.latest) this.take(this.latest);
      this.report();
      return;
    }
    this.sending = true;
    this.refused = null;
    this.report();
    try {
      await this.opts.save(text);
      this.sending = false;
      if (this.destroyed) return;
      this.awaiting = text;
      if (this.latest?.yaml === text) this.stopWaiting();
      else this.waitTimer = setTimeout(() => this.stopWaiting(), VIEW_WAIT_MS);
    } catch (e) {
      this.sending = false;
      if (this.destroyed) return;
      this.refuse(e, text);
    }
    if (this.dirty && !this.typingTimer) void this.send();
    else if (!this.held() && this.latest) this.take(this.latest);
    this.report();
  }

  private refuse(e: unknown, text: string): void {
    const located = e instanceof SaveError ? e.diagnostics[0] : undefined;
    const message = e instanceof Error ? e.message : String(e);
    // Diagnostics are placed only if the text is still the one refused (else the user already changed it).
    if (located && this.view.state.doc.toString() === text) {
      this.view.dispatch(setDiagnostics(this.view.state, toCmDiagnostics(this.view.state.doc, [located])));
    }
    this.refused = located
      ? { state: 'invalid', message: located.message, line: located.line, column: located.column }
      : { state: 'failed', message };
  }

  private stopWaiting(): void {
    if (this.waitTimer) clearTimeout(this.waitTimer);
    this.waitTimer = null;
    this.awaiting = null;
    if (!this.held() && this.latest) this.take(this.latest);
    this.report();
  }

  private clearTyping(): void {
    if (this.typingTimer) clearTimeout(this.typingTimer);
    this.typingTimer = null;
  }

  private cursorMoved(): void {
    if (!this.view.hasFocus) return;
    const state = this.view.state;
    const step = stepAt(this.rangesOf(state.doc.toString()), state.selection.main.head);
    if (step) this.opts.onCursorStep(step.path);
  }

  private lineVisible(pos: number): boolean {
    const block = this.view.lineBlockAt(pos);
    const top = this.view.scrollDOM.scrollTop;
    return block.top >= top && block.bottom <= top + this.view.scrollDOM.clientHeight;
  }

  private report(): void {
    if (this.destroyed) return;
    let s: TextState;
    if (this.refused) s = this.refused;
    else if (this.dirty) s = { state: 'editing' };
    else if (this.sending || this.awaiting !== null) s = { state: 'sending' };
    else s = { state: 'synced' };
    this.opts.onState(s);
  }
}

function editableExt(readOnly: boolean) {
  return [EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)];
}
