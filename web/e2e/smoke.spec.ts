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
