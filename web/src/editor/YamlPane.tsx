// The YAML pane: the server's exact export in CodeMirror, editable as text (sent to the server, which applies
// it as ordinary edits), with the server's diagnostics inline, the selected steps' lines highlighted, and the
// step under the cursor selected. Offline, with changes the server has not rendered yet, it shows a local
// preview of the model instead (marked, read-only) until the server's export returns.
import { useEffect, useMemo, useRef, useState } from 'react';
import { stringify } from 'yaml';
import { ApiError } from '../api/client';
import { putYaml } from '../api/pipelines';
import { modelJson } from '../doc/pipeline';
import type { Diagnostic } from '../sync/protocol';
import { usePeerPaths } from './presence/useYamlPeers';
import { useEditor } from './state';
import { SaveError, YamlEditor, type TextState } from './yaml/editor';
import './yaml/yaml.css';

export function YamlPane() {
  const { pipelineId, view, readOnly, model, selection, setSelection, status, revision } = useEditor();
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<YamlEditor | null>(null);
  const [text, setText] = useState<TextState>({ state: 'synced' });
  // The latest model and the selection the cursor made, for callbacks created once.
  const modelRef = useRef(model);
  modelRef.current = model;
  const cursorSelection = useRef<string | null>(null);

  useEffect(() => {
    const ed = new YamlEditor(host.current!, {
      readOnly,
      save: async (yaml) => {
        try {
          await putYaml(pipelineId, yaml);
        } catch (e) {
          throw saveError(e);
        }
      },
      onCursorStep: (path) => {
        const step = modelRef.current.all.find((s) => s.path === path);
        if (!step) return;
        cursorSelection.current = step.id;
        setSelection([step.id]);
      },
      onState: setText,
    });
    editor.current = ed;
    return () => {
      ed.destroy();
      editor.current = null;
    };
    // The editor lives as long as the pane; later prop changes reach it through the effects below.
  }, [pipelineId]);


  // The server's text is current unless, offline, the document changed after it came (or it never came).
  // (The revision when the view arrived: only `view` is meant to refresh it.)
  const viewRevision = useMemo(() => revision, [view]);
  const offline = status.state === 'offline' || status.state === 'error';
  const preview = useMemo(
    () => (offline && (!view || revision !== viewRevision) && model.all.length + (model.root ? 1 : 0) > 0 ? stringify(modelJson(model)) : null),
    [offline, view, revision, viewRevision, model],
  );
  const shownText = useMemo(
    () => (preview !== null ? { yaml: preview, diagnostics: [], version: view?.version ?? 0 } : view),
    [preview, view],
  );
  useEffect(() => editor.current?.setReadOnly(readOnly || preview !== null), [readOnly, preview]);

  // The first text waits for the frame after the canvas has painted: highlighting a long file would
  // otherwise hold back the first view of the steps.
  const shown = useRef(false);
  useEffect(() => {
    const view = shownText;
    if (!view) return;
    if (shown.current) return editor.current?.receive(view);
    let t: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => {
      t = setTimeout(() => {
        shown.current = true;
        editor.current?.receive(view);
      }, 0);
    });
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(t);
    };
  }, [shownText]);

  const paths = selection.map((id) => model.byId.get(id)?.path).filter((p): p is string => !!p);
  const pathsKey = paths.join('\n');
  useEffect(() => {
    // A selection the cursor made is already in sight: highlight it without scrolling.
    const fromCursor = selection.length === 1 && selection[0] === cursorSelection.current;
    cursorSelection.current = null;
    editor.current?.selectPaths(pathsKey ? pathsKey.split('\n') : [], !fromCursor);
    // `selection` only tells where the change came from; `pathsKey` is what is shown.
  }, [pathsKey]);

  usePeerPaths((peers) => editor.current?.showPeers(peers));

  return (
    <div className="yaml-pane">
      <div className="yaml-head">
        <span className="title">YAML</span>
        {preview !== null ? (
          <span className="yaml-state preview" role="status" data-state="preview" title="Made in this browser from the pipeline as edited offline; the server's exact YAML comes back when it is reachable.">
            Local preview (offline)
          </span>
        ) : view ? (
          <TextStatus s={text} readOnly={readOnly} onDiscard={() => editor.current?.discard()} />
        ) : (
          <span className="muted">Loading…</span>
        )}
      </div>
      <div className="yaml-host" ref={host} />
    </div>
  );
}

function TextStatus({ s, readOnly, onDiscard }: { s: TextState; readOnly: boolean; onDiscard(): void }) {
  let label: string;
  switch (s.state) {
    case 'synced':
      label = readOnly ? 'Read-only' : '';
      break;
    case 'editing':
      label = 'Editing…';
      break;
    case 'sending':
      label = 'Applying…';
      break;
    case 'invalid':
      label = `Not applied: line ${s.line}, column ${s.column}: ${s.message}`;
      break;
    case 'failed':
      label = `Not applied: ${s.message}`;
      break;
  }
  const refused = s.state === 'invalid' || s.state === 'failed';
  return (
    <>
      <span className={`yaml-state ${s.state}`} role="status" aria-live="polite" data-state={s.state}>
        <span className="msg" title={label}>{label}</span>
      </span>
      <span className="spacer" />
      {refused && (
        <button className="small" onClick={onDiscard} title="Drop the text typed here and show the pipeline's YAML">
          Discard my text
        </button>
      )}
    </>
  );
}

/** The server's refusal as the editor needs it: a 422 carries the located parse error. */
function saveError(e: unknown): SaveError {
  if (e instanceof ApiError) {
    const details = e.details as { diagnostics?: Diagnostic[] } | undefined;
    return new SaveError(e.message, e.status === 422 ? (details?.diagnostics ?? []) : []);
  }
  return new SaveError(e instanceof Error ? e.message : String(e));
}
