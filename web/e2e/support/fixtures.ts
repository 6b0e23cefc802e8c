// Test fixtures: a page signed in as a given user (password login through the API, so the cookie and CSRF
// token are the browser's own), and helpers to create pipelines over HTTP.
import { test as base, expect, type APIRequestContext, type Page } from '@playwright/test';

export const PASSWORD = 'correct horse battery staple';
export const USERS = {
  owner: 'owner2@example.com',
  editor: 'editor@example.com',
  viewer: 'viewer@example.com',
} as const;

export const serverUrl = () => {
  const u = process.env.PE_URL;
  if (!u) throw new Error('PE_URL is not set (global setup did not run)');
  return u;
};

export async function signIn(request: APIRequestContext, email: string): Promise<string> {
  const r = await request.post(`${serverUrl()}/api/auth/login`, { data: { email, password: PASSWORD } });
  expect(r.status(), await r.text()).toBe(200);
  return (await r.json()).csrf_token as string;
}

export async function createPipeline(request: APIRequestContext, csrf: string, yaml: string, fileName?: string): Promise<string> {
  const q = fileName ? `?file_name=${encodeURIComponent(fileName)}` : '';
  const r = await request.post(`${serverUrl()}/api/pipelines${q}`, {
    headers: { 'content-type': 'application/yaml', 'x-csrf-token': csrf },
    data: yaml,
  });
  expect(r.status(), await r.text()).toBe(201);
  return (await r.json()).id as string;
}

export async function exportedYaml(request: APIRequestContext, id: string): Promise<string> {
  const r = await request.get(`${serverUrl()}/api/pipelines/${id}/yaml`);
  expect(r.status()).toBe(200);
  return r.text();
}

/** Opens the editor on `id` and waits for the document and the server's first view. */
export async function openEditor(page: Page, id: string): Promise<void> {
  await page.goto(`${serverUrl()}/p/${id}`);
  await expect(page.locator('.editor[data-loaded="true"]')).toBeVisible();
}

type Fixtures = { csrf: string; user: keyof typeof USERS };

export const test = base.extend<Fixtures>({
  user: ['editor', { option: true }],
  baseURL: async ({}, use) => use(serverUrl()),
  csrf: async ({ page, user }, use) => {
    await use(await signIn(page.request, USERS[user]));
  },
});

export { expect };
