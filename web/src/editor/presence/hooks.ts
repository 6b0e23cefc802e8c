// React access to the connection's presence: the controller, and its snapshots (each hook re-renders only
// its own component when its snapshot changes).
import { useEffect, useSyncExternalStore } from 'react';
import { useEditor } from '../state';
import { presenceOf, type Live, type Peer, type Presence } from './presence';

export function usePresence(): Presence {
  return presenceOf(useEditor().conn);
}

/** Keeps the presence running (timers, listeners) while the calling component is mounted. */
export function useRetainPresence(p: Presence): void {
  useEffect(() => p.retain(), [p]);
}

export function usePeers(p: Presence): Peer[] {
  return useSyncExternalStore(p.subscribePeers, p.peers);
}

export function useLive(p: Presence): Live[] {
  return useSyncExternalStore(p.subscribeLive, p.live);
}

export function useFollowing(p: Presence): string | null {
  return useSyncExternalStore(p.subscribeFollow, p.followSnapshot);
}
