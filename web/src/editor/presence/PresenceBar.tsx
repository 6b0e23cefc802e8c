// The top bar's presence: an avatar for everyone else in the pipeline (their colour, initials, dimmed when
// idle; click to follow their view), who is following us (with a button to stop them), and whom we follow.
// Mounted for the editor's lifetime, it also keeps the presence running and publishes our selection.
import { useEffect, useState } from 'react';
import { useEditor } from '../state';
import { usePeers, usePresence, useFollowing, useRetainPresence } from './hooks';
import { initials, type Peer } from './presence';
import './presence.css';

const SHOWN = 6;

export function PresenceBar() {
  const { status, selection, conn } = useEditor();
  const presence = usePresence();
  useRetainPresence(presence);
  const peers = usePeers(presence);
  const following = useFollowing(presence);

  const connected = conn.connected;
  useEffect(() => presence.setConnected(connected), [presence, connected, status]);
  const selectionKey = selection.join(',');
  useEffect(() => presence.update({ selection: selectionKey ? selectionKey.split(',') : [] }), [presence, selectionKey]);

  // A notice for the follower whose following the followed user stopped, shown for a while.
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    if (!following && presence.notice) {
      setNotice(presence.notice);
      presence.notice = null;
      const t = setTimeout(() => setNotice(null), 6000);
      return () => clearTimeout(t);
    }
  }, [following, presence]);

  const own = presence.ownKey;
  const followers = peers.filter((p) => own && p.following === own && !p.shed.includes(own));
  const leader = peers.find((p) => p.key === following);
  const shown = peers.slice(0, SHOWN);
  const more = peers.slice(SHOWN);

  return (
    <div className="presence-bar" data-testid="presence">
      {followers.length > 0 && (
        <span className="presence-note" role="status" data-testid="followers">
          {names(followers)} {followers.length === 1 ? 'is' : 'are'} following you
          <button
            type="button"
            className="ghost small"
            aria-label={`Stop ${names(followers)} following you`}
            onClick={() => presence.shedFollowers(followers.map((f) => f.key))}
          >
            Stop
          </button>
        </span>
      )}
      {leader && (
        <span className="presence-note" role="status" data-testid="following">
          Following {leader.name}
          <button type="button" className="ghost small" onClick={() => presence.follow(null)}>
            Stop following
          </button>
        </span>
      )}
      {notice && (
        <span className="presence-note" role="status" data-testid="follow-notice">
          {notice}
        </span>
      )}
      {peers.length > 0 && (
        <ul className="avatars" aria-label="People in this pipeline">
          {shown.map((p) => (
            <li key={p.key}>
              <Avatar peer={p} followed={p.key === following} onClick={() => presence.follow(p.key === following ? null : p.key)} />
            </li>
          ))}
          {more.length > 0 && (
            <li>
              <span className="avatar more" title={more.map(label).join('\n')} aria-label={`${more.length} more: ${more.map((p) => p.name).join(', ')}`}>
                +{more.length}
              </span>
            </li>
          )}
        </ul>
      )}
    </div>
  );
}

function Avatar({ peer, followed, onClick }: { peer: Peer; followed: boolean; onClick(): void }) {
  const action = followed ? 'stop following' : 'follow their view';
  return (
    <button
      type="button"
      className={`avatar${peer.idle ? ' idle' : ''}${followed ? ' followed' : ''}`}
      style={{ '--peer': peer.colour } as React.CSSProperties}
      title={`${label(peer)} — click to ${action}`}
      aria-label={`${label(peer)}: ${action}`}
      aria-pressed={followed}
      data-key={peer.key}
      data-idle={peer.idle}
      onClick={onClick}
    >
      {initials(peer.name)}
    </button>
  );
}

const label = (p: Peer) => `${p.name}${p.me ? ' (you, elsewhere)' : ''}${p.idle ? ' (idle)' : ''}`;

function names(ps: Peer[]): string {
  const n = ps.map((p) => p.name);
  return n.length <= 2 ? n.join(' and ') : `${n.slice(0, -1).join(', ')} and ${n[n.length - 1]}`;
}
