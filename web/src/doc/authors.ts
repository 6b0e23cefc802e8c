// Who made a replica's changes: keys `peer:<Loro peer id>` → { user, name } in the root map `meta` (plain
// values, one key per peer, so concurrent writers never overwrite each other), written by each browser replica
// in its first commit (Loro's `subscribeFirstCommitFromPeer`, the pattern its docs give for this). The
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

/**
 * Records `who` for this replica's peer on its first commit, as an ordinary commit that joins the user's
 * undo step (a commit with an origin the UndoManager ignores would split the step being typed). Undoing
 * that first edit takes the record away too, so after an undo it is written again, then as a commit the
 * UndoManager ignores (no undo step is open right after an undo).
 * Returns the unsubscribe function.
 */
export function recordAuthor(doc: LoroDoc, who: () => PeerAuthor | null): () => void {
  const key = () => PREFIX + doc.peerIdStr;
  const write = (): boolean => {
    const author = who();
    if (!author) return false;
    doc.getMap('meta').set(key(), { user: author.user, name: author.name });
    return true;
  };
  const offFirst = doc.subscribeFirstCommitFromPeer((e) => {
    if (e.peer !== doc.peerIdStr || !write()) return;
    // Loro keeps an operation made in this callback for the next commit: made now, with its own message, it
    // joins the user's open undo step (same origin, within the merge interval) instead of splitting it.
    queueMicrotask(() => {
      if (!doc.getPendingTxnLength()) return;
      doc.setNextCommitMessage(AUTHOR_ORIGIN_MESSAGE);
      doc.commit();
    });
  });
  let scheduled = false;
  const offUndo = doc.subscribe((batch) => {
    if (batch.by !== 'local' || batch.origin !== 'undo' || scheduled) return;
    scheduled = true;
    // Not inside the event callback: Loro takes no commit from there.
    queueMicrotask(() => {
      scheduled = false;
      if (doc.getMap('meta').get(key()) !== undefined || !write()) return;
      doc.setNextCommitMessage(AUTHOR_ORIGIN_MESSAGE);
      doc.commit({ origin: AUTHOR_ORIGIN });
    });
  });
  return () => {
    offFirst();
    offUndo();
  };
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
