import { createPipeline, expect, exportedYaml, openEditor, test } from './support/fixtures';

test('the editor opens a pipeline and shows its steps and exact YAML', async ({ page, csrf }) => {
  const yaml = 'workflow:\n  name: smoke\n  steps:\n    - name: first\n      type: gemini\n      prompt:\n        - type: static\n          content: hi\n';
  const id = await createPipeline(page.request, csrf, yaml);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await openEditor(page, id);
  await expect(page.getByLabel('Step first (gemini)')).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
  expect(await exportedYaml(page.request, id)).toBe(yaml);
  expect(errors).toEqual([]);
});

test('a connection closed and started again (as React development mode does) keeps syncing', async ({ page, csrf }) => {
  const yaml = 'workflow:\n  name: restart\n  steps:\n    - name: first\n      type: gemini\n      prompt:\n        - type: static\n          content: hi\n';
  const id = await createPipeline(page.request, csrf, yaml);
  await openEditor(page, id);
  await page.evaluate(() => {
    const pe = (window as unknown as { __pe: { doc: import('loro-crdt').LoroDoc; conn: { close(): void; start(): void } } }).__pe;
    pe.conn.close();
    // An edit while closed goes out with the next welcome's answer.
    const fields = pe.doc.getTree('steps').roots()[0].data.get('fields') as import('loro-crdt').LoroMap;
    fields.set('name', 'renamed_while_closed');
    pe.doc.commit();
    pe.conn.start();
  });
  await expect.poll(() => exportedYaml(page.request, id)).toContain('name: renamed_while_closed');
  await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
});
