// Presence between real browsers on one pipeline (two and three contexts, different users): avatars (idle
// dimmed, gone when a context closes), cursors at the same flow position whatever the pan and zoom, selections
// outlined on the canvas and marked in the YAML pane, following a viewport (stopped by the followed user or by
// a pan), and concurrent edits of one step by two users, with undo touching only one's own.
import type { Browser, BrowserContext, Locator, Page } from '@playwright/test';
import { createPipeline, expect, exportedYaml, openEditor, signIn, test, USERS } from './support/fixtures';

const YAML = `workflow:
  name: presence
  steps:
    - name: first
      type: gemini
      prompt:
        - type: static
          content: hello
    - name: second
      type: claude
      prompt:
        - type: static
          content: review this
`;

const NAMES = { owner: 'Olive Owner', editor: 'Eddie Editor', viewer: 'Vera Viewer' } as const;

/** A second (or third) person: their own browser context, signed in, with the editor open on `id`. */
async function join(browser: Browser, who: keyof typeof USERS, id: string, init?: (p: Page) => Promise<void>): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(page.request, USERS[who]);
  if (init) await init(page);
  await openEditor(page, id);
  return { ctx, page };
}

const avatar = (page: Page, name: string) => page.getByRole('list', { name: 'People in this pipeline' }).getByRole('button', { name: new RegExp(`^${name}`) });
const node = (page: Page, name: string) => page.locator('.react-flow__node').filter({ has: page.getByText(name, { exact: true }) });

async function box(l: Locator) {
  const b = await l.boundingBox();
  expect(b).not.toBeNull();
  return b!;
}

/** The flow point at the canvas's centre and the zoom, from React Flow's viewport transform. */
async function viewCentre(page: Page): Promise<{ cx: number; cy: number; zoom: number }> {
  return page.evaluate(() => {
    const flow = document.querySelector('.react-flow') as HTMLElement;
    const vp = document.querySelector('.react-flow__viewport') as HTMLElement;
    const m = new DOMMatrix(getComputedStyle(vp).transform);
    return { cx: (flow.clientWidth / 2 - m.e) / m.a, cy: (flow.clientHeight / 2 - m.f) / m.a, zoom: m.a };
  });
}

async function wheelOnCanvas(page: Page, dy: number) {
  const pane = await box(page.locator('.react-flow__pane'));
  await page.mouse.move(pane.x + 80, pane.y + 80);
  await page.mouse.wheel(0, dy);
}

