// Roles in the editor: a viewer can change nothing in any panel (canvas, step library, properties, YAML,
// shortcuts), and what a viewer forces from the browser's console (an edit of the replica sent over the sync
// socket, the HTTP API called with the viewer's own CSRF token) is refused by the server: the exported YAML is
// the judge.
import type { Page } from '@playwright/test';
import { USERS, createPipeline, expect, exportedYaml, openEditor, serverUrl, signIn, test } from './support/fixtures';

const YAML = `workflow:
  name: roles
  steps:
    - name: draft
      type: gemini
      prompt:
        - type: static
          content: write a draft
    - name: review
      type: claude
      prompt:
        - type: previous_response
          step: draft
`;

type Pe = {
  __pe: {
    doc: {
      peerIdStr: string;
      oplogVersion(): { get(peer: string): number | undefined };
      getMap(name: string): { size: number; get(k: string): { get(k: string): { set(k: string, v: unknown): void } } };
      export(o: { mode: 'update' }): Uint8Array;
      commit(): void;
    };
    conn: { pending: number; ws: WebSocket };
  };
};

/** A pipeline made by the editor (same team as the viewer), in a session of its own. */
async function pipelineByEditor(playwright: { request: { newContext(): Promise<import('@playwright/test').APIRequestContext> } }) {
  const api = await playwright.request.newContext();
  const id = await createPipeline(api, await signIn(api, USERS.editor), YAML);
  await api.dispose();
  return id;
}

async function openSplit(page: Page, id: string) {
  await page.addInitScript(() => localStorage.setItem('pe.view', 'split'));
  await openEditor(page, id);
  await expect(page.locator('.yaml-area .cm-content')).toContainText('name: roles');
}

/** Operations this replica made itself (none for a viewer who could change nothing). */
const ownOps = (page: Page) =>
  page.evaluate(() => {
    const { doc } = (window as unknown as Pe).__pe;
    return doc.oplogVersion().get(doc.peerIdStr) ?? 0;
  });

