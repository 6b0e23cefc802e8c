// Offline-first in the browser (issue 7): the document kept in IndexedDB and the app shell in the service
// worker. The first test runs its own server so that "offline" is real: the server is stopped (and the
// browser's network cut), the page reloaded with nothing to answer it, and the server started again on the
// same address and data.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIRequestContext, Page } from '@playwright/test';
import { binaryPath, createUser } from './support/global-setup';
import { OwnServer } from './support/own-server';
import { PASSWORD, createPipeline, expect, exportedYaml, openEditor, signIn, test, USERS } from './support/fixtures';

const YAML = `workflow:
  name: offline test
  steps:
    - name: first
      type: gemini
      prompt:
        - type: static
          content: one
    - name: second
      type: claude
      prompt:
        - type: static
          content: two
`;

async function select(page: Page, name: string) {
  await page.locator('.react-flow__node').filter({ hasText: name }).first().click();
  await expect(page.locator('.pf-head h2')).toHaveText(name);
}

async function rename(page: Page, from: string, to: string) {
  await select(page, from);
  const input = page.locator('.pf-panel [data-field="name"] input');
  await input.fill(to);
  await input.press('Tab');
  await expect(page.locator('.react-flow__node').filter({ hasText: to })).toHaveCount(1);
}

/** Whether IndexedDB holds a snapshot of the pipeline (written after the welcome, without being asked). */
const keptSnapshot = (page: Page, id: string) =>
  page.evaluate(
    (pid) =>
      new Promise<boolean>((ok) => {
        const r = indexedDB.open('pipeline-editor');
        r.onsuccess = () => {
          const db = r.result;
          if (!db.objectStoreNames.contains('replicas')) return ok(false);
          const get = db.transaction('replicas').objectStore('replicas').get(pid);
          get.onsuccess = () => ok(!!get.result?.snapshot);
          get.onerror = () => ok(false);
        };
        r.onerror = () => ok(false);
      }),
    id,
  );

test.describe('with its own server', () => {
  let server: OwnServer;
  let data: string;
  test.beforeEach(async () => {
    data = mkdtempSync(join(tmpdir(), 'pe-offline-'));
    server = new OwnServer(data);
    await server.start();
    createUser(binaryPath(), data, 'olga@example.com', 'Offline Olga', 'member');
  });
  test.afterEach(async () => {
    await server.stop();
    rmSync(data, { recursive: true, force: true });
  });

  test('edit → reload offline → edit → tab closed and reopened offline → reconnect: the server has every edit', async ({ browser }) => {
    test.setTimeout(120_000);
    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    const login = await context.request.post(`${server.url}/api/auth/login`, { data: { email: 'olga@example.com', password: PASSWORD } });
    expect(login.status()).toBe(200);
    const csrf = (await login.json()).csrf_token as string;
    const created = await context.request.post(`${server.url}/api/pipelines`, {
      headers: { 'content-type': 'application/yaml', 'x-csrf-token': csrf },
      data: YAML,
    });
    expect(created.status()).toBe(201);
    const id = (await created.json()).id as string;

    await page.goto(`/p/${id}`);
    await expect(page.locator('.editor[data-loaded="true"]')).toBeVisible();
    // The shell is kept once the service worker controls the page; the document once it has been written.
    await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller), { timeout: 20_000 }).toBe(true);
    // Online, the page and its built files are raced against the network (the worker's static routes), not
    // waited for from the worker alone.
    await page.reload();
    await expect(page.locator('.editor[data-loaded="true"]')).toBeVisible();
    const routed = await page.evaluate(() =>
      [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource').filter((r) => r.name.includes('/assets/'))].map(
        (r) => (r as PerformanceResourceTiming & { workerMatchedSourceType?: string }).workerMatchedSourceType,
      ),
    );
    expect(routed.length).toBeGreaterThan(2);
    expect(new Set(routed)).toEqual(new Set(['race-network-and-fetch-handler']));
    await expect.poll(() => keptSnapshot(page, id), { timeout: 20_000 }).toBe(true);

    // Online edit, then the server goes away.
    await rename(page, 'first', 'online_edit');
    await expect(page.locator('.sync-status')).toHaveAttribute('data-state', 'synced');
    const listen = server.listen;
    await server.stop();
    await context.setOffline(true);
    await expect(page.locator('.sync-status')).toHaveAttribute('data-state', 'offline');

    // Offline edit: pending, and the YAML pane shows a local preview.
    await rename(page, 'second', 'offline_before_reload');
    await expect(page.locator('.sync-status')).toContainText(/1 .*pending/);
    await expect(page.getByRole('status').filter({ hasText: 'Local preview (offline)' })).toBeVisible();

    // Reload with no server and no network: the kept shell and document open the editor.
    await page.reload();
    await expect(page.locator('.editor[data-loaded="true"]')).toBeVisible();
    await expect(page.locator('.react-flow__node').filter({ hasText: 'offline_before_reload' })).toHaveCount(1);
    await expect(page.locator('.react-flow__node').filter({ hasText: 'online_edit' })).toHaveCount(1);
    await expect(page.locator('.sync-status')).toHaveAttribute('data-state', 'offline');
    await expect(page.locator('.sync-status')).toContainText(/pending/);
    await rename(page, 'offline_before_reload', 'offline_after_reload');

    // The tab closed and opened again, still offline: the edit is there, still pending.
    await expect(page.locator('.sync-status')).toContainText(/pending/);
    await page.close();
    const again = await context.newPage();
    await again.goto(`/p/${id}`);
    await expect(again.locator('.editor[data-loaded="true"]')).toBeVisible();
    await expect(again.locator('.react-flow__node').filter({ hasText: 'offline_after_reload' })).toHaveCount(1);
    await expect(again.locator('.sync-status')).toContainText(/pending/);

    // Back: the same address and data; the editor reconnects by itself and sends both offline edits.
    await server.start(listen);
    await context.setOffline(false);
    await expect(again.locator('.sync-status')).toHaveAttribute('data-state', 'synced', { timeout: 30_000 });
    const yaml = await (await context.request.get(`${server.url}/api/pipelines/${id}/yaml`)).text();
    expect(yaml).toContain('- name: online_edit');
    expect(yaml).toContain('- name: offline_after_reload');
    expect(yaml).not.toContain('offline_before_reload');
    // Only the names changed: the rest of the file is as it was.
    expect(yaml).toBe(YAML.replace('name: first', 'name: online_edit').replace('name: second', 'name: offline_after_reload'));
    await context.close();
  });
});

