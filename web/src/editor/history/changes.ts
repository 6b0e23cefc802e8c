// Recent changes, read from the Loro document's own history (the server offers no list of edits): every
// change has its peer, a timestamp (seconds; every replica records them) and the commit message the editor
// gave it ("set prompt", "move step", "comment"…). Consecutive changes of one peer within a minute are one
// entry. The author comes from the peer → user records of doc/authors.ts; changes made on the server (YAML
// typed in the pane, a restore, an import, the comment routes) have no such record and say so.
import type { Change, LoroDoc } from 'loro-crdt';
import { AUTHOR_ORIGIN_MESSAGE } from '../../doc/authors';

export interface ChangeEntry {
  peer: string;
  /** Milliseconds since the epoch of the newest change in the entry. */
  at: number;
  /** Milliseconds since the epoch of the oldest change in the entry. */
  since: number;
  /** What was done, most recent first, without repeats. */
  what: string[];
  /** Number of Loro changes grouped here. */
  count: number;
}

/** Bookkeeping commits that are nobody's edit. */
const QUIET = new Set([AUTHOR_ORIGIN_MESSAGE, 'comments follow a restored step']);
const GROUP_SECONDS = 60;

/**
 * The newest `limit` entries. Cost follows the document's number of changes (not operations): a few
 * milliseconds for thousands of them; the history tab reads it only while shown.
 */
export function recentChanges(doc: LoroDoc, limit = 30): ChangeEntry[] {
  const all: Change[] = [];
  for (const list of doc.getAllChanges().values()) all.push(...list);
  all.sort((a, b) => b.timestamp - a.timestamp || b.lamport - a.lamport);
  const out: ChangeEntry[] = [];
  let cur: ChangeEntry | null = null;
  for (const c of all) {
    const msg = c.message ?? '';
    if (QUIET.has(msg)) continue;
    const what = msg || (c.lamport === 0 ? 'created the pipeline' : 'edited (YAML text or API)');
    if (cur && cur.peer === c.peer && cur.since / 1000 - c.timestamp <= GROUP_SECONDS) {
      cur.since = c.timestamp * 1000;
      cur.count += 1;
      if (!cur.what.includes(what)) cur.what.push(what);
      continue;
    }
    if (out.length === limit) break;
    cur = { peer: c.peer, at: c.timestamp * 1000, since: c.timestamp * 1000, what: [what], count: 1 };
    out.push(cur);
  }
  return out;
}
