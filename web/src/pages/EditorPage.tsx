// The editor for one pipeline: toolbar, step library, canvas, properties panel and YAML pane (views: visual,
// YAML, split). On narrow screens the side panels become drawers.
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import type { Me } from '../api/session';
import { usePipelineAccess } from '../editor/access';
import { Canvas } from '../editor/Canvas';
import { CollabProvider } from '../editor/collab';
import { Library } from '../editor/Library';
import { PresenceBar } from '../editor/presence/PresenceBar';
import { Shortcuts } from '../editor/Shortcuts';
import { SidePanel } from '../editor/SidePanel';
import { StatusIndicator } from '../editor/StatusIndicator';
import { UndoRedo } from '../editor/keys/UndoRedo';
import { EditorContext, useEditorState } from '../editor/state';
import { awaitingEarlyWelcome, onEarlySocket } from '../sync/early';
import { useAfterFirstPaint } from '../ui/afterFirstPaint';
import { navigate } from '../ui/router';
import { TeamServerStatus } from '../ui/TeamServerStatus';
import { UserMenu } from '../ui/UserMenu';
import type { checkModel } from '../validate/offline';

export type ViewMode = 'visual' | 'yaml' | 'split';

// CodeMirror is a third of the app's code: loaded on its own, so the canvas does not wait for it. A load that
// failed (the network went before it finished) is tried again when the browser is back online, and every few
// seconds: a rejected lazy component would unmount the whole app, so the pane waits, busy, instead.
const YamlPane = lazy(() => untilLoaded(() => import('../editor/YamlPane').then((m) => ({ default: m.YamlPane }))));

/** `load()` until it succeeds, tried again when the browser is back online or after 5 s. */
async function untilLoaded<T>(load: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await load();
    } catch {
      await new Promise<void>((again) => {
        const done = () => {
          clearTimeout(timer);
          window.removeEventListener('online', done);
          again();
        };
        const timer = setTimeout(done, 5000);
        window.addEventListener('online', done);
      });
    }
  }
}

/**
 * One pipeline's editor. Discarding the unsent changes (StatusIndicator) opens it afresh: a new replica,
 * loaded from the server.
 */
export function EditorPage({ id, me }: { id: string; me: Me }) {
  const [opening, setOpening] = useState(0);
  const reopen = useCallback(() => setOpening((n) => n + 1), []);
  const waiting = useEarlyWelcomeWait(id);
  // An empty page for the few ms until the welcome is here: rendering and laying out the empty editor first
  // costs more than that on the main thread, and the editor would then be rendered again.
  if (waiting) return <div className="editor" aria-busy="true" />;
  return <Editor key={opening} id={id} me={me} reopen={reopen} />;
}

/** The longest the editor waits for the early socket's welcome before it renders without it. */
const EARLY_WAIT_MS = 400;

