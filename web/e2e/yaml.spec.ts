// The YAML pane against the real server: typing becomes model edits (the server's export is the typed text),
// the cursor survives round trips, broken YAML is refused with a located marker, diagnostics are inline, and
// step selection and the cursor follow each other.
import type { Page } from '@playwright/test';
import { createPipeline, expect, exportedYaml, openEditor, test } from './support/fixtures';

const YAML = `workflow:
  name: yaml-pane
  steps:
    - name: first
      type: gemini
      prompt:
        - type: static
          content: hi
    - name: second
      type: gemini
      prompt:
        - type: static
          content: there
    - name: third
      type: gemini
      prompt:
        - type: static
          content: again
`;

async function openSplit(page: Page, id: string) {
  await openEditor(page, id);
  await page.getByRole('group', { name: 'View' }).getByRole('button', { name: 'Split' }).click();
  await expect(page.locator('.yaml-area .cm-content')).toContainText('name: first');
}

const yamlLine = (page: Page, text: string) => page.locator('.yaml-area .cm-line').filter({ hasText: text });
const selectedLines = (page: Page) => page.locator('.yaml-area .cm-step-selected');

test('typing in the YAML pane updates the model through the server and keeps the cursor', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await openSplit(page, id);
  await yamlLine(page, 'name: first').click();
  await page.keyboard.press('End');
  await page.keyboard.type('_renamed');
  const typed = YAML.replace('name: first', 'name: first_renamed');
  await expect.poll(() => exportedYaml(page.request, id)).toBe(typed);
  // The model has it: the canvas shows the new name.
  await expect(page.locator('.canvas-area').getByText('first_renamed').first()).toBeVisible();

  // Someone else's change arrives while the cursor sits in the YAML: it is merged in, the cursor stays.
  await page.evaluate(() => {
    const pe = (window as unknown as { __pe: { doc: import('loro-crdt').LoroDoc } }).__pe;
    const node = pe.doc.getTree('steps').roots()[2];
    (node.data.get('fields') as import('loro-crdt').LoroMap).set('name', 'third_remote');
    pe.doc.commit();
  });
  await expect(yamlLine(page, 'name: third_remote')).toBeVisible();
  await page.keyboard.type('X');
  const final = typed.replace('first_renamed', 'first_renamedX').replace('name: third', 'name: third_remote');
  await expect.poll(() => exportedYaml(page.request, id)).toBe(final);
  await expect(page.locator('.yaml-area .cm-content')).toContainText('name: first_renamedX');
});

test('text that is not YAML shows a located error, keeps the text and changes nothing', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await openSplit(page, id);
  await yamlLine(page, 'name: second').click();
  await page.keyboard.press('End');
  await page.keyboard.type(': broken');
  const status = page.locator('.yaml-state');
  await expect(status).toHaveAttribute('data-state', 'invalid');
  await expect(status).toContainText('line 9');
  // A lint marker on that line, and the user's text is still there.
  await expect(page.locator('.yaml-area .cm-lintRange-error')).toHaveCount(1);
  await expect(yamlLine(page, 'name: second: broken')).toBeVisible();
  await expect(page.locator('.yaml-area .cm-gutter-lint .cm-lint-marker-error')).toHaveCount(1);
  expect(await exportedYaml(page.request, id)).toBe(YAML);

  // Fixing the text applies it.
  for (let i = 0; i < ': broken'.length; i++) await page.keyboard.press('Backspace');
  await page.keyboard.type('_fixed');
  await expect.poll(() => exportedYaml(page.request, id)).toBe(YAML.replace('name: second', 'name: second_fixed'));
  await expect(status).not.toHaveAttribute('data-state', 'invalid');
  await expect(page.locator('.yaml-area .cm-lintRange-error')).toHaveCount(0);

  // Broken again, then discarded: the editor shows the pipeline's YAML.
  await page.keyboard.type(': again');
  await expect(status).toHaveAttribute('data-state', 'invalid');
  await page.getByRole('button', { name: 'Discard my text' }).click();
  await expect(yamlLine(page, 'name: second_fixed')).toHaveText('    - name: second_fixed');
  await expect(status).toHaveAttribute('data-state', 'synced');
  expect(await exportedYaml(page.request, id)).toBe(YAML.replace('name: second', 'name: second_fixed'));
});

