// The canvas against the real server: containers, data edges, connecting and disconnecting steps, drops
// from the step library, stored positions, multi-select, read-only. The server's exported YAML is the judge.
import { parse } from 'yaml';
import type { Locator, Page } from '@playwright/test';
import { USERS, createPipeline, expect, exportedYaml, openEditor, signIn, test } from './support/fixtures';

const LOOP = `workflow:
  name: canvas loop
  steps:
    - name: fetch
      type: gemini
      prompt:
        - type: static
          content: list the files to review
    - name: each
      type: for_loop
      iterator: file
      data_source: "fetch:files"
      steps:
        - name: review
          type: claude
          prompt:
            - type: static
              content: review it
        - name: fix
          type: claude
          prompt:
            - type: previous_response
              step: review
    - name: report
      type: gemini
      prompt:
        - type: previous_response
          step: fetch
`;

const THREE = `workflow:
  name: canvas three
  steps:
    - name: a
      type: gemini
      prompt:
        - type: static
          content: first
    - name: b
      type: gemini
      prompt:
        - type: static
          content: second
    - name: c
      type: claude
      prompt:
        - type: static
          content: third
`;

const node = (page: Page, name: string, type: string) => page.locator(`.react-flow__node[aria-label="Step ${name} (${type})"]`);
const handle = (n: Locator, id: string) => n.locator(`.react-flow__handle[data-handleid="${id}"]`).first();

type Step = { name: string; prompt?: unknown[]; steps?: Step[] };
const stepsOf = (yaml: string): Step[] => (parse(yaml) as { workflow: { steps: Step[] } }).workflow.steps;

async function centre(l: Locator) {
  const b = await l.boundingBox();
  if (!b) throw new Error('not visible');
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}

async function drag(page: Page, from: Locator, to: Locator | { x: number; y: number }) {
  const a = await centre(from);
  const b = 'x' in to ? to : await centre(to);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(a.x + (b.x - a.x) / 2, a.y + (b.y - a.y) / 2, { steps: 8 });
  await page.mouse.move(b.x, b.y, { steps: 8 });
  await page.mouse.up();
}

/** Waits until every local change has been acknowledged by the server. */
async function settled(page: Page) {
  await expect.poll(() => page.evaluate(() => (window as unknown as { __pe: { conn: { pending: number } } }).__pe.conn.pending)).toBe(0);
}

/** The middle of an edge's curve, in page coordinates (clicking there selects the edge). */
async function edgeMiddle(edge: Locator) {
  return edge.locator('path.pc-data-edge').evaluate((el) => {
    const path = el as SVGPathElement;
    const p = path.getPointAtLength(path.getTotalLength() / 2);
    const m = path.getScreenCTM()!;
    return { x: p.x * m.a + m.e, y: p.y * m.d + m.f };
  });
}

async function dropType(page: Page, type: string, at: { x: number; y: number }) {
  const dt = await page.evaluateHandle((t) => {
    const d = new DataTransfer();
    d.setData('application/x-pipeline-step', t);
    return d;
  }, type);
  const init = { dataTransfer: dt, clientX: at.x, clientY: at.y, bubbles: true, cancelable: true };
  await page.dispatchEvent('.react-flow__pane', 'dragover', init);
  await page.dispatchEvent('.react-flow__pane', 'drop', init);
}

test('a loop is a container holding its body, with a node per step', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, LOOP);
  await openEditor(page, id);
  await expect(page.locator('.react-flow__node')).toHaveCount(5);
  const loop = node(page, 'each', 'for_loop');
  await expect(loop).toHaveClass(/react-flow__node-container/);
  await expect(page.locator('.react-flow__node-container')).toHaveCount(1);
  const outer = (await loop.boundingBox())!;
  for (const [name, type] of [['review', 'claude'], ['fix', 'claude']]) {
    const b = (await node(page, name, type).boundingBox())!;
    expect(b.x).toBeGreaterThan(outer.x);
    expect(b.y).toBeGreaterThan(outer.y);
    expect(b.x + b.width).toBeLessThan(outer.x + outer.width);
    expect(b.y + b.height).toBeLessThan(outer.y + outer.height);
  }
  // Execution order, top to bottom.
  const ys = await Promise.all(
    [node(page, 'fetch', 'gemini'), loop, node(page, 'report', 'gemini')].map(async (l) => (await l.boundingBox())!.y),
  );
  expect([...ys].sort((p, q) => p - q)).toEqual(ys);
  await expect(node(page, 'fetch', 'gemini')).toContainText('list the files to review');
});

