// The browser's durable copy of every opened pipeline, in IndexedDB (through `idb`): a snapshot of the Loro
// document, the local updates made since that snapshot (each appended the moment it is made, so an edit
// survives the tab closing right after it), the last welcome (who we are, our role) and how many local
// changes the server has not acknowledged yet.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { WelcomeInfo } from '../sync/protocol';

interface ReplicaMeta {
  pipelineId: string;
  snapshot: Uint8Array | null;
  /** The key of the last update the snapshot includes (later ones are still to be imported). */
  snapshotUpTo: number;
  info: WelcomeInfo | null;
  /** Local changes not yet acknowledged by the server (shown as "pending"). */
  unsynced: number;
  savedAt: number;
}

interface ReplicaDb extends DBSchema {
  replicas: { key: string; value: ReplicaMeta };
  updates: { key: number; value: { pipelineId: string; bytes: Uint8Array }; indexes: { pipeline: string } };
}

export interface StoredReplica {
  snapshot: Uint8Array | null;
  updates: Uint8Array[];
  info: WelcomeInfo | null;
  unsynced: number;
}

const DB_NAME = 'pipeline-editor';

let db: Promise<IDBPDatabase<ReplicaDb>> | null = null;
function open(): Promise<IDBPDatabase<ReplicaDb>> {
  db ??= openDB<ReplicaDb>(DB_NAME, 1, {
    upgrade(d) {
      d.createObjectStore('replicas', { keyPath: 'pipelineId' });
      d.createObjectStore('updates', { autoIncrement: true }).createIndex('pipeline', 'pipelineId');
    },
  });
  return db;
}

export const idbAvailable = (): boolean => typeof indexedDB !== 'undefined';

/** What is stored for `pipelineId`, or null. */
export async function loadReplica(pipelineId: string): Promise<StoredReplica | null> {
  const d = await open();
  const tx = d.transaction(['replicas', 'updates'], 'readonly');
  const meta = await tx.objectStore('replicas').get(pipelineId);
  const keys = await tx.objectStore('updates').index('pipeline').getAllKeys(pipelineId);
  const values = await tx.objectStore('updates').index('pipeline').getAll(pipelineId);
  await tx.done;
  const after = meta?.snapshotUpTo ?? 0;
  const updates = values.filter((_, i) => keys[i] > after).map((v) => v.bytes);
  if (!meta && !updates.length) return null;
  return { snapshot: meta?.snapshot ?? null, updates, info: meta?.info ?? null, unsynced: meta?.unsynced ?? 0 };
}

/** Appends one local update; resolves once it is durable. Returns its key. */
export async function appendUpdate(pipelineId: string, bytes: Uint8Array, unsynced: number): Promise<number> {
  const d = await open();
  const tx = d.transaction(['replicas', 'updates'], 'readwrite');
  const key = await tx.objectStore('updates').add({ pipelineId, bytes });
  const meta = await tx.objectStore('replicas').get(pipelineId);
  await tx.objectStore('replicas').put({ ...emptyMeta(pipelineId), ...meta, unsynced, savedAt: Date.now() });
  await tx.done;
  return key;
}

/**
 * Replaces the stored state with `snapshot` (which includes every update up to key `upTo`): those updates are
 * deleted in the same transaction, so a crash leaves either the old state or the new one.
 */
export async function saveSnapshot(
  pipelineId: string,
  snapshot: Uint8Array,
  upTo: number,
  info: WelcomeInfo | null,
  unsynced: number,
): Promise<void> {
  const d = await open();
  const tx = d.transaction(['replicas', 'updates'], 'readwrite');
  const old = await tx.objectStore('replicas').get(pipelineId);
  await tx.objectStore('replicas').put({
    pipelineId,
    snapshot,
    snapshotUpTo: upTo,
    info: info ?? old?.info ?? null,
    unsynced,
    savedAt: Date.now(),
  });
  const index = tx.objectStore('updates').index('pipeline');
  for (let c = await index.openCursor(pipelineId); c; c = await c.continue()) {
    if (c.primaryKey <= upTo) await c.delete();
  }
  await tx.done;
}

/** Records the unacknowledged count (and the welcome, when given) without touching the document. */
export async function saveSyncState(pipelineId: string, unsynced: number, info?: WelcomeInfo): Promise<void> {
  const d = await open();
  const tx = d.transaction('replicas', 'readwrite');
  const meta = await tx.store.get(pipelineId);
  await tx.store.put({ ...emptyMeta(pipelineId), ...meta, unsynced, ...(info ? { info } : {}), savedAt: Date.now() });
  await tx.done;
}

function emptyMeta(pipelineId: string): ReplicaMeta {
  return { pipelineId, snapshot: null, snapshotUpTo: 0, info: null, unsynced: 0, savedAt: 0 };
}

/** Drops everything kept for `pipelineId`. */
export async function forgetReplica(pipelineId: string): Promise<void> {
  const d = await open();
  const tx = d.transaction(['replicas', 'updates'], 'readwrite');
  await tx.objectStore('replicas').delete(pipelineId);
  const index = tx.objectStore('updates').index('pipeline');
  for (let c = await index.openCursor(pipelineId); c; c = await c.continue()) await c.delete();
  await tx.done;
}