/** Whether to wait for the page's early sync socket (sync/early.ts) to bring the welcome. */
function useEarlyWelcomeWait(id: string): boolean {
  const [waiting, setWaiting] = useState(() => awaitingEarlyWelcome(id));
  useEffect(() => {
    if (!waiting) return;
    const done = () => setWaiting(false);
    const off = onEarlySocket(() => {
      if (!awaitingEarlyWelcome(id)) done();
    });
    const timer = setTimeout(done, EARLY_WAIT_MS);
    // (It may have come between the render and this effect.)
    if (!awaitingEarlyWelcome(id)) done();
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [id, waiting]);
  return waiting;
}

function Editor({ id, me, reopen }: { id: string; me: Me; reopen(): void }) {
  const editor = useEditorState(id);
  const [mode, setMode] = useState<ViewMode>(() => (localStorage.getItem('pe.view') as ViewMode) || 'split');
  const [drawer, setDrawer] = useState<'library' | 'properties' | null>(null);
  const [help, setHelp] = useState(false);
  const panels = useAfterFirstPaint(editor.loaded);
  const yamlWanted = useYamlWanted(mode, editor.loaded);
  useEffect(() => {
    // Written only when it changes (a storage write is not free on the way to the first paint).
    if (localStorage.getItem('pe.view') !== mode) localStorage.setItem('pe.view', mode);
  }, [mode]);

  const name = (() => {
    const root = editor.model.root as { workflow?: { name?: unknown } } | null;
    return typeof root?.workflow?.name === 'string' ? root.workflow.name : 'Untitled pipeline';
  })();
  useEffect(() => {
    document.title = `${name} · Pipeline Editor`;
  }, [name]);

  // Offline the schema's checks run here; the server's full diagnostics replace them once connected.
  const offline = editor.status.state === 'offline' || editor.status.state === 'error';
  const checker = useOfflineChecker(editor.loaded);
  const localIssues = useMemo(
    () => (checker && editor.loaded && offline ? checker(editor.model) : null),
    [checker, editor.loaded, offline, editor.model],
  );
  const access = usePipelineAccess(id, editor.status);
  if (editor.serverError?.code === 'not_found' || access === 'missing') {
    return <main className="center-page"><p role="alert">This pipeline does not exist or you cannot see it.</p></main>;
  }
  const errors = editor.view?.diagnostics.filter((d) => d.severity === 'error').length ?? 0;
  const warnings = editor.view?.diagnostics.filter((d) => d.severity === 'warning').length ?? 0;

  return (
    <EditorContext.Provider value={editor}>
      <CollabProvider>
        <div className={`editor mode-${mode}${drawer ? ` drawer-${drawer}` : ''}`} data-loaded={editor.loaded}>
          <header className="topbar editor-bar">
            <a href="/" className="ghost button" aria-label="All pipelines" onClick={(e) => { e.preventDefault(); navigate('/'); }}>←</a>
            <h1 className="pipeline-name" title={name}>{name}</h1>
            {editor.readOnly && <span className="badge readonly" title="You are a viewer of this team">Read-only</span>}
            <span className="muted small" data-testid="step-count">
              {editor.model.all.length} step{editor.model.all.length === 1 ? '' : 's'}
            </span>
            <span className="diag-summary" aria-label="Diagnostics">
              {errors > 0 && <span className="badge error">{errors} error{errors === 1 ? '' : 's'}</span>}
              {warnings > 0 && <span className="badge warning">{warnings} warning{warnings === 1 ? '' : 's'}</span>}
              {localIssues ? (
                <span className={`badge ${localIssues.length ? 'warning' : 'ok'}`} data-testid="local-issues" title={localIssues.map((i) => `${i.at}${i.field}: ${i.message}`).join('\n')}>
                  {localIssues.length ? `${localIssues.length} issue${localIssues.length === 1 ? '' : 's'}` : 'no schema issues'} · checked locally
                </span>
              ) : (
                editor.view && !errors && !warnings && <span className="badge ok">valid</span>
              )}
              <span hidden data-testid="diag-counts" data-errors={errors} data-warnings={warnings} data-ready={!!editor.view} data-offline-checks={checker ? 'ready' : 'loading'} />
            </span>
            <div className="spacer" />
            <PresenceBar />
            <UndoRedo />
            <TeamServerStatus pipelineId={id} />
            <StatusIndicator onDiscarded={reopen} />
            <div className="segmented" role="group" aria-label="View">
              {(['visual', 'split', 'yaml'] as const).map((m) => (
                <button key={m} aria-pressed={mode === m} onClick={() => setMode(m)}>
                  {m === 'visual' ? 'Visual' : m === 'split' ? 'Split' : 'YAML'}
                </button>
              ))}
            </div>
            <button className="ghost drawer-toggle" aria-label="Step library" onClick={() => setDrawer(drawer === 'library' ? null : 'library')}>☰</button>
            <button className="ghost drawer-toggle" aria-label="Properties" onClick={() => setDrawer(drawer === 'properties' ? null : 'properties')}>⚙</button>
            <button className="ghost" aria-label="Keyboard shortcuts" onClick={() => setHelp(true)}>?</button>
            <UserMenu me={me} />
          </header>
          <div className="editor-body">
            {mode !== 'yaml' && (
              <>
                <aside className="panel library-panel" aria-label="Step library">
                  {panels && <Library />}
                </aside>
                <section className="canvas-area" aria-label="Canvas">
                  <Canvas />
                </section>
                <aside className="panel properties-panel" aria-label="Properties">
                  {panels && <SidePanel />}
                </aside>
              </>
            )}
            {mode !== 'visual' && (
              <section className="yaml-area" aria-label="YAML">
                {yamlWanted ? (
                  <Suspense fallback={<div className="yaml-pane" aria-busy="true" />}>
                    <YamlPane />
                  </Suspense>
                ) : (
                  <div className="yaml-pane" aria-busy="true" />
                )}
              </section>
            )}
          </div>
          <Shortcuts mode={mode} setMode={setMode} help={help} setHelp={setHelp} />
        </div>
      </CollabProvider>
    </EditorContext.Provider>
  );
}

/**
 * The offline checker (its compiled validators are ~450 KB of code), loaded as soon as the editor has its
 * document: not on the way to the first paint, and there when the network goes. A load that failed (the
 * network went first) is tried again (`untilLoaded`).
 */
function useOfflineChecker(wanted: boolean): typeof checkModel | null {
  const [checker, setChecker] = useState<typeof checkModel | null>(null);
  useEffect(() => {
    if (!wanted || checker) return;
    let live = true;
    const timer = setTimeout(() => {
      void untilLoaded(() => import('../validate/offline')).then((m) => {
        if (live) setChecker(() => m.checkModel);
      });
    }, 0);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [wanted, checker]);
  return checker;
}

/**
 * Whether the YAML pane's code is to load: at once in the YAML view; beside the canvas, in the frame after
 * the canvas has painted the loaded document (so the steps do not wait for CodeMirror), and from then on.
 */
function useYamlWanted(mode: ViewMode, loaded: boolean): boolean {
  const [wanted, setWanted] = useState(mode === 'yaml');
  useEffect(() => {
    if (wanted || mode === 'visual') return;
    if (mode === 'yaml') return setWanted(true);
    if (!loaded) return;
    let t: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => {
      t = setTimeout(() => setWanted(true), 0);
    });
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(t);
    };
  }, [wanted, mode, loaded]);
  return wanted;
}
