// The properties panel against the real server: edits reach the exported YAML (and only the lines they should),
// remote changes show, enum selects, `{{` completion, diagnostics at their fields, read-only for viewers.
import { request as playwrightRequest, type Page } from '@playwright/test';
import { parse as parseYaml } from 'yaml';
import { createPipeline, expect, exportedYaml, openEditor, serverUrl, signIn, test, USERS } from './support/fixtures';

const YAML = `workflow:
  name: forms
  steps:
    - name: first
      type: gemini
      prompt:
        - type: static
          content: hello
    # the reviewer reads the draft
    - name: second
      type: claude
      prompt:
        - type: static
          content: review this
`;

async function select(page: Page, name: string) {
  // A node whose name label reads exactly `name` (a bare label, or a card with type and summary).
  const nodes = page.locator('.react-flow__node');
  await nodes.filter({ has: page.getByText(name, { exact: true }) }).or(nodes.filter({ hasText: new RegExp(`^${name}$`) })).first().click();
  await expect(page.locator('.pf-head h2')).toHaveText(name);
}

const field = (page: Page, path: string) => page.locator(`.pf-panel [data-field="${path}"]`);

/** Lines of `b` that differ from `a` (same line count assumed). */
function changedLines(a: string, b: string): string[] {
  const la = a.split('\n');
  const lb = b.split('\n');
  expect(lb.length).toBe(la.length);
  return lb.filter((l, i) => l !== la[i]);
}

test('editing the name and a static prompt changes only those lines of the YAML', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await openEditor(page, id);
  await select(page, 'second');
  const name = field(page, 'name').locator('input');
  await expect(name).toHaveValue('second');
  await name.fill('reviewer');
  const content = field(page, 'prompt[0].content').locator('textarea');
  await expect(content).toHaveValue('review this');
  await content.fill('review the draft carefully');
  await expect.poll(async () => changedLines(YAML, await exportedYaml(page.request, id))).toEqual([
    '    - name: reviewer',
    '          content: review the draft carefully',
  ]);
  // Typing keeps the cursor where it is (the field shows its own draft while focused).
  await content.press('End');
  await content.pressSequentially('!!');
  await expect(content).toHaveValue('review the draft carefully!!');
  await expect.poll(async () => exportedYaml(page.request, id)).toContain('content: review the draft carefully!!\n');
});

test('a remote change appears in the form', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await openEditor(page, id);
  await select(page, 'first');
  await expect(field(page, 'prompt[0].content').locator('textarea')).toHaveValue('hello');
  const r = await page.request.put(`${serverUrl()}/api/pipelines/${id}/yaml`, {
    headers: { 'content-type': 'application/yaml', 'x-csrf-token': csrf },
    data: YAML.replace('content: hello', 'content: hello from elsewhere').replace('type: gemini\n', 'type: gemini\n      model: gemini-2.5-pro\n'),
  });
  expect(r.status(), await r.text()).toBe(200);
  await expect(field(page, 'prompt[0].content').locator('textarea')).toHaveValue('hello from elsewhere');
  await expect(field(page, 'model').locator('input')).toHaveValue('gemini-2.5-pro');
});

test('enum fields render as selects and write the chosen value', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML.replace('    - name: first\n', '    - name: vars\n      type: set_variable\n      scope: session\n      variables:\n        topic: cats\n    - name: first\n'));
  await openEditor(page, id);
  await select(page, 'vars');
  const scope = field(page, 'scope').locator('select');
  await expect(scope).toHaveValue('session');
  await expect(scope.locator('option')).toHaveText(['global', 'session', 'loop']);
  await scope.selectOption('loop');
  await expect.poll(async () => exportedYaml(page.request, id)).toContain('      scope: loop\n');
  // The step type is a select of the catalogue's types.
  await expect(field(page, 'type').locator('select')).toHaveValue('set_variable');
  // Fields not set are offered by "Add field"; adding one writes its default.
  await select(page, 'first');
  await page.getByRole('combobox', { name: 'Add field', exact: true }).selectOption('timeout_ms');
  await expect(field(page, 'timeout_ms').locator('input')).toBeFocused();
  await page.keyboard.type('5000');
  await expect.poll(async () => exportedYaml(page.request, id)).toContain('      timeout_ms: 5000\n');
  await field(page, 'timeout_ms').getByRole('button', { name: 'Remove timeout_ms' }).click();
  await expect.poll(async () => exportedYaml(page.request, id)).not.toContain('timeout_ms');
});

test('{{ offers earlier steps and inserts the chosen one', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await openEditor(page, id);
  await select(page, 'second');
  const content = field(page, 'prompt[0].content').locator('textarea');
  await content.click();
  await content.press('End');
  await content.pressSequentially(' {{');
  const list = page.getByRole('listbox', { name: 'Template completions' });
  await expect(list.getByRole('option')).toHaveText([/steps\.first/]);
  await page.keyboard.press('Enter');
  await expect(content).toHaveValue('review this {{steps.first}}');
  await expect(list).toHaveCount(0);
  await expect.poll(async () => exportedYaml(page.request, id)).toContain('content: review this {{steps.first}}\n');
  // The first step has no earlier step to offer.
  await select(page, 'first');
  const first = field(page, 'prompt[0].content').locator('textarea');
  await first.click();
  await first.press('End');
  await first.pressSequentially(' {{');
  await expect(page.getByRole('listbox', { name: 'Template completions' })).toHaveCount(0);
});

