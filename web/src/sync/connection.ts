// One pipeline's sync connection (docs/protocol.md): hello/welcome, local updates sent with a sequence
// number and kept until acked, remote updates imported, views (YAML + diagnostics) and presence passed on,
// reconnect with backoff (0.5 s doubling to 10 s, ±50 % jitter) after any loss. A close for a frame the server
// refused (1008/1009) is not retried by itself (it would only repeat): the connection stays in `error` until
// `retry`. (A refused handshake looks like a lost network here; editor/access.ts asks HTTP why.)

import { EphemeralStore, LoroDoc, VersionVector } from 'loro-crdt';
import { adoptEarlySocket, syncUrl, type EarlySocket } from './early';
import * as P from './protocol';
import { splitUpdate } from './split';

export type SyncStatus =
  | { state: 'connecting'; pending: number }
  | { state: 'synced'; pending: number }
  | { state: 'offline'; pending: number; retryInMs: number }
  | { state: 'error'; pending: number; message: string };

export interface SyncEvents {
  status?(s: SyncStatus): void;
  welcome?(info: P.WelcomeInfo): void;
  view?(v: Extract<P.TextMessage, { type: 'view' }>): void;
  error?(code: string, message: string): void;
}

/** Errors after which the server closes the socket for what this client sent (docs/protocol.md). */
const CLOSING_ERRORS = new Set(['bad_frame', 'too_large', 'invalid_update']);

export class SyncConnection {
  private ws: WebSocket | null = null;
  /** A compressed welcome being inflated, and the messages that came after it. */
  private inflating: { ws: WebSocket; held: unknown[] } | null = null;
  private seq = 0;
  /** Local updates sent on this connection and not acked yet: their seq and how many local changes each holds. */
  private inflight: { seq: number; changes: number }[] = [];
  private stopped = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private unsubscribeLocal: (() => void) | null = null;
  private ready = false;
  /** Local changes (commits) not sent on the current socket: made offline, or sent and not acked before a loss. */
  private unsent = 0;
  /** The last error the server sent, for the status when it then closes the socket. */
  private lastError: string | null = null;
  private lastErrorCode: string | null = null;
  /** The own presence state last set, set again under the new key after a reconnect. */
  private ownPresence: Record<string, unknown> | null = null;
  /** The next presence frame is the welcome's (everyone present): entries it lacks left meanwhile. */
  private presenceSnapshotDue = false;
  private countedInTask = false;
  /** Set while others' entries are dropped locally: such deletions are not ours to send. */
  private presenceMuted = false;
  info: P.WelcomeInfo | null = null;
  /** The steps tree the last welcome carried (hello flag `tree`) and the version it describes. */
  private serverTree: { nodes: unknown[]; version: VersionVector } | null = null;
  /** How many models were read from a welcome's tree (for tests). */
  serverTreesUsed = 0;
  readonly presence = new EphemeralStore(30_000);
  private presenceUnsub: (() => void) | null = null;

  constructor(
    readonly pipelineId: string,
    readonly doc: LoroDoc,
    private events: SyncEvents,
    private opts: { views: boolean } = { views: true },
  ) {}

  /**
   * Starts syncing (again, after `close`: React's development mode mounts, unmounts and mounts again).
   * Changes made meanwhile are in the document and go out with the next welcome's answer.
   */
  start() {
    if (!this.stopped && this.unsubscribeLocal) return;
    this.stopped = false;
    this.unsubscribeLocal = this.doc.subscribeLocalUpdates((bytes) => this.sendLocal(bytes));
    this.presenceUnsub = this.presence.subscribeLocalUpdates((bytes) => {
      if (this.ready && !this.presenceMuted && this.ws?.readyState === WebSocket.OPEN) this.ws.send(P.presence(bytes));
    });
    // The browser knows it lost the network before the socket does: go offline at once, and reconnect as
    // soon as it is back instead of waiting out the backoff.
    window.addEventListener('offline', this.onBrowserOffline);
    window.addEventListener('online', this.onBrowserOnline);
    // A page going away closes its socket itself, so the others see it leave at once (the server drops its
    // presence on a clean close) instead of whenever the browser tears the connection down.
    window.addEventListener('pagehide', this.onPageHide);
    window.addEventListener('pageshow', this.onPageShow);
    this.connect();
  }