test.describe('as a viewer', () => {
  test.use({ user: 'viewer' });

  test('nothing can be changed in any panel', async ({ page, csrf, playwright }) => {
    expect(csrf).toBeTruthy(); // the page is signed in as the viewer
    const id = await pipelineByEditor(playwright);
    await openSplit(page, id);

    // A clear badge says why.
    await expect(page.locator('.editor-bar .badge.readonly')).toHaveText('Read-only');

    // Step library: nothing to drag or add, and Enter adds nothing.
    const gemini = page.locator('.lib-item[data-type="gemini"]');
    await expect(gemini).toHaveAttribute('draggable', 'false');
    await expect(page.locator('.lib-add')).toHaveCount(0);
    await gemini.focus();
    await page.keyboard.press('Enter');

    // Canvas: nodes cannot be dragged or connected; a drop from elsewhere adds nothing; no tidy up.
    const nodes = page.locator('.react-flow__node');
    await expect(nodes).toHaveCount(2);
    await expect(page.locator('.react-flow__node.draggable')).toHaveCount(0);
    await expect(page.locator('.react-flow__handle.connectable')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Tidy up' })).toHaveCount(0);
    const draft = nodes.filter({ hasText: 'draft' }).first();
    const box = (await draft.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 120, box.y + box.height / 2 + 60, { steps: 8 });
    await page.mouse.up();
    const pane = (await page.locator('.react-flow__pane').boundingBox())!;
    const dt = await page.evaluateHandle(() => {
      const d = new DataTransfer();
      d.setData('application/x-pipeline-step', 'claude');
      return d;
    });
    const at = { dataTransfer: dt, clientX: pane.x + pane.width / 2, clientY: pane.y + pane.height - 40, bubbles: true, cancelable: true };
    await page.dispatchEvent('.react-flow__pane', 'dragover', at);
    await page.dispatchEvent('.react-flow__pane', 'drop', at);
    await expect(nodes).toHaveCount(2);

    // Shortcuts that edit do nothing: delete, duplicate, paste; undo and redo are disabled.
    await draft.click();
    await expect(page.locator('.pf-head h2')).toHaveText('draft');
    for (const key of ['Delete', 'Control+d', 'Control+x', 'ArrowRight', 'Shift+ArrowDown']) await page.keyboard.press(key);
    await expect(nodes).toHaveCount(2);
    await draft.click(); // the arrow keys moved the selection
    await expect(page.getByRole('button', { name: 'Undo' })).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Redo' })).toBeDisabled();

    // Properties: every field read-only or disabled, no buttons (remove, move, add), and typing changes nothing.
    const panel = page.locator('.pf-panel');
    await expect(panel.locator('input:not([readonly]):not([disabled])')).toHaveCount(0);
    await expect(panel.locator('textarea:not([readonly]):not([disabled])')).toHaveCount(0);
    await expect(panel.locator('select:not([disabled])')).toHaveCount(0);
    await expect(panel.locator('button')).toHaveCount(0);
    const name = panel.locator('[data-field="name"] input');
    await name.click();
    await page.keyboard.type('zzz');
    await expect(name).toHaveValue('draft');

    // YAML: CodeMirror is read-only, typing changes nothing.
    const cm = page.locator('.yaml-area .cm-content');
    await expect(cm).toHaveAttribute('contenteditable', 'false');
    await cm.click();
    await page.keyboard.type('oops: true\n');
    await expect(cm).not.toContainText('oops');
    await expect(page.locator('.yaml-area')).toContainText('Read-only');

    // The replica made no operation of its own, and the server has the pipeline as it was.
    expect(await ownOps(page)).toBe(0);
    expect(await page.evaluate(() => (window as unknown as Pe).__pe.doc.getMap('layout').size)).toBe(0);
    expect(await exportedYaml(page.request, id)).toBe(YAML);
  });

  test('edits forced from the console are refused by the server', async ({ page, csrf, playwright, browser }) => {
    const id = await pipelineByEditor(playwright);
    await openSplit(page, id);
    // An editor watches the same pipeline: nothing the viewer forces may reach them.
    const editorCtx = await browser.newContext({ baseURL: serverUrl() });
    const editor = await editorCtx.newPage();
    await signIn(editor.request, USERS.editor);
    await openEditor(editor, id);

    // 1. Edit the Loro replica and commit: the client keeps it to itself (it knows it is read-only)...
    await page.evaluate(() => {
      const { doc } = (window as unknown as Pe).__pe;
      // The layout of crates/pipeline-doc: map `data`, its `root` map, the file's `workflow` mapping.
      doc.getMap('data').get('root').get('workflow').set('name', 'forced by a viewer');
      doc.commit();
    });
    expect(await ownOps(page)).toBeGreaterThan(0);
    await expect(page.locator('.pipeline-name')).toHaveText('forced by a viewer'); // only here, for now
    await expect.poll(() => page.evaluate(() => (window as unknown as Pe).__pe.conn.pending)).toBeGreaterThan(0);

    // ...so send it anyway, as an `update` frame of docs/protocol.md on the open socket: the server answers
    // `read_only` with the frame's sequence number and keeps the connection.
    const answer = await page.evaluate(async () => {
      const { doc, conn } = (window as unknown as Pe).__pe;
      const ws = conn.ws;
      const bytes = doc.export({ mode: 'update' });
      const frame = new Uint8Array(5 + bytes.length);
      frame[0] = 0x02;
      new DataView(frame.buffer).setUint32(1, 4242);
      frame.set(bytes, 5);
      const reply = new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no answer from the server')), 10_000);
        ws.addEventListener('message', (ev) => {
          if (typeof ev.data !== 'string') return;
          const m = JSON.parse(ev.data);
          if (m.type === 'error') {
            clearTimeout(timer);
            resolve(m);
          }
        });
      });
      ws.send(frame);
      const m = await reply;
      return { message: m, open: ws.readyState === WebSocket.OPEN };
    });
    expect(answer.message).toMatchObject({ type: 'error', code: 'read_only', seq: 4242 });
    expect(answer.open).toBe(true);

    // 2. A WebSocket of its own, speaking the protocol from scratch: refused the same way.
    const own = await page.evaluate(async (pipeline) => {
      const { doc } = (window as unknown as Pe).__pe;
      const ws = new WebSocket(`ws://${location.host}/api/pipelines/${pipeline}/sync`);
      ws.binaryType = 'arraybuffer';
      const frames: unknown[] = [];
      return new Promise<{ role: string; error: unknown }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer: ${JSON.stringify(frames)}`)), 10_000);
        let role = '';
        ws.onopen = () => ws.send(new Uint8Array([0x01, 0x00]));
        ws.onmessage = (ev) => {
          if (typeof ev.data === 'string') {
            const m = JSON.parse(ev.data);
            frames.push(m);
            if (m.type === 'error') {
              clearTimeout(timer);
              ws.close();
              resolve({ role, error: m });
            }
            return;
          }
          const b = new Uint8Array(ev.data as ArrayBuffer);
          if (b[0] !== 0x81) return; // only the welcome matters here
          const len = new DataView(b.buffer).getUint32(1);
          role = JSON.parse(new TextDecoder().decode(b.subarray(5, 5 + len))).role;
          const bytes = doc.export({ mode: 'update' });
          const frame = new Uint8Array(5 + bytes.length);
          frame[0] = 0x02;
          new DataView(frame.buffer).setUint32(1, 1);
          frame.set(bytes, 5);
          ws.send(frame);
        };
      });
    }, id);
    expect(own.role).toBe('read_only');
    expect(own.error).toMatchObject({ type: 'error', code: 'read_only', seq: 1 });

    // 3. The HTTP API with the viewer's own session and CSRF token, as a console `fetch` would.
    const statuses = await page.evaluate(
      async ({ pipeline, token }) => {
        const call = async (method: string, path: string, body: string, type: string) => {
          const r = await fetch(path, { method, body, headers: { 'content-type': type, 'x-csrf-token': token } });
          return { status: r.status, code: ((await r.json()) as { error?: { code: string } }).error?.code };
        };
        return {
          yaml: await call('PUT', `/api/pipelines/${pipeline}/yaml`, 'workflow:\n  name: forced by a viewer\n  steps: []\n', 'application/yaml'),
          version: await call('POST', `/api/pipelines/${pipeline}/versions`, '{"message":"forced"}', 'application/json'),
          remove: await call('DELETE', `/api/pipelines/${pipeline}`, '', 'application/json'),
        };
      },
      { pipeline: id, token: csrf },
    );
    expect(statuses).toEqual({
      yaml: { status: 403, code: 'forbidden' },
      version: { status: 403, code: 'forbidden' },
      remove: { status: 403, code: 'forbidden' },
    });

    // Nothing changed: the export, the editor's view, and the viewer's own page once reloaded.
    expect(await exportedYaml(page.request, id)).toBe(YAML);
    await expect(editor.locator('.yaml-area .cm-content, .pipeline-name').first()).toBeVisible();
    await expect(editor.locator('.pipeline-name')).toHaveText('roles');
    await page.reload();
    await expect(page.locator('.editor[data-loaded="true"]')).toBeVisible();
    await expect(page.locator('.pipeline-name')).toHaveText('roles');
    const versions = await page.request.get(`${serverUrl()}/api/pipelines/${id}/versions`);
    expect((await versions.json()).items).toEqual([]);
    await editorCtx.close();
  });
});
