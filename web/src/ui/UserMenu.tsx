// The signed-in user's menu in the top bars: who is signed in, the teams page, sign out. Signing out is a full
// page load of the sign-in page, so nothing of the session stays in memory (replicas, sockets, caches).
import { useCallback, useRef, useState } from 'react';
import { logout, type Me } from '../api/session';
import { navigate } from './router';
import { useDismiss } from './dismiss';
import './user-menu.css';

export function UserMenu({ me, className }: { me: Me; className?: string }) {
  const [open, setOpen] = useState(false);
  const close = useCallback(() => setOpen(false), []);
  const [error, setError] = useState<string | null>(null);
  const anchor = useRef<HTMLDivElement>(null);

  useDismiss(open, close, anchor, '.user-menu-button');

  const signOut = async () => {
    setError(null);
    try {
      await logout();
      location.assign('/signin');
    } catch (e) {
      setError(`Could not sign out: ${(e as Error).message}`);
    }
  };

  return (
    <div className={`menu-anchor user-menu${className ? ` ${className}` : ''}`} ref={anchor}>
      <button
        className="ghost user-menu-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-label={`Account: ${me.user.name || me.user.email}`}
        title={me.user.email}
        onClick={() => setOpen((o) => !o)}
      >
        <span className="user-initial" aria-hidden="true">{(me.user.name || me.user.email).slice(0, 1).toUpperCase()}</span>
        <span className="user-menu-name">{me.user.name || me.user.email}</span>
      </button>
      {open && (
        <div className="menu align-right" role="menu" aria-label="Account">
          <div className="user-menu-who">
            <strong>{me.user.name}</strong>
            <span className="muted small">{me.user.email}</span>
          </div>
          <button role="menuitem" onClick={() => { setOpen(false); navigate('/teams'); }}>
            Teams and members
          </button>
          <button role="menuitem" onClick={() => void signOut()}>
            Sign out
          </button>
          {error && <p role="alert" className="error-text small user-menu-error">{error}</p>}
        </div>
      )}
    </div>
  );
}
