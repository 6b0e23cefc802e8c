// The step library against the real server: search and docs, inserting after the selection (the server's
// exported YAML is the judge), loop rules, support marks, read-only.
import { createPipeline, expect, exportedYaml, openEditor, test } from './support/fixtures';
import type { Page } from '@playwright/test';

const TWO_STEPS = `workflow:
  name: library
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

const LOOP = `workflow:
  name: loop
  steps:
    - name: items
      type: set_variable
      variables:
        list: [a, b]
    - name: each
      type: for_loop
      iterator: item
      data_source: list
      steps:
        - name: inner
          type: gemini
          prompt:
            - type: static
              content: x
    - name: last
      type: gemini
      prompt:
        - type: static
          content: y
`;

/** Selects a step by clicking its node on the canvas. */
async function select(page: Page, name: string) {
  // A node whose name label reads exactly `name` (a bare label, or a card with type and summary).
  const nodes = page.locator('.react-flow__node');
  await nodes.filter({ has: page.getByText(name, { exact: true }) }).or(nodes.filter({ hasText: new RegExp(`^${name}$`) })).first().click();
  await expect(page.locator('.pf-head h2')).toHaveText(name);
}

const stepNamesOf = (yaml: string) => [...yaml.matchAll(/^\s*- name: (\S+)$/gm)].map((m) => m[1]);

test('search filters by type, label and description and shows the docs', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, TWO_STEPS);
  await openEditor(page, id);
  const items = page.locator('.lib-item');
  await expect(items).toHaveCount(21);
  const search = page.locator('#library-search');
  await search.fill('loop');
  await expect(page.locator('.lib-item[data-type="for_loop"]')).toBeVisible();
  await expect(page.locator('.lib-item[data-type="while_loop"]')).toBeVisible();
  await expect(page.locator('.lib-item[data-type="gemini"]')).toHaveCount(0);
  // By description: "Google Gemini" is only in the descriptions of the Gemini types.
  await search.fill('google');
  await expect(page.locator('.lib-item[data-type="gemini"]')).toBeVisible();
  await expect(page.locator('.lib-item[data-type="claude"]')).toHaveCount(0);
  await search.fill('nothing-matches-this');
  await expect(items).toHaveCount(0);
  await expect(page.getByText('No step type matches')).toBeVisible();

  await search.fill('for_loop');
  const item = page.locator('.lib-item[data-type="for_loop"]');
  await item.getByText('Fields and example').click();
  const docs = item.locator('.lib-doc-body');
  await expect(docs.locator('dt', { hasText: 'iterator' })).toContainText('required');
  await expect(docs.locator('dt', { hasText: 'data_source' })).toBeVisible();
  await expect(docs.locator('.lib-example')).toContainText('type: for_loop');
  // Fields pipeline_ex ignores are not documented as fields.
  await expect(docs.locator('dt', { hasText: 'ordered_results' })).toHaveCount(0);
});

test('Enter on a library item inserts a step after the selection', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, TWO_STEPS);
  await openEditor(page, id);
  await select(page, 'first');
  const item = page.locator('.lib-item[data-type="claude"]');
  await item.focus();
  await page.keyboard.press('Enter');
  // The new step is selected and lands between first and second in the server's YAML.
  await expect(page.locator('.pf-head h2')).toHaveText('claude');
  await expect.poll(async () => stepNamesOf(await exportedYaml(page.request, id))).toEqual(['first', 'claude', 'second']);
  const yaml = await exportedYaml(page.request, id);
  expect(yaml).toContain('    - name: claude\n      type: claude\n');

  // Arrow keys move between items; Enter on the next one adds it after the new step.
  await page.locator('.lib-item[data-type="gemini"]').focus();
  await page.keyboard.press('ArrowDown');
  await expect(page.locator('.lib-item[data-type="claude"]')).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(page.locator('.lib-item[data-type="parallel_claude"]')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect.poll(async () => stepNamesOf(await exportedYaml(page.request, id))).toEqual(['first', 'claude', 'parallel_claude', 'second']);
});

test('a type that cannot run in a loop body goes after the loop', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, LOOP);
  await openEditor(page, id);
  await select(page, 'inner');
  // gemini may run in a loop: it joins the body.
  await page.locator('.lib-item[data-type="gemini"]').getByRole('button', { name: 'Add Gemini step' }).click();
  await expect.poll(async () => stepNamesOf(await exportedYaml(page.request, id))).toEqual(['items', 'each', 'inner', 'gemini', 'last']);
  expect(await exportedYaml(page.request, id)).toContain('        - name: gemini\n');
  // file_ops may not: it goes after the loop, at the loop's level.
  await page.locator('.lib-item[data-type="file_ops"]').focus();
  await page.keyboard.press('Enter');
  await expect.poll(async () => stepNamesOf(await exportedYaml(page.request, id))).toEqual(['items', 'each', 'inner', 'gemini', 'file_ops', 'last']);
  expect(await exportedYaml(page.request, id)).toContain('\n    - name: file_ops\n      type: file_ops\n');
});

test('unsupported and test-only types are shown but marked', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, TWO_STEPS);
  await openEditor(page, id);
  for (const t of ['switch', 'checkpoint', 'codebase_query', 'break', 'continue']) {
    const item = page.locator(`.lib-item[data-type="${t}"]`);
    await expect(item).toBeVisible();
    await expect(item).toContainText('not supported by pipeline_ex');
    await expect(item).toHaveClass(/support-unsupported/);
  }
  await expect(page.locator('.lib-item[data-type="test_echo"]')).toContainText('test only');
  await expect(page.locator('.lib-item[data-type="gemini"]')).not.toContainText('not supported');
  await expect(page.locator('.lib-item[data-type="gemini"]')).not.toContainText('test only');
  // Items are draggable onto the canvas with the step type.
  const type = await page.locator('.lib-item[data-type="gemini"]').evaluate((el) => {
    const dt = new DataTransfer();
    el.dispatchEvent(new DragEvent('dragstart', { dataTransfer: dt, bubbles: true }));
    return dt.getData('application/x-pipeline-step');
  });
  expect(type).toBe('gemini');
});
