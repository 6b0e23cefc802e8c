// The team page against the real server: an owner invites a new email and the one-time link signs that person
// in (a fresh browser) with the role given; role changes reach the member's open editor at once (read-only and
// back); a removed member loses access, open editor included; the server's refusals (the last owner, admins and owners) are shown;
// members and viewers see the list read-only.
import type { Browser, Page } from '@playwright/test';
import { USERS, createPipeline, expect, openEditor, serverUrl, test } from './support/fixtures';

const stamp = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

const pipelineYaml = (name: string) => `workflow:
  name: ${name}
  steps:
    - name: only
      type: gemini
      prompt:
        - type: static
          content: hello
`;

async function openTeam(page: Page, teamId?: string) {
  await page.goto(teamId ? `/teams/${teamId}` : '/teams');
  await expect(page.getByRole('region', { name: 'Members' }).locator('tbody tr').first()).toBeVisible();
}

/** Invites through the form; returns the sign-in link shown (or null when none is shown). */
async function inviteByForm(page: Page, email: string, role: string, name?: string): Promise<string | null> {
  const form = page.getByRole('region', { name: 'Invite' });
  await form.getByLabel('Email').fill(email);
  if (name) await form.getByLabel(/^Name/).fill(name);
  await form.getByLabel('Role').selectOption(role);
  await form.getByRole('button', { name: 'Invite' }).click();
  const result = form.getByTestId('invite-result');
  await expect(result).toContainText(email);
  const link = form.getByLabel('Sign-in link');
  return (await link.count()) ? link.inputValue() : null;
}

/** A fresh browser (no cookies) that opens the link. */
async function openLink(browser: Browser, link: string) {
  const ctx = await browser.newContext({ baseURL: serverUrl() });
  const page = await ctx.newPage();
  await page.goto(link);
  return { ctx, page };
}

const row = (page: Page, email: string) => page.getByRole('region', { name: 'Members' }).locator(`tr[data-email="${email}"]`);

