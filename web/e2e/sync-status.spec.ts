// The sync indicator tells the truth in each state, against the real server: Saved; Saving while the server
// has not acknowledged (acks held back by a WebSocket route); Offline with the number of changes made offline,
// back to Saved after reconnecting with the changes in the server's YAML; an error with Retry when the server
// refuses a change (no reconnect loop). A refused handshake (signed out, no access) is session.spec.ts's.
import type { Page } from '@playwright/test';
import { createPipeline, expect, exportedYaml, openEditor, test } from './support/fixtures';

const YAML = `workflow:
  name: status
  steps:
    - name: first
      type: gemini
      prompt:
        - type: static
          content: hello
`;

const status = (page: Page) => page.locator('.sync-status');

async function nameField(page: Page) {
  await page.locator('.react-flow__node').filter({ has: page.getByText('first', { exact: true }) }).click();
  return page.locator('.pf-panel [data-field="name"] input');
}

test('Saving… while the server has not acknowledged a change, then Saved', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  // The page's sync socket goes through this route, which can hold the server's acks (frame type 0x82).
  let hold = false;
  const held: Buffer[] = [];
  let release = () => {};
  await page.routeWebSocket(/\/sync$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => server.send(m));
    server.onMessage((m) => {
      if (hold && typeof m !== 'string' && m[0] === 0x82) held.push(m);
      else ws.send(m);
    });
    release = () => {
      hold = false;
      for (const m of held.splice(0)) ws.send(m);
    };
  });
  await openEditor(page, id);
  await expect(status(page)).toHaveText('Saved');
  await expect(status(page)).toHaveAttribute('data-state', 'synced');

  hold = true;
  const name = await nameField(page);
  await name.fill('renamed');
  await expect(status(page)).toHaveText('Saving 1…');
  await expect(status(page)).toHaveAttribute('data-state', 'connecting');
  // The change is on the server (durable), only its ack is held: the indicator waits for the ack.
  await expect.poll(() => exportedYaml(page.request, id)).toContain('name: renamed');
  await expect(status(page)).toHaveText('Saving 1…');
  release();
  await expect(status(page)).toHaveText('Saved');
});

test('offline: the pending count rises with each edit; after reconnecting it is Saved and the server has them', async ({ page, context, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await openEditor(page, id);
  const name = await nameField(page);
  await expect(status(page)).toHaveText('Saved');

  await context.setOffline(true);
  await expect(status(page)).toHaveText(/^Offline · reconnecting/);
  await name.fill('one');
  await expect(status(page)).toHaveText(/^Offline · 1 change pending/);
  await name.fill('two');
  await expect(status(page)).toHaveText(/^Offline · 2 changes pending/);
  await name.fill('three');
  await expect(status(page)).toHaveText(/^Offline · 3 changes pending/);
  await expect(status(page)).toHaveAttribute('data-pending', '3');
  await expect(status(page).getByRole('button', { name: 'Retry' })).toBeVisible();
  expect(await exportedYaml(page.request, id)).toBe(YAML);

  await context.setOffline(false);
  await expect(status(page)).toHaveText('Saved');
  await expect(status(page)).toHaveAttribute('data-pending', '0');
  expect(await exportedYaml(page.request, id)).toBe(YAML.replace('name: first', 'name: three'));
});

test('a change the server refuses: an error, not a reconnect loop; the server’s pipeline is unchanged', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await openEditor(page, id);
  await expect(status(page)).toHaveText('Saved');
  let sockets = 0;
  page.on('websocket', () => (sockets += 1));
  // A root container the document does not have: the server refuses the update and closes (1008).
  await page.evaluate(() => {
    const pe = (window as unknown as { __pe: { doc: import('loro-crdt').LoroDoc } }).__pe;
    pe.doc.getMap('not_ours').set('x', 1);
    pe.doc.commit();
  });
  await expect(status(page)).toHaveAttribute('data-state', 'error');
  await expect(status(page)).toContainText(/^Error: .+/);
  await expect(status(page)).toContainText('1 pending');
  await page.waitForTimeout(1500);
  expect(sockets).toBe(0);
  await expect(status(page)).toHaveAttribute('data-state', 'error');
  expect(await exportedYaml(page.request, id)).toBe(YAML);
  // Retry tries once more (and is refused again: the change is still in this replica).
  await status(page).getByRole('button', { name: 'Retry' }).click();
  await expect.poll(() => sockets).toBe(1);
  await expect(status(page)).toHaveAttribute('data-state', 'error');
});
