// Collaboration state shared by the side panel's tabs and the canvas's comment badges: the comment threads
// (read once per model revision), the open-thread counts per step (a store nodes subscribe to one step at a
// time), the names of people, and which side-panel tab is shown. It also keeps the document's bookkeeping
// that goes with comments and history: the author of this replica's changes and threads following a step
// brought back by undo.
import type { TreeID } from 'loro-crdt';
import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { peerAuthors, recordAuthor } from '../doc/authors';
import { followRestoredSteps, openCounts, readThreads, type Thread } from '../doc/comments';
import { CommentCounts } from './comments/counts';
import { useTeamNames } from './people';
import { useEditor } from './state';

export type SideTab = 'properties' | 'comments' | 'history';

export interface Collab {
  threads: Thread[];
  /** Display name for a user id. */
  nameOf(user: string): string;
  /** Display name for a Loro peer id, when its replica recorded one. */
  peerName(peer: string): string | null;
  tab: SideTab;
  setTab(t: SideTab): void;
}

/** Stable for the editor's lifetime (the badges use it without re-rendering on every change). */
export interface BadgeHooks {
  counts: CommentCounts;
  openComments(step: TreeID): void;
}

const CollabContext = createContext<Collab | null>(null);
const BadgeContext = createContext<BadgeHooks | null>(null);

export function useCollab(): Collab {
  const c = useContext(CollabContext);
  if (!c) throw new Error('useCollab outside CollabProvider');
  return c;
}

export const useBadgeHooks = () => useContext(BadgeContext);

export function CollabProvider({ children }: { children: ReactNode }) {
  const { doc, revision, info, readOnly, loaded, pipelineId, setSelection } = useEditor();
  const [tab, setTab] = useState<SideTab>('properties');
  // Names are wanted once a tab shows people (not on the way to the first paint).
  const [wantNames, setWantNames] = useState(false);
  if (tab !== 'properties' && !wantNames) setWantNames(true);
  const teamNames = useTeamNames(pipelineId, wantNames);

  const threads = useMemo(() => readThreads(doc), [doc, revision]);
  const authors = useMemo(() => peerAuthors(doc), [doc, revision]);

  const counts = useRef(new CommentCounts()).current;
  useEffect(() => counts.set(openCounts(threads)), [counts, threads]);

  const select = useRef(setSelection);
  select.current = setSelection;
  const badge = useMemo<BadgeHooks>(
    () => ({
      counts,
      openComments: (step) => {
        select.current([step]);
        setTab('comments');
      },
    }),
    [counts],
  );

  // The replica records who its author is on its first commit; only editors commit. Subscribed once the
  // document is in: a subscriber before the first welcome would make Loro compute events for the whole
  // snapshot (see state.ts).
  const me = useRef(info?.user ?? null);
  me.current = info?.user ?? null;
  useEffect(() => {
    if (!loaded || readOnly) return;
    const offAuthor = recordAuthor(doc, () => (me.current ? { user: me.current.id, name: me.current.name } : null));
    const offFollow = followRestoredSteps(doc);
    return () => {
      offAuthor();
      offFollow();
    };
  }, [doc, loaded, readOnly]);

  const value = useMemo<Collab>(() => {
    const byId = new Map<string, string>();
    for (const a of authors.values()) if (a.name) byId.set(a.user, a.name);
    for (const [id, name] of teamNames) byId.set(id, name);
    if (info) byId.set(info.user.id, info.user.name);
    return {
      threads,
      nameOf: (user) => byId.get(user) ?? 'Someone',
      peerName: (peer) => {
        const a = authors.get(peer);
        return a ? (byId.get(a.user) ?? a.name) || null : null;
      },
      tab,
      setTab,
    };
  }, [threads, authors, teamNames, info, tab]);

  return (
    <BadgeContext.Provider value={badge}>
      <CollabContext.Provider value={value}>{children}</CollabContext.Provider>
    </BadgeContext.Provider>
  );
}
