// The history tab: save a version (the Ctrl/Cmd+S dialog), the versions (compare any two, or one with the
// current state; restore one as a new version) and the recent changes from the document's own history.
// The server pushes no notice when someone saves a version, so while this tab is open the list is fetched
// again every few seconds (one small query), at once after a save or restore here, and when a change made on
// the server (a restore elsewhere) arrives.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { announceVersions, listVersions, restoreVersion, VERSIONS_CHANGED, type VersionSummary } from '../../api/versions';
import { Dialog } from '../keys/Dialog';
import { SaveVersion } from '../keys/SaveVersion';
import { useCollab } from '../collab';
import { useEditor } from '../state';
import { exactly, when } from '../time';
import { recentChanges } from './changes';
import { DiffDialog } from './DiffDialog';
import './history.css';

const POLL_MS = 3000;
export const CURRENT = 'current';

export const versionLabel = (v: VersionSummary | undefined): string =>
  !v ? 'Current state' : v.message.trim() || `Version of ${new Date(v.created_at).toLocaleString()}`;

function useVersions(pipelineId: string) {
  const [versions, setVersions] = useState<VersionSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresh = useCallback(() => {
    listVersions(pipelineId).then(
      (v) => {
        setVersions((old) => (old && JSON.stringify(old) === JSON.stringify(v) ? old : v));
        setError(null);
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  }, [pipelineId]);
  useEffect(() => {
    refresh();
    const timer = setInterval(() => document.visibilityState === 'visible' && refresh(), POLL_MS);
    window.addEventListener(VERSIONS_CHANGED, refresh);
    return () => {
      clearInterval(timer);
      window.removeEventListener(VERSIONS_CHANGED, refresh);
    };
  }, [refresh]);
  return { versions, error, refresh };
}

export function HistoryPanel() {
  const { pipelineId, readOnly, doc, revision } = useEditor();
  const { nameOf, peerName } = useCollab();
  const { versions, error, refresh } = useVersions(pipelineId);
  const [saving, setSaving] = useState(false);
  const [restoring, setRestoring] = useState<VersionSummary | null>(null);
  const [from, setFrom] = useState<string>('');
  const [to, setTo] = useState<string>(CURRENT);
  const [comparing, setComparing] = useState<{ from: string; to: string } | null>(null);

  // Default comparison: the newest version against the current state.
  useEffect(() => {
    if (versions?.length && !versions.some((v) => v.id === from)) setFrom(versions[0].id);
  }, [versions, from]);

  const changes = useMemo(() => recentChanges(doc), [doc, revision]);

  // A change from a replica with no author record (the server: a restore, the YAML pane) may come with a
  // new version: look at once rather than at the next poll.
  const newest = changes[0];
  const lastSeen = useRef(newest);
  useEffect(() => {
    if (newest && lastSeen.current && newest.at !== lastSeen.current.at && !peerName(newest.peer)) refresh();
    lastSeen.current = newest;
  }, [newest, peerName, refresh]);

  const byId = new Map(versions?.map((v) => [v.id, v]));
  const options = (withCurrent: boolean) => (
    <>
      {withCurrent && <option value={CURRENT}>Current state</option>}
      {versions?.map((v) => (
        <option key={v.id} value={v.id}>
          {versionLabel(v)} · {when(Date.parse(v.created_at))}
        </option>
      ))}
    </>
  );

  return (
    <div className="hs-panel">
      <section aria-label="Versions">
        <div className="row">
          <h3>Versions</h3>
          {!readOnly && (
            <button type="button" className="small" onClick={() => setSaving(true)}>
              Save version…
            </button>
          )}
        </div>
        {error && <p className="error-text small" role="alert">{error}</p>}
        {versions === null ? (
          <p className="muted small">Loading…</p>
        ) : versions.length === 0 ? (
          <p className="muted small">No versions yet. Save one (Ctrl+S) to mark a state you can come back to.</p>
        ) : (
          <ol className="hs-versions">
            {versions.map((v) => (
              <li key={v.id} className="hs-version" aria-label={`Version ${versionLabel(v)}`}>
                <span className="hs-version-message">{versionLabel(v)}</span>
                <span className="muted small">
                  {v.author ? nameOf(v.author) : 'Imported'} · <time dateTime={v.created_at} title={exactly(Date.parse(v.created_at))}>{when(Date.parse(v.created_at))}</time>
                </span>
                <span className="hs-version-actions">
                  <button type="button" className="ghost small" onClick={() => setComparing({ from: v.id, to: CURRENT })} aria-label={`Compare ${versionLabel(v)} with the current state`}>
                    Compare with now
                  </button>
                  {!readOnly && (
                    <button type="button" className="ghost small" onClick={() => setRestoring(v)} aria-label={`Restore ${versionLabel(v)}`}>
                      Restore…
                    </button>
                  )}
                </span>
              </li>
            ))}
          </ol>
        )}
        {versions && versions.length > 0 && (
          <form
            className="hs-compare"
            aria-label="Compare versions"
            onSubmit={(e) => {
              e.preventDefault();
              if (from) setComparing({ from, to });
            }}
          >
            <label>
              From
              <select value={from} onChange={(e) => setFrom(e.target.value)}>
                {options(false)}
              </select>
            </label>
            <label>
              To
              <select value={to} onChange={(e) => setTo(e.target.value)}>
                {options(true)}
              </select>
            </label>
            <button type="submit" disabled={!from || from === to}>
              Compare
            </button>
          </form>
        )}
      </section>

      <section aria-label="Recent changes">
        <h3>Recent changes</h3>
        {changes.length === 0 ? (
          <p className="muted small">No changes yet.</p>
        ) : (
          <ol className="hs-changes">
            {changes.map((c) => (
              <li key={`${c.peer}-${c.at}-${c.since}`} className="hs-change">
                <span className="hs-change-who">{peerName(c.peer) ?? 'Server'}</span>{' '}
                <span className="hs-change-what">{c.what.slice(0, 4).join(', ')}{c.what.length > 4 ? '…' : ''}</span>
                <time className="muted small" dateTime={new Date(c.at).toISOString()} title={exactly(c.at)}>
                  {when(c.at)}
                </time>
              </li>
            ))}
          </ol>
        )}
      </section>

      {saving && (
        <SaveVersion pipelineId={pipelineId} onClose={() => setSaving(false)} onSaved={() => setSaving(false)} />
      )}
      {restoring && <RestoreDialog pipelineId={pipelineId} version={restoring} onClose={() => setRestoring(null)} />}
      {comparing && (
        <DiffDialog
          pipelineId={pipelineId}
          from={comparing.from}
          to={comparing.to}
          label={(id) => versionLabel(id === CURRENT ? undefined : byId.get(id))}
          onClose={() => setComparing(null)}
        />
      )}
    </div>
  );
}

function RestoreDialog(props: { pipelineId: string; version: VersionSummary; onClose(): void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const restore = async () => {
    setBusy(true);
    setError(null);
    try {
      await restoreVersion(props.pipelineId, props.version.id);
      announceVersions();
      props.onClose();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setBusy(false);
    }
  };
  return (
    <Dialog label="Restore version" onClose={props.onClose} className="hs-restore">
      <h2>Restore “{versionLabel(props.version)}”?</h2>
      <p className="small">
        The pipeline becomes what it was in this version, as a new change everyone sees, and the result is saved as a
        new version. Nothing is lost: the current state stays in the history.
      </p>
      {error && <p className="error-text small" role="alert">{error}</p>}
      <div className="row">
        <span className="spacer" />
        <button type="button" onClick={props.onClose}>Cancel</button>
        <button type="button" className="primary" disabled={busy} onClick={restore}>Restore</button>
      </div>
    </Dialog>
  );
}
