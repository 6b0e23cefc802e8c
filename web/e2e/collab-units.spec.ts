// Unit tests of the comments and history modules (document layout, concurrent replies, threads following an
// undone deletion, badge counts, recent changes, the side-by-side YAML diff), run by the Playwright runner
// in Node without a browser, on real Loro replicas.
import { expect, test } from '@playwright/test';
import { LoroDoc, UndoManager, type TreeID } from 'loro-crdt';
import { AUTHOR_ORIGIN_MESSAGE, peerAuthors, recordAuthor } from '../src/doc/authors';
import { addThread, editMessage, followRestoredSteps, openCounts, readThreads, reply, setResolved } from '../src/doc/comments';
import { deleteSteps, insertStep, newDoc, setStepField } from '../src/doc/pipeline';
import { CommentCounts } from '../src/editor/comments/counts';
import { recentChanges } from '../src/editor/history/changes';
import { sideBySide } from '../src/editor/history/yamlDiff';

const tick = () => new Promise((r) => setTimeout(r, 0));

function withSteps(names: string[]): { doc: LoroDoc; ids: TreeID[] } {
  const doc = newDoc();
  const ids = names.map((name, i) => insertStep(doc, { parent: null, slot: '', index: i }, { name, type: 'gemini' }));
  return { doc, ids };
}

/** Sends everything `from` has that `to` lacks. */
const sync = (from: LoroDoc, to: LoroDoc) => to.import(from.export({ mode: 'update', from: to.oplogVersion() }));

test('threads have the layout of comments.rs: step key, resolved, messages with id, author, text, at, edited', () => {
  const { doc, ids } = withSteps(['a']);
  const t = addThread(doc, ids[0], 'u1', 'first', 1_700_000_000_000);
  const m = reply(doc, t, 'u2', 'second', 1_700_000_000_001);
  expect(t).toMatch(/^t\d+-[0-9a-f]+$/);
  expect(m).toMatch(/^m\d+-[0-9a-f]+$/);
  const raw = doc.getMap('comments').toJSON() as Record<string, { step: string; resolved: boolean; messages: Record<string, unknown>[] }>;
  expect(raw[t].step).toBe(ids[0]);
  expect(raw[t].resolved).toBe(false);
  expect(raw[t].messages.map((x) => Object.keys(x).sort())).toEqual([
    ['at', 'author', 'id', 'text'],
    ['at', 'author', 'id', 'text'],
  ]);
  editMessage(doc, t, readThreads(doc)[0].messages[0].id, 'u1', 'first, edited');
  expect(() => editMessage(doc, t, m, 'u1', 'not mine')).toThrow(/author/);
  setResolved(doc, t, true);
  expect(readThreads(doc)).toEqual([
    {
      id: t,
      step: ids[0],
      resolved: true,
      messages: [
        { id: expect.any(String), author: 'u1', text: 'first, edited', at: 1_700_000_000_000, edited: true },
        { id: m, author: 'u2', text: 'second', at: 1_700_000_000_001, edited: false },
      ],
    },
  ]);
});

test('concurrent replies on two replicas both survive; counts are per step and open threads only', () => {
  const { doc: a, ids } = withSteps(['a', 'b']);
  const b = new LoroDoc();
  sync(a, b);
  const t1 = addThread(a, ids[0], 'u1', 'on a');
  const t2 = addThread(a, ids[1], 'u1', 'on b');
  addThread(a, ids[1], 'u1', 'on b again');
  sync(a, b);
  reply(a, t1, 'u1', 'from a');
  reply(b, t1, 'u2', 'from b');
  setResolved(b, t2, true);
  sync(a, b);
  sync(b, a);
  const ta = readThreads(a);
  expect(ta).toEqual(readThreads(b));
  expect(ta.find((t) => t.id === t1)!.messages.map((m) => m.text).sort()).toEqual(['from a', 'from b', 'on a']);
  expect(openCounts(ta)).toEqual(new Map([[ids[0], 1], [ids[1], 1]]));
});

test('the badge store tells only the steps whose count changed', () => {
  const store = new CommentCounts();
  const calls: string[] = [];
  store.subscribe('1@1', () => calls.push('a'));
  store.subscribe('2@1', () => calls.push('b'));
  store.set(new Map([['1@1', 1]]));
  expect(calls).toEqual(['a']);
  store.set(new Map([['1@1', 1], ['2@1', 2]]));
  expect(calls).toEqual(['a', 'b']);
  store.set(new Map([['2@1', 2]]));
  expect(calls).toEqual(['a', 'b', 'a']);
  expect([store.get('1@1'), store.get('2@1')]).toEqual([0, 2]);
});