test.describe('as an owner', () => {
  test.use({ user: 'owner' });

  test('inviting a new email gives a link that signs that person in with the role', async ({ page, csrf, browser }) => {
    const name = `team pipeline ${stamp()}`;
    await createPipeline(page.request, csrf, pipelineYaml(name));
    const email = `new-${stamp()}@example.org`;
    await openTeam(page);
    await expect(page.getByRole('heading', { name: 'Local' })).toBeVisible();
    const link = await inviteByForm(page, email, 'member', 'Nina Newcomer');
    expect(link).toMatch(new RegExp(`^${serverUrl()}/auth/signin/[A-Za-z0-9_-]+$`));
    await expect(page.getByTestId('invite-result')).toContainText('Account created for');
    await expect(row(page, email).getByLabel(`Role of ${email}`)).toHaveValue('member');

    // The invited person, in a browser of their own, is signed in and sees the team's pipelines.
    const { ctx, page: guest } = await openLink(browser, link!);
    await expect(guest).toHaveURL(`${serverUrl()}/`);
    await expect(guest.getByRole('button', { name: 'Account: Nina Newcomer' })).toBeVisible();
    await guest.getByRole('searchbox', { name: 'Search pipelines' }).fill(name);
    await guest.getByRole('link', { name: new RegExp(name) }).click();
    await expect(guest.locator('.editor[data-loaded="true"]')).toBeVisible();
    await expect(guest.locator('.badge.readonly')).toHaveCount(0);
    await expect(guest.locator('.pf-panel [data-field="name"] input')).not.toHaveAttribute('readonly', '');
    await ctx.close();

    // The link works once: opened again, the sign-in page says so.
    const again = await openLink(browser, link!);
    await expect(again.page).toHaveURL(`${serverUrl()}/signin?link=invalid`);
    await expect(again.page.getByRole('alert')).toContainText('unknown, expired or already used');
    expect((await again.page.request.get(`${serverUrl()}/api/auth/me`)).status()).toBe(401);
    await again.ctx.close();
  });

  test('a role change reaches the member at once; a removed member loses access', async ({ page, csrf, browser }) => {
    const id = await createPipeline(page.request, csrf, pipelineYaml(`roles ${stamp()}`));
    const email = `changing-${stamp()}@example.org`;
    await openTeam(page);
    const link = await inviteByForm(page, email, 'viewer');
    const { ctx, page: person } = await openLink(browser, link!);
    await openEditor(person, id);
    await expect(person.locator('.badge.readonly')).toBeVisible();
    const nameField = person.locator('.pf-panel [data-field="name"] input');
    await expect(nameField).toHaveAttribute('readonly', '');

    // Viewer → member: the server closes their socket and the reconnect brings the new role, no reload needed.
    await row(page, email).getByLabel(`Role of ${email}`).selectOption('member');
    await expect(person.locator('.badge.readonly')).toHaveCount(0);
    await expect(nameField).not.toHaveAttribute('readonly', '');
    await nameField.fill('renamed by a member');
    await expect.poll(async () => (await person.request.get(`${serverUrl()}/api/pipelines/${id}/yaml`)).text()).toContain('name: renamed by a member');

    // Member → viewer: read-only at once, and still after a reload.
    await row(page, email).getByLabel(`Role of ${email}`).selectOption('viewer');
    await expect(person.locator('.badge.readonly')).toBeVisible();
    await expect(nameField).toHaveAttribute('readonly', '');
    await expect(person.locator('.yaml-area .cm-content')).toHaveAttribute('contenteditable', 'false');
    await person.reload();
    await expect(person.locator('.editor[data-loaded="true"]')).toBeVisible();
    await expect(person.locator('.badge.readonly')).toBeVisible();
    await expect(nameField).toHaveAttribute('readonly', '');
    await expect(row(page, email).getByLabel(`Role of ${email}`)).toHaveValue('viewer');

    // Removed (after a confirmation): the open editor says the pipeline is gone, and so does the server.
    await row(page, email).getByRole('button', { name: `Remove ${email}` }).click();
    await row(page, email).getByRole('button', { name: `Confirm removing ${email}` }).click();
    await expect(row(page, email)).toHaveCount(0);
    await expect(person.getByRole('alert')).toHaveText('This pipeline does not exist or you cannot see it.');
    expect((await person.request.get(`${serverUrl()}/api/pipelines/${id}`)).status()).toBe(404);
    await person.goto('/');
    await expect(person.getByText('You are not in any team')).toBeVisible();
    await expect(person.locator('.pipeline-row')).toHaveCount(0);
    await ctx.close();
  });

  test("the server's refusals are shown: a team keeps an owner, admins leave owners alone", async ({ page, csrf, browser }) => {
    const r = await page.request.post(`${serverUrl()}/api/teams`, { headers: { 'x-csrf-token': csrf }, data: { name: `Team ${stamp()}` } });
    expect(r.status()).toBe(201);
    const team = (await r.json()).id as string;
    await openTeam(page, team);
    const me = row(page, USERS.owner);

    // The only owner cannot step down or leave: the server says why, and the list still shows the truth.
    await me.getByLabel(`Role of ${USERS.owner}`).selectOption('admin');
    await expect(page.getByRole('alert')).toContainText('a team keeps at least one owner');
    await expect(me.getByLabel(`Role of ${USERS.owner}`)).toHaveValue('owner');
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await me.getByRole('button', { name: `Remove ${USERS.owner}` }).click();
    await me.getByRole('button', { name: `Confirm removing ${USERS.owner}` }).click();
    await expect(page.getByRole('alert')).toContainText('a team keeps at least one owner');
    await expect(me).toHaveCount(1);

    // An admin cannot touch the owner: the controls say so, and the server refuses it when forced.
    const email = `admin-${stamp()}@example.org`;
    const link = await inviteByForm(page, email, 'admin');
    const { ctx, page: admin } = await openLink(browser, link!);
    await openTeam(admin, team);
    const ownerRow = row(admin, USERS.owner);
    await expect(ownerRow.getByLabel(`Role of ${USERS.owner}`)).toBeDisabled();
    await expect(ownerRow.getByRole('button', { name: `Remove ${USERS.owner}` })).toBeDisabled();
    const roles = await admin.getByRole('region', { name: 'Invite' }).getByLabel('Role').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(roles).toEqual(['viewer', 'member', 'admin']);
    const forced = await admin.evaluate(async ({ team, owner }) => {
      const me = await (await fetch('/api/auth/me')).json();
      const members = await (await fetch(`/api/teams/${team}/members`)).json();
      const target = members.items.find((m: { user: { email: string } }) => m.user.email === owner).user.id;
      const r = await fetch(`/api/teams/${team}/members/${target}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrf_token },
        body: JSON.stringify({ role: 'viewer' }),
      });
      return { status: r.status, message: (await r.json()).error.message };
    }, { team, owner: USERS.owner });
    expect(forced).toEqual({ status: 403, message: 'only an owner can grant, change or remove the owner role' });
    await page.reload();
    await expect(row(page, USERS.owner).getByLabel(`Role of ${USERS.owner}`)).toHaveValue('owner');
    await ctx.close();
  });
});

for (const user of ['editor', 'viewer'] as const) {
  test.describe(`as a ${user === 'editor' ? 'member' : 'viewer'}`, () => {
    test.use({ user });

    test('the member list is read-only', async ({ page, csrf }) => {
      await openTeam(page);
      const members = page.getByRole('region', { name: 'Members' });
      await expect(row(page, USERS[user])).toContainText('(you)');
      await expect(row(page, USERS.owner)).toContainText('owner');
      await expect(members.locator('select, button')).toHaveCount(0);
      await expect(page.getByRole('region', { name: 'Invite' })).toHaveCount(0);
      await expect(page.getByText('Owners and admins manage the members.')).toBeVisible();
      // Forced, the server refuses.
      const team = await localTeam(page);
      const r = await page.request.post(`${serverUrl()}/api/teams/${team}/invites`, {
        headers: { 'x-csrf-token': csrf },
        data: { email: `sneaky-${stamp()}@example.org`, role: 'admin' },
      });
      expect(r.status()).toBe(403);
    });
  });
}

async function localTeam(page: Page): Promise<string> {
  const me = await (await page.request.get(`${serverUrl()}/api/auth/me`)).json();
  return me.teams.find((t: { name: string }) => t.name === 'Local').id;
}
