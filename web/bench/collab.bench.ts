// Collaboration latency in Chromium (docs/benchmarks.md): one user's edit (a step renamed, one commit, as the
// properties form makes it) until it is in another user's replica (the document's change event) and on their
// canvas (the node's name in the DOM). Two browser contexts of one browser process share the clock
// (performance.timeOrigin + performance.now()), so the edit carries its own timestamp in the new name and the
// receiver subtracts it. Edits go one at a time (the next once the last has shown), so this is latency, not
// queueing. Prints one JSON line (`BENCH {...}`).
import { expect, type Page } from '@playwright/test';
import { createPipeline, openEditor, signIn, test, USERS } from '../e2e/support/fixtures';

const EDITS = Number(process.env.BENCH_EDITS ?? 250);
const WARMUP = 20;

const YAML = `workflow:
  name: collab_bench
  steps:
    - name: first
      type: gemini
      prompt:
        - type: static
          content: hello
    - name: second
      type: claude
      prompt:
        - type: static
          content: review this
`;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const r2 = (n: number) => +n.toFixed(2);

type Probe = { imported: number[]; shown: number[] };

/** In the receiver: records, for each timestamped name, when the replica has it and when the canvas shows it. */
async function installReceiver(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { __pe: { doc: import('loro-crdt').LoroDoc }; __lat: Probe };
    const now = () => performance.timeOrigin + performance.now();
    const sentAt = (name: unknown) => (typeof name === 'string' && name.startsWith('e_') ? Number(name.slice(2)) / 1000 : null);
    w.__lat = { imported: [], shown: [] };
    const fields = () => w.__pe.doc.getTree('steps').roots()[0].data.get('fields') as import('loro-crdt').LoroMap;
    let imported = '';
    w.__pe.doc.subscribe(() => {
      const name = fields().get('name');
      const t = sentAt(name);
      if (t !== null && name !== imported) {
        imported = name as string;
        w.__lat.imported.push(now() - t);
      }
    });
    let shown = '';
    const canvas = document.querySelector('.react-flow')!;
    new MutationObserver(() => {
      const name = canvas.querySelector('.react-flow__node .pc-name')?.textContent ?? '';
      const t = sentAt(name);
      if (t !== null && name !== shown) {
        shown = name;
        w.__lat.shown.push(now() - t);
      }
    }).observe(canvas, { subtree: true, childList: true, characterData: true });
  });
}

async function edit(page: Page) {
  await page.evaluate(() => {
    const pe = (window as unknown as { __pe: { doc: import('loro-crdt').LoroDoc } }).__pe;
    const fields = pe.doc.getTree('steps').roots()[0].data.get('fields') as import('loro-crdt').LoroMap;
    fields.set('name', `e_${Math.round((performance.timeOrigin + performance.now()) * 1000)}`);
    pe.doc.commit();
  });
}

test('edit in one browser until it shows in another', async ({ browser, page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await openEditor(page, id);
  const ctx = await browser.newContext();
  const other = await ctx.newPage();
  await signIn(other.request, USERS.owner);
  await openEditor(other, id);
  await installReceiver(other);

  for (let i = 0; i < WARMUP + EDITS; i++) {
    await edit(page);
    await other.waitForFunction((n) => (window as unknown as { __lat: Probe }).__lat.shown.length >= n, i + 1);
    // A pause like a person's between edits, so the receiver's frame and the sender's ack are done.
    await page.waitForTimeout(15);
  }
  const lat = await other.evaluate(() => (window as unknown as { __lat: Probe }).__lat);
  expect(lat.shown.length).toBe(WARMUP + EDITS);
  const imported = lat.imported.slice(WARMUP);
  const shown = lat.shown.slice(WARMUP);
  const result = {
    edits: shown.length,
    imported_p50_ms: r2(pct(imported, 50)),
    imported_p95_ms: r2(pct(imported, 95)),
    imported_max_ms: r2(Math.max(...imported)),
    shown_p50_ms: r2(pct(shown, 50)),
    shown_p95_ms: r2(pct(shown, 95)),
    shown_max_ms: r2(Math.max(...shown)),
  };
  console.log(`BENCH ${JSON.stringify(result)}`);
  await ctx.close();
});
