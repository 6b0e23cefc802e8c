// A local node's replication state (`serve --sync-to`, docs/local-node.md): `GET /api/sync-to/status`. The
// shapes mirror crates/pipeline-server/src/replica/status.rs (not generated into src/gen: keep them in step).
import { request } from './client';

/** How one replicated pipeline's link to the team server stands. */
export type LinkState = 'connecting' | 'connected' | 'retrying' | 'gone';

/** Whether the team server answered the local node's last listing. */
export type UpstreamState = 'starting' | 'reachable' | 'unreachable';

export interface PipelineSync {
  id: string;
  name: string;
  state: LinkState;
  /** Milliseconds until the next connection attempt (state `retrying`), as of the answer. */
  retry_in_ms: number | null;
  /** Local operations the team server has not yet acknowledged as durable. */
  pending_changes: number;
  /** RFC 3339: the last time both sides were known to hold the same document. */
  last_synced_at: string | null;
  error: string | null;
}

export interface SyncToEnabled {
  enabled: true;
  /** The team server's URL. */
  upstream: string;
  state: UpstreamState;
  /** Milliseconds until the next listing (state `unreachable`), as of the answer. */
  retry_in_ms: number | null;
  last_listed_at: string | null;
  error: string | null;
  pipelines: PipelineSync[];
}

/** A server that is not a local node answers `{ enabled: false }`. */
export type SyncToStatus = SyncToEnabled | { enabled: false };

export async function getSyncToStatus(signal?: AbortSignal): Promise<SyncToStatus> {
  return (await request('GET', '/api/sync-to/status', { signal })).json();
}