test('after an undone deletion the thread is on the recreated step; the move is no undo step', async () => {
  const { doc, ids } = withSteps(['a', 'b']);
  const undo = new UndoManager(doc, { mergeInterval: 0, excludeOriginPrefixes: ['pe:'] });
  const off = followRestoredSteps(doc);
  const t = addThread(doc, ids[1], 'u1', 'keep me');
  setStepField(doc, ids[0], 'model', 'x');
  deleteSteps(doc, [ids[1]]);
  const tree = doc.getTree('steps');
  expect(tree.isNodeDeleted(ids[1])).toBe(true);

  undo.undo();
  await tick();
  const step = readThreads(doc)[0].step;
  expect(step).not.toBe(ids[1]);
  expect(tree.isNodeDeleted(step)).toBe(false);
  expect(tree.getNodeByID(step)!.data.toJSON()).toEqual(tree.getNodeByID(ids[1])!.data.toJSON());
  // The next undo is the user's previous edit (the field), not the thread's move.
  undo.undo();
  await tick();
  expect((tree.getNodeByID(ids[0])!.data.toJSON() as { fields: Record<string, unknown> }).fields.model).toBeUndefined();
  expect(readThreads(doc).map((x) => [x.id, x.step])).toEqual([[t, step]]);
  off();
});

test('recent changes: grouped per peer, newest first, with the author recorded on the first commit', async () => {
  const a = newDoc();
  const offA = recordAuthor(a, () => ({ user: 'u1', name: 'Ann' }));
  insertStep(a, { parent: null, slot: '', index: 0 }, { name: 'a', type: 'gemini' });
  await tick();
  const b = new LoroDoc();
  b.setRecordTimestamp(true);
  sync(a, b);
  const offB = recordAuthor(b, () => ({ user: 'u2', name: 'Bob' }));
  const step = b.getTree('steps').roots()[0].id;
  setStepField(b, step, 'model', 'm');
  await tick();
  sync(b, a);
  expect(peerAuthors(a)).toEqual(new Map([[a.peerIdStr, { user: 'u1', name: 'Ann' }], [b.peerIdStr, { user: 'u2', name: 'Bob' }]]));
  const changes = recentChanges(a);
  expect(changes.map((c) => c.peer)).toEqual([b.peerIdStr, a.peerIdStr]);
  expect(changes[0].what).toEqual(['set model']);
  expect(changes[1].what).toEqual(['insert step']);
  expect(changes.flatMap((c) => c.what)).not.toContain(AUTHOR_ORIGIN_MESSAGE);
  offA();
  offB();
});

test('the author record neither splits an undo step nor goes away with an undo', async () => {
  const { doc, ids } = withSteps(['a']);
  const undo = new UndoManager(doc, { mergeInterval: 500, excludeOriginPrefixes: ['pe:'] });
  const fresh = new LoroDoc();
  sync(doc, fresh);
  const off = recordAuthor(fresh, () => ({ user: 'u1', name: 'Ann' }));
  const undoFresh = new UndoManager(fresh, { mergeInterval: 500, excludeOriginPrefixes: ['pe:'] });
  // Fast typing on a replica that has not committed yet: its first commit carries the record. The commits
  // are a task apart (the record is written in a microtask), well within the merge interval even on a
  // loaded machine; the span is checked, since a slower one would split the step for another reason.
  const started = performance.now();
  for (const name of ['a_', 'a_n', 'a_ne']) {
    setStepField(fresh, ids[0], 'name', name);
    await tick();
  }
  expect(performance.now() - started, 'the edits must fall within the merge interval').toBeLessThan(500);
  expect(peerAuthors(fresh).get(fresh.peerIdStr)).toEqual({ user: 'u1', name: 'Ann' });
  undoFresh.undo();
  await tick();
  expect((fresh.getTree('steps').getNodeByID(ids[0])!.data.toJSON() as { fields: { name: string } }).fields.name).toBe('a');
  expect(peerAuthors(fresh).get(fresh.peerIdStr)).toEqual({ user: 'u1', name: 'Ann' });
  expect(undoFresh.canRedo()).toBe(true);
  undoFresh.redo();
  expect((fresh.getTree('steps').getNodeByID(ids[0])!.data.toJSON() as { fields: { name: string } }).fields.name).toBe('a_ne');
  expect(undo.canUndo()).toBe(false);
  off();
});

test('a unified diff becomes side-by-side rows: pairs of removed and added lines, context, gaps', () => {
  const unified = [
    '--- before',
    '+++ after',
    '@@ -1,4 +1,4 @@',
    ' workflow:',
    '-  name: a',
    '+  name: b',
    '+  description: new',
    '   steps:',
    '@@ -20,2 +21,1 @@',
    ' x',
    '-y',
    '\\ No newline at end of file',
    '',
  ].join('\n');
  const rows = sideBySide(unified);
  const flat = rows.map((r) => (r.kind === 'gap' ? 'gap' : `${r.left?.kind ?? '-'}:${r.left?.no ?? ''}:${r.left?.text ?? ''} | ${r.right?.kind ?? '-'}:${r.right?.no ?? ''}:${r.right?.text ?? ''}`));
  expect(flat).toEqual([
    'context:1:workflow: | context:1:workflow:',
    'del:2:  name: a | add:2:  name: b',
    '-:: | add:3:  description: new',
    'context:3:  steps: | context:4:  steps:',
    'gap',
    'context:20:x | context:21:x',
    'del:21:y | -::',
  ]);
});
