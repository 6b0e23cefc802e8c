// Ctrl/Cmd+S: a small prompt for the version's message; Enter saves (POST /api/pipelines/{id}/versions).
import { useState, type FormEvent } from 'react';
import { announceVersions, saveVersion } from '../../api/versions';
import { Dialog } from './Dialog';

export function SaveVersion(props: { pipelineId: string; onClose(): void; onSaved(message: string): void }) {
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await saveVersion(props.pipelineId, message.trim());
      announceVersions();
      props.onSaved(message.trim());
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  return (
    <Dialog label="Save version" onClose={props.onClose} className="kb-save">
      <form onSubmit={submit} className="kb-save-form">
        <h2>Save a version</h2>
        <label>
          Message
          <input
            autoFocus
            value={message}
            placeholder="What changed?"
            onChange={(e) => setMessage(e.target.value)}
            aria-describedby="kb-save-hint"
          />
        </label>
        <span id="kb-save-hint" className="muted small">Enter saves, Esc cancels.</span>
        {error && <p className="error-text small" role="alert">{error}</p>}
        <div className="row">
          <span className="spacer" />
          <button type="button" onClick={props.onClose}>Cancel</button>
          <button type="submit" className="primary" disabled={busy}>Save version</button>
        </div>
      </form>
    </Dialog>
  );
}
