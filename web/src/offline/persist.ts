// Keeps one open pipeline's replica on this device (offline/replicas.ts): every local update is appended the
// moment it is made; now and then (after the first welcome, every 30 s when changed, when the page is hidden)
// the whole document is written as a snapshot that replaces the appended updates. On open, `restore` imports
// what was kept, so the editor works before (or without) the server. It also keeps the connection's count of
// local changes the server has not acknowledged, so "pending" stays true across a reload.
import type { LoroDoc } from 'loro-crdt';
import type { WelcomeInfo } from '../sync/protocol';
import { appendUpdate, idbAvailable, loadReplica, saveSnapshot, saveSyncState } from './replicas';

const COMPACT_EVERY_MS = 30_000;

export interface Restored {
  info: WelcomeInfo | null;
  unsynced: number;
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

  stop(): void {
    this.offLocal?.();
    this.offLocal = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    document.removeEventListener('visibilitychange', this.onHidden);
    window.removeEventListener('pagehide', this.onHidden);
    this.compact();
  }

  /** Imports what this device kept for the pipeline; null when nothing was kept. */
  async restore(): Promise<Restored | null> {
    if (!this.enabled) return null;
    const kept = await loadReplica(this.pipelineId).catch(() => null);
    if (!kept) return null;
    const parts = [...(kept.snapshot ? [kept.snapshot] : []), ...kept.updates];
    if (parts.length) this.doc.importBatch(parts);
    this.savedFrontiers = kept.updates.length ? '' : frontiersKey(this.doc);
    this.savedPending = kept.unsynced;
    this.info ??= kept.info;
    return { info: kept.info, unsynced: kept.unsynced };
  }

  /** The server's welcome: kept for opening offline, and the document as it now is written soon. */
  welcome(info: WelcomeInfo): void {
    this.info = info;
    if (!this.enabled) return;
    const idle = window.requestIdleCallback ?? ((f: () => void) => setTimeout(f, 200));
    idle(() => this.compact());
  }

  /** The connection's status changed: its pending count is kept when it differs from the kept one. */
  status(pending: number): void {
    if (!this.enabled || pending === this.savedPending) return;
    this.savedPending = pending;
    this.enqueue(() => saveSyncState(this.pipelineId, pending));
  }

  private append(bytes: Uint8Array): void {
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
    if (!this.enabled) return;
    const f = frontiersKey(this.doc);
    if (f === this.savedFrontiers || this.doc.oplogVersion().length() === 0) return;
    this.savedFrontiers = f;
    const snapshot = this.doc.export({ mode: 'snapshot' });
    // Runs after every append queued before this export: `lastKey` is then the last update it includes.
    this.enqueue(() => saveSnapshot(this.pipelineId, snapshot, this.lastKey, this.info, this.pending()));
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

function frontiersKey(doc: LoroDoc): string {
  return JSON.stringify(doc.frontiers());
}
