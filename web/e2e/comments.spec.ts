// Comment threads on steps, with two people on one pipeline (two browser contexts): they live in the Loro
// document, so each edit reaches the other live; the canvas badge counts open threads; a thread follows its
// step when the step moves, and comes back with it when a deletion is undone. The server's comment route
// reads what the browser wrote (same layout as crates/pipeline-doc/src/comments.rs).
import type { Browser, Page } from '@playwright/test';
import { createPipeline, expect, exportedYaml, openEditor, serverUrl, signIn, test, USERS } from './support/fixtures';

const YAML = `workflow:
  name: comments
  steps:
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
const badge = (page: Page, name: string) => node(page, name).getByTestId('comment-badge');
const tab = (page: Page, name: 'Properties' | 'Comments' | 'History') => page.getByRole('tab', { name: new RegExp(`^${name}`) });
const openThreads = (page: Page) => page.getByRole('region', { name: 'Open threads' });
const stepThreads = (page: Page, name: string) => page.getByRole('region', { name: `Comments on ${name}` });

/** A second person (the owner) in their own browser context, on the same pipeline. */
async function second(browser: Browser, id: string): Promise<Page> {
  const ctx = await browser.newContext();
  await signIn(ctx.request, USERS.owner);
  const page = await ctx.newPage();
  await openEditor(page, id);
  return page;
}

async function selectStep(page: Page, name: string) {
  await node(page, name).locator('.pc-name').click();
  await expect(node(page, name)).toHaveClass(/selected/);
}

async function comment(page: Page, step: string, text: string) {
  await selectStep(page, step);
  await tab(page, 'Comments').click();
  await stepThreads(page, step).getByRole('textbox', { name: 'New comment' }).fill(text);
  await stepThreads(page, step).getByRole('button', { name: 'Comment', exact: true }).click();
}

interface RestThread {
  id: string;
  step: string;
  resolved: boolean;
  step_deleted: boolean;
  messages: { id: string; author: string; text: string; at: number; edited: boolean }[];
}

async function restThreads(page: Page, id: string): Promise<RestThread[]> {
  const r = await page.request.get(`${serverUrl()}/api/pipelines/${id}/comments`);
  expect(r.status()).toBe(200);
  return (await r.json()).items;
}

test('a comment appears live for the other person with a badge; reply, edit own, resolve, reopen', async ({ page, csrf, browser }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await openEditor(page, id);
  const other = await second(browser, id);

  await comment(page, 'b', 'Should this be a claude step?');
  // The author sees it at once; the other person live, with the badge on step b only.
  await expect(stepThreads(page, 'b').getByRole('article')).toContainText('Should this be a claude step?');
  await expect(badge(other, 'b')).toHaveText(/1/);
  await expect(badge(other, 'a')).toHaveCount(0);
  await expect(tab(other, 'Comments')).toContainText('1');

  // The open threads list: a click selects the step.
  await tab(other, 'Comments').click();
  await openThreads(other).getByRole('button', { name: /Thread on b/ }).click();
  await expect(node(other, 'b')).toHaveClass(/selected/);
  const thread = stepThreads(other, 'b').getByRole('article');
  await expect(thread).toContainText('Eddie Editor');
  await expect(thread).toContainText('Should this be a claude step?');
  // Someone else's message cannot be edited here.
  await expect(thread.getByRole('button', { name: 'Edit message' })).toHaveCount(0);

  // Reply.
  await thread.getByRole('textbox', { name: 'Reply' }).fill('Yes, it needs tools.');
  await thread.getByRole('button', { name: 'Reply', exact: true }).click();
  const mine = stepThreads(page, 'b').getByRole('article');
  await expect(mine.getByRole('listitem')).toHaveCount(2);
  await expect(mine.getByRole('listitem').nth(1)).toContainText('Olive Owner');
  await expect(mine.getByRole('listitem').nth(1)).toContainText('Yes, it needs tools.');

  // Edit one's own message: only the first one is the editor's.
  await expect(mine.getByRole('button', { name: 'Edit message' })).toHaveCount(1);
  await mine.getByRole('button', { name: 'Edit message' }).click();
  await mine.getByRole('textbox', { name: 'Edit message' }).fill('Should this be a claude step with tools?');
  await mine.getByRole('button', { name: 'Save' }).click();
  await expect(thread.getByRole('listitem').first()).toContainText('Should this be a claude step with tools?');
  await expect(thread.getByRole('listitem').first()).toContainText('(edited)');

  // Resolve (by the other person): the badge goes, for both.
  await thread.getByRole('button', { name: 'Resolve' }).click();
  await expect(badge(page, 'b')).toHaveCount(0);
  await expect(badge(other, 'b')).toHaveCount(0);
  await expect(openThreads(page)).toContainText('No open threads');
  await expect(stepThreads(page, 'b').getByText('1 resolved thread')).toBeVisible();

  // Reopen: the badge is back for both.
  await stepThreads(page, 'b').getByText('1 resolved thread').click();
  await stepThreads(page, 'b').getByRole('button', { name: 'Reopen' }).click();
  await expect(badge(other, 'b')).toHaveText(/1/);
  await expect(badge(page, 'b')).toHaveText(/1/);

  // The server reads what the browsers wrote, in its own layout.
  await expect
    .poll(async () => {
      const [t] = await restThreads(page, id);
      return t && { resolved: t.resolved, texts: t.messages.map((m) => [m.text, m.edited]), times: t.messages.every((m) => m.at > 1e12) };
    })
    .toEqual({
      resolved: false,
      texts: [['Should this be a claude step with tools?', true], ['Yes, it needs tools.', false]],
      times: true,
    });
  const [t] = await restThreads(page, id);
  const me = await (await page.request.get(`${serverUrl()}/api/auth/me`)).json();
  expect(t.messages[0].author).toBe(me.user.id);
  expect(t.messages[1].author).not.toBe(me.user.id);
  expect(t.step).toBe(await node(page, 'b').getAttribute('data-id'));
  await other.context().close();
});

test('a thread follows its step when it moves, and comes back with it when a deletion is undone', async ({ page, csrf, browser }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await openEditor(page, id);
  const other = await second(browser, id);
  await comment(page, 'c', 'Why last?');
  await expect(badge(other, 'c')).toHaveText(/1/);

  // The other person moves step c to the top (a move in the document's step tree).
  await other.evaluate(() => {
    const pe = (window as unknown as { __pe: { doc: import('loro-crdt').LoroDoc } }).__pe;
    const tree = pe.doc.getTree('steps');
    const c = tree.roots()[2];
    tree.move(c.id, undefined, 0);
    pe.doc.commit();
  });
  await expect.poll(async () => (await exportedYaml(page.request, id)).match(/- name: \w/g)).toEqual(['- name: c', '- name: a', '- name: b']);
  await expect(badge(page, 'c')).toHaveText(/1/);
  await expect(badge(other, 'c')).toHaveText(/1/);
  await expect(stepThreads(page, 'c').getByRole('article')).toContainText('Why last?');

  // Deleted: the thread is hidden with its step (and kept in the document).
  await selectStep(page, 'c');
  await page.keyboard.press('Delete');
  await expect(node(other, 'c')).toHaveCount(0);
  await expect(tab(other, 'Comments')).not.toContainText('1');
  await expect(openThreads(page)).toContainText('No open threads');
  expect((await restThreads(page, id)).map((t) => t.step_deleted)).toEqual([true]);

  // Undone: the step is back, and its thread with it, for both.
  await page.keyboard.press('Control+z');
  await expect(node(page, 'c')).toBeVisible();
  await expect(badge(page, 'c')).toHaveText(/1/);
  await expect(badge(other, 'c')).toHaveText(/1/);
  await expect(openThreads(page).getByRole('button', { name: /Thread on c: Why last\?/ })).toBeVisible();
  await expect.poll(async () => (await restThreads(page, id)).map((t) => [t.step_deleted, t.messages[0].text])).toEqual([[false, 'Why last?']]);
  await other.context().close();
});

test('a viewer reads the threads but cannot comment', async ({ browser }) => {
  const ctx = await browser.newContext();
  const csrf = await signIn(ctx.request, USERS.editor);
  const id = await createPipeline(ctx.request, csrf, YAML);
  const editor = await ctx.newPage();
  await openEditor(editor, id);
  await comment(editor, 'a', 'Viewers can read this');

  const vctx = await browser.newContext();
  await signIn(vctx.request, USERS.viewer);
  const viewer = await vctx.newPage();
  await openEditor(viewer, id);
  await expect(badge(viewer, 'a')).toHaveText(/1/);
  await badge(viewer, 'a').click();
  await expect(stepThreads(viewer, 'a').getByRole('article')).toContainText('Viewers can read this');
  await expect(stepThreads(viewer, 'a').getByRole('textbox')).toHaveCount(0);
  await expect(stepThreads(viewer, 'a').getByRole('button')).toHaveCount(0);
  await ctx.close();
  await vctx.close();
});
