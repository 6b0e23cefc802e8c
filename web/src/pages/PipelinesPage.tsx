// The pipelines page: search as you type, create (blank, starter, team template), import files (picker or
// drop anywhere), export one or all, delete with undo.
import { useCallback, useEffect, useRef, useState, type DragEvent } from 'react';
import { ApiError } from '../api/client';
import {
  createPipeline,
  deletePipeline,
  download,
  fileNameOf,
  getYaml,
  instantiateTemplate,
  listPipelines,
  listTemplates,
  restorePipeline,
  type PipelinePage,
  type PipelineSummary,
} from '../api/pipelines';
import type { Me } from '../api/session';
import type { Diagnostic } from '../sync/protocol';
import { navigate } from '../ui/router';
import { UserMenu } from '../ui/UserMenu';
import { STARTERS } from '../ui/starters';
import { TeamServerStatus } from '../ui/TeamServerStatus';

interface ImportResult {
  file: string;
  id?: string;
  error?: string;
  diagnostics: Diagnostic[];
}

export function PipelinesPage({ me }: { me: Me }) {
  const [query, setQuery] = useState('');
  const [page, setPage] = useState<PipelinePage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [templates, setTemplates] = useState<PipelineSummary[]>([]);
  const [newOpen, setNewOpen] = useState(false);
  const [imports, setImports] = useState<ImportResult[] | null>(null);
  const [dragging, setDragging] = useState(false);
  const [undo, setUndo] = useState<PipelineSummary | null>(null);
  const [reload, setReload] = useState(0);
  const fileInput = useRef<HTMLInputElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const canEdit = me.teams.some((t) => t.role !== 'viewer');

  useEffect(() => {
    const ctl = new AbortController();
    const t = setTimeout(() => {
      listPipelines(query, ctl.signal).then(
        (p) => { setPage(p); setError(null); },
        (e) => { if (!ctl.signal.aborted) setError((e as Error).message); },
      );
    }, query ? 120 : 0);
    return () => { clearTimeout(t); ctl.abort(); };
  }, [query, reload]);

  useEffect(() => {
    listTemplates().then((p) => setTemplates(p.items), () => setTemplates([]));
  }, [reload]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === '/' && document.activeElement?.tagName !== 'INPUT') {
        e.preventDefault();
        searchRef.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const open = (id: string) => navigate(`/p/${id}`);

  const createFrom = async (yaml: string) => {
    setNewOpen(false);
    try {
      const c = await createPipeline(yaml);
      open(c.id);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const fromTemplate = async (t: PipelineSummary) => {
    setNewOpen(false);
    try {
      const c = await instantiateTemplate(t.id);
      open(c.id);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const importFiles = useCallback(async (files: File[]) => {
    const yamlFiles = files.filter((f) => /\.ya?ml$/i.test(f.name));
    const results: ImportResult[] = [];
    for (const f of files.filter((f) => !yamlFiles.includes(f))) {
      results.push({ file: f.name, error: 'not a .yaml or .yml file', diagnostics: [] });
    }
    setImports([...results]);
    for (const f of yamlFiles) {
      try {
        const c = await createPipeline(await f.text(), f.name);
        results.push({ file: f.name, id: c.id, diagnostics: c.diagnostics });
      } catch (e) {
        // A parse error's message carries its line:column already.
        results.push({ file: f.name, error: (e as ApiError).message, diagnostics: [] });
      }
      setImports([...results]);
    }
    setReload((r) => r + 1);
  }, []);

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    if (e.dataTransfer.files.length) void importFiles([...e.dataTransfer.files]);
  };

  const remove = async (p: PipelineSummary) => {
    try {
      await deletePipeline(p.id);
      setUndo(p);
      setReload((r) => r + 1);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const undoDelete = async () => {
    if (!undo) return;
    try {
      await restorePipeline(undo.id);
      setUndo(null);
      setReload((r) => r + 1);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const exportOne = async (p: PipelineSummary) => {
    download(fileNameOf(p), await getYaml(p.id), 'application/yaml');
  };

  const items = page?.items ?? [];
  const empty = page && items.length === 0 && !query;

  return (
    <div
      className={`pipelines-page${dragging ? ' dragging' : ''}`}
      onDragOver={(e) => { if (e.dataTransfer.types.includes('Files')) { e.preventDefault(); setDragging(true); } }}
      onDragLeave={(e) => { if (e.currentTarget === e.target) setDragging(false); }}
      onDrop={onDrop}
    >
      <header className="topbar">
        <h1 className="brand">Pipeline Editor</h1>
        <input
          ref={searchRef}
          className="search"
          type="search"
          placeholder="Search pipelines  ( / )"
          aria-label="Search pipelines"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <div className="spacer" />
        <TeamServerStatus />
        {canEdit && (
          <div className="menu-anchor">
            <button className="primary" aria-haspopup="menu" aria-expanded={newOpen} onClick={() => setNewOpen((o) => !o)}>
              New pipeline
            </button>
            {newOpen && (
              <div className="menu" role="menu" aria-label="New pipeline">
                {STARTERS.map((s) => (
                  <button key={s.id} role="menuitem" onClick={() => void createFrom(s.yaml)}>
                    <strong>{s.title}</strong>
                    <span className="muted small">{s.description}</span>
                  </button>
                ))}
                {templates.length > 0 && <div className="menu-label">Team templates</div>}
                {templates.map((t) => (
                  <button key={t.id} role="menuitem" onClick={() => void fromTemplate(t)}>
                    <strong>{t.name}</strong>
                    {t.description && <span className="muted small">{t.description}</span>}
                  </button>
                ))}
              </div>
            )}
          </div>
        )}
        {canEdit && (
          <>
            <button onClick={() => fileInput.current?.click()}>Import…</button>
            <input
              ref={fileInput}
              type="file"
              accept=".yaml,.yml"
              multiple
              hidden
              aria-label="Import YAML files"
              data-testid="import-input"
              onChange={(e) => { if (e.target.files) void importFiles([...e.target.files]); e.target.value = ''; }}
            />
          </>
        )}
        <a className="button" href="/api/export.zip" download>Export all (.zip)</a>
        <UserMenu me={me} />
      </header>

      <main className="pipelines-main">
        {error && <p role="alert" className="error-text">{error}</p>}
        {imports && (
          <section className="card import-results" aria-label="Import results">
            <header className="row">
              <h2>Imported {imports.filter((r) => r.id).length} of {imports.length} files</h2>
              <button className="ghost" aria-label="Close import results" onClick={() => setImports(null)}>×</button>
            </header>
            <ul>
              {imports.map((r) => (
                <li key={r.file} className={r.error ? 'bad' : 'ok'}>
                  <strong>{r.file}</strong>{' '}
                  {r.error ? (
                    <span className="error-text">refused: {r.error}</span>
                  ) : (
                    <>
                      <DiagCounts diagnostics={r.diagnostics} />{' '}
                      <a href={`/p/${r.id}`} onClick={(e) => { e.preventDefault(); open(r.id!); }}>open</a>
                      {r.diagnostics.length > 0 && (
                        <ul className="diag-list">
                          {r.diagnostics.slice(0, 5).map((d, i) => (
                            <li key={i} className={d.severity}>
                              {d.line}:{d.column} {d.message}
                            </li>
                          ))}
                          {r.diagnostics.length > 5 && <li className="muted">…and {r.diagnostics.length - 5} more</li>}
                        </ul>
                      )}
                    </>
                  )}
                </li>
              ))}
            </ul>
          </section>
        )}

        {empty && me.teams.length === 0 ? (
          <section className="empty-state card">
            <h2>You are not in any team</h2>
            <p>Pipelines belong to teams. Ask an owner or admin of a team to invite you.</p>
          </section>
        ) : empty ? (
          <section className="empty-state card">
            <h2>Build your first pipeline</h2>
            <p>Start from a template or a blank canvas. You can also drop YAML files anywhere on this page.</p>
            <div className="starter-grid">
              {STARTERS.map((s) => (
                <button key={s.id} className="starter" onClick={() => void createFrom(s.yaml)} disabled={!canEdit}>
                  <strong>{s.title}</strong>
                  <span className="muted small">{s.description}</span>
                </button>
              ))}
            </div>
          </section>
        ) : (
          <>
            <p className="muted small" aria-live="polite">
              {page ? `${page.total_capped ? `${page.total}+` : page.total} pipeline${page.total === 1 ? '' : 's'}` : 'Loading…'}
            </p>
            <ul className="pipeline-list" aria-label="Pipelines">
              {items.map((p) => (
                <li key={p.id} className="pipeline-row">
                  <a href={`/p/${p.id}`} onClick={(e) => { e.preventDefault(); open(p.id); }} className="pipeline-link">
                    <strong>{p.name}</strong>
                    <span className="muted small">{p.file_name ?? ''}{p.is_template ? ' · template' : ''}</span>
                    {p.description && <span className="muted small ellipsis">{p.description}</span>}
                  </a>
                  <time className="muted small" dateTime={p.updated_at}>{new Date(p.updated_at).toLocaleString()}</time>
                  <button className="ghost" aria-label={`Export ${p.name}`} onClick={() => void exportOne(p)}>Export</button>
                  {canEdit && (
                    <button className="ghost danger" aria-label={`Delete ${p.name}`} onClick={() => void remove(p)}>Delete</button>
                  )}
                </li>
              ))}
            </ul>
          </>
        )}
      </main>
      {undo && (
        <div className="toast" role="status">
          Deleted “{undo.name}”. <button onClick={() => void undoDelete()}>Undo</button>
          <button className="ghost" aria-label="Dismiss" onClick={() => setUndo(null)}>×</button>
        </div>
      )}
      {dragging && <div className="drop-overlay" aria-hidden="true">Drop YAML files to import them</div>}
    </div>
  );
}

export function DiagCounts({ diagnostics }: { diagnostics: Diagnostic[] }) {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
  if (!errors && !warnings) return <span className="badge ok">valid</span>;
  return (
    <>
      {errors > 0 && <span className="badge error">{errors} error{errors === 1 ? '' : 's'}</span>}{' '}
      {warnings > 0 && <span className="badge warning">{warnings} warning{warnings === 1 ? '' : 's'}</span>}
    </>
  );
}
