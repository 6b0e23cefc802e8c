// Comment threads on steps, read and written with the layout of crates/pipeline-doc/src/comments.rs: root map
// `comments`, thread id → { step: "counter@peer" (the step's tree node), resolved, messages: [ { id, author,
// text, at, edited? } ] }. They live in the document (never in the YAML), so they sync live, work offline,
// follow the step when it moves and stay with a deleted step. Each edit is one commit.
import { LoroList, LoroMap, type LoroDoc, type TreeID } from 'loro-crdt';

export interface Message {
  id: string;
  /** The author's user id. */
  author: string;
  text: string;
  /** Milliseconds since the Unix epoch, by the writer's clock. */
  at: number;
  edited: boolean;
}

export interface Thread {
  id: string;
  step: TreeID;
  resolved: boolean;
  messages: Message[];
}

/** Commits made on behalf of the user but not as an undoable edit of theirs (see `followRestoredSteps`). */
export const FOLLOW_ORIGIN = 'pe:comments-follow';

const comments = (doc: LoroDoc) => doc.getMap('comments');

/** An id unique across replicas, as `new_id` in comments.rs: this peer and its next operation counter. */
function newId(doc: LoroDoc, prefix: string): string {
  const peer = doc.peerIdStr;
  const counter = doc.oplogVersion().get(peer) ?? 0;
  return `${prefix}${counter}-${BigInt(peer).toString(16)}`;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Every thread, oldest message first; threads in id order (as the server lists them). */
export function readThreads(doc: LoroDoc): Thread[] {
  const all = comments(doc).toJSON() as Record<string, unknown>;
  const out: Thread[] = [];
  for (const [id, raw] of Object.entries(all)) {
    if (!raw || typeof raw !== 'object') continue;
    const t = raw as { step?: unknown; resolved?: unknown; messages?: unknown };
    const messages = (Array.isArray(t.messages) ? t.messages : []).map((m: Record<string, unknown>) => ({
      id: str(m?.id),
      author: str(m?.author),
      text: str(m?.text),
      at: typeof m?.at === 'number' ? m.at : 0,
      edited: m?.edited === true,
    }));
    out.push({ id, step: str(t.step) as TreeID, resolved: t.resolved === true, messages });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Open threads per step. */
export function openCounts(threads: Thread[]): Map<TreeID, number> {
  const out = new Map<TreeID, number>();
  for (const t of threads) if (!t.resolved) out.set(t.step, (out.get(t.step) ?? 0) + 1);
  return out;
}

function pushMessage(doc: LoroDoc, list: LoroList, author: string, text: string, at: number): string {
  const id = newId(doc, 'm');
  const m = list.pushContainer(new LoroMap());
  m.set('id', id);
  m.set('author', author);
  m.set('text', text);
  m.set('at', at);
  return id;
}

function threadMap(doc: LoroDoc, thread: string): LoroMap {
  const t = comments(doc).get(thread);
  if (!(t instanceof LoroMap)) throw new Error(`no comment thread ${thread}`);
  return t;
}

function messagesOf(t: LoroMap): LoroList {
  const l = t.get('messages');
  if (!(l instanceof LoroList)) throw new Error('thread without messages');
  return l;
}

function commit(doc: LoroDoc, message: string): void {
  doc.setNextCommitMessage(message);
  doc.commit();
}

/** Starts a thread on a step with its first message; returns the thread id. */
export function addThread(doc: LoroDoc, step: TreeID, author: string, text: string, at = Date.now()): string {
  const id = newId(doc, 't');
  const t = comments(doc).setContainer(id, new LoroMap());
  t.set('step', step);
  t.set('resolved', false);
  pushMessage(doc, t.setContainer('messages', new LoroList()), author, text, at);
  commit(doc, 'comment');
  return id;
}

export function reply(doc: LoroDoc, thread: string, author: string, text: string, at = Date.now()): string {
  const id = pushMessage(doc, messagesOf(threadMap(doc, thread)), author, text, at);
  commit(doc, 'reply');
  return id;
}

/** Edits a message of `author`'s (the REST route checks the same; a document edit is trusted to). */
export function editMessage(doc: LoroDoc, thread: string, message: string, author: string, text: string): void {
  const list = messagesOf(threadMap(doc, thread));
  for (let i = 0; i < list.length; i++) {
    const m = list.get(i);
    if (m instanceof LoroMap && m.get('id') === message) {
      if (m.get('author') !== author) throw new Error('only its author can edit a message');
      m.set('text', text);
      m.set('edited', true);
      commit(doc, 'edit comment');
      return;
    }
  }
  throw new Error(`no message ${message}`);
}

export function setResolved(doc: LoroDoc, thread: string, resolved: boolean): void {
  threadMap(doc, thread).set('resolved', resolved);
  commit(doc, resolved ? 'resolve' : 'reopen');
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Loro's undo of a step deletion creates a new tree node with the old content (the deleted node stays
 * deleted), so threads keyed to the old node would stay hidden. After this replica's own undo or redo, a
 * thread whose step is deleted moves to a node just created with exactly the deleted node's content. The
 * move is committed with an origin the UndoManager ignores, so it never becomes an undo step itself.
 * Returns the unsubscribe function.
 */
export function followRestoredSteps(doc: LoroDoc): () => void {
  let pending: TreeID[] = [];
  let scheduled = false;
  const apply = () => {
    scheduled = false;
    const created = pending;
    pending = [];
    const tree = doc.getTree('steps');
    const threads = readThreads(doc).filter((t) => tree.has(t.step) && tree.isNodeDeleted(t.step));
    if (!threads.length) return;
    const metaJson = (id: TreeID) => tree.getNodeByID(id)?.data.toJSON();
    let changed = false;
    for (const id of created) {
      if (!tree.has(id) || tree.isNodeDeleted(id)) continue;
      const content = metaJson(id);
      for (const t of threads) {
        if (t.step !== id && tree.isNodeDeleted(t.step) && sameJson(metaJson(t.step), content)) {
          threadMap(doc, t.id).set('step', id);
          t.step = id;
          changed = true;
        }
      }
    }
    if (changed) {
      doc.setNextCommitMessage('comments follow a restored step');
      doc.commit({ origin: FOLLOW_ORIGIN });
    }
  };
  return doc.subscribe((batch) => {
    if (batch.by !== 'local' || batch.origin !== 'undo') return;
    for (const e of batch.events) {
      if (e.diff.type !== 'tree') continue;
      for (const d of e.diff.diff) if (d.action === 'create') pending.push(d.target);
    }
    if (pending.length && !scheduled) {
      scheduled = true;
      // Not inside the event callback: Loro does not take a commit from there.
      queueMicrotask(apply);
    }
  });
}
