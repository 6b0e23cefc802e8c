// The local node's replication state (api/syncTo.ts), polled for whoever shows it: every 5 s while the page
// is visible, not at all while it is hidden (at once again when it shows). A server that is not a local node
// says so on the first answer, and is not asked again. One poller for the page, however many components use
// it.
import { useSyncExternalStore } from 'react';
import { ApiError } from '../api/client';
import { getSyncToStatus, type SyncToEnabled } from '../api/syncTo';

const POLL_MS = 5_000;

export interface TeamServerSnapshot {
  /** The last answer; null before the first one, or when this server is not a local node. */
  status: SyncToEnabled | null;
  /** When `status` was received (its `retry_in_ms` count from then). */
  receivedAt: number;
  /** The last poll failed (the local node itself did not answer): `status` is older than it looks. */
  stale: boolean;
}

const EMPTY: TeamServerSnapshot = { status: null, receivedAt: 0, stale: false };

let snapshot = EMPTY;
/** Set once the server said it is not a local node (or has no such route): nothing more to ask. */
let disabled = false;
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setTimeout> | null = null;
let inflight: AbortController | null = null;

function publish(next: TeamServerSnapshot) {
  snapshot = next;
  for (const l of listeners) l();
}

async function poll() {
  timer = null;
  if (disabled || inflight || !listeners.size || document.visibilityState === 'hidden') return;
  const ctl = new AbortController();
  inflight = ctl;
  try {
    const s = await getSyncToStatus(ctl.signal);
    if (!s.enabled) disabled = true;
    else publish({ status: s, receivedAt: Date.now(), stale: false });
  } catch (e) {
    if (ctl.signal.aborted) return;
    // A server without the route is not a local node either.
    if (e instanceof ApiError && e.status === 404) disabled = true;
    else if (snapshot.status && !snapshot.stale) publish({ ...snapshot, stale: true });
  } finally {
    if (inflight === ctl) inflight = null;
  }
  schedule();
}

function schedule() {
  if (timer || disabled || !listeners.size || document.visibilityState === 'hidden') return;
  timer = setTimeout(() => void poll(), POLL_MS);
}

function onVisibility() {
  if (document.visibilityState === 'hidden') {
    if (timer) clearTimeout(timer);
    timer = null;
  } else if (!timer) {
    void poll();
  }
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (listeners.size === 1) {
    document.addEventListener('visibilitychange', onVisibility);
    void poll();
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size) return;
    document.removeEventListener('visibilitychange', onVisibility);
    if (timer) clearTimeout(timer);
    timer = null;
    inflight?.abort();
    inflight = null;
  };
}

/** The local node's state, kept current while mounted; `status` stays null on a server that is no local node. */
export function useTeamServer(): TeamServerSnapshot {
  return useSyncExternalStore(subscribe, () => snapshot, () => EMPTY);
}
