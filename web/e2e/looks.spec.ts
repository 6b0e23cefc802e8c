// Looks and reach: light and dark follow the system, a phone-sized screen gets drawers and touch, and every
// control has an accessible name.
import { expect, test, createPipeline, openEditor } from './support/fixtures';
import type { Page } from '@playwright/test';

const YAML = `workflow:
  name: looks
  steps:
    - name: plan
      type: gemini
      prompt:
        - type: static
          content: "Plan it"
    - name: each
      type: for_loop
      iterator: item
      data_source: "plan:items"
      steps:
        - name: act
          type: claude
          prompt:
            - type: static
              content: "Do {{loop.item}}"
`;

/** Controls without a name a screen reader could announce. */
async function unnamedControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const named = (el: Element): boolean => {
      const h = el as HTMLElement;
      if (h.getAttribute('aria-label')?.trim()) return true;
      const by = h.getAttribute('aria-labelledby');
      if (by && by.split(/\s+/).some((id) => document.getElementById(id)?.textContent?.trim())) return true;
      if (h.getAttribute('title')?.trim()) return true;
      if ((h instanceof HTMLInputElement || h instanceof HTMLSelectElement || h instanceof HTMLTextAreaElement) && h.labels?.length) {
        return [...h.labels].some((l) => l.textContent?.trim());
      }
      if (h instanceof HTMLInputElement && (h.type === 'hidden' || h.placeholder?.trim())) return true;
      return !!h.textContent?.trim() && !(h instanceof HTMLInputElement);
    };
    const visible = (el: Element) => {
      const r = (el as HTMLElement).getBoundingClientRect();
      return r.width > 0 && r.height > 0;
    };
    return [...document.querySelectorAll('button, a[href], input, select, textarea, [role="button"], [role="menuitem"]')]
      .filter(visible)
      .filter((el) => !named(el))
      .map((el) => el.outerHTML.slice(0, 160));
  });
}

test('light and dark themes follow the system setting', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.emulateMedia({ colorScheme: 'light' });
  await openEditor(page, id);
  const light = await bg();
  await page.emulateMedia({ colorScheme: 'dark' });
  const dark = await bg();
  expect(light).not.toEqual(dark);
  // Dark is dark: the background's luminance is low.
  const lum = (c: string) => (c.match(/\d+/g) ?? []).slice(0, 3).map(Number).reduce((a, b) => a + b, 0) / 3;
  expect(lum(dark)).toBeLessThan(60);
  expect(lum(light)).toBeGreaterThan(200);
});

test('every visible control has an accessible name (pipelines page and editor)', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await page.goto('/');
  await expect(page.getByRole('list', { name: 'Pipelines' })).toBeVisible();
  expect(await unnamedControls(page)).toEqual([]);
  await openEditor(page, id);
  await expect(page.getByTestId('step-count')).toHaveText('3 steps');
  expect(await unnamedControls(page)).toEqual([]);
});

test.describe('on a phone-sized screen', () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

  test('panels become drawers and the canvas stays usable', async ({ page, csrf }) => {
    const id = await createPipeline(page.request, csrf, YAML);
    await openEditor(page, id);
    await page.getByRole('button', { name: 'Visual' }).tap();
    const library = page.getByRole('complementary', { name: 'Step library' });
    // Closed drawers are off screen.
    const offscreen = async () => {
      const b = await library.boundingBox();
      return !b || b.x + b.width <= 1;
    };
    await expect.poll(offscreen).toBe(true);
    await page.getByRole('button', { name: 'Step library' }).tap();
    await expect.poll(async () => (await library.boundingBox())?.x ?? -1).toBeGreaterThanOrEqual(0);
    await page.getByRole('button', { name: 'Step library' }).tap();
    await expect.poll(offscreen).toBe(true);
    const canvas = page.getByRole('region', { name: 'Canvas' });
    const box = await canvas.boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    expect(box!.height).toBeGreaterThan(300);
    // The canvas takes touch: a tap on a step selects it.
    await page.locator('.react-flow__node').filter({ hasText: 'plan' }).first().tap();
    await expect(page.locator('.react-flow__node.selected')).toHaveCount(1);
  });
});
