// Signing out and in: the user menu of both top bars signs out to the sign-in page and the old session is
// refused by the server afterwards; signing in lands where the user was going (and only ever on this site).
import type { Page } from '@playwright/test';
import { PASSWORD, USERS, createPipeline, expect, openEditor, serverUrl, test } from './support/fixtures';

const YAML = `workflow:
  name: session
  steps:
    - name: only
      type: gemini
      prompt:
        - type: static
          content: hello
`;

async function signOut(page: Page) {
  await page.getByRole('button', { name: /^Account: / }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(`${serverUrl()}/signin`);
  await expect(page.getByRole('form', { name: 'Sign in' })).toBeVisible();
}

async function signInByForm(page: Page, email: string) {
  const form = page.getByRole('form', { name: 'Sign in' });
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Password').fill(PASSWORD);
  await form.getByRole('button', { name: 'Sign in' }).click();
}

test('signing out from the editor ends the session; signing in goes back where the user was going', async ({ page, csrf, context }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await openEditor(page, id);
  const session = (await context.cookies()).find((c) => c.name === 'pe_session');
  expect(session).toBeTruthy();

  await signOut(page);
  // The server refuses the old session, even replayed by hand.
  const replay = { headers: { cookie: `pe_session=${session!.value}` } };
  expect((await page.request.get(`${serverUrl()}/api/auth/me`)).status()).toBe(401);
  expect((await page.request.get(`${serverUrl()}/api/pipelines`, replay)).status()).toBe(401);
  expect((await page.request.get(`${serverUrl()}/api/pipelines/${id}/yaml`, replay)).status()).toBe(401);

  // Going to the pipeline signed out: the sign-in page, then the pipeline.
  await page.goto(`/p/${id}`);
  await expect(page).toHaveURL(`${serverUrl()}/signin?next=${encodeURIComponent(`/p/${id}`)}`);
  await signInByForm(page, USERS.editor);
  await expect(page).toHaveURL(`${serverUrl()}/p/${id}`);
  await expect(page.locator('.editor[data-loaded="true"]')).toBeVisible();
  await expect(page.locator('.pipeline-name')).toHaveText('session');
});

test('signing out from the pipelines page; a `next` to another site is ignored', async ({ page, csrf }) => {
  expect(csrf).toBeTruthy();
  await page.goto('/');
  await expect(page.getByRole('button', { name: 'Account: Eddie Editor' })).toBeVisible();
  await signOut(page);
  expect((await page.request.get(`${serverUrl()}/api/pipelines`)).status()).toBe(401);

  await page.goto('/signin?next=//example.org/steal');
  await signInByForm(page, USERS.editor);
  await expect(page).toHaveURL(`${serverUrl()}/`);
  await expect(page.getByRole('searchbox', { name: 'Search pipelines' })).toBeVisible();
  // The user menu leads to the team page too.
  await page.getByRole('button', { name: 'Account: Eddie Editor' }).click();
  await page.getByRole('menuitem', { name: 'Teams and members' }).click();
  await expect(page).toHaveURL(`${serverUrl()}/teams`);
  await expect(page.getByRole('heading', { name: 'Local' })).toBeVisible();
});
