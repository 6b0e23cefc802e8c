// A local node's link to its team server, shown in the app it serves (ui/TeamServerStatus.tsx), with two real
// processes: a team server, and a local node (`serve --sync-to URL --token TOKEN`) whose browser user sees the
// link synced; then, with the team server stopped, unreachable with the last error and the next attempt, and
// the open pipeline reconnecting with the change made meanwhile waiting; then, with the team server started
// again on the same port and data, synced again with that change on the team server. The state is not asked
// for while the tab is hidden. On an ordinary server (the shared one) nothing of it shows.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { binaryPath, createUser } from './support/global-setup';
import { OwnServer } from './support/own-server';
import { createPipeline, expect, openEditor, PASSWORD, test } from './support/fixtures';

const YAML = `workflow:
  name: replicated
  steps:
    - name: first
      type: gemini
      prompt:
        - type: static
          content: hello
`;

/** An owner of team "Team" on the store in `data`, and an API token of theirs (as tests/local_node.rs does). */
function teamToken(data: string): string {
  const bin = binaryPath();
  execFileSync(bin, ['user', 'create', '--data', data, 'team-owner@example.com', '--team', 'Team', '--role', 'owner'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const out = execFileSync(bin, ['token', 'create', '--data', data, 'team-owner@example.com'], { encoding: 'utf8' });
  return out.trim().split('\n').pop()!.trim();
}

const pill = (page: Page) => page.getByTestId('team-server');

/** Makes the page see itself hidden or shown (as when its tab is switched away from and back). */
const setHidden = (page: Page, hidden: boolean) =>
  page.evaluate((h) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);

test('on an ordinary server the team-server state is not shown', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  const answer = await page.request.get('/api/sync-to/status');
  expect(await answer.json()).toEqual({ enabled: false });
  // Asked once per page load, and not again.
  const asked: string[] = [];
  page.on('requestfinished', (r) => {
    if (r.url().endsWith('/api/sync-to/status')) asked.push(r.url());
  });
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Pipeline Editor' })).toBeVisible();
  await expect.poll(() => asked.length).toBe(1);
  await page.waitForTimeout(6_500);
  expect(asked).toHaveLength(1);
  await expect(pill(page)).toHaveCount(0);
  await openEditor(page, id);
  await expect(page.locator('.sync-status')).toHaveText('Saved');
  await expect(pill(page)).toHaveCount(0);
});

test('a local node shows its team server synced, unreachable while it is stopped, and synced again', async ({ browser }) => {
  test.setTimeout(180_000);
  const teamData = mkdtempSync(join(tmpdir(), 'pe-team-'));
  const localData = mkdtempSync(join(tmpdir(), 'pe-local-'));
  const team = new OwnServer(teamData);
  let local: OwnServer | null = null;
  const context = await browser.newContext();
  try {
    await team.start();
    const token = teamToken(teamData);
    const auth = { authorization: `Bearer ${token}` };
    const created = await context.request.post(`${team.url}/api/pipelines`, {
      headers: { ...auth, 'content-type': 'application/yaml' },
      data: YAML,
    });
    expect(created.status(), await created.text()).toBe(201);
    const id = (await created.json()).id as string;
    const teamYaml = async () => (await context.request.get(`${team.url}/api/pipelines/${id}/yaml`, { headers: auth })).text();

    local = new OwnServer(localData, ['--sync-to', team.url, '--token', token, '--sync-relist-secs', '1']);
    await local.start();
    createUser(binaryPath(), localData, 'lou@example.com', 'Lou Local', 'member');
    const login = await context.request.post(`${local.url}/api/auth/login`, { data: { email: 'lou@example.com', password: PASSWORD } });
    expect(login.status()).toBe(200);
    const page = await context.newPage();

    // Synced: on the pipelines page (every replicated pipeline) with its details, then in the editor.
    await page.goto(`${local.url}/`);
    await expect(pill(page)).toHaveAttribute('data-tone', 'ok', { timeout: 30_000 });
    const button = pill(page).getByRole('button', { name: 'Team server: synced' });
    await expect(button).toBeVisible();
    await button.click();
    const details = page.getByRole('dialog', { name: 'Team server sync' });
    await expect(details).toContainText(team.url);
    await expect(details.getByTestId('team-server-state')).toHaveText('Connected');
    await expect(details).toContainText(/Last in sync\s*just now/);
    await page.keyboard.press('Escape');
    await expect(details).toHaveCount(0);
    await expect(button).toBeFocused();

    // Not asked while the tab is hidden (for longer than the 5 s between polls); at once when it shows again.
    const asked: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/api/sync-to/status')) asked.push(r.url());
    });
    await setHidden(page, true);
    asked.length = 0;
    await page.waitForTimeout(6_500);
    expect(asked).toHaveLength(0);
    await setHidden(page, false);
    await expect.poll(() => asked.length).toBeGreaterThan(0);

    await page.goto(`${local.url}/p/${id}`);
    await expect(page.locator('.editor[data-loaded="true"]')).toBeVisible();
    await expect(page.locator('.sync-status')).toHaveText('Saved');
    await expect(pill(page).getByRole('button')).toHaveText('Team server: synced');

    // The team server stops: the pipeline's link retries, the next listing fails. An edit on the local node
    // meanwhile is saved there (the browser's indicator) and waits for the team server.
    const listen = team.listen;
    await team.stop();
    await expect(pill(page)).toHaveAttribute('data-tone', 'offline', { timeout: 30_000 });
    await expect(pill(page).getByRole('button')).toHaveText(/^Team server: (reconnecting|unreachable)/);
    await expect(pill(page)).toHaveAttribute('data-state', 'unreachable', { timeout: 30_000 });
    await expect(pill(page).getByRole('button')).toHaveText('Team server: unreachable');
    await page.locator('.react-flow__node').filter({ has: page.getByText('first', { exact: true }) }).click();
    const name = page.locator('.pf-panel [data-field="name"] input');
    await name.fill('renamed_apart');
    await name.press('Tab');
    await expect(page.locator('.sync-status')).toHaveText('Saved');
    await pill(page).getByRole('button').click();
    await expect(details.getByTestId('team-server-state')).toHaveText(/^Unreachable · (next try in \d+ s|trying again now)$/);
    await expect(details.getByTestId('team-server-error')).not.toBeEmpty();
    const mine = details.getByTestId('team-server-pipeline');
    await expect(mine).toContainText(/This pipeline: reconnecting · \d+ changes? waiting/, { timeout: 30_000 });
    await expect(mine.locator('[data-link-state]')).toHaveAttribute('data-link-state', 'retrying');
    await page.keyboard.press('Escape');

    // Back on the same port and data: synced again, and the team server has the edit.
    await team.start(listen);
    await expect(pill(page)).toHaveAttribute('data-tone', 'ok', { timeout: 45_000 });
    await expect(pill(page)).toHaveAttribute('data-state', 'reachable');
    await expect(pill(page).getByRole('button')).toHaveText('Team server: synced');
    expect(await teamYaml()).toContain('name: renamed_apart');
    await pill(page).getByRole('button').click();
    await expect(details.getByTestId('team-server-state')).toHaveText('Connected');
    await expect(details.getByTestId('team-server-error')).toHaveCount(0);
    await expect(details.getByTestId('team-server-pipeline')).toHaveText('This pipeline: synced');
  } finally {
    await context.close();
    await local?.stop();
    await team.stop();
    rmSync(teamData, { recursive: true, force: true });
    rmSync(localData, { recursive: true, force: true });
  }
});