async function editorIn(browser: import('@playwright/test').Browser, who: keyof typeof USERS): Promise<{ page: Page; request: APIRequestContext; close(): Promise<void> }> {
  const context = await browser.newContext({ baseURL: process.env.PE_URL });
  const page = await context.newPage();
  await signIn(context.request, USERS[who]);
  return { page, request: context.request, close: () => context.close() };
}

test('two browsers edit one pipeline differently while offline; back online, both edits are everywhere', async ({ browser, page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  const a = await editorIn(browser, 'editor');
  const b = await editorIn(browser, 'owner');
  await openEditor(a.page, id);
  await openEditor(b.page, id);
  await a.page.context().setOffline(true);
  await b.page.context().setOffline(true);
  await expect(a.page.locator('.sync-status')).toHaveAttribute('data-state', 'offline');
  await expect(b.page.locator('.sync-status')).toHaveAttribute('data-state', 'offline');
  await rename(a.page, 'first', 'from_a');
  await rename(b.page, 'second', 'from_b');
  // Neither has seen the other's edit.
  await expect(a.page.locator('.react-flow__node').filter({ hasText: 'from_b' })).toHaveCount(0);
  await a.page.context().setOffline(false);
  await b.page.context().setOffline(false);
  for (const p of [a.page, b.page]) {
    await expect(p.locator('.sync-status')).toHaveAttribute('data-state', 'synced', { timeout: 30_000 });
    await expect(p.locator('.react-flow__node').filter({ hasText: 'from_a' })).toHaveCount(1);
    await expect(p.locator('.react-flow__node').filter({ hasText: 'from_b' })).toHaveCount(1);
  }
  await expect.poll(() => exportedYaml(page.request, id)).toBe(YAML.replace('name: first', 'name: from_a').replace('name: second', 'name: from_b'));
  // The replicas are identical.
  const [va, vb] = await Promise.all(
    [a.page, b.page].map((p) => p.evaluate(() => JSON.stringify((window as unknown as { __pe: { doc: { toJSON(): unknown } } }).__pe.doc.toJSON()))),
  );
  expect(va).toBe(vb);
  await a.close();
  await b.close();
});

test('an edit made offline in a tab that was closed is sent when the pipeline is opened again online', async ({ browser, page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  const context = await browser.newContext({ baseURL: process.env.PE_URL });
  await signIn(context.request, USERS.editor);
  const first = await context.newPage();
  await openEditor(first, id);
  await expect.poll(() => keptSnapshot(first, id), { timeout: 20_000 }).toBe(true);
  await context.setOffline(true);
  await expect(first.locator('.sync-status')).toHaveAttribute('data-state', 'offline');
  await rename(first, 'second', 'made_offline');
  await expect(first.locator('.sync-status')).toContainText(/1 .*pending/);
  await first.close();
  await context.setOffline(false);
  expect(await exportedYaml(page.request, id)).not.toContain('made_offline');

  // Online from the start: the server's welcome comes first, then what the device kept, which it lacks.
  const second = await context.newPage();
  await openEditor(second, id);
  await expect(second.locator('.react-flow__node').filter({ hasText: 'made_offline' })).toHaveCount(1);
  await expect.poll(() => exportedYaml(page.request, id), { timeout: 20_000 }).toBe(YAML.replace('name: second', 'name: made_offline'));
  await expect(second.locator('.sync-status')).toHaveAttribute('data-state', 'synced');
  await context.close();
});
