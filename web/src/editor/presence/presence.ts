// Who else is in the pipeline and what they are doing, over the connection's presence store (a Loro
// EphemeralStore the server relays; docs/protocol.md "presence"). One `Presence` per connection:
// - ours: the fields below, merged and sent at most every SEND_EVERY_MS (a cursor moving at 120 Hz sends
//   ~25 frames a second), refreshed every REFRESH_MS so the entry does not expire, `idle` after IDLE_MS
//   without input or while the tab is hidden;
// - theirs: two snapshots for useSyncExternalStore, `peers` (who, idle, selection, follow) and `live`
//   (cursor, viewport), so a cursor moving re-renders only the cursor layer, never the avatars or the canvas;
// - following: whose viewport ours tracks. A followed user stops a follower by listing its key in `shed`.
import type { SyncConnection } from '../../sync/connection';

export const SEND_EVERY_MS = 40;
export const REFRESH_MS = 10_000;
export const IDLE_MS = 60_000;

/** A point in flow coordinates (React Flow's, independent of pan and zoom). */
export interface FlowPoint {
  x: number;
  y: number;
}

/** What is in sight: the centre of the canvas in flow coordinates and the zoom. */
export interface FlowViewport {
  cx: number;
  cy: number;
  zoom: number;
}

/** Our own fields, on top of the user, name and colour the connection adds. */
export interface LocalState {
  idle: boolean;
  cursor: FlowPoint | null;
  selection: string[];
  viewport: FlowViewport | null;
  following: string | null;
  shed: string[];
}

export interface Peer {
  /** The connection's key (one per open editor). */
  key: string;
  user: string;
  name: string;
  colour: string;
  /** The same user in another tab or window. */
  me: boolean;
  idle: boolean;
  selection: string[];
  following: string | null;
  shed: string[];
}

export interface Live {
  key: string;
  name: string;
  colour: string;
  cursor: FlowPoint | null;
  viewport: FlowViewport | null;
}

type Listener = () => void;

const COLOUR = /^#[0-9a-fA-F]{6}$/;
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const point = (v: unknown): FlowPoint | null => {
  const p = v as { x?: unknown; y?: unknown } | null;
  return p && num(p.x) && num(p.y) ? { x: p.x, y: p.y } : null;
};
const viewport = (v: unknown): FlowViewport | null => {
  const p = v as { cx?: unknown; cy?: unknown; zoom?: unknown } | null;
  return p && num(p.cx) && num(p.cy) && num(p.zoom) && p.zoom > 0 ? { cx: p.cx, cy: p.cy, zoom: p.zoom } : null;
};
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string').slice(0, 500) : []);

/** Initials for an avatar: "Ann Lee" → "AL", "ann@example.com" → "A". */
export function initials(name: string): string {
  const words = name.replace(/@.*/, '').split(/[\s._-]+/).filter(Boolean);
  const letters = words.length > 1 ? words[0][0] + words[words.length - 1][0] : (words[0] ?? '?').slice(0, 2);
  return letters.toUpperCase();
}

export class Presence {
  private local: LocalState = { idle: false, cursor: null, selection: [], viewport: null, following: null, shed: [] };
  private lastSent = 0;
  private sendTimer: ReturnType<typeof setTimeout> | null = null;
  private refreshTimer: ReturnType<typeof setInterval> | null = null;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  private users = 0;
  private unsubStore: (() => void) | null = null;
  private connected = false;

  private peerList: Peer[] = [];
  private peerSig = new Map<string, string>();
  private liveList: Live[] = [];
  private peerListeners = new Set<Listener>();
  private liveListeners = new Set<Listener>();
  private followListeners = new Set<Listener>();
  /** Why following last stopped, when the followed user stopped it (shown once to the follower). */
  notice: string | null = null;

  constructor(readonly conn: SyncConnection) {}

  get ownKey(): string | null {
    return this.conn.info?.client_key ?? null;
  }

  private idleAfterMs = IDLE_MS;

  // ---- lifetime: the editor's components retain it while mounted ----

  retain(): () => void {
    if (this.users++ === 0) this.start();
    return () => {
      if (--this.users === 0) this.stop();
    };
  }

  private start() {
    // Browser tests shorten the wait (the product never sets it).
    const idle = Number(localStorage.getItem('pe.idleAfterMs'));
    this.idleAfterMs = idle > 0 ? idle : IDLE_MS;
    // Our own sets change nothing of theirs; local deletions do (entries dropped after a reconnect).
    this.unsubStore = this.conn.presence.subscribe((e) => {
      if (e.by !== 'local' || e.removed.length) this.read();
    });
    this.refreshTimer = setInterval(() => this.flush(), REFRESH_MS);
    for (const e of ACTIVITY) window.addEventListener(e, this.onActivity, { passive: true, capture: true });
    document.addEventListener('visibilitychange', this.onVisibility);
    this.onActivity();
    this.read();
  }

