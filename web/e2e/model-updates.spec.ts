// Unit tests of doc/modelUpdates.ts, run by the Playwright runner in Node without a browser, on real Loro
// replicas: the model brought up to date from events must equal a whole read after every change, local or
// imported, and the steps a change did not touch must keep their objects.
import { expect, test } from '@playwright/test';
import { LoroDoc } from 'loro-crdt';
import { ChangeLog, updateModel } from '../src/doc/modelUpdates';
import {
  deleteSteps,
  insertStep,
  moveStep,
  newDoc,
  readModel,
  removeStepField,
  setDataField,
  setPosition,
  setStepField,
  stepJson,
  tree,
  type Json,
  type Model,
} from '../src/doc/pipeline';
import { addThread } from '../src/doc/comments';

const tick = () => new Promise((r) => setTimeout(r, 0));

/** Everything a consumer can read of a model, with children named by id. */
function shape(m: Model) {
  return {
    all: m.all.map((s) => ({
      id: s.id,
      parent: s.parent,
      path: s.path,
      order: s.order,
      depth: s.depth,
      slot: s.slot,
      fields: s.fields,
      value: s.value ?? null,
      slots: Object.fromEntries(Object.entries(s.slots).map(([k, kids]) => [k, (kids ?? []).map((c) => c.id)])),
    })),
    steps: m.steps.map(stepJson),
    root: m.root,
    hasTopSteps: m.hasTopSteps,
  };
}

/** The model's objects agree with each other: `byId`, `all`, `steps` and every `slots` list hold the same ones. */
function consistent(m: Model) {
  // (Plain checks: this runs after every one of the random test's edits.)
  const bad: string[] = [];
  if (m.byId.size !== m.all.length) bad.push(`byId has ${m.byId.size}, all ${m.all.length}`);
  for (const s of m.all) {
    if (m.byId.get(s.id) !== s) bad.push(`all[${s.order}] is not byId's ${s.id}`);
    for (const kids of Object.values(s.slots)) for (const c of kids ?? []) if (m.byId.get(c.id) !== c) bad.push(`a stale child ${c.id} in ${s.id}`);
  }
  for (const s of m.steps) if (m.byId.get(s.id) !== s) bad.push(`a stale top step ${s.id}`);
  expect(bad).toEqual([]);
}

/** A deterministic pseudo-random sequence (mulberry32). */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sync = (from: LoroDoc, to: LoroDoc) => to.import(from.export({ mode: 'update', from: to.oplogVersion() }));

test('field edits are applied to their step and its ancestors only; the rest keep their objects', async () => {
  const doc = newDoc();
  const a = insertStep(doc, { parent: null, slot: '', index: 0 }, { name: 'a', type: 'gemini', prompt: [{ type: 'static', content: 'x' }] });
  const loop = insertStep(doc, { parent: null, slot: '', index: 1 }, { name: 'loop', type: 'for_loop', steps: [{ name: 'inner', type: 'claude' }] });
  const b = insertStep(doc, { parent: null, slot: '', index: 2 }, { name: 'b', type: 'gemini' });
  const inner = tree(doc).getNodeByID(loop)!.children()![0].id;
  const log = new ChangeLog();
  doc.subscribe((batch) => log.note(batch));
  let model = updateModel(doc, null, log.take());

  setStepField(doc, inner, 'name', 'inner_2');
  await tick();
  const changes = log.take();
  expect(changes.full).toBe(false);
  expect([...changes.steps]).toEqual([inner]);
  const next = updateModel(doc, model, changes);
  expect(shape(next)).toEqual(shape(readModel(doc)));
  consistent(next);
  // The edited step and its loop are new objects; the others are the same ones.
  expect(next.byId.get(inner)).not.toBe(model.byId.get(inner));
  expect(next.byId.get(loop)).not.toBe(model.byId.get(loop));
  expect(next.byId.get(a)).toBe(model.byId.get(a));
  expect(next.byId.get(b)).toBe(model.byId.get(b));
  expect(next.byId.get(loop)!.slots['/steps']![0]).toBe(next.byId.get(inner));
  model = next;

  // A nested value inside a step's fields (a prompt item) is the same kind of change.
  setStepField(doc, a, 'prompt', [{ type: 'static', content: 'y' }]);
  await tick();
  const c2 = log.take();
  expect(c2.full).toBe(false);
  model = updateModel(doc, model, c2);
  expect(shape(model)).toEqual(shape(readModel(doc)));

  // Positions and comments are not in the model: it stays the same object.
  setPosition(doc, b, 10, 20);
  addThread(doc, b, 'u1', 'hello', 1);
  await tick();
  const c3 = log.take();
  expect(c3.layout).toBe(true);
  expect(updateModel(doc, model, c3)).toBe(model);

  // A move changes the shape: read whole.
  moveStep(doc, b, { parent: null, slot: '', index: 0 });
  await tick();
  const c4 = log.take();
  expect(c4.full).toBe(true);
  model = updateModel(doc, model, c4);
  expect(shape(model)).toEqual(shape(readModel(doc)));
});