test('a diagnostic from the server is an inline marker on its line', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML.replace('      type: gemini\n      prompt:\n        - type: static\n          content: there\n', '      type: gemini\n      bogus_field: 1\n      prompt:\n        - type: static\n          content: there\n'));
  await openSplit(page, id);
  // The server reports the unknown key as a warning at its value, on line 6.
  const mark = yamlLine(page, 'bogus_field: 1').locator('.cm-lintRange-warning');
  await expect(mark).toHaveCount(1);
  await expect(page.locator('.yaml-area .cm-lintRange-warning')).toHaveCount(1);
  await mark.hover();
  const tip = page.locator('.cm-tooltip-lint');
  await expect(tip).toContainText('unknown key `bogus_field`');
  await expect(tip).toContainText('remove it or check the spelling');
});

test('selecting a step highlights its lines; moving the cursor into another step selects it', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await openSplit(page, id);
  await page.locator('.react-flow__node').filter({ hasText: 'second' }).first().click();
  await expect(selectedLines(page)).toHaveCount(5);
  await expect(selectedLines(page).first()).toHaveText('    - name: second');
  await expect(selectedLines(page).last()).toHaveText('          content: there');

  await yamlLine(page, 'content: again').click();
  await expect(selectedLines(page).first()).toHaveText('    - name: third');
  await expect(selectedLines(page)).toHaveCount(5);
  await expect(page.locator('.react-flow__node.selected')).toHaveCount(1);
  await expect(page.locator('.react-flow__node.selected')).toContainText('third');
});

test('selecting a step out of sight scrolls the YAML to it', async ({ page, csrf }) => {
  const steps = Array.from({ length: 40 }, (_, i) => `    - name: step_${i}\n      type: gemini\n      prompt:\n        - type: static\n          content: text ${i}\n`);
  const id = await createPipeline(page.request, csrf, `workflow:\n  name: long\n  steps:\n${steps.join('')}`);
  await openEditor(page, id);
  await page.getByRole('group', { name: 'View' }).getByRole('button', { name: 'Split' }).click();
  await expect(page.locator('.yaml-area .cm-content')).toContainText('name: step_0');
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  // Up from nothing selects the last step, 200 lines down.
  await page.keyboard.press('ArrowUp');
  await expect(selectedLines(page).first()).toHaveText('    - name: step_39');
  await expect(selectedLines(page).first()).toBeInViewport();
  // And back to the first.
  await page.keyboard.press('Escape');
  await page.keyboard.press('ArrowDown');
  await expect(selectedLines(page).first()).toHaveText('    - name: step_0');
  await expect(selectedLines(page).first()).toBeInViewport();
});

test('Tab indents in the YAML editor; Esc then Tab leaves it', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await openSplit(page, id);
  await yamlLine(page, 'name: yaml-pane').click();
  await page.keyboard.press('Home');
  await page.keyboard.press('Tab');
  await expect(yamlLine(page, 'name: yaml-pane')).toHaveText('    name: yaml-pane');
  await page.keyboard.press('Shift+Tab');
  await expect(yamlLine(page, 'name: yaml-pane')).toHaveText('  name: yaml-pane');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Tab');
  await expect(page.locator('.yaml-area .cm-editor.cm-focused')).toHaveCount(0);
});

test('viewers get a read-only YAML editor', async ({ browser, page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  const ctx = await browser.newContext();
  const viewer = await ctx.newPage();
  const { signIn, USERS } = await import('./support/fixtures');
  await signIn(viewer.request, USERS.viewer);
  await openSplit(viewer, id);
  await expect(viewer.locator('.yaml-area .cm-content')).toHaveAttribute('contenteditable', 'false');
  await ctx.close();
});