test('references are drawn as data edges', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, LOOP);
  await openEditor(page, id);
  await expect(page.locator('.react-flow__edge[aria-label="report reads fetch (prompt)"]')).toHaveCount(1);
  await expect(page.locator('.react-flow__edge[aria-label="fix reads review (prompt)"]')).toHaveCount(1);
  await expect(page.locator('.react-flow__edge[aria-label="each reads fetch (data_source)"]')).toHaveCount(1);
  await expect(page.locator('.pc-data-edge')).toHaveCount(3);
});

test('connecting two steps adds a previous_response item; deleting the edge removes it', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, THREE);
  await openEditor(page, id);
  const a = node(page, 'a', 'gemini');
  const c = node(page, 'c', 'claude');
  await drag(page, handle(a, 'out'), handle(c, 'in'));
  await expect.poll(async () => stepsOf(await exportedYaml(page.request, id))[2].prompt).toEqual([
    { type: 'static', content: 'third' },
    { type: 'previous_response', step: 'a' },
  ]);
  const edge = page.locator('.react-flow__edge[aria-label="c reads a (prompt)"]');
  await expect(edge).toHaveCount(1);

  // Select the edge and press Delete.
  let middle = await edgeMiddle(edge);
  await page.mouse.click(middle.x, middle.y);
  await expect(edge).toHaveClass(/selected/);
  await page.keyboard.press('Delete');
  await expect.poll(() => exportedYaml(page.request, id)).toBe(THREE);
  await expect(edge).toHaveCount(0);

  // Again, removed with the edge's × button this time.
  await drag(page, handle(a, 'ref-out'), c);
  await expect(edge).toHaveCount(1);
  middle = await edgeMiddle(edge);
  await page.mouse.click(middle.x, middle.y);
  await page.getByRole('button', { name: 'Remove reference from c to a' }).click();
  await expect.poll(() => exportedYaml(page.request, id)).toBe(THREE);
});

test('connecting a step to an earlier one is refused with the reason', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, THREE);
  await openEditor(page, id);
  await drag(page, handle(node(page, 'c', 'claude'), 'out'), handle(node(page, 'a', 'gemini'), 'in'));
  await expect(page.getByRole('alert')).toContainText('“a” runs before “c”');
  await settled(page);
  expect(await exportedYaml(page.request, id)).toBe(THREE);
  await expect(page.locator('.pc-data-edge')).toHaveCount(0);
});

test('dropping a library step inserts it where it was dropped; loops refuse steps they cannot run', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, LOOP);
  await openEditor(page, id);
  // Below the last step: appended at the top level.
  const report = (await node(page, 'report', 'gemini').boundingBox())!;
  await dropType(page, 'claude', { x: report.x + report.width / 2, y: report.y + report.height + 60 });
  await expect.poll(async () => stepsOf(await exportedYaml(page.request, id)).map((s) => s.name)).toEqual(['fetch', 'each', 'report', 'claude']);
  await expect(node(page, 'claude', 'claude')).toHaveClass(/selected/);

  // Into the loop's body, below `fix`.
  const fix = (await node(page, 'fix', 'claude').boundingBox())!;
  await dropType(page, 'gemini', { x: fix.x + fix.width / 2, y: fix.y + fix.height + 8 });
  await expect.poll(async () => stepsOf(await exportedYaml(page.request, id))[1].steps!.map((s) => s.name)).toEqual(['review', 'fix', 'gemini']);

  // A type a loop cannot run is refused.
  const review = (await node(page, 'review', 'claude').boundingBox())!;
  await dropType(page, 'file_ops', { x: review.x + review.width / 2, y: review.y - 10 });
  await expect(page.getByRole('alert')).toContainText('cannot run inside a loop');
  await settled(page);
  expect(stepsOf(await exportedYaml(page.request, id))[1].steps!.map((s) => s.name)).toEqual(['review', 'fix', 'gemini']);
});

