// The sync indicator: saved, syncing, offline with the number of changes not yet saved on the server, error
// with retry. `pending` counts local changes the server has not acknowledged (durable) yet.
import { useEditor } from './state';

export function StatusIndicator() {
  const { status, conn, loaded } = useEditor();
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
    <span className={`sync-status ${cls}`} role="status" aria-live="polite" data-state={status.state} data-pending={status.pending}>
      <span className="dot" aria-hidden="true" />
      {label}
      {(status.state === 'offline' || status.state === 'error') && (
        <button className="ghost small" onClick={() => conn.retry()}>Retry</button>
      )}
    </span>
  );
}
