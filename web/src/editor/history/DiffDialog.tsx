// What changed between two versions (or a version and the current state), from GET …/diff: the steps
// (added, removed, moved, changed fields; steps matched by identity, so a renamed or moved step is the same
// step) and the YAML side by side, built from the server's unified diff.
import { useEffect, useState } from 'react';
import { diffVersions, type StepChange, type VersionDiff } from '../../api/versions';
import { Dialog } from '../keys/Dialog';
import { sideBySide, type Row } from './yamlDiff';

const show = (v: unknown): string => {
  if (v === undefined || v === null) return '—';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}…` : s;
};
const nameOf = (c: StepChange) => (typeof c.name === 'string' && c.name ? c.name : 'unnamed step');

export function DiffDialog(props: { pipelineId: string; from: string; to: string; label(id: string): string; onClose(): void }) {
  const [diff, setDiff] = useState<VersionDiff | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setDiff(null);
    diffVersions(props.pipelineId, props.from, props.to).then(
      (d) => live && setDiff(d),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [props.pipelineId, props.from, props.to]);

  return (
    <Dialog label="Changes between versions" onClose={props.onClose} className="hs-diff">
      <div className="row">
        <h2>
          {props.label(props.from)} → {props.label(props.to)}
        </h2>
        <button type="button" className="ghost" aria-label="Close" onClick={props.onClose}>✕</button>
      </div>
      {error && <p className="error-text small" role="alert">{error}</p>}
      {!diff && !error && <p className="muted small">Comparing…</p>}
      {diff && (
        <>
          <section aria-label="Step changes">
            <h3>Steps</h3>
            {diff.steps.length === 0 ? (
              <p className="muted small">No step changed.{diff.workflow_changed ? ' Workflow settings changed.' : ''}</p>
            ) : (
              <ul className="hs-steps">
                {diff.steps.map((c, i) => (
                  <StepChangeItem key={`${c.step}-${c.kind}-${i}`} change={c} />
                ))}
                {diff.workflow_changed && <li className="hs-step changed">Workflow settings changed</li>}
              </ul>
            )}
          </section>
          <section aria-label="YAML side by side">
            <h3>YAML</h3>
            {diff.yaml ? <SideBySide rows={sideBySide(diff.yaml)} /> : <p className="muted small">The YAML is identical.</p>}
          </section>
        </>
      )}
    </Dialog>
  );
}

function StepChangeItem({ change: c }: { change: StepChange }) {
  switch (c.kind) {
    case 'added':
      return <li className="hs-step added" data-kind="added"><b>Added</b> <code>{nameOf(c)}</code> <span className="muted">at {c.path}</span></li>;
    case 'removed':
      return <li className="hs-step removed" data-kind="removed"><b>Removed</b> <code>{nameOf(c)}</code> <span className="muted">from {c.path}</span></li>;
    case 'moved':
      return <li className="hs-step moved" data-kind="moved"><b>Moved</b> <code>{nameOf(c)}</code> <span className="muted">from {c.from} to {c.to}</span></li>;
    case 'changed':
      return (
        <li className="hs-step changed" data-kind="changed">
          <b>Changed</b> <code>{nameOf(c)}</code> <span className="muted">at {c.path}</span>
          <ul className="hs-fields">
            {c.fields.map((f) => (
              <li key={f.key}>
                <code>{f.key}</code>: <del>{show(f.before)}</del> → <ins>{show(f.after)}</ins>
              </li>
            ))}
          </ul>
        </li>
      );
  }
}

function SideBySide({ rows }: { rows: Row[] }) {
  return (
    <div className="hs-yaml" role="table" aria-label="YAML diff, before on the left, after on the right">
      {rows.map((r, i) =>
        r.kind === 'gap' ? (
          <div key={i} className="hs-gap" role="row">
            <span role="cell">⋯</span>
          </div>
        ) : (
          <div key={i} className="hs-row" role="row">
            <span role="cell" className="hs-no">{r.left?.no ?? ''}</span>
            <span role="cell" className={`hs-code hs-left ${r.left?.kind ?? 'empty'}`}>{r.left?.text ?? ''}</span>
            <span role="cell" className="hs-no">{r.right?.no ?? ''}</span>
            <span role="cell" className={`hs-code hs-right ${r.right?.kind ?? 'empty'}`}>{r.right?.text ?? ''}</span>
          </div>
        ),
      )}
    </div>
  );
}
