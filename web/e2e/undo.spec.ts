// Undo and redo per user (Loro's UndoManager), through the keyboard and the toolbar, checked in the server's
// exported YAML: exact restoration, redo, typing grouped, 200 steps deep, and never someone else's edit.
import type { Page } from '@playwright/test';
import { createPipeline, expect, exportedYaml, openEditor, signIn, test, USERS } from './support/fixtures';

const YAML = `workflow:
  name: undo
  steps:
    - name: first
      type: gemini
      prompt:
        - type: static
          content: one
    - name: second
      type: gemini
      prompt:
        - type: static
          content: two
`;

/** Sets a field of the index-th top-level step in this page's replica: one commit, as the editor's forms do. */
async function setField(page: Page, index: number, key: string, value: string) {
  await page.evaluate(
    ([i, k, v]) => {
      const pe = (window as unknown as { __pe: { doc: import('loro-crdt').LoroDoc } }).__pe;
      const node = pe.doc.getTree('steps').roots()[i as number];
      (node.data.get('fields') as import('loro-crdt').LoroMap).set(k as string, v);
      pe.doc.commit();
    },
    [index, key, value] as const,
  );
}

async function open(page: Page, id: string) {
  await openEditor(page, id);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
}

test('Ctrl+Z after two edits restores the previous YAML exactly; Ctrl+Shift+Z and Ctrl+Y redo', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await open(page, id);
  const y1 = YAML.replace('name: first', 'name: alpha');
  const y2 = y1.replace('name: second', 'name: beta');
  await setField(page, 0, 'name', 'alpha');
  await expect.poll(() => exportedYaml(page.request, id)).toBe(y1);
  // Edits further apart than the 500 ms merge interval are separate undo steps.
  await page.waitForTimeout(600);
  await setField(page, 1, 'name', 'beta');
  await expect.poll(() => exportedYaml(page.request, id)).toBe(y2);

  await page.keyboard.press('Control+z');
  await expect.poll(() => exportedYaml(page.request, id)).toBe(y1);
  await page.keyboard.press('Control+z');
  await expect.poll(() => exportedYaml(page.request, id)).toBe(YAML);
  await page.keyboard.press('Control+Shift+z');
  await expect.poll(() => exportedYaml(page.request, id)).toBe(y1);
  await page.keyboard.press('Control+y');
  await expect.poll(() => exportedYaml(page.request, id)).toBe(y2);

  // The toolbar buttons do the same.
  const undo = page.getByRole('button', { name: 'Undo', exact: true });
  const redo = page.getByRole('button', { name: 'Redo', exact: true });
  await expect(redo).toBeDisabled();
  await undo.click();
  await expect.poll(() => exportedYaml(page.request, id)).toBe(y1);
  await redo.click();
  await expect.poll(() => exportedYaml(page.request, id)).toBe(y2);
});

test('edits within the merge interval (fast typing) are one undo step', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await open(page, id);
  // Four keystrokes, one commit each, as the properties form makes them. Loro merges a commit into the open
  // undo step while it comes within 500 ms of that step's first commit. The commits are made in one task
  // (a microtask apart): with timers between them, each re-render on a loaded 2-core CI machine took up to
  // 400 ms, the four spread over more than 500 ms and the test failed about one run in fifteen.
  const span = await page.evaluate(async () => {
    const pe = (window as unknown as { __pe: { doc: import('loro-crdt').LoroDoc } }).__pe;
    const fields = pe.doc.getTree('steps').roots()[0].data.get('fields') as import('loro-crdt').LoroMap;
    const start = Date.now();
    for (const name of ['first_', 'first_n', 'first_ne', 'first_new']) {
      fields.set('name', name);
      pe.doc.commit();
      await Promise.resolve();
    }
    return Date.now() - start;
  });
  expect(span).toBeLessThan(500);
  await expect.poll(() => exportedYaml(page.request, id)).toBe(YAML.replace('name: first', 'name: first_new'));
  await page.keyboard.press('Control+z');
  await expect.poll(() => exportedYaml(page.request, id)).toBe(YAML);
});

test('200 separate edits can all be undone, back to the original', async ({ page, csrf }) => {
  test.setTimeout(120_000);
  const id = await createPipeline(page.request, csrf, YAML);
  await open(page, id);
  // 200 commits, each its own undo step (no merging, as if made more than 500 ms apart).
  await page.evaluate(() => {
    const pe = (window as unknown as { __pe: { doc: import('loro-crdt').LoroDoc; undo: import('loro-crdt').UndoManager } }).__pe;
    pe.undo.setMergeInterval(0);
    const fields = pe.doc.getTree('steps').roots()[0].data.get('fields') as import('loro-crdt').LoroMap;
    for (let i = 1; i <= 200; i++) {
      fields.set('name', `n${i}`);
      pe.doc.commit();
    }
  });
  await expect.poll(() => exportedYaml(page.request, id)).toBe(YAML.replace('name: first', 'name: n200'));
  for (let i = 0; i < 199; i++) await page.keyboard.press('Control+z');
  await expect.poll(() => exportedYaml(page.request, id)).toBe(YAML.replace('name: first', 'name: n1'));
  await page.keyboard.press('Control+z');
  await expect.poll(() => exportedYaml(page.request, id)).toBe(YAML);
  expect(await page.evaluate(() => (window as unknown as { __pe: { undo: { canUndo(): boolean } } }).__pe.undo.canUndo())).toBe(false);
});

test("undo never undoes another user's edit", async ({ browser, page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await open(page, id);
  const ctx = await browser.newContext();
  const other = await ctx.newPage();
  await signIn(other.request, USERS.owner);
  await open(other, id);

  // A edits x, then B edits y (of the same step), and A has received B's edit.
  await setField(page, 0, 'name', 'x_by_a');
  await expect.poll(() => exportedYaml(page.request, id)).toContain('name: x_by_a');
  await setField(other, 0, 'model', 'y_by_b');
  const both = YAML.replace('name: first', 'name: x_by_a').replace('content: one\n', 'content: one\n      model: y_by_b\n');
  await expect.poll(() => exportedYaml(page.request, id)).toBe(both);
  await expect
    .poll(() => page.evaluate(() => JSON.stringify((window as unknown as { __pe: { doc: import('loro-crdt').LoroDoc } }).__pe.doc.getTree('steps').toJSON())))
    .toContain('y_by_b');

  // A's undo reverts x and keeps y; a second undo has nothing of A's left to undo.
  await page.keyboard.press('Control+z');
  const expected = YAML.replace('content: one\n', 'content: one\n      model: y_by_b\n');
  await expect.poll(() => exportedYaml(page.request, id)).toBe(expected);
  await page.keyboard.press('Control+z');
  await page.waitForTimeout(300);
  expect(await exportedYaml(page.request, id)).toBe(expected);
  await ctx.close();
});