  private onPageHide = () => {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.dropSocket(1000);
  };

  /** Back from the back/forward cache. */
  private onPageShow = (e: PageTransitionEvent) => {
    if (e.persisted) this.retry();
  };

  private onBrowserOffline = () => {
    if (!this.ws) return;
    this.dropSocket();
    this.scheduleReconnect();
  };

  /**
   * Forgets the current socket (closing it with `code`). Unacked updates are not lost: they are in the
   * document and go out in the next welcome's answer.
   */
  private dropSocket(code?: number) {
    const ws = this.ws;
    this.ws = null;
    this.ready = false;
    this.unsent += this.inflight.reduce((n, f) => n + f.changes, 0);
    this.inflight = [];
    ws?.close(code);
  }

  private onBrowserOnline = () => {
    // A handshake begun while the browser was offline may never finish: start afresh.
    if (this.ws?.readyState === WebSocket.CONNECTING) this.dropSocket();
    this.retry();
  };

  /** Local changes the server has not acknowledged yet. */
  get pending(): number {
    return this.inflight.reduce((n, f) => n + f.changes, 0) + this.unsent;
  }

  /** Whether the socket is open and welcomed (others' presence is current). */
  get connected(): boolean {
    return this.ready;
  }

  /**
   * Changes just imported from this device's store (offline/persist.ts), `n` of them the user's own that the
   * server may lack: sent now if this connection is already welcomed (the welcome's answer was computed
   * without them), else they go with the next welcome's answer, which covers the whole document.
   */
  addRestored(bytes: Uint8Array, n: number) {
    if (this.ready && this.ws?.readyState === WebSocket.OPEN && !this.readOnly && bytes.length) this.sendFrame(bytes, Math.max(1, n));
    else this.unsent += n;
    this.publishStatus();
  }

  get readOnly(): boolean {
    return this.info?.role === 'read_only';
  }

  private emitStatus(s: SyncStatus) {
    this.events.status?.(s);
  }

