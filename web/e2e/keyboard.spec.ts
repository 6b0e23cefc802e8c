// Keyboard shortcuts against the real server: every outcome is checked in the server's exported YAML (or its
// versions), selection through the YAML pane's highlighted lines.
import type { Page } from '@playwright/test';
import { parse } from 'yaml';
import { createPipeline, expect, exportedYaml, openEditor, serverUrl, test } from './support/fixtures';

const STEP = (name: string, content: string, indent = '    ') =>
  `${indent}- name: ${name}\n${indent}  type: gemini\n${indent}  prompt:\n${indent}    - type: static\n${indent}      content: ${content}\n`;

/** The steps of an exported file as data (new steps' key order is the server writer's choice). */
const stepsOf = (yaml: string) => (parse(yaml) as { workflow: { steps: unknown[] } }).workflow.steps;
const stepData = (name: string, content: string) => ({ name, type: 'gemini', prompt: [{ type: 'static', content }] });

const TWO = `workflow:\n  name: keys\n  steps:\n${STEP('first', 'one')}${STEP('second', 'two')}`;

const LOOP = `workflow:
  name: loops
  steps:
${STEP('first', 'one')}    - name: each
      type: for_loop
      iterator: item
      data_source: steps.first
      steps:
${STEP('inner_a', 'a', '        ')}${STEP('inner_b', 'b', '        ')}${STEP('last', 'z')}`;

async function open(page: Page, csrf: string, yaml: string): Promise<string> {
  const id = await createPipeline(page.request, csrf, yaml);
  await openEditor(page, id);
  await page.getByRole('group', { name: 'View' }).getByRole('button', { name: 'Split' }).click();
  await expect(page.locator('.yaml-area .cm-content')).toContainText('name: first');
  await unfocus(page);
  return id;
}

/** Focus back on the page itself (as after clicking empty space), where shortcuts apply. */
const unfocus = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

/** The selected step: the first highlighted line of the YAML pane is its `- name:` line. */
const selectedStep = (page: Page) => page.locator('.yaml-area .cm-step-selected').first();
const expectSelected = (page: Page, name: string) => expect(selectedStep(page)).toHaveText(new RegExp(`^\\s*- name: ${name}$`));