test('three people see each other’s avatars; idle ones are dimmed; a closed one disappears', async ({ browser, page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await openEditor(page, id);
  const olive = await join(browser, 'owner', id);
  // Vera goes idle after 1.5 s without input (the product waits a minute).
  const vera = await join(browser, 'viewer', id, async (p) => {
    await p.addInitScript(() => localStorage.setItem('pe.idleAfterMs', '1500'));
  });

  for (const [p, others] of [
    [page, [NAMES.owner, NAMES.viewer]],
    [olive.page, [NAMES.editor, NAMES.viewer]],
    [vera.page, [NAMES.editor, NAMES.owner]],
  ] as const) {
    for (const n of others) await expect(avatar(p, n)).toBeVisible();
    await expect(p.getByRole('list', { name: 'People in this pipeline' }).getByRole('button')).toHaveCount(2);
  }
  // The avatar carries the person's colour (the server's, from their own welcome) and initials.
  const veraColour = await vera.page.evaluate(() => (window as unknown as { __pe: { conn: { info: { user: { colour: string } } } } }).__pe.conn.info.user.colour);
  const veraAvatar = avatar(page, NAMES.viewer);
  await expect(veraAvatar).toHaveText('VV');
  expect(await veraAvatar.evaluate((el) => getComputedStyle(el).getPropertyValue('--peer').trim())).toBe(veraColour);
  await expect(veraAvatar).toHaveAttribute('title', /Vera Viewer/);

  // Vera does nothing: dimmed for the others, and back when she moves.
  await expect(veraAvatar).toHaveAttribute('data-idle', 'true');
  await expect(avatar(olive.page, NAMES.viewer)).toHaveAttribute('aria-label', /idle/);
  await expect.poll(() => veraAvatar.evaluate((el) => Number(getComputedStyle(el).opacity))).toBeLessThan(1);
  await vera.page.mouse.move(300, 300);
  await vera.page.mouse.move(320, 310);
  await expect(veraAvatar).toHaveAttribute('data-idle', 'false');

  await vera.ctx.close();
  await expect(avatar(page, NAMES.viewer)).toHaveCount(0);
  await expect(avatar(olive.page, NAMES.viewer)).toHaveCount(0);
  await expect(avatar(page, NAMES.owner)).toBeVisible();
  await olive.ctx.close();
  await expect(page.getByRole('list', { name: 'People in this pipeline' })).toHaveCount(0);
});

test('a cursor moved on one canvas shows on the other’s at the same place, whatever its zoom, and hides when it leaves', async ({ browser, page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await openEditor(page, id);
  const olive = await join(browser, 'owner', id);
  // Olive's view differs from Eddie's: zoomed in twice.
  await olive.page.getByRole('button', { name: 'Zoom In' }).click();
  await olive.page.getByRole('button', { name: 'Zoom In' }).click();
  await expect.poll(async () => (await viewCentre(olive.page)).zoom).toBeGreaterThan((await viewCentre(page)).zoom * 1.1);

  const cursor = olive.page.locator('.peer-cursor');
  for (const [target, fx, fy] of [['second', 0.3, 0.5], ['first', 0.7, 0.4]] as const) {
    const b = await box(node(page, target));
    await page.mouse.move(b.x + b.width * fx, b.y + b.height * fy, { steps: 4 });
    // The cursor's tip lands on the same spot of the same step in Olive's canvas.
    await expect(async () => {
      const nb = await box(node(olive.page, target));
      const tip = await box(cursor.locator('.tip'));
      expect(Math.abs(tip.x - (nb.x + nb.width * fx))).toBeLessThan(6);
      expect(Math.abs(tip.y - (nb.y + nb.height * fy))).toBeLessThan(6);
    }).toPass();
  }
  await expect(cursor).toHaveCount(1);
  await expect(cursor).toContainText(NAMES.editor);

  // Out of the canvas (onto the top bar): gone.
  await page.mouse.move(200, 10, { steps: 3 });
  await expect(cursor).toHaveCount(0);
  await olive.ctx.close();
});

test('a selection is outlined in the other’s canvas and marked in their YAML pane', async ({ browser, page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await openEditor(page, id);
  const olive = await join(browser, 'owner', id);
  const outline = olive.page.locator('.peer-outline');
  const marked = olive.page.locator('.cm-line.cm-peer-sel');

  await node(page, 'second').click();
  await expect(outline).toHaveCount(1);
  await expect(async () => {
    const o = await box(outline);
    const n = await box(node(olive.page, 'second'));
    // A ring just outside the step's box.
    expect(o.x).toBeLessThanOrEqual(n.x);
    expect(o.y).toBeLessThanOrEqual(n.y);
    expect(o.x + o.width).toBeGreaterThanOrEqual(n.x + n.width);
    expect(o.y + o.height).toBeGreaterThanOrEqual(n.y + n.height);
    expect(o.width - n.width).toBeLessThan(12);
  }).toPass();
  await expect(outline).toContainText(NAMES.editor);
  // In the YAML pane: exactly the lines of `second` (its five), in Eddie's colour.
  await expect(marked).toHaveCount(5);
  await expect(marked.first()).toHaveText('    - name: second');
  await expect(marked.first()).toHaveAttribute('title', `Selected by ${NAMES.editor}`);

  // Another step: the marks move with it.
  await node(page, 'first').click();
  await expect(marked.first()).toHaveText('    - name: first');
  await expect(marked).toHaveCount(5);
  await expect(async () => {
    const o = await box(outline);
    const n = await box(node(olive.page, 'first'));
    expect(Math.abs(o.y + 4 - n.y)).toBeLessThan(3);
  }).toPass();

  // Nothing selected: nothing marked.
  await page.locator('.react-flow__pane').click({ position: { x: 40, y: 40 } });
  await expect(outline).toHaveCount(0);
  await expect(marked).toHaveCount(0);
  await olive.ctx.close();
});

test('following: our view tracks theirs; they see it and can stop it; our own pan stops it too', async ({ browser, page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await openEditor(page, id);
  const olive = await join(browser, 'owner', id);
  const near = async (a: Page, b: Page) => {
    const [va, vb] = [await viewCentre(a), await viewCentre(b)];
    expect(Math.abs(va.zoom - vb.zoom)).toBeLessThan(0.01);
    expect(Math.abs(va.cx - vb.cx)).toBeLessThan(2);
    expect(Math.abs(va.cy - vb.cy)).toBeLessThan(2);
  };

  // Olive follows Eddie.
  await avatar(olive.page, NAMES.editor).click();
  await expect(avatar(olive.page, NAMES.editor)).toHaveAttribute('aria-pressed', 'true');
  await expect(olive.page.getByTestId('following')).toHaveText(/Following Eddie Editor/);
  await expect(page.getByTestId('followers')).toHaveText(/Olive Owner is following you/);
  await wheelOnCanvas(page, -300);
  await expect.poll(async () => (await viewCentre(page)).zoom).toBeGreaterThan(1.05);
  await expect(() => near(page, olive.page)).toPass();
  await wheelOnCanvas(page, 500);
  await expect(() => near(page, olive.page)).toPass();

  // Eddie stops it: Olive is told, and no longer follows.
  await page.getByTestId('followers').getByRole('button', { name: 'Stop' }).click();
  await expect(olive.page.getByTestId('following')).toHaveCount(0);
  await expect(olive.page.getByTestId('follow-notice')).toHaveText('Eddie Editor stopped your following.');
  await expect(page.getByTestId('followers')).toHaveCount(0);
  const before = await viewCentre(olive.page);
  await wheelOnCanvas(page, -400);
  await expect.poll(async () => (await viewCentre(page)).zoom).toBeGreaterThan(before.zoom * 1.1);
  expect(await viewCentre(olive.page)).toEqual(before);

  // Following again works; Olive's own zoom stops it.
  await avatar(olive.page, NAMES.editor).click();
  await expect(() => near(page, olive.page)).toPass();
  await expect(page.getByTestId('followers')).toBeVisible();
  await wheelOnCanvas(olive.page, 300);
  await expect(olive.page.getByTestId('following')).toHaveCount(0);
  await expect(avatar(olive.page, NAMES.editor)).toHaveAttribute('aria-pressed', 'false');
  await expect(page.getByTestId('followers')).toHaveCount(0);
  await olive.ctx.close();
});

test('two users editing different fields of one step at once: both edits survive, and undo takes back only one’s own', async ({ browser, page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await openEditor(page, id);
  const olive = await join(browser, 'owner', id);
  await node(page, 'second').click();
  await node(olive.page, 'second').click();
  const content = page.locator('.pf-panel [data-field="prompt[0].content"] textarea');
  const name = olive.page.locator('.pf-panel [data-field="name"] input');
  await expect(content).toHaveValue('review this');
  await expect(name).toHaveValue('second');

  // Both type at once; Olive's network is down meanwhile, so neither edit can have seen the other (concurrent
  // for the CRDT, whatever the timing).
  await olive.ctx.setOffline(true);
  await expect(olive.page.locator('.sync-status')).toHaveAttribute('data-state', 'offline');
  await Promise.all([content.fill('review it twice'), name.fill('reviewer')]);
  await expect.poll(() => exportedYaml(page.request, id)).toBe(YAML.replace('content: review this', 'content: review it twice'));
  await olive.ctx.setOffline(false);
  const both = YAML.replace('name: second', 'name: reviewer').replace('content: review this', 'content: review it twice');
  await expect.poll(() => exportedYaml(page.request, id)).toBe(both);
  // Each sees the other's edit.
  await expect(page.locator('.pf-panel [data-field="name"] input')).toHaveValue('reviewer');
  await expect(olive.page.locator('.pf-panel [data-field="prompt[0].content"] textarea')).toHaveValue('review it twice');

  // Eddie's undo takes back his content edit, not Olive's name.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press('Control+z');
  await expect.poll(() => exportedYaml(page.request, id)).toBe(YAML.replace('name: second', 'name: reviewer'));
  await olive.ctx.close();
});
