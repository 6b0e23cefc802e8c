// The editor's first model comes from the steps tree the server puts into the welcome (hello flag `tree`,
// docs/protocol.md) instead of being read out of the replica: that tree must be exactly what the replica
// itself reads, for nested loops, inline child pipelines, odd values and unicode, or the canvas would show
// something else than the document holds. Then an edit goes on from the replica as usual.
import { createPipeline, expect, openEditor, test } from './support/fixtures';

const YAML = `workflow:
  name: first_model
  steps:
    - name: plan
      type: claude
      prompt:
        - type: static
          content: "Sé breve — 三 points ✓"
    - name: per_file
      type: for_loop
      iterator: f
      data_source: files
      steps:
        - name: read
          type: gemini
          max_tokens: 1024
          temperature: 0.25
          enabled: true
          extra: null
          prompt:
            - type: previous_response
              step: plan
        - name: inner
          type: while_loop
          condition: "x < 3"
          steps:
            - name: deep
              type: claude
              prompt:
                - type: static
                  content: deep
    - name: child
      type: pipeline
      pipeline:
        name: nested
        steps:
          - name: nested_step
            type: gemini
            prompt:
              - type: static
                content: nested
    - name: last
      type: gemini
      prompt:
        - type: previous_response
          step: per_file
`;

test("the first model is read from the welcome's tree, which equals the replica's own", async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await openEditor(page, id);
  await expect(page.getByTestId('step-count')).toHaveText('8 steps');
  // The open used the server's tree (the early socket asks for it with an empty version).
  expect(await page.evaluate(() => (window as unknown as { __pe: { conn: { serverTreesUsed: number } } }).__pe.conn.serverTreesUsed)).toBeGreaterThan(0);

  // A fresh socket asking the same: the tree it gets, against what a replica of that welcome reads itself.
  const compared = await page.evaluate(async (pipeline) => {
    type Doc = { import(b: Uint8Array): void; getTree(n: string): { toJSON(): unknown } };
    const pe = (window as unknown as { __pe: { doc: { constructor: new () => Doc } } }).__pe;
    const canonical = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(canonical)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]))
          : v;
    const ws = new WebSocket(`ws://${location.host}/api/pipelines/${pipeline}/sync`);
    ws.binaryType = 'arraybuffer';
    const welcome = await new Promise<ArrayBuffer>((resolve, reject) => {
      ws.onopen = () => ws.send(new Uint8Array([0x01, 0x05]));
      ws.onmessage = (e) => {
        if (e.data instanceof ArrayBuffer && new Uint8Array(e.data)[0] === 0x81) resolve(e.data);
      };
      ws.onerror = () => reject(new Error('socket failed'));
    });
    ws.close();
    const view = new DataView(welcome);
    const infoLen = view.getUint32(1);
    const info = JSON.parse(new TextDecoder().decode(new Uint8Array(welcome, 5, infoLen)));
    const vvLen = view.getUint32(5 + infoLen);
    const doc = new pe.doc.constructor();
    doc.import(new Uint8Array(welcome, 9 + infoLen + vvLen));
    const own = doc.getTree('steps').toJSON();
    return { sent: JSON.stringify(canonical(info.tree)), own: JSON.stringify(canonical(own)), hasTree: Array.isArray(info.tree) };
  }, id);
  expect(compared.hasTree).toBe(true);
  expect(compared.sent).toContain('三 points');
  expect(compared.sent).toBe(compared.own);

  // Editing goes on from the replica: a renamed step shows, and the model is read from the document again.
  await page.locator('.react-flow__node').filter({ has: page.getByText('last', { exact: true }) }).click();
  const name = page.locator('.pf-panel [data-field="name"] input');
  await name.fill('final');
  await name.press('Enter');
  await expect(page.locator('.react-flow__node').filter({ has: page.getByText('final', { exact: true }) })).toHaveCount(1);
});

test('a large pipeline’s first welcome comes compressed (hello flag deflate) and opens the same', async ({ page, csrf }) => {
  const lines = ['workflow:', '  name: large_first', '  steps:'];
  for (let i = 0; i < 300; i++) lines.push(`    - name: s_${i}`, '      type: claude', '      prompt:', '        - type: static', `          content: "Step ${i} of a long pipeline"`);
  const id = await createPipeline(page.request, csrf, lines.join('\n') + '\n');
  // The first byte of every binary message the server sends, seen on the way (the socket is passed through).
  const kinds: number[] = [];
  let url = '';
  await page.routeWebSocket(/\/sync(\?|$)/, (ws) => {
    url = ws.url();
    const server = ws.connectToServer();
    ws.onMessage((m) => server.send(m));
    server.onMessage((m) => {
      if (typeof m !== 'string') kinds.push(m[0]);
      ws.send(m);
    });
  });
  await openEditor(page, id);
  await expect(page.getByTestId('step-count')).toHaveText('300 steps');
  expect(url).toMatch(/[?&]hello=\d+/);
  expect(kinds[0]).toBe(0x85);
  expect(await page.evaluate(() => (window as unknown as { __pe: { conn: { serverTreesUsed: number } } }).__pe.conn.serverTreesUsed)).toBeGreaterThan(0);
  // And the document is the server's: an edit goes through and comes back in the export.
  await page.locator('.react-flow__node').filter({ has: page.getByText('s_0', { exact: true }) }).click();
  await page.locator('.pf-panel [data-field="name"] input').fill('renamed_first');
  await expect.poll(async () => (await page.request.get(`/api/pipelines/${id}/yaml`)).text()).toContain('name: renamed_first');

  // Without the route in between, the welcome is in before the editor takes the socket: inflated there.
  const direct = await page.context().newPage();
  await openEditor(direct, id);
  await expect(direct.getByTestId('step-count')).toHaveText('300 steps');
  await expect(direct.locator('.react-flow__node').filter({ hasText: 'renamed_first' })).toHaveCount(1);
  await direct.close();
});

test('a compressed welcome that does not inflate closes the early socket; the editor opens with a socket of its own', async ({ page, csrf }) => {
  const lines = ['workflow:', '  name: large_bad', '  steps:'];
  for (let i = 0; i < 300; i++) lines.push(`    - name: s_${i}`, '      type: claude', '      prompt:', '        - type: static', `          content: "Step ${i} of a long pipeline"`);
  const id = await createPipeline(page.request, csrf, lines.join('\n') + '\n');
  const urls: string[] = [];
  await page.routeWebSocket(/\/sync(\?|$)/, (ws) => {
    urls.push(ws.url());
    const server = ws.connectToServer();
    ws.onMessage((m) => server.send(m));
    // The compressed welcome, broken on the way.
    server.onMessage((m) => ws.send(typeof m !== 'string' && m[0] === 0x85 ? Buffer.from([0x85, 0xff, 0x00]) : m));
  });
  await openEditor(page, id);
  await expect(page.getByTestId('step-count')).toHaveText('300 steps');
  await expect(page.locator('.sync-status')).toHaveAttribute('data-state', 'synced');
  expect(urls.length).toBe(2);
  expect(urls[0]).toMatch(/[?&]hello=/);
  expect(urls[1]).not.toMatch(/[?&]hello=/);
});
