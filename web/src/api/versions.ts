// Versions of a pipeline over HTTP (crates/pipeline-server/src/routes/versions.rs): list, read, save, diff
// between two versions (or a version and the current state), restore as a new version.
import { getJson, sendJson } from './client';

export interface VersionSummary {
  id: string;
  pipeline: string;
  /** User id; null for versions made without a user (imports). */
  author: string | null;
  message: string;
  /** RFC 3339. */
  created_at: string;
}

export interface Version extends VersionSummary {
  yaml: string;
}

export interface FieldChange {
  key: string;
  before: unknown;
  after: unknown;
}

export type StepChange =
  | { kind: 'added'; step: string; name: unknown; path: string }
  | { kind: 'removed'; step: string; name: unknown; path: string }
  | { kind: 'moved'; step: string; name: unknown; from: string; to: string }
  | { kind: 'changed'; step: string; name: unknown; path: string; fields: FieldChange[] };

export interface VersionDiff {
  steps: StepChange[];
  /** Unified diff of the two exports ("" when identical). */
  yaml: string;
  workflow_changed: boolean;
  from: string;
  to: string;
}

const base = (id: string) => `/api/pipelines/${encodeURIComponent(id)}`;

export const listVersions = (id: string, signal?: AbortSignal) =>
  getJson<{ items: VersionSummary[] }>(`${base(id)}/versions`, signal).then((r) => r.items);

export const getVersion = (id: string, vid: string) => getJson<Version>(`${base(id)}/versions/${encodeURIComponent(vid)}`);

export const saveVersion = (id: string, message: string) => sendJson<VersionSummary>('POST', `${base(id)}/versions`, { message });

/** `to` is a version id or "current". */
export const diffVersions = (id: string, from: string, to: string) =>
  getJson<VersionDiff>(`${base(id)}/diff?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);

export const restoreVersion = (id: string, vid: string) =>
  sendJson<Version>('POST', `${base(id)}/versions/${encodeURIComponent(vid)}/restore`, {});

/** Tells open history panels that a version was saved or restored here (they refresh at once). */
export const VERSIONS_CHANGED = 'pe:versions-changed';
export const announceVersions = () => window.dispatchEvent(new Event(VERSIONS_CHANGED));
