import { useState, type FormEvent } from 'react';
import { login } from '../api/session';

export function SignInPage({ onSignedIn, signedIn }: { onSignedIn: () => Promise<void> | void; signedIn: boolean }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The server sends a browser here when a one-time link does not work.
  const badLink = new URLSearchParams(location.search).get('link') === 'invalid';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email, password);
      await onSignedIn();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="center-page">
      <form className="card signin" onSubmit={submit} aria-label="Sign in">
        <h1>Pipeline Editor</h1>
        {badLink && (
          <p role="alert" className="error-text">
            This sign-in link is unknown, expired or already used. Ask whoever sent it for a new one.
          </p>
        )}
        {signedIn && <p>You are signed in. Sign in again to switch user.</p>}
        <label>
          Email
          <input type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />
        </label>
        <label>
          Password
          <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        {error && <p role="alert" className="error-text">{error}</p>}
        <button className="primary" type="submit" disabled={busy}>Sign in</button>
        <p className="muted small">
          Invited by your team? Open the sign-in link they sent you (it works once); ask them for a new one if it
          has expired.
        </p>
        <p className="muted small">
          Running it yourself? <code>pipeline-editor serve</code> prints a one-time sign-in link on its first run;
          <code> pipeline-editor user create</code> makes another.
        </p>
      </form>
    </main>
  );
}
