// First use: from the empty pipelines page to a valid 3-step pipeline, once with the mouse (drag and drop
// from the step library) and once with the keyboard alone. The server's export and diagnostics decide.
import type { Page } from '@playwright/test';
import { expect, exportedYaml, serverUrl, test } from './support/fixtures';

async function newBlankPipeline(page: Page): Promise<string> {
  await page.goto('/');
  await page.getByRole('button', { name: 'New pipeline' }).click();
  await page.getByRole('menuitem', { name: /Blank pipeline/ }).click();
  await expect(page.locator('.editor[data-loaded="true"]')).toBeVisible();
  await expect(page.getByTestId('step-count')).toHaveText('0 steps');
  return page.url().split('/p/')[1];
}

async function serverErrors(page: Page, id: string): Promise<number> {
  const r = await page.request.get(`${serverUrl()}/api/pipelines/${id}/diagnostics`);
  return (await r.json()).summary.errors as number;
}

const content = (page: Page) => page.locator('.properties-panel [data-field="prompt[0].content"] textarea');

test('a valid 3-step pipeline from nothing by dragging steps from the library', async ({ page, csrf: _ }) => {
  const id = await newBlankPipeline(page);
  await page.getByRole('button', { name: 'Visual' }).click();
  const pane = page.locator('.react-flow__pane');
  const box = (await pane.boundingBox())!;
  const steps = [
    ['Gemini (gemini)', 'Plan the work'],
    ['Claude (claude)', 'Do the work'],
    ['Gemini (gemini)', 'Summarize the work'],
  ] as const;
  for (const [i, [item, text]] of steps.entries()) {
    // A real HTML5 drag with the mouse: the library item onto the canvas, below the step added last.
    const last = i ? await page.locator('.react-flow__node.selected').boundingBox() : null;
    const y = last ? Math.min(box.height - 20, last.y - box.y + last.height + 60) : 40;
    await page.getByLabel(item, { exact: true }).dragTo(pane, { targetPosition: { x: box.width / 2, y } });
    await expect(page.getByTestId('step-count')).toHaveText(`${i + 1} step${i ? 's' : ''}`);
    // The new step is selected; its prompt is filled in the properties panel.
    await content(page).fill(text);
    await expect.poll(() => exportedYaml(page.request, id)).toContain(text);
  }
  const yaml = await exportedYaml(page.request, id);
  expect(yaml.match(/^ {4}- name: /gm)).toHaveLength(3);
  expect(yaml.indexOf('Plan the work')).toBeLessThan(yaml.indexOf('Do the work'));
  expect(yaml.indexOf('Do the work')).toBeLessThan(yaml.indexOf('Summarize the work'));
  await expect.poll(() => serverErrors(page, id)).toBe(0);
  await expect(page.getByTestId('diag-counts')).toHaveAttribute('data-errors', '0');
});

test('a valid 3-step pipeline from nothing with the keyboard alone', async ({ page, csrf: _ }) => {
  await page.goto('/');
  // Tab to "New pipeline", open it, Tab into the menu, Enter on "Blank pipeline".
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Tab');
    if (await page.getByRole('button', { name: 'New pipeline' }).evaluate((el) => el === document.activeElement)) break;
  }
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('menuitem', { name: /Blank pipeline/ })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('.editor[data-loaded="true"]')).toBeVisible();
  const id = page.url().split('/p/')[1];

  for (const [type, text] of [['gemini', 'Plan the work'], ['claude', 'Do the work'], ['gemini', 'Summarize']] as const) {
    await page.keyboard.press('/');
    await expect(page.locator('#library-search')).toBeFocused();
    await page.keyboard.type(type);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    // Tab on to the new step's prompt text in the properties panel.
    let found = false;
    for (let i = 0; i < 120 && !found; i++) {
      await page.keyboard.press('Tab');
      found = await content(page).evaluate((el) => el === document.activeElement).catch(() => false);
    }
    expect(found).toBe(true);
    await page.keyboard.type(text);
    await page.keyboard.press('Escape');
    await expect.poll(() => exportedYaml(page.request, id)).toContain(text);
  }
  await expect(page.getByTestId('step-count')).toHaveText('3 steps');
  const yaml = await exportedYaml(page.request, id);
  expect(yaml.indexOf('Plan the work')).toBeLessThan(yaml.indexOf('Do the work'));
  expect(yaml.indexOf('Do the work')).toBeLessThan(yaml.indexOf('Summarize'));
  await expect.poll(() => serverErrors(page, id)).toBe(0);
});