  private stop() {
    this.unsubStore?.();
    this.unsubStore = null;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    if (this.sendTimer) clearTimeout(this.sendTimer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.refreshTimer = this.sendTimer = this.idleTimer = null;
    for (const e of ACTIVITY) window.removeEventListener(e, this.onActivity, { capture: true });
    document.removeEventListener('visibilitychange', this.onVisibility);
  }

  /** Whether the connection is up: others' entries are shown only then (while away they may be stale). */
  setConnected(connected: boolean) {
    if (connected === this.connected) return;
    this.connected = connected;
    if (connected) this.flush();
    this.read();
  }

  // ---- ours ----

  /** Changes our state; sent now if nothing was sent in the last SEND_EVERY_MS, else at the end of it. */
  update(patch: Partial<LocalState>) {
    let changed = false;
    for (const k of Object.keys(patch) as (keyof LocalState)[]) {
      if (JSON.stringify(this.local[k]) !== JSON.stringify(patch[k])) changed = true;
    }
    if (!changed) return;
    this.local = { ...this.local, ...patch };
    if (this.sendTimer) return;
    const wait = this.lastSent + SEND_EVERY_MS - performance.now();
    if (wait <= 0) this.flush();
    else this.sendTimer = setTimeout(() => this.flush(), wait);
  }

  private flush() {
    if (this.sendTimer) clearTimeout(this.sendTimer);
    this.sendTimer = null;
    this.lastSent = performance.now();
    this.conn.setPresence({ ...this.local });
  }

  // Input only records its time (it comes at pointer rate); one timer checks it when it could have gone idle.
  private lastInput = 0;
  private onActivity = () => {
    this.lastInput = performance.now();
    if (!this.idleTimer) this.armIdle(this.idleAfterMs);
    if (this.local.idle && document.visibilityState === 'visible') this.update({ idle: false });
  };

  private armIdle(ms: number) {
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      const left = this.lastInput + this.idleAfterMs - performance.now();
      if (left > 0) this.armIdle(left);
      else this.update({ idle: true, cursor: null });
    }, ms);
  }

  private onVisibility = () => {
    if (document.visibilityState === 'hidden') this.update({ idle: true, cursor: null });
    else this.onActivity();
  };

  // ---- following ----

  get following(): string | null {
    return this.local.following;
  }

  follow(key: string | null) {
    this.notice = null;
    this.update({ following: key });
    this.read();
    this.emit(this.followListeners);
  }

  /** Stops these followers (the followed user's "stop"). */
  shedFollowers(keys: string[]) {
    this.update({ shed: [...new Set([...this.local.shed, ...keys])] });
  }

  subscribeFollow = (l: Listener) => subscribe(this.followListeners, l);
  followSnapshot = () => this.local.following;

  // ---- theirs ----

  subscribePeers = (l: Listener) => subscribe(this.peerListeners, l);
  peers = () => this.peerList;
  subscribeLive = (l: Listener) => subscribe(this.liveListeners, l);
  live = () => this.liveList;

  private read() {
    const own = this.ownKey;
    const me = this.conn.info?.user.id;
    const states = this.connected ? (this.conn.presence.getAllStates() as Record<string, unknown>) : {};
    const peers: Peer[] = [];
    const live: Live[] = [];
    const sig = new Map<string, string>();
    let peersChanged = false;
    for (const [key, raw] of Object.entries(states)) {
      if (key === own || !raw || typeof raw !== 'object') continue;
      const v = raw as Record<string, unknown>;
      if (typeof v.user !== 'string' || typeof v.name !== 'string' || typeof v.colour !== 'string' || !COLOUR.test(v.colour)) continue;
      const peer: Peer = {
        key,
        user: v.user,
        name: v.name,
        colour: v.colour,
        me: v.user === me,
        idle: v.idle === true,
        selection: strings(v.selection),
        following: typeof v.following === 'string' ? v.following : null,
        shed: strings(v.shed),
      };
      const s = JSON.stringify(peer);
      sig.set(key, s);
      const old = this.peerList.find((p) => p.key === key);
      if (old && this.peerSig.get(key) === s) peers.push(old);
      else {
        peers.push(peer);
        peersChanged = true;
      }
      live.push({ key, name: v.name, colour: v.colour, cursor: peer.idle ? null : point(v.cursor), viewport: viewport(v.viewport) });
    }
    peers.sort((a, b) => a.name.localeCompare(b.name) || a.key.localeCompare(b.key));
    if (peersChanged || peers.length !== this.peerList.length || peers.some((p, i) => p !== this.peerList[i])) {
      this.peerList = peers;
      this.peerSig = sig;
      this.afterPeers();
      this.emit(this.peerListeners);
    }
    this.liveList = live;
    this.emit(this.liveListeners);
  }

  /** Keeps following and shedding consistent with who is there. */
  private afterPeers() {
    const own = this.ownKey;
    const leader = this.local.following && this.peerList.find((p) => p.key === this.local.following);
    if (this.local.following && this.connected && !leader) {
      this.notice = 'The user you followed left.';
      this.update({ following: null });
      this.emit(this.followListeners);
    } else if (leader && own && leader.shed.includes(own)) {
      this.notice = `${leader.name} stopped your following.`;
      this.update({ following: null });
      this.emit(this.followListeners);
    }
    // A shed follower that stopped following (or left) may follow again later.
    const shed = this.local.shed.filter((k) => this.peerList.some((p) => p.key === k && p.following === own));
    if (shed.length !== this.local.shed.length) this.update({ shed });
  }

  private emit(ls: Set<Listener>) {
    for (const l of ls) l();
  }
}

const ACTIVITY = ['pointermove', 'pointerdown', 'keydown', 'wheel'] as const;

function subscribe(set: Set<Listener>, l: Listener): () => void {
  set.add(l);
  return () => set.delete(l);
}

const instances = new WeakMap<SyncConnection, Presence>();

/** The connection's presence (one per connection, made on first use). */
export function presenceOf(conn: SyncConnection): Presence {
  let p = instances.get(conn);
  if (!p) {
    p = new Presence(conn);
    instances.set(conn, p);
  }
  return p;
}
