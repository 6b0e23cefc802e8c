// Who made a replica's changes: keys `peer:<Loro peer id>` → { user, name } in the root map `meta` (plain
// values, one key per peer, so concurrent writers never overwrite each other), written by each browser replica
// on its first commit (Loro's `subscribeFirstCommitFromPeer`, the pattern its docs give for this). The
// recent-changes list reads it to put a name on each change. It is what the client says, not a proof: the
// server's store keeps the authenticated author of every update.
import type { LoroDoc } from 'loro-crdt';

export interface PeerAuthor {
  user: string;
  name: string;
}

/** Not an edit of the user's: the UndoManager ignores commits with this origin prefix. */
export const AUTHOR_ORIGIN = 'pe:author';
/** The commit message of that record (the recent-changes list skips it). */
export const AUTHOR_ORIGIN_MESSAGE = 'record author';

const PREFIX = 'peer:';

/** Records `who` for this replica's peer when it first commits. Returns the unsubscribe function. */
export function recordAuthor(doc: LoroDoc, who: () => PeerAuthor | null): () => void {
  return doc.subscribeFirstCommitFromPeer((e) => {
    if (e.peer !== doc.peerIdStr) return;
    const author = who();
    if (!author) return;
    // A separate commit, after the one being made (Loro takes no commit from inside its callbacks).
    queueMicrotask(() => {
      doc.getMap('meta').set(PREFIX + doc.peerIdStr, { user: author.user, name: author.name });
      doc.setNextCommitMessage(AUTHOR_ORIGIN_MESSAGE);
      doc.commit({ origin: AUTHOR_ORIGIN });
    });
  });
}

/** Every known peer's author. */
export function peerAuthors(doc: LoroDoc): Map<string, PeerAuthor> {
  const out = new Map<string, PeerAuthor>();
  for (const [key, v] of Object.entries(doc.getMap('meta').toJSON() as Record<string, unknown>)) {
    if (!key.startsWith(PREFIX)) continue;
    const a = v as Partial<PeerAuthor> | null;
    if (a && typeof a.user === 'string') out.set(key.slice(PREFIX.length), { user: a.user, name: typeof a.name === 'string' ? a.name : '' });
  }
  return out;
}