test('a moved node keeps its position after a reload', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, THREE);
  await openEditor(page, id);
  const b = node(page, 'b', 'gemini');
  const before = (await b.boundingBox())!;
  await drag(page, b.locator('.pc-name'), { x: before.x + before.width / 2 + 180, y: before.y + before.height / 2 + 20 });
  const moved = (await b.boundingBox())!;
  expect(moved.x - before.x).toBeGreaterThan(100);
  const transform = await b.evaluate((el) => (el as HTMLElement).style.transform);
  await settled(page);
  await page.reload();
  await expect(page.locator('.editor[data-loaded="true"]')).toBeVisible();
  await expect(b).toBeVisible();
  await expect.poll(() => b.evaluate((el) => (el as HTMLElement).style.transform)).toBe(transform);
  // The others stay where auto-layout put them: b is now to the right of a.
  const a = (await node(page, 'a', 'gemini').boundingBox())!;
  expect((await b.boundingBox())!.x).toBeGreaterThan(a.x + 60);
  // Tidy up forgets it.
  await page.getByRole('button', { name: 'Tidy up' }).click();
  await expect.poll(() => b.evaluate((el) => (el as HTMLElement).style.transform)).not.toBe(transform);
});

test('shift-click selects several steps', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, THREE);
  await openEditor(page, id);
  await node(page, 'a', 'gemini').locator('.pc-name').click();
  await node(page, 'c', 'claude').locator('.pc-name').click({ modifiers: ['Shift'] });
  await expect(page.locator('.react-flow__node.selected')).toHaveCount(2);
  await expect(node(page, 'a', 'gemini')).toHaveClass(/selected/);
  await expect(node(page, 'c', 'claude')).toHaveClass(/selected/);
});

test('a pipeline step links to the team pipeline of its pipeline_file, or flags it missing', async ({ page, csrf }) => {
  const file = `child-${Date.now()}.yaml`;
  const child = await createPipeline(page.request, csrf, 'workflow:\n  name: child\n  steps:\n    - name: only\n      type: gemini\n      prompt:\n        - type: static\n          content: hi\n', file);
  const parent = `workflow:
  name: parent
  steps:
    - name: run_child
      type: pipeline
      pipeline_file: ./pipelines/${file}
    - name: run_other
      type: pipeline
      pipeline_file: ./pipelines/not-there-${file}
`;
  const id = await createPipeline(page.request, csrf, parent);
  await openEditor(page, id);
  await expect(node(page, 'run_other', 'pipeline')).toContainText(`missing: not-there-${file}`);
  await node(page, 'run_child', 'pipeline').getByRole('link', { name: `Open ${file}` }).click();
  await expect(page).toHaveURL(new RegExp(`/p/${child}$`));
  await expect(node(page, 'only', 'gemini')).toBeVisible();
});

test.describe('as a viewer', () => {
  test.use({ user: 'viewer' });
  test('nothing can be dragged, connected or dropped', async ({ page, csrf, playwright }) => {
    expect(csrf).toBeTruthy(); // the page is signed in as the viewer
    const api = await playwright.request.newContext();
    const id = await createPipeline(api, await signIn(api, USERS.editor), THREE);
    await api.dispose();
    await openEditor(page, id);
    const a = node(page, 'a', 'gemini');
    const b = node(page, 'b', 'gemini');
    await expect(a).toBeVisible();
    // Dragging a node only pans the view: a stays where it was relative to b.
    const offset = async () => (await a.boundingBox())!.x - (await b.boundingBox())!.x;
    const before = await offset();
    await drag(page, a.locator('.pc-name'), { x: (await centre(a)).x + 80, y: (await centre(a)).y + 10 });
    expect(await offset()).toBe(before);
    expect(await page.evaluate(() => (window as unknown as { __pe: { doc: { getMap(n: string): { size: number } } } }).__pe.doc.getMap('layout').size)).toBe(0);
    await dropType(page, 'claude', await centre(page.locator('.react-flow__pane')));
    await expect(page.locator('.react-flow__node')).toHaveCount(3);
    await expect(page.locator('.react-flow__handle').first()).toBeHidden();
    await expect(page.getByRole('button', { name: 'Tidy up' })).toHaveCount(0);
  });
});

