// On a local node (docs/local-node.md), the link to the team server: a quiet pill in the top bar (synced,
// sending, reconnecting, unreachable) that opens the details: the team server's address and state, the next
// attempt and the last error while it is unreachable, the last time it was in sync, and the pipelines whose
// link is not in sync (pending changes, retrying, gone). In the editor the pill is about the open pipeline.
// On a server that is no local node it shows nothing.
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import type { PipelineSync, SyncToEnabled } from '../api/syncTo';
import { exactly, when } from '../editor/time';
import { useTeamServer } from './teamServer';
import { useDismiss } from './dismiss';
import './team-server.css';

type Tone = 'ok' | 'busy' | 'offline' | 'error' | 'local';

interface Summary {
  tone: Tone;
  label: string;
}

const changes = (n: number) => `${n} change${n === 1 ? '' : 's'}`;

function linkSummary(p: PipelineSync): Summary {
  switch (p.state) {
    case 'connected':
      return p.pending_changes ? { tone: 'busy', label: `sending ${changes(p.pending_changes)}` } : { tone: 'ok', label: 'synced' };
    case 'connecting':
      return { tone: 'busy', label: 'connecting' };
    case 'retrying':
      return { tone: 'offline', label: p.pending_changes ? `reconnecting · ${changes(p.pending_changes)} waiting` : 'reconnecting' };
    case 'gone':
      return { tone: 'error', label: 'not on the team server' };
  }
}

/** What the pill says: about `pipelineId` when given, else about every replicated pipeline. */
export function summarize(s: SyncToEnabled, pipelineId?: string): Summary {
  if (s.state === 'unreachable') return { tone: 'offline', label: 'unreachable' };
  if (pipelineId) {
    const p = s.pipelines.find((x) => x.id === pipelineId);
    if (p) return linkSummary(p);
    // Created on this node (never sent upstream), or not listed yet.
    return s.state === 'starting' ? { tone: 'busy', label: 'connecting' } : { tone: 'local', label: 'local only' };
  }
  if (s.state === 'starting') return { tone: 'busy', label: 'connecting' };
  const gone = s.pipelines.filter((p) => p.state === 'gone').length;
  const retrying = s.pipelines.filter((p) => p.state === 'retrying').length;
  const pending = s.pipelines.reduce((n, p) => n + p.pending_changes, 0);
  if (retrying) return { tone: 'offline', label: 'reconnecting' };
  if (s.pipelines.some((p) => p.state === 'connecting')) return { tone: 'busy', label: 'connecting' };
  if (pending) return { tone: 'busy', label: `sending ${changes(pending)}` };
  if (gone) return { tone: 'error', label: `${gone} pipeline${gone === 1 ? '' : 's'} not on the team server` };
  return { tone: 'ok', label: 'synced' };
}

/** Re-renders every second while `on`: for "next try in N s". */
function useTicking(on: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!on) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [on]);
  return now;
}

function retryText(retryInMs: number | null, receivedAt: number, now: number): string | null {
  if (retryInMs === null) return null;
  const s = Math.ceil((receivedAt + retryInMs - now) / 1000);
  return s > 0 ? `next try in ${s} s` : 'trying again now';
}

const ms = (rfc3339: string | null) => (rfc3339 ? Date.parse(rfc3339) : 0);

export function TeamServerStatus({ pipelineId }: { pipelineId?: string }) {
  const { status, receivedAt, stale } = useTeamServer();
  const [open, setOpen] = useState(false);
  const close = useCallback(() => setOpen(false), []);
  const anchor = useRef<HTMLDivElement>(null);
  const panelId = useId();

  useDismiss(open, close, anchor, '.team-server-button');

  const now = useTicking(open && !!status);
  if (!status) return null;
  const summary = summarize(status, pipelineId);
  const text = `Team server: ${summary.label}`;
  const lastSynced = Math.max(0, ...status.pipelines.map((p) => ms(p.last_synced_at)));
  const mine = pipelineId ? status.pipelines.find((p) => p.id === pipelineId) : undefined;
  const others = status.pipelines.filter((p) => p.id !== pipelineId && (p.state !== 'connected' || p.pending_changes > 0));
  const upstreamRetry = status.state === 'unreachable' ? retryText(status.retry_in_ms, receivedAt, now) : null;

  return (
    <div className="menu-anchor team-server" ref={anchor} data-testid="team-server" data-tone={summary.tone} data-state={status.state}>
      <button
        className={`ghost small team-server-button ${summary.tone}`}
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        title={status.upstream}
        onClick={() => setOpen((o) => !o)}
      >
        <span className="dot" aria-hidden="true" />
        {text}
        {stale && <span className="muted"> (not current)</span>}
      </button>
      {/* Announced when the state changes, not on every poll. */}
      <span className="visually-hidden" role="status">{text}</span>
      {open && (
        <div className="menu align-right team-server-panel" id={panelId} role="dialog" aria-label="Team server sync">
          <h2>Team server</h2>
          <p className="team-server-url"><code>{status.upstream}</code></p>
          <dl>
            <dt>State</dt>
            <dd data-testid="team-server-state">
              {status.state === 'reachable' ? 'Connected' : status.state === 'unreachable' ? 'Unreachable' : 'Connecting…'}
              {upstreamRetry && ` · ${upstreamRetry}`}
            </dd>
            {status.error && (
              <>
                <dt>Last error</dt>
                <dd className="error-text" data-testid="team-server-error">{status.error}</dd>
              </>
            )}
            <dt>Last in sync</dt>
            <dd title={exactly(lastSynced)}>{lastSynced ? when(lastSynced, now) : 'not yet'}</dd>
            {stale && (
              <>
                <dt>Note</dt>
                <dd>This page could not ask the local node lately; this is its last answer.</dd>
              </>
            )}
          </dl>
          {pipelineId && (
            <p className="team-server-mine" data-testid="team-server-pipeline">
              {mine ? <LinkLine p={mine} receivedAt={receivedAt} now={now} label="This pipeline" /> : 'This pipeline is only on this node: it is not sent to the team server.'}
            </p>
          )}
          {others.length > 0 && (
            <>
              <h3>{pipelineId ? 'Other pipelines not in sync' : 'Pipelines not in sync'}</h3>
              <ul className="team-server-links">
                {others.map((p) => (
                  <li key={p.id}><LinkLine p={p} receivedAt={receivedAt} now={now} label={p.name || p.id} /></li>
                ))}
              </ul>
            </>
          )}
          {!others.length && !pipelineId && status.pipelines.length > 0 && (
            <p className="muted small">All {status.pipelines.length} replicated pipelines are in sync.</p>
          )}
        </div>
      )}
    </div>
  );
}

function LinkLine({ p, receivedAt, now, label }: { p: PipelineSync; receivedAt: number; now: number; label: string }) {
  const s = linkSummary(p);
  const retry = p.state === 'retrying' ? retryText(p.retry_in_ms, receivedAt, now) : null;
  return (
    <span className={`team-server-link ${s.tone}`} data-link-state={p.state}>
      <span className="dot" aria-hidden="true" />
      <strong>{label}</strong>: {s.label}
      {retry && ` · ${retry}`}
      {p.error && <span className="error-text"> · {p.error}</span>}
    </span>
  );
}
