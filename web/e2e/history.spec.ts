// The history tab with two people on one pipeline (two browser contexts): versions saved by one appear in
// the other's list without a reload; any two versions compare step by step and as YAML side by side; a
// restore by one reaches both (canvas and versions list), and the exported YAML is then exactly the restored
// version's; recent changes name their authors.
import type { Browser, Page } from '@playwright/test';
import { createPipeline, expect, exportedYaml, openEditor, serverUrl, signIn, test, USERS } from './support/fixtures';

const YAML = `workflow:
  name: history
  steps:
    # the first step
    - name: a
      type: gemini
      prompt:
        - type: static
          content: one
    - name: b
      type: gemini
      prompt:
        - type: static
          content: two
    - name: c
      type: gemini
      prompt:
        - type: static
          content: three
`;

const node = (page: Page, name: string) => page.locator(`.react-flow__node[aria-label="Step ${name} (gemini)"]`);
const versions = (page: Page) => page.getByRole('region', { name: 'Versions' });
const version = (page: Page, label: string | RegExp) => versions(page).getByRole('listitem', { name: typeof label === 'string' ? `Version ${label}` : label });

async function second(browser: Browser, id: string): Promise<Page> {
  const ctx = await browser.newContext();
  await signIn(ctx.request, USERS.owner);
  const page = await ctx.newPage();
  await openEditor(page, id);
  return page;
}

/** Version ids by message, from the API. */
async function versionIds(page: Page, id: string): Promise<Map<string, string>> {
  const r = await page.request.get(`${serverUrl()}/api/pipelines/${id}/versions`);
  expect(r.status()).toBe(200);
  return new Map((await r.json()).items.map((v: { id: string; message: string }) => [v.message, v.id]));
}

async function openHistory(page: Page) {
  await page.getByRole('tab', { name: 'History' }).click();
  await expect(versions(page)).toBeVisible();
}

test('versions saved by one are compared and restored by the other; the restore reaches both', async ({ page, csrf, browser }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await openEditor(page, id);
  const other = await second(browser, id);
  await openHistory(other);
  await expect(versions(other)).toContainText('No versions yet');

  // The editor saves a version with Ctrl+S …
  await page.locator('.react-flow__pane').click();
  await page.keyboard.press('Control+s');
  await page.getByRole('dialog', { name: 'Save version' }).getByRole('textbox', { name: 'Message' }).fill('baseline');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog', { name: 'Save version' })).toHaveCount(0);
  // … which the other person's open list shows without a reload.
  await expect(version(other, 'baseline')).toContainText('Eddie Editor');

  // Edits: step b renamed in the form, step c deleted; then a second version from the history tab.
  await node(page, 'b').locator('.pc-name').click();
  await page.locator('.pf-panel [data-field="name"] input').fill('beta');
  await expect(node(page, 'beta')).toBeVisible();
  await node(page, 'c').locator('.pc-name').click();
  await page.keyboard.press('Delete');
  await expect.poll(() => exportedYaml(page.request, id)).not.toContain('name: c');
  await openHistory(page);
  await versions(page).getByRole('button', { name: 'Save version…' }).click();
  await page.getByRole('dialog', { name: 'Save version' }).getByRole('textbox', { name: 'Message' }).fill('renamed b, no c');
  await page.getByRole('dialog', { name: 'Save version' }).getByRole('button', { name: 'Save version' }).click();
  await expect(version(page, 'renamed b, no c')).toBeVisible();
  await expect(version(other, 'renamed b, no c')).toBeVisible();

  // Recent changes name the author of each edit, for the other person too.
  const recent = other.getByRole('region', { name: 'Recent changes' });
  await expect(recent.getByRole('listitem').filter({ hasText: 'Eddie Editor' }).first()).toContainText(/delete step|set name/);

  // The other person compares the two versions: step by step …
  const ids = await versionIds(other, id);
  const compare = other.getByRole('form', { name: 'Compare versions' });
  await compare.getByLabel('From').selectOption(ids.get('baseline')!);
  await compare.getByLabel('To').selectOption(ids.get('renamed b, no c')!);
  await compare.getByRole('button', { name: 'Compare' }).click();
  const dialog = other.getByRole('dialog', { name: 'Changes between versions' });
  const steps = dialog.getByRole('region', { name: 'Step changes' });
  await expect(steps.locator('[data-kind="changed"]')).toHaveCount(1);
  await expect(steps.locator('[data-kind="changed"]')).toContainText('beta');
  await expect(steps.locator('[data-kind="changed"]')).toContainText(/name: b → beta/);
  await expect(steps.locator('[data-kind="removed"]')).toContainText('c');
  await expect(steps.locator('[data-kind="added"], [data-kind="moved"]')).toHaveCount(0);
  // … and the YAML side by side: before on the left, after on the right.
  const yaml = dialog.getByRole('region', { name: 'YAML side by side' });
  await expect(yaml.locator('.hs-left.del')).toContainText(['    - name: b']);
  await expect(yaml.locator('.hs-right.add')).toContainText(['    - name: beta']);
  await expect(yaml.locator('.hs-left.del').filter({ hasText: 'content: three' })).toHaveCount(1);
  await expect(yaml.locator('.hs-right.add').filter({ hasText: 'content: three' })).toHaveCount(0);
  await dialog.getByRole('button', { name: 'Close' }).click();

  // The other person restores the first version.
  await version(other, 'baseline').getByRole('button', { name: 'Restore baseline' }).click();
  await other.getByRole('dialog', { name: 'Restore version' }).getByRole('button', { name: 'Restore' }).click();
  const restored = /Version Restored from version “baseline”/;
  await expect(version(other, restored)).toContainText('Olive Owner');
  // Both see it: the steps come back on both canvases, the new version in both lists.
  for (const p of [page, other]) {
    await expect(node(p, 'b')).toBeVisible();
    await expect(node(p, 'c')).toBeVisible();
    await expect(node(p, 'beta')).toHaveCount(0);
  }
  await expect(version(page, restored)).toBeVisible();

  // The export is exactly the restored version's YAML (and so the original text, comment included).
  const saved = await (await page.request.get(`${serverUrl()}/api/pipelines/${id}/versions/${ids.get('baseline')}`)).json();
  expect(saved.yaml).toBe(YAML);
  await expect.poll(() => exportedYaml(page.request, id)).toBe(saved.yaml);
  await other.context().close();
});

test('a version compares with the current state', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  const r = await page.request.post(`${serverUrl()}/api/pipelines/${id}/versions`, {
    headers: { 'x-csrf-token': csrf },
    data: { message: 'start' },
  });
  expect(r.status()).toBe(201);
  await openEditor(page, id);
  await openHistory(page);
  // Step c moves to the top.
  await page.evaluate(() => {
    const pe = (window as unknown as { __pe: { doc: import('loro-crdt').LoroDoc } }).__pe;
    const tree = pe.doc.getTree('steps');
    tree.move(tree.roots()[2].id, undefined, 0);
    pe.doc.commit();
  });
  await expect.poll(async () => (await exportedYaml(page.request, id)).indexOf('name: c') < (await exportedYaml(page.request, id)).indexOf('name: a')).toBe(true);
  await version(page, 'start').getByRole('button', { name: 'Compare start with the current state' }).click();
  const dialog = page.getByRole('dialog', { name: 'Changes between versions' });
  await expect(dialog.getByRole('heading', { level: 2 })).toHaveText('start → Current state');
  await expect(dialog.locator('[data-kind="moved"]').first()).toContainText('c');
  await expect(dialog.locator('[data-kind="changed"], [data-kind="added"], [data-kind="removed"]')).toHaveCount(0);
});