test('the minimap shows every step and moves the view to where it is pressed', async ({ page, csrf }) => {
  const steps = Array.from({ length: 30 }, (_, i) => `    - name: s${i}\n      type: gemini\n      prompt:\n        - type: static\n          content: step ${i}\n`);
  const id = await createPipeline(page.request, csrf, `workflow:\n  name: tall\n  steps:\n${steps.join('')}`);
  await openEditor(page, id);
  const map = page.getByRole('img', { name: 'Mini map' });
  await expect(map).toHaveAttribute('data-steps', '30');
  const last = node(page, 's29', 'gemini');
  await expect(last).not.toBeInViewport();
  const box = (await map.boundingBox())!;
  // The steps are a column in the middle of the minimap; its bottom edge is the last step.
  await page.mouse.click(box.x + box.width / 2, box.y + box.height - 5);
  await expect(last).toBeInViewport();
  await expect(node(page, 's0', 'gemini')).not.toBeInViewport();
});

test('a large pipeline: React Flow holds only the steps near the view, and every step is still reached', async ({ page, csrf }) => {
  // 300 steps (the canvas windows from 200); the last reads the first, so one data edge spans the column.
  const steps = Array.from({ length: 300 }, (_, i) => {
    const ref = i === 299 ? `        - type: previous_response\n          step: s0\n` : '';
    return `    - name: s${i}\n      type: gemini\n      prompt:\n        - type: static\n          content: step ${i}\n${ref}`;
  });
  const id = await createPipeline(page.request, csrf, `workflow:\n  name: large\n  steps:\n${steps.join('')}`);
  await openEditor(page, id);
  await expect(page.getByTestId('step-count')).toHaveText('300 steps');
  const canvas = page.locator('.pc-canvas');
  const held = async () => Number(await canvas.getAttribute('data-held'));
  await expect.poll(held).toBeGreaterThan(0);
  expect(await held()).toBeLessThan(100);

  const map = page.getByRole('img', { name: 'Mini map' });
  const box = (await map.boundingBox())!;
  const first = node(page, 's0', 'gemini');
  const last = node(page, 's299', 'gemini');
  await expect(first).toBeInViewport();

  // The middle of the pipeline: neither end is near, but the edge between them passes through the view.
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await expect(node(page, 's150', 'gemini')).toBeInViewport();
  await expect(first).toHaveCount(0);
  await expect(last).toHaveCount(0);
  await expect(page.locator('.react-flow__edge[aria-label="s299 reads s0 (prompt)"]')).toHaveCount(1);
  expect(await held()).toBeLessThan(100);

  // A selection far from the view moves with a drag: s0 selected at the top, s299 shift-clicked at the bottom.
  await page.mouse.click(box.x + box.width / 2, box.y + 3);
  await first.locator('.pc-name').click();
  const firstBefore = await first.evaluate((el) => (el as HTMLElement).style.transform);
  await page.mouse.click(box.x + box.width / 2, box.y + box.height - 3);
  await expect(last).toBeInViewport();
  await last.locator('.pc-name').click({ modifiers: ['Shift'] });
  const lastBox = (await last.boundingBox())!;
  await drag(page, last.locator('.pc-name'), { x: lastBox.x + lastBox.width / 2 + 160, y: lastBox.y + lastBox.height / 2 });
  await settled(page);
  await page.mouse.click(box.x + box.width / 2, box.y + 3);
  await expect(first).toBeInViewport();
  await expect.poll(() => first.evaluate((el) => (el as HTMLElement).style.transform)).not.toBe(firstBefore);

  // Fit zooms out as far as it takes for the whole pipeline (React Flow's own fit would see only the window,
  // and stay near zoom 1); so many steps are near the zoomed-out view that the window holds most of them.
  const scale = () => page.locator('.react-flow__viewport').evaluate((el) => new DOMMatrixReadOnly(getComputedStyle(el).transform).a);
  await page.getByRole('button', { name: 'Fit View' }).click();
  await expect.poll(scale).toBeLessThan(0.2);
  await expect.poll(held).toBeGreaterThan(200);
});