test('prompt items: add by type, previous_response picks an earlier step, move and remove', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await openEditor(page, id);
  await select(page, 'second');
  await field(page, 'prompt').getByRole('button', { name: '+ previous response' }).click();
  const step = field(page, 'prompt[1].step').locator('select');
  await expect(step.locator('option')).toHaveText(['first']);
  const promptOf = async (i: number) => (parseYaml(await exportedYaml(page.request, id)) as { workflow: { steps: { prompt: unknown }[] } }).workflow.steps[i].prompt;
  const stat = { type: 'static', content: 'review this' };
  const prev = { type: 'previous_response', step: 'first' };
  await expect.poll(() => promptOf(1)).toEqual([stat, prev]);
  await field(page, 'prompt').getByRole('button', { name: 'Move 2. previous response up' }).click();
  await expect.poll(() => promptOf(1)).toEqual([prev, stat]);
  await field(page, 'prompt').getByRole('button', { name: 'Remove 1. previous response' }).click();
  await expect.poll(async () => exportedYaml(page.request, id)).toBe(YAML);
});

test('a diagnostic shows next to its field', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML.replace('content: review this', 'content: review this\n        - type: previous_response\n          step: missing'));
  await openEditor(page, id);
  await select(page, 'second');
  const stepField = field(page, 'prompt[1].step');
  await expect(stepField.locator('.pf-msg.error')).toContainText("references non-existent steps: missing");
  await expect(stepField.locator('select')).toHaveAttribute('aria-invalid', 'true');
  // Not repeated elsewhere in the panel.
  await expect(page.locator('.pf-panel .pf-msg', { hasText: 'non-existent steps' })).toHaveCount(1);
  // Fixing it through the form clears it.
  await stepField.locator('select').selectOption('first');
  await expect(page.locator('.pf-panel .pf-msg', { hasText: 'non-existent steps' })).toHaveCount(0);
});

test('offline, required fields and enum values are checked locally', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML.replace('    - name: first\n', '    - name: vars\n      type: set_variable\n      scope: sometimes\n      variables:\n        a: 1\n    - name: each\n      type: for_loop\n      data_source: a\n      steps: []\n    - name: first\n'));
  await openEditor(page, id);
  await select(page, 'vars');
  const local = page.locator('.pf-panel [data-local="true"]');
  await expect(local).toHaveCount(0);
  await page.context().setOffline(true);
  await expect(page.getByRole('status').filter({ hasText: 'Offline' })).toBeVisible();
  await expect(field(page, 'scope').locator('[data-local="true"]')).toContainText('"sometimes" is not one of: global, session, loop');
  await expect(field(page, 'scope').locator('[data-local="true"]')).toContainText('checked locally');
  await expect(field(page, 'variables').locator('[data-local="true"]')).toHaveCount(0);
  // A required field that is missing is shown (empty) with its local message.
  await select(page, 'each');
  await expect(field(page, 'iterator').locator('[data-local="true"]')).toContainText('iterator is required');
  await expect(field(page, 'iterator').locator('input')).toHaveValue('');
  await page.context().setOffline(false);
  await expect(local).toHaveCount(0);
});

test('workflow settings are edited when nothing is selected', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, YAML);
  await openEditor(page, id);
  await expect(page.locator('.pf-head h2')).toHaveText('Workflow settings');
  const name = field(page, 'name').locator('input');
  await expect(name).toHaveValue('forms');
  await name.fill('forms renamed');
  await page.getByRole('combobox', { name: 'Add field', exact: true }).selectOption('checkpoint_enabled');
  await field(page, 'checkpoint_enabled').locator('input[type=checkbox]').check();
  await expect.poll(async () => exportedYaml(page.request, id)).toBe(`${YAML.replace('name: forms', 'name: forms renamed')}  checkpoint_enabled: true\n`);
});

test.describe('as a viewer', () => {
  test.use({ user: 'viewer' });

  test('every input is read-only and nothing can be added', async ({ page, csrf }) => {
    expect(csrf).toBeTruthy(); // the page is signed in as the viewer
    // The pipeline is made by the editor (same team), in a separate session.
    const editor = await playwrightRequest.newContext();
    const editorCsrf = await signIn(editor, USERS.editor);
    const id = await createPipeline(editor, editorCsrf, YAML);
    await editor.dispose();
    await openEditor(page, id);
    await expect(page.locator('.badge.readonly')).toBeVisible();
    await expect(field(page, 'name').locator('input')).toHaveAttribute('readonly', '');
    await select(page, 'second');
    await expect(field(page, 'name').locator('input')).toHaveAttribute('readonly', '');
    await expect(field(page, 'type').locator('select')).toBeDisabled();
    await expect(field(page, 'prompt[0].content').locator('textarea')).toHaveAttribute('readonly', '');
    await expect(page.locator('.pf-panel button')).toHaveCount(0);
    await expect(page.locator('.pf-add-field')).toHaveCount(0);
    await expect(page.locator('.lib-add')).toHaveCount(0);
    await page.locator('.lib-item[data-type="gemini"]').focus();
    await page.keyboard.press('Enter');
    await expect(page.locator('.pf-head h2')).toHaveText('second');
  });
});