test('after any sequence of local and imported edits, the updated model equals a whole read', async () => {
  for (let seed = 1; seed <= 12; seed++) {
    const rand = rng(seed);
    const pick = <T,>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    const a = newDoc();
    const b = new LoroDoc();
    insertStep(a, { parent: null, slot: '', index: 0 }, { name: 's0', type: 'gemini' });
    sync(a, b);
    const log = new ChangeLog();
    a.subscribe((batch) => log.note(batch));
    let model = updateModel(a, null, log.take());
    let incremental = 0;
    for (let i = 0; i < 120; i++) {
      const doc = rand() < 0.7 ? a : b;
      const m = readModel(doc);
      const step = m.all.length ? pick(m.all) : null;
      const r = rand();
      if (!step || r < 0.1) {
        const parent = step && step.slots['/steps'] ? step.id : null;
        const v: Json = rand() < 0.2 ? `plain ${i}` : rand() < 0.3 ? { name: `l${i}`, type: 'for_loop', steps: [{ name: `in${i}`, type: 'claude' }] } : { name: `s${i}`, type: 'gemini' };
        insertStep(doc, { parent, slot: parent ? '/steps' : '', index: 0 }, v);
      } else if (r < 0.55 && step.fields) {
        setStepField(doc, step.id, pick(['name', 'model', 'prompt']), pick([`v${i}`, [{ type: 'static', content: `c${i}` }], { deep: { x: i } }]));
      } else if (r < 0.62 && step.fields && Object.keys(step.fields).length > 1) {
        removeStepField(doc, step.id, pick(Object.keys(step.fields)));
      } else if (r < 0.68 && !step.fields) {
        tree(doc).getNodeByID(step.id)!.data.set('value', `plain again ${i}`);
        doc.commit();
      } else if (r < 0.74) {
        setDataField(doc, ['workflow', 'name'], `name ${i}`);
      } else if (r < 0.8) {
        setPosition(doc, step.id, i, i);
      } else if (r < 0.86 && m.steps.length > 1) {
        moveStep(doc, step.id, { parent: null, slot: '', index: 0 });
      } else if (r < 0.9 && m.all.length > 2) {
        deleteSteps(doc, [step.id]);
      } else {
        addThread(doc, step.id, 'u', `t${i}`, i);
      }
      if (doc === b || rand() < 0.3) {
        sync(b, a);
        sync(a, b);
      }
      await tick();
      const changes = log.take();
      if (!changes.full) incremental++;
      model = updateModel(a, model, changes);
      expect(shape(model), `seed ${seed}, step ${i}`).toEqual(shape(readModel(a)));
      consistent(model);
    }
    // Most changes took the incremental way (a test of the whole read alone would pass trivially).
    expect(incremental).toBeGreaterThan(40);
  }
});

test('an unknown root container or a change of a step\'s slot list makes the next read whole', async () => {
  const doc = newDoc();
  const s = insertStep(doc, { parent: null, slot: '', index: 0 }, { name: 'a', type: 'gemini' });
  const log = new ChangeLog();
  doc.subscribe((batch) => log.note(batch));
  log.take();
  doc.getMap('something_new').set('x', 1);
  doc.commit();
  await tick();
  expect(log.take().full).toBe(true);
  (tree(doc).getNodeByID(s)!.data.get('slots') as import('loro-crdt').LoroMap).set('/steps', true);
  doc.commit();
  await tick();
  expect(log.take().full).toBe(true);
  setStepField(doc, s, 'name', 'b');
  await tick();
  expect(log.take().full).toBe(false);
});
