// The sync indicator tells the truth in each state, against the real server: Saved; Saving while the server
// has not acknowledged (acks held back by a WebSocket route); Offline with the number of changes made offline,
// back to Saved after reconnecting with the changes in the server's YAML; an error with Retry when the server
// refuses a change (no reconnect loop), and discarding it (the device's copy dropped, the pipeline reopened
// from the server); over 8 MiB of offline edits sent after reconnecting in frames under the server's limit.
// A refused handshake (signed out, no access) is session.spec.ts's.
import type { Page } from '@playwright/test';
import { parse } from 'yaml';
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
  // (The first socket has its hello in its query: `/sync?hello=…`.)
  await page.routeWebSocket(/\/sync(\?|$)/, (ws) => {
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

test('a refused change can be discarded: the replica kept on this device is dropped and the pipeline reopened from the server', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await openEditor(page, id);
  const name = await nameField(page);
  await name.fill('kept');
  await expect(status(page)).toHaveText('Saved');
  await expect.poll(() => exportedYaml(page.request, id)).toContain('name: kept');
  await page.evaluate(() => {
    const pe = (window as unknown as { __pe: { doc: import('loro-crdt').LoroDoc } }).__pe;
    pe.doc.getMap('not_ours').set('x', 1);
    pe.doc.commit();
  });
  await expect(status(page)).toHaveAttribute('data-state', 'error');
  // Kept on this device: refused again after a reload.
  await page.evaluate(() => (window as unknown as { __pe: { persist: { flushed(): Promise<unknown> } } }).__pe.persist.flushed());
  await page.reload();
  await expect(status(page)).toHaveAttribute('data-state', 'error');
  const discard = status(page).getByRole('button', { name: 'Discard my unsent changes' });

  // Asked first; keeping them changes nothing.
  await discard.click();
  const dialog = page.getByRole('dialog', { name: 'Discard unsent changes' });
  await expect(dialog).toContainText('cannot be undone');
  await expect(dialog.getByRole('button', { name: 'Keep them' })).toBeFocused();
  await dialog.getByRole('button', { name: 'Keep them' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(status(page)).toHaveAttribute('data-state', 'error');

  await discard.click();
  await dialog.getByRole('button', { name: 'Discard changes' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(status(page)).toHaveText('Saved');
  await expect(page.locator('.editor[data-loaded="true"]')).toBeVisible();
  await expect(page.locator('.react-flow__node').filter({ has: page.getByText('kept', { exact: true }) })).toHaveCount(1);
  const ours = () => page.evaluate(() => (window as unknown as { __pe: { doc: import('loro-crdt').LoroDoc } }).__pe.doc.getMap('not_ours').size);
  expect(await ours()).toBe(0);
  // Gone from this device too: a reload opens it without the refused change, and it stays Saved.
  await page.reload();
  await expect(page.locator('.editor[data-loaded="true"]')).toBeVisible();
  await expect(status(page)).toHaveText('Saved');
  await expect(page.locator('.react-flow__node').filter({ has: page.getByText('kept', { exact: true }) })).toHaveCount(1);
  expect(await ours()).toBe(0);
  // Editing goes on as usual.
  const field = page.locator('.pf-panel [data-field="name"] input');
  await page.locator('.react-flow__node').filter({ has: page.getByText('kept', { exact: true }) }).click();
  await field.fill('after_discard');
  await expect(status(page)).toHaveText('Saved');
  await expect.poll(() => exportedYaml(page.request, id)).toContain('name: after_discard');
  expect(await exportedYaml(page.request, id)).toBe(YAML.replace('name: first', 'name: after_discard'));
});

/** `n` characters that do not compress (a seeded generator): what the server gets is as large as it looks. */
function noise(seed: number, n: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let x = seed;
  let out = '';
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out += alphabet[(x >>> 16) % alphabet.length];
  }
  return out;
}

test('over 8 MiB of offline edits reach the server after reconnecting, in frames under its limit', async ({ page, context, csrf }) => {
  test.setTimeout(180_000);
  const MiB = 1024 * 1024;
  const names = ['a', 'b', 'c', 'd'];
  const yaml = `workflow:\n  name: large\n  steps:\n${names.map((n) => `    - name: ${n}\n      type: gemini\n      prompt:\n        - type: static\n          content: ${n}\n`).join('')}`;
  const id = await createPipeline(page.request, csrf, yaml);
  const texts = names.map((_, i) => `${names[i]}-start-${noise(i + 1, 2.5 * MiB)}-end`);
  // The sizes of the update frames (type 0x02) the page sends.
  const sent: number[] = [];
  page.on('websocket', (ws) =>
    ws.on('framesent', (f) => {
      if (typeof f.payload !== 'string' && f.payload[0] === 0x02) sent.push(f.payload.length);
    }),
  );
  await openEditor(page, id);
  await expect(status(page)).toHaveText('Saved');

  await context.setOffline(true);
  await expect(status(page)).toHaveAttribute('data-state', 'offline');
  // 10 MiB of prompt text: steps a and b one edit each, c and d together in one edit.
  await page.evaluate((texts) => {
    const pe = (window as unknown as { __pe: { doc: import('loro-crdt').LoroDoc } }).__pe;
    const roots = pe.doc.getTree('steps').roots();
    const prompt = (i: number) => {
      const fields = roots[i].data.get('fields') as import('loro-crdt').LoroMap;
      return (fields.get('prompt') as import('loro-crdt').LoroList).get(0) as import('loro-crdt').LoroMap;
    };
    prompt(0).set('content', texts[0]);
    pe.doc.commit();
    prompt(1).set('content', texts[1]);
    pe.doc.commit();
    prompt(2).set('content', texts[2]);
    prompt(3).set('content', texts[3]);
    pe.doc.commit();
  }, texts);
  await expect(status(page)).toHaveText(/^Offline · \d+ changes? pending/);
  expect(sent.every((n) => n < MiB)).toBe(true);

  await context.setOffline(false);
  await expect(status(page)).toHaveText('Saved', { timeout: 60_000 });
  const big = sent.filter((n) => n > MiB);
  expect(big.length, `frame sizes: ${big}`).toBeGreaterThanOrEqual(2);
  expect(Math.max(...sent)).toBeLessThanOrEqual(8 * MiB);
  expect(big.reduce((a, b) => a + b, 0)).toBeGreaterThan(10 * MiB);
  const doc = parse(await exportedYaml(page.request, id)) as { workflow: { steps: { name: string; prompt: { content: string }[] }[] } };
  expect(doc.workflow.steps.map((s) => s.name)).toEqual(names);
  doc.workflow.steps.forEach((s, i) => expect(s.prompt[0].content === texts[i], `step ${names[i]}'s prompt`).toBe(true));
  // No refusal on the way, and none after.
  await expect(status(page)).toHaveAttribute('data-state', 'synced');
});