/** A paste as the browser delivers it from any application's clipboard. */
async function paste(page: Page, text: string) {
  await page.evaluate((t) => {
    const data = new DataTransfer();
    data.setData('text/plain', t);
    (document.activeElement ?? document.body).dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
}

test('arrow keys move the selection in execution order, into and out of loops; Escape clears it', async ({ page, csrf }) => {
  await open(page, csrf, LOOP);
  await page.keyboard.press('ArrowDown');
  await expectSelected(page, 'first');
  await page.keyboard.press('ArrowDown');
  await expectSelected(page, 'each');
  await page.keyboard.press('ArrowRight');
  await expectSelected(page, 'inner_a');
  await page.keyboard.press('ArrowDown');
  await expectSelected(page, 'inner_b');
  await page.keyboard.press('ArrowLeft');
  await expectSelected(page, 'each');
  await page.keyboard.press('ArrowUp');
  await expectSelected(page, 'first');
  await page.keyboard.press('Escape');
  await expect(page.locator('.yaml-area .cm-step-selected')).toHaveCount(0);
  await page.keyboard.press('ArrowUp');
  await expectSelected(page, 'last');
});

test('Delete removes the selected step', async ({ page, csrf }) => {
  const id = await open(page, csrf, TWO);
  await page.keyboard.press('ArrowDown');
  await expectSelected(page, 'first');
  await page.keyboard.press('Delete');
  await expect.poll(() => exportedYaml(page.request, id)).toBe(`workflow:\n  name: keys\n  steps:\n${STEP('second', 'two')}`);
});

test('Ctrl+D duplicates the selected step under a unique name and selects the copy', async ({ page, csrf }) => {
  const id = await open(page, csrf, TWO);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Control+d');
  await expect
    .poll(async () => stepsOf(await exportedYaml(page.request, id)))
    .toEqual([stepData('first', 'one'), stepData('first_copy', 'one'), stepData('second', 'two')]);
  expect(await exportedYaml(page.request, id)).toContain(STEP('first', 'one'));
  await expectSelected(page, 'first_copy');
});

test('copy two steps and paste them: copies with unique names', async ({ page, csrf }) => {
  const id = await open(page, csrf, TWO);
  await page.evaluate(() => {
    window.addEventListener('copy', (e) => {
      (window as unknown as { copied: string }).copied = e.clipboardData?.getData('text/plain') ?? '';
    });
  });
  await page.keyboard.press('Control+a');
  await expect(page.locator('.yaml-area .cm-step-selected')).toHaveCount(10);
  await page.keyboard.press('Control+c');
  const copied = await page.evaluate(() => (window as unknown as { copied?: string }).copied ?? '');
  expect(copied).toContain('name: first');
  expect(copied).toContain('name: second');
  await page.keyboard.press('Escape');
  await paste(page, copied);
  await expect
    .poll(async () => stepsOf(await exportedYaml(page.request, id)))
    .toEqual([stepData('first', 'one'), stepData('second', 'two'), stepData('first_copy', 'one'), stepData('second_copy', 'two')]);
  // The originals' text is untouched.
  expect(await exportedYaml(page.request, id)).toContain(`${STEP('first', 'one')}${STEP('second', 'two')}`);
});

test('YAML pasted from a text editor becomes steps after the selection', async ({ page, csrf }) => {
  const id = await open(page, csrf, TWO);
  await page.keyboard.press('ArrowDown');
  await expectSelected(page, 'first');
  await paste(page, '- name: fetched\n  type: gemini\n  prompt:\n    - type: static\n      content: from elsewhere\n');
  await expect
    .poll(async () => stepsOf(await exportedYaml(page.request, id)))
    .toEqual([stepData('first', 'one'), stepData('fetched', 'from elsewhere'), stepData('second', 'two')]);
  await expectSelected(page, 'fetched');
  // Text that holds no steps changes nothing.
  await paste(page, 'just some words');
  await expect(page.getByRole('status').filter({ hasText: 'Nothing to paste' })).toBeVisible();
  expect(stepsOf(await exportedYaml(page.request, id))).toHaveLength(3);
});

test('Ctrl+X cuts the selected step to the clipboard', async ({ page, csrf }) => {
  const id = await open(page, csrf, TWO);
  await page.evaluate(() => {
    window.addEventListener('cut', (e) => {
      (window as unknown as { cut: string }).cut = e.clipboardData?.getData('text/plain') ?? '';
    });
  });
  await page.keyboard.press('ArrowDown');
  await expectSelected(page, 'first');
  await page.keyboard.press('Control+x');
  await expect.poll(() => exportedYaml(page.request, id)).toBe(`workflow:\n  name: keys\n  steps:\n${STEP('second', 'two')}`);
  expect(await page.evaluate(() => (window as unknown as { cut?: string }).cut)).toContain('name: first');
});

test('? opens the shortcuts overlay and Escape closes it', async ({ page, csrf }) => {
  await open(page, csrf, TWO);
  await page.keyboard.press('?');
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Duplicate the selected steps');
  await expect(dialog).toContainText('Search the step library');
  // Shortcuts wait while the dialog is open.
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.locator('.yaml-area .cm-step-selected')).toHaveCount(0);
});

test('Ctrl+S saves a version with a message and confirms it', async ({ page, csrf }) => {
  const id = await open(page, csrf, TWO);
  await page.keyboard.press('Control+s');
  const dialog = page.getByRole('dialog', { name: 'Save version' });
  await expect(dialog.getByLabel('Message')).toBeFocused();
  await page.keyboard.type('before the big change');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status').filter({ hasText: 'Version saved: before the big change' })).toBeVisible();
  await expect(dialog).toBeHidden();
  const r = await page.request.get(`${serverUrl()}/api/pipelines/${id}/versions`);
  expect((await r.json()).items.map((v: { message: string }) => v.message)).toEqual(['before the big change']);
});

test('Ctrl+J cycles the views; shortcuts wait while typing in the YAML editor', async ({ page, csrf }) => {
  const id = await open(page, csrf, TWO);
  const view = (name: string) => page.getByRole('group', { name: 'View' }).getByRole('button', { name, exact: true });
  await page.keyboard.press('Control+j');
  await expect(view('YAML')).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('Control+j');
  await expect(view('Visual')).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('Control+j');
  await expect(view('Split')).toHaveAttribute('aria-pressed', 'true');

  await page.locator('.yaml-area .cm-line').filter({ hasText: 'name: second' }).click();
  await page.keyboard.press('End');
  await page.keyboard.type('?');
  await expect.poll(() => exportedYaml(page.request, id)).toContain('name: second?');
  await expect(page.getByRole('dialog')).toHaveCount(0);
});

test('+, - and F zoom and fit the canvas', async ({ page, csrf }) => {
  await open(page, csrf, TWO);
  const scale = () =>
    page.locator('.react-flow__viewport').evaluate((el) => new DOMMatrixReadOnly(getComputedStyle(el).transform).a);
  await page.keyboard.press('f');
  // Fitting animates: wait until the zoom settles.
  let fitted = -1;
  await expect.poll(async () => fitted === (fitted = await scale())).toBe(true);
  await page.keyboard.press('-');
  await expect.poll(scale).toBeLessThan(fitted);
  const out = await scale();
  await page.keyboard.press('+');
  await expect.poll(scale).toBeGreaterThan(out);
  await page.keyboard.press('-');
  await page.keyboard.press('-');
  await expect.poll(scale).toBeLessThan(out);
  await page.keyboard.press('f');
  await expect.poll(scale).toBeCloseTo(fitted, 1);
  await page.keyboard.press('-');
  await expect.poll(scale).toBeLessThan(fitted);
  await page.keyboard.press('Shift+Digit1');
  await expect.poll(scale).toBeCloseTo(fitted, 1);
});

/** Which part of the editor has the focus. */
const focusedRegion = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'none';
    if (el.closest('.editor-bar')) return 'toolbar';
    if (el.closest('.library-panel')) return 'library';
    if (el.closest('.react-flow__node')) return 'canvas-node';
    if (el.closest('.canvas-area')) return 'canvas';
    if (el.closest('.properties-panel')) return 'properties';
    if (el.closest('.yaml-area')) return 'yaml';
    return 'other';
  });

