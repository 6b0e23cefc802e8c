// Keeps one open pipeline's replica on this device (offline/replicas.ts): every local update is appended the
// moment it is made; now and then (after the first welcome, every 30 s when changed, when the page is hidden)
// the whole document is written as a snapshot that replaces the appended updates. On open, what was kept is
// imported (`restoreWhenUseful`), so the editor works without the server and sends what the server lacks. It also keeps the connection's count of
// local changes the server has not acknowledged, so "pending" stays true across a reload. A viewer's replica
// is not kept: nothing it changes can ever reach the server, and kept, it would show such changes as the
// pipeline.
import type { LoroDoc } from 'loro-crdt';
import { frontiersKey } from '../doc/pipeline';
import type { WelcomeInfo } from '../sync/protocol';
import { appendUpdate, forgetReplica, idbAvailable, loadReplica, saveSnapshot, saveSyncState } from './replicas';

const COMPACT_EVERY_MS = 30_000;
const RESTORE_CAP_MS = 1500;

export interface Restored {
  info: WelcomeInfo | null;
  unsynced: number;
  /** What the import added to the document, as one update. */
  added: Uint8Array;
}

export class ReplicaPersistence {
  private lastKey = 0;
  /** IndexedDB writes, one after another (a snapshot must come after the appends it replaces). */
  private chain: Promise<unknown> = Promise.resolve();
  private savedFrontiers = '';
  private savedPending = 0;
  private info: WelcomeInfo | null = null;
  private offLocal: (() => void) | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly enabled = idbAvailable();
  private restoring = false;
  private onRestored: ((r: Restored) => void) | null = null;
  private capTimer: ReturnType<typeof setTimeout> | null = null;
  /** Set by `discard`: nothing is written any more. */
  private discarded = false;

  constructor(
    readonly pipelineId: string,
    private doc: LoroDoc,
    /** The connection's count of local changes not acknowledged by the server. */
    private pending: () => number,
  ) {}

  start(): void {
    if (!this.enabled || this.offLocal) return;
    this.offLocal = this.doc.subscribeLocalUpdates((bytes) => this.append(bytes));
    this.timer = setInterval(() => this.compact(), COMPACT_EVERY_MS);
    document.addEventListener('visibilitychange', this.onHidden);
    window.addEventListener('pagehide', this.onHidden);
  }

  /**
   * Restores what this device kept, once, when it helps: at once when the browser is offline; else when the
   * server's welcome has been imported or the connection has failed, or after `RESTORE_CAP_MS` at the most.
   * (Importing a kept snapshot before the welcome would make the welcome's import compute events for the
   * whole document, which costs more on a large pipeline than the server's answer takes to come.)
   */
  restoreWhenUseful(then: (r: Restored) => void): void {
    this.onRestored = then;
    // (The welcome may have come already: the editor imports one the early socket holds as it is created.)
    if (!navigator.onLine || this.info) this.restoreNow();
    else this.capTimer ??= setTimeout(() => this.restoreNow(), RESTORE_CAP_MS);
  }

  private restoreNow(): void {
    if (this.restoring || !this.onRestored) return;
    this.restoring = true;
    if (this.capTimer) clearTimeout(this.capTimer);
    this.capTimer = null;
    void this.restore().then((r) => {
      if (r) this.onRestored?.(r);
    });
  }

  stop(): void {
    this.onRestored = null;
    if (this.capTimer) clearTimeout(this.capTimer);
    this.capTimer = null;
    this.offLocal?.();
    this.offLocal = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    document.removeEventListener('visibilitychange', this.onHidden);
    window.removeEventListener('pagehide', this.onHidden);
    this.compact();
  }

  /**
   * Drops what this device kept of the pipeline and keeps nothing more (the editor is then opened afresh
   * from the server): the way out of a change the server refuses, which would otherwise be sent again on
   * every connect. Resolves once it is gone; rejects when IndexedDB failed.
   */
  async discard(): Promise<void> {
    this.discarded = true;
    this.stop();
    if (!this.enabled) return;
    const gone = this.chain.then(() => forgetReplica(this.pipelineId));
    this.chain = gone.catch(() => {});
    await gone;
  }

  /** Imports what this device kept for the pipeline; null when nothing was kept. */
  private async restore(): Promise<Restored | null> {
    if (!this.enabled) return null;
    const kept = await loadReplica(this.pipelineId).catch(() => null);
    if (!kept) return null;
    if (this.readOnly(kept.info)) {
      this.enqueue(() => forgetReplica(this.pipelineId));
      return null;
    }
    const parts = [...(kept.snapshot ? [kept.snapshot] : []), ...kept.updates];
    const before = this.doc.oplogVersion();
    if (parts.length) this.doc.importBatch(parts);
    const added = this.doc.oplogVersion().compare(before) === 0 ? new Uint8Array() : this.doc.export({ mode: 'update', from: before });
    this.savedFrontiers = kept.updates.length ? '' : frontiersKey(this.doc);
    this.savedPending = kept.unsynced;
    this.info ??= kept.info;
    return { info: kept.info, unsynced: kept.unsynced, added };
  }

  /** The server's welcome: kept for opening offline, and the document as it now is written soon. */
  welcome(info: WelcomeInfo): void {
    this.info = info;
    if (!this.enabled) return;
    if (this.readOnly()) {
      this.enqueue(() => forgetReplica(this.pipelineId));
      return;
    }
    this.restoreNow();
    const idle = window.requestIdleCallback ?? ((f: () => void) => setTimeout(f, 200));
    idle(() => this.compact());
  }

  /** The connection's status changed: its pending count is kept when it differs from the kept one. */
  status(pending: number, state: string): void {
    if (this.discarded) return;
    if (state === 'offline' || state === 'error') this.restoreNow();
    if (!this.enabled || pending === this.savedPending) return;
    this.savedPending = pending;
    this.enqueue(() => saveSyncState(this.pipelineId, pending));
  }

  private append(bytes: Uint8Array): void {
    if (this.readOnly() || this.discarded) return;
    this.enqueue(async () => {
      // (Read when the write runs: by then the connection has counted this change.)
      const pending = this.pending();
      this.savedPending = pending;
      this.lastKey = Math.max(this.lastKey, await appendUpdate(this.pipelineId, bytes, pending));
    });
  }

  private onHidden = () => {
    if (document.visibilityState === 'hidden') this.compact();
  };

  /** Writes the document as one snapshot if it changed since the last one. */
  compact(): void {
    if (!this.enabled || this.readOnly() || this.discarded) return;
    const f = frontiersKey(this.doc);
    if (f === this.savedFrontiers || this.doc.oplogVersion().length() === 0) return;
    this.savedFrontiers = f;
    const snapshot = this.doc.export({ mode: 'snapshot' });
    // Runs after every append queued before this export: `lastKey` is then the last update it includes.
    this.enqueue(() => saveSnapshot(this.pipelineId, snapshot, this.lastKey, this.info, this.pending()));
  }

  /** Whether this replica is a viewer's (by the latest welcome, else by what was kept). */
  private readOnly(kept?: WelcomeInfo | null): boolean {
    return (this.info ?? kept)?.role === 'read_only';
  }

  private enqueue(write: () => Promise<unknown>): void {
    this.chain = this.chain.then(write).catch((e) => {
      // A full disk or a blocked database: the server still has whatever was acknowledged.
      console.warn('could not keep the pipeline on this device', e);
    });
  }

  /** Resolves when every write queued so far has finished (tests, and before a reload). */
  flushed(): Promise<unknown> {
    return this.chain;
  }
}
