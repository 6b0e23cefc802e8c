// The editor's state for one open pipeline: a Loro replica synced over the WebSocket, the model derived from
// it (brought up to date once per frame after changes, from Loro's events: doc/modelUpdates.ts), the server's
// view (exact YAML + diagnostics), selection, and a per-user UndoManager (Loro's: it only ever undoes this
// replica's own changes).
import { createContext, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { UndoManager, type LoroDoc, type TreeID } from 'loro-crdt';
import { ChangeLog, updateModel } from '../doc/modelUpdates';
import { frontiersKey, newDoc, positions, type Model } from '../doc/pipeline';
import { ReplicaPersistence } from '../offline/persist';
import { SyncConnection, type SyncStatus } from '../sync/connection';
import { hasEarlyWelcome } from '../sync/early';
import type { Diagnostic, WelcomeInfo } from '../sync/protocol';

export interface View {
  yaml: string;
  diagnostics: Diagnostic[];
  version: number;
}

/**
 * The per-user undo history. The UndoManager is created once the first welcome is imported: a Loro import
 * with subscribers computes events for the whole document (a 1000-step snapshot: ~70 ms instead of ~1 ms),
 * and nothing before the first welcome can be undone anyway.
 */
export class Undo {
  manager: UndoManager | null = null;
  undo(): boolean {
    return this.manager?.undo() ?? false;
  }
  redo(): boolean {
    return this.manager?.redo() ?? false;
  }
  canUndo(): boolean {
    return this.manager?.canUndo() ?? false;
  }
  canRedo(): boolean {
    return this.manager?.canRedo() ?? false;
  }
  setMergeInterval(ms: number): void {
    this.manager?.setMergeInterval(ms);
  }
}

export interface EditorState {
  pipelineId: string;
  doc: LoroDoc;
  conn: SyncConnection;
  undo: Undo;
  model: Model;
  positions: Map<TreeID, { x: number; y: number }>;
  /** Bumped on every document change (for memo keys). */
  revision: number;
  view: View | null;
  status: SyncStatus;
  info: WelcomeInfo | null;
  readOnly: boolean;
  /** Whether the first welcome has arrived (the document is loaded). */
  loaded: boolean;
  serverError: { code: string; message: string } | null;
  selection: TreeID[];
  setSelection(ids: TreeID[]): void;
  /**
   * Stops syncing and drops this device's copy of the pipeline with the changes the server has not taken
   * (offline/persist.ts `discard`); the caller then opens the pipeline afresh (EditorPage).
   */
  discardUnsent(): Promise<void>;
}

export function useEditorState(pipelineId: string): EditorState {
  const ref = useRef<{ doc: LoroDoc; conn: SyncConnection; undo: Undo; persist: ReplicaPersistence; startUndo: () => void; log: ChangeLog } | null>(null);
  /** Set while the editor's first render imports an early welcome: that render reads the model anyway. */
  const firstRender = useRef(false);
  const [revision, setRevision] = useState(0);
  const [view, setView] = useState<View | null>(null);
  const [status, setStatus] = useState<SyncStatus>({ state: 'connecting', pending: 0 });
  const [info, setInfo] = useState<WelcomeInfo | null>(null);
  const [serverError, setServerError] = useState<EditorState['serverError']>(null);
  const [selection, setSelection] = useState<TreeID[]>([]);

  if (!ref.current) {
    const doc = newDoc();
    const undo = new Undo();
    /** What changed since the model was read (everything, until a subscription says more precisely). */
    const log = new ChangeLog();
    // Typing within 500 ms is one undo step; 500 steps kept.
    // Commits with a `pe:` origin are bookkeeping (doc/authors.ts, doc/comments.ts), never undo steps.
    const startUndo = () => {
      undo.manager ??= new UndoManager(doc, { mergeInterval: 500, maxUndoSteps: 500, excludeOriginPrefixes: ['pe:'] });
    };
    const conn: SyncConnection = new SyncConnection(pipelineId, doc, {
      status: (s) => {
        setStatus(s);
        persist.status(s.pending, s.state);
      },
      welcome: (i) => {
        startUndo();
        persist.welcome(i);
        setInfo(i);
        log.all();
        if (!firstRender.current) setRevision((r) => r + 1);
      },
      view: (v) => setView((old) => (old && old.version > v.version ? old : { yaml: v.yaml, diagnostics: v.diagnostics, version: v.version })),
      error: (code, message) => setServerError({ code, message }),
    });
    const persist = new ReplicaPersistence(pipelineId, doc, () => conn.pending);
    ref.current = { doc, conn, undo, persist, startUndo, log };
    // The welcome already came on the page's early socket (sync/early.ts): imported now, so the first render
    // has the pipeline (the empty editor would be rendered and laid out once for nothing). The state
    // updates this makes are this component's own, during its first render.
    if (hasEarlyWelcome(pipelineId)) {
      firstRender.current = true;
      conn.start();
      firstRender.current = false;
    }
  }
  const { doc, conn, undo, persist, startUndo, log } = ref.current;

  /** The document's version when the model was last read. */
  const readAt = useRef('');

  // What this device kept of the pipeline: the editor opens with it without a server, and what the server
  // lacks of it is sent (offline/persist.ts).
  useEffect(() => {
    persist.start();
    persist.restoreWhenUseful((kept) => {
      conn.addRestored(kept.added, kept.unsynced);
      if (!kept.info) return;
      startUndo();
      setInfo((cur) => cur ?? kept.info);
      // The model is read again only if the kept copy changed the document (usually it holds what the welcome did).
      if (frontiersKey(doc) !== readAt.current) {
        log.all();
        setRevision((r) => r + 1);
      }
    });
    return () => persist.stop();
  }, [persist, conn, startUndo, log]);

  // Subscribed after the first welcome (see Undo): later changes re-read the model once per frame.
  const loaded = info !== null;
  useEffect(() => {
    if (!loaded) return;
    let frame = 0;
    const unsub = doc.subscribe((batch) => {
      log.note(batch);
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        setRevision((r) => r + 1);
      });
    });
    // Anything imported between the welcome's render and this subscription (a second read of a large
    // pipeline's model costs as much as the first: only when something came in).
    if (frontiersKey(doc) !== readAt.current) {
      log.all();
      setRevision((r) => r + 1);
    }
    return () => {
      unsub();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [doc, loaded, log]);

  useEffect(() => {
    conn.start();
    return () => conn.close();
  }, [conn]);

  // The model and the positions as of the last read, brought up to date with what changed since.
  const read = useRef<{ model: Model; pos: Map<TreeID, { x: number; y: number }> } | null>(null);
  const { model, pos } = useMemo(() => {
    const changes = log.take();
    const last = read.current;
    const m = updateModel(doc, last?.model ?? null, changes, conn.serverTreeNow());
    const p = !last || changes.full || changes.layout ? positions(doc) : last.pos;
    read.current = { model: m, pos: p };
    readAt.current = frontiersKey(doc);
    if (m.all.length && !last?.model.all.length) performance.mark('pe:model');
    return read.current;
  }, [doc, conn, log, revision]);

  // Selection follows the model: steps deleted (by anyone) leave it.
  const liveSelection = useMemo(() => selection.filter((id) => model.byId.has(id)), [selection, model]);

  // Exposed for browser tests and debugging: the replica and its connection.
  useEffect(() => {
    (window as unknown as { __pe?: unknown }).__pe = { doc, conn, undo, persist };
  }, [doc, conn, undo, persist]);

  return {
    pipelineId,
    doc,
    conn,
    undo,
    model,
    positions: pos,
    revision,
    view,
    status,
    info,
    readOnly: info?.role === 'read_only',
    loaded: info !== null,
    serverError,
    selection: liveSelection,
    setSelection,
    discardUnsent: async () => {
      conn.close();
      await persist.discard();
    },
  };
}

export const EditorContext = createContext<EditorState | null>(null);

export function useEditor(): EditorState {
  const e = useContext(EditorContext);
  if (!e) throw new Error('useEditor outside an editor');
  return e;
}