  private connect() {
    if (this.stopped) return;
    this.ready = false;
    // While the browser says it is offline the attempt goes on (a server on this machine may answer), but
    // "offline" is what the user is told until it succeeds.
    this.emitStatus(
      navigator.onLine === false ? { state: 'offline', pending: this.pending, retryInMs: 0 } : { state: 'connecting', pending: this.pending },
    );
    // The socket boot.ts opened at page start said "I have nothing": usable while that is still true.
    const early = adoptEarlySocket(this.pipelineId);
    if (early && (!this.opts.views || this.doc.oplogVersion().length() > 0 || early.closed)) early.ws.close(1000);
    else if (early) return this.adopt(early);
    const ws = new WebSocket(syncUrl(this.pipelineId));
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      performance.mark('pe:ws-open');
      const vv = this.doc.oplogVersion();
      // An editor (views) asks for the tree too; the server sends it only for an empty version.
      ws.send(P.hello(this.opts.views ? P.FLAG_VIEWS | P.FLAG_TREE : 0, vv.encode()));
    };
    this.listen(ws);
  }

  private adopt(early: EarlySocket) {
    const ws = early.ws;
    this.ws = ws;
    // (Its hello is in its URL.) A compressed welcome still inflating there is inflated here again.
    this.listen(ws);
    for (const data of early.received) this.receive(ws, data);
  }

  /**
   * A message, in order: a compressed welcome (`WELCOME_DEFLATE`, the early socket's, when it came after
   * the socket was adopted) is inflated first, and what comes meanwhile waits behind it.
   */
  private receive(ws: WebSocket, data: unknown) {
    if (this.inflating?.ws === ws) {
      this.inflating.held.push(data);
      return;
    }
    if (!P.isDeflatedWelcome(data)) return this.onMessage(ws, data);
    const inflating = { ws, held: [] as unknown[] };
    this.inflating = inflating;
    void P.inflateWelcome(data).then(
      (welcome) => {
        if (this.inflating !== inflating) return;
        this.inflating = null;
        this.onMessage(ws, welcome);
        for (const d of inflating.held) this.receive(ws, d);
      },
      () => {
        if (this.inflating !== inflating) return;
        this.inflating = null;
        // A socket of its own, whose hello does not ask for compression.
        if (this.ws !== ws) return;
        this.dropSocket();
        this.scheduleReconnect();
      },
    );
  }

  private listen(ws: WebSocket) {
    ws.onmessage = (ev) => this.receive(ws, ev.data);
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.dropSocket();
      if (this.stopped) return;
      // (The code may be lost if the socket was reset; the error message before it tells the same.)
      if (ev.code === 1008 || ev.code === 1009 || (this.lastErrorCode !== null && CLOSING_ERRORS.has(this.lastErrorCode))) {
        // The server refused what this client sent; sending it again would be refused again.
        this.emitStatus({ state: 'error', pending: this.pending, message: this.lastError ?? (ev.reason || 'refused by the server') });
        return;
      }
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(after?: number) {
    if (this.stopped || this.retryTimer) return;
    const base = after ?? Math.min(10_000, 500 * 2 ** this.attempt);
    const delay = Math.round(base * (0.5 + Math.random()));
    this.attempt += 1;
    this.emitStatus({ state: 'offline', pending: this.pending, retryInMs: delay });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  /** Reconnect now (the "retry" button). */
  retry() {
    if (this.stopped) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.attempt = 0;
    if (!this.ws) this.connect();
  }

  private onMessage(ws: WebSocket, data: unknown) {
    if (this.ws !== ws) return; // a socket replaced or closed meanwhile
    if (typeof data === 'string') {
      let msg: P.TextMessage;
      try {
        msg = JSON.parse(data);
      } catch {
        return;
      }
      if (msg.type === 'view') this.events.view?.(msg);
      else if (msg.type === 'error') {
        this.lastError = msg.message;
        this.lastErrorCode = msg.code;
        this.events.error?.(msg.code, msg.message);
      }
      else if (msg.type === 'shutdown') {
        this.dropSocket();
        this.scheduleReconnect(msg.retry_after_ms);
      }
      return;
    }
    let m: P.ServerMessage;
    try {
      m = P.decode(data as ArrayBuffer);
    } catch (e) {
      this.events.error?.('bad_frame', String(e));
      return;
    }
    switch (m.kind) {
      case 'welcome': {
        performance.mark('pe:welcome');
        const oldKey = this.info?.client_key;
        this.info = m.info;
        this.lastError = null;
        this.lastErrorCode = null;
        // A new connection has a new presence key: the old entry is dropped here (the server dropped it when
        // the socket closed) and the state set again under the new key once ready.
        if (oldKey && oldKey !== m.info.client_key) this.dropLocally([oldKey]);
        this.presenceSnapshotDue = true;
        if (m.update.length) this.doc.import(m.update);
        performance.mark('pe:imported');
        const serverVv = decodeVv(m.version);
        // The tree describes the server's version: it is this replica's state only if the replica now holds
        // exactly that (it had nothing of its own).
        this.serverTree =
          Array.isArray(m.tree) && !this.doc.isDetached() && this.doc.oplogVersion().compare(serverVv) === 0
            ? { nodes: m.tree, version: serverVv }
            : null;
        this.ready = true;
        this.attempt = 0;
        this.events.welcome?.(m.info);
        // Everything the server lacks, including changes sent before and never acked.
        const missing = this.doc.export({ mode: 'update', from: serverVv });
        const changes = Math.max(1, this.unsent);
        this.unsent = 0;
        if (hasOps(this.doc, serverVv) && m.info.role === 'editor') this.sendFrame(missing, changes);
        if (this.ownPresence) this.setPresence(this.ownPresence);
        this.publishStatus();
        break;
      }
      case 'ack':
        this.inflight = this.inflight.filter((f) => f.seq > m.seq);
        this.publishStatus();
        break;
      case 'update':
        this.serverTree = null;
        this.doc.import(m.update);
        break;
      case 'presence':
        if (this.presenceSnapshotDue) this.dropAbsent(m.state);
        this.presence.apply(m.state);
        break;
    }
  }

  /**
   * The steps tree the welcome carried, in the shape of `LoroTree.toJSON()`, while the replica is still at
   * the welcome's version (nothing imported or changed since). Reading the first model from it instead of
   * from the replica saves materialising every step through WebAssembly (~60-120 ms at 1000 steps). Kept
   * until the document changes, so a render React repeats reads it again.
   */
  serverTreeNow(): unknown[] | null {
    const t = this.serverTree;
    if (!t) return null;
    if (this.doc.oplogVersion().compare(t.version) !== 0) {
      this.serverTree = null;
      return null;
    }
    this.serverTreesUsed += 1;
    return t.nodes;
  }

  private publishStatus() {
    if (this.ready) this.emitStatus({ state: this.pending ? 'connecting' : 'synced', pending: this.pending });
  }

  /**
   * How many of the user's changes a local update is: the commits of one task (an edit and the bookkeeping
   * it sets off, such as the author record after a replica's first commit) count once.
   */
  private changeCount(): number {
    if (this.countedInTask) return 0;
    this.countedInTask = true;
    queueMicrotask(() => {
      this.countedInTask = false;
    });
    return 1;
  }

  private sendLocal(bytes: Uint8Array) {
    this.serverTree = null;
    const changes = this.changeCount();
    if (this.ready && this.ws?.readyState === WebSocket.OPEN && !this.readOnly) {
      this.sendFrame(bytes, changes);
    } else {
      this.unsent += changes;
      this.emitStatus(
        this.ws ? { state: 'connecting', pending: this.pending } : { state: 'offline', pending: this.pending, retryInMs: 0 },
      );
    }
  }

  /**
   * Sends an update in as many frames as the server's frame limit needs (sync/split.ts); the `changes` it
   * holds are counted as acknowledged with the last frame's ack.
   */
  private sendFrame(bytes: Uint8Array, changes = 1) {
    const parts = splitUpdate(this.doc, bytes, P.MAX_UPDATE_BYTES);
    parts.forEach((part, i) => {
      this.seq += 1;
      this.inflight.push({ seq: this.seq, changes: i === parts.length - 1 ? changes : 0 });
      this.ws?.send(P.update(this.seq, part));
    });
    this.emitStatus({ state: 'connecting', pending: this.pending });
  }

  /**
   * Drops others' entries that the welcome's presence (everyone present now) lacks: they left while this
   * client was away, and their deletion never reached it. Keys are per connection, so a dropped key never
   * comes back.
   */
  private dropAbsent(snapshot: Uint8Array) {
    this.presenceSnapshotDue = false;
    const present = new EphemeralStore(30_000);
    try {
      present.apply(snapshot);
      const keep = new Set(present.keys());
      this.dropLocally(this.presence.keys().filter((k) => k !== this.info?.client_key && !keep.has(k)));
    } catch {
      // undecodable: leave the entries to expire
    } finally {
      present.destroy();
    }
  }

  private dropLocally(keys: string[]) {
    this.presenceMuted = true;
    try {
      for (const k of keys) this.presence.delete(k);
    } finally {
      this.presenceMuted = false;
    }
  }

  /** Sets this connection's presence (sent at once when connected, else after the next welcome). */
  setPresence(state: Record<string, unknown>) {
    this.ownPresence = state;
    if (!this.info) return;
    this.presence.set(this.info.client_key, {
      user: this.info.user.id,
      name: this.info.user.name,
      colour: this.info.user.colour,
      ...state,
    });
  }

  close() {
    this.stopped = true;
    window.removeEventListener('offline', this.onBrowserOffline);
    window.removeEventListener('online', this.onBrowserOnline);
    window.removeEventListener('pagehide', this.onPageHide);
    window.removeEventListener('pageshow', this.onPageShow);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.unsubscribeLocal?.();
    this.presenceUnsub?.();
    this.unsubscribeLocal = null;
    this.presenceUnsub = null;
    this.dropSocket(1000);
  }
}

function decodeVv(bytes: Uint8Array): VersionVector {
  return bytes.length ? VersionVector.decode(bytes) : new VersionVector(null);
}

function hasOps(doc: LoroDoc, than: VersionVector): boolean {
  const mine = doc.oplogVersion();
  const cmp = mine.compare(than);
  // undefined: concurrent; 1: mine is newer. Either way the server lacks something.
  return cmp === undefined || cmp > 0;
}
