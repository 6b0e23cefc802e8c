// The sync indicator: saved, syncing, offline with the number of changes not yet saved on the server, error
// with retry. `pending` counts local changes the server has not acknowledged (durable) yet. After a refusal
// (the same change would be refused on every connect) it also offers to discard the unsent changes: this
// device's copy is dropped and the pipeline opened afresh from the server (`onDiscarded`).
import { useState } from 'react';
import { Dialog } from './keys/Dialog';
import { useEditor } from './state';

export function StatusIndicator({ onDiscarded }: { onDiscarded(): void }) {
  const { status, conn, loaded } = useEditor();
  const [confirming, setConfirming] = useState(false);
  let label: string;
  let cls: string;
  switch (status.state) {
    case 'synced':
      label = 'Saved';
      cls = 'ok';
      break;
    case 'connecting':
      label = loaded ? (status.pending ? `Saving ${status.pending}…` : 'Syncing…') : 'Connecting…';
      cls = 'busy';
      break;
    case 'offline':
      label = status.pending ? `Offline · ${status.pending} change${status.pending === 1 ? '' : 's'} pending` : 'Offline · reconnecting';
      cls = 'offline';
      break;
    case 'error':
      label = `Error: ${status.message}${status.pending ? ` · ${status.pending} pending` : ''}`;
      cls = 'error';
      break;
  }
  return (
    <>
      <span className={`sync-status ${cls}`} role="status" aria-live="polite" data-state={status.state} data-pending={status.pending}>
        <span className="dot" aria-hidden="true" />
        {label}
        {(status.state === 'offline' || status.state === 'error') && (
          <button className="ghost small" onClick={() => conn.retry()}>Retry</button>
        )}
        {status.state === 'error' && (
          <button className="ghost small danger" onClick={() => setConfirming(true)}>Discard my unsent changes</button>
        )}
      </span>
      {confirming && <DiscardDialog onClose={() => setConfirming(false)} onDiscarded={onDiscarded} />}
    </>
  );
}

function DiscardDialog(props: { onClose(): void; onDiscarded(): void }) {
  const { status, discardUnsent } = useEditor();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const discard = async () => {
    setBusy(true);
    try {
      await discardUnsent();
      props.onDiscarded();
    } catch (e) {
      setError(`Could not drop this device's copy: ${e instanceof Error ? e.message : String(e)}`);
      setBusy(false);
    }
  };
  return (
    <Dialog label="Discard unsent changes" onClose={props.onClose} className="discard-dialog">
      <div className="discard-body">
        <h2>Discard your unsent changes?</h2>
        <p>
          The server refused a change made here{status.state === 'error' ? ` (${status.message})` : ''} and would
          refuse it again on every reconnect. Discarding drops{' '}
          {status.pending > 1 ? `the ${status.pending} changes` : 'every change'} on this pipeline that the server
          has not saved from this device, and opens the pipeline as the server has it. This cannot be undone.
        </p>
        {error && <p className="error-text small" role="alert">{error}</p>}
        <div className="row">
          <span className="spacer" />
          <button type="button" autoFocus onClick={props.onClose}>Keep them</button>
          <button type="button" className="danger" disabled={busy} onClick={discard}>Discard changes</button>
        </div>
      </div>
    </Dialog>
  );
}