test('Tab reaches the toolbar, the library, the canvas steps, the properties and the YAML', async ({ page, csrf }) => {
  await open(page, csrf, TWO);
  const seen = new Set<string>();
  for (let i = 0; i < 80 && seen.size < 6; i++) {
    await page.keyboard.press('Tab');
    seen.add(await focusedRegion(page));
  }
  for (const region of ['toolbar', 'library', 'canvas-node', 'properties', 'yaml']) expect(seen).toContain(region);
});

test('keyboard only: add a step from the library after the selected one and rename it', async ({ page, csrf }) => {
  const id = await open(page, csrf, TWO);
  await page.keyboard.press('ArrowDown');
  await expectSelected(page, 'first');
  await page.keyboard.press('/');
  await expect(page.locator('#library-search')).toBeFocused();
  await page.keyboard.type('claude');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect.poll(async () => stepsOf(await exportedYaml(page.request, id)).map((s) => (s as { name: string }).name)).toEqual(['first', 'claude', 'second']);
  await expectSelected(page, 'claude');

  // On to the new step's name in the properties panel, by Tab alone.
  const onNameField = () =>
    page.evaluate(() => {
      const el = document.activeElement;
      return el instanceof HTMLInputElement && !!el.closest('.properties-panel [data-field="name"]');
    });
  let found = false;
  for (let i = 0; i < 80 && !found; i++) {
    await page.keyboard.press('Tab');
    found = await onNameField();
  }
  expect(found).toBe(true);
  await page.keyboard.press('Control+a');
  await page.keyboard.type('summarise');
  await page.keyboard.press('Enter');
  await expect.poll(async () => stepsOf(await exportedYaml(page.request, id)).map((s) => (s as { name: string }).name)).toEqual(['first', 'summarise', 'second']);
  // Ctrl+A in the field selected its text, not the steps.
  await expectSelected(page, 'summarise');
});
