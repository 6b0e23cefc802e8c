// The pipelines page: create from a starter, search as you type, import files (picker and drop) with their
// diagnostics, export, delete with undo. Checked against the real server.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createPipeline, expect, exportedYaml, serverUrl, test } from './support/fixtures';

const CORPUS = join(process.cwd(), '../../shared/corpus/pipeline_ex');

function corpusFiles(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e)) out.push(p);
    }
  };
  walk(CORPUS);
  return out.sort();
}

test('a starter creates a pipeline and opens it in the editor', async ({ page, csrf: _ }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'New pipeline' }).click();
  await page.getByRole('menuitem', { name: /Analyze, then summarize/ }).click();
  await expect(page).toHaveURL(/\/p\/[^/]+$/);
  await expect(page.locator('.editor[data-loaded="true"]')).toBeVisible();
  await expect(page.getByTestId('step-count')).toHaveText('3 steps');
  const id = page.url().split('/p/')[1];
  const yaml = await exportedYaml(page.request, id);
  expect(yaml).toContain('name: analyze_and_summarize');
  await expect(page.getByTestId('diag-counts')).toHaveAttribute('data-ready', 'true');
  await expect(page.getByTestId('diag-counts')).toHaveAttribute('data-errors', '0');
});

test('search filters the list as you type', async ({ page, csrf }) => {
  const tag = `zebra${Date.now()}`;
  await createPipeline(page.request, csrf, `workflow:\n  name: ${tag}_alpha\n  steps: []\n`);
  await createPipeline(page.request, csrf, `workflow:\n  name: ${tag}_beta\n  steps: []\n`);
  await page.goto('/');
  // The page is up (its shortcuts are listening) once the list has loaded.
  await expect(page.getByRole('list', { name: 'Pipelines' })).toBeVisible();
  await page.keyboard.press('/');
  await expect(page.getByLabel('Search pipelines')).toBeFocused();
  await page.keyboard.type(tag);
  const rows = page.getByRole('list', { name: 'Pipelines' }).getByRole('listitem');
  await expect(rows).toHaveCount(2);
  await page.keyboard.type('_bet');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`${tag}_beta`);
});

test('every corpus file imports through the page with its diagnostics and step count', async ({ page, csrf: _ }) => {
  test.setTimeout(180_000);
  const files = corpusFiles();
  expect(files.length).toBeGreaterThan(30);
  const expected = new Map(
    readFileSync(join(CORPUS, 'EXPECTED.tsv'), 'utf8')
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((l) => l.split('\t'))
      .map(([path, verdict]) => [path, verdict]),
  );
  await page.goto('/');
  await page.getByTestId('import-input').setInputFiles(files);
  const results = page.getByRole('region', { name: 'Import results' });
  await expect(results.getByRole('heading')).toHaveText(new RegExp(`of ${files.length} files`), { timeout: 60_000 });
  // Every file name is listed; files the real loader rejects show errors, accepted ones may not.
  for (const f of files) {
    const rel = relative(CORPUS, f);
    const name = rel.split('/').pop()!;
    const row = results.getByRole('listitem').filter({ has: page.locator('strong', { hasText: new RegExp(`^${name.replace(/\./g, '\\.')}$`) }) }).first();
    await expect(row, rel).toBeVisible();
    const verdict = expected.get(rel);
    if (verdict?.startsWith('ERR')) await expect(row.locator('.badge.error').first(), rel).toBeVisible();
  }
  // Open each imported pipeline: the editor's replica has as many steps as the server counts, and the
  // editor shows the server's diagnostics.
  const listed = await page.request.get(`${serverUrl()}/api/pipelines?limit=200`);
  const items: { id: string; file_name: string | null }[] = (await listed.json()).items;
  const names = new Set(files.map((f) => f.split('/').pop()));
  const imported = items.filter((i) => i.file_name && names.has(i.file_name)).slice(0, files.length);
  expect(imported.length).toBeGreaterThanOrEqual(names.size);
  for (const p of imported) {
    const info = await (await page.request.get(`${serverUrl()}/api/pipelines/${p.id}`)).json();
    await page.goto(`/p/${p.id}`);
    await expect(page.locator('.editor[data-loaded="true"]'), p.file_name!).toBeVisible();
    const n = info.steps as number;
    await expect(page.getByTestId('step-count'), p.file_name!).toHaveText(`${n} step${n === 1 ? '' : 's'}`);
    const counts = page.getByTestId('diag-counts');
    await expect(counts).toHaveAttribute('data-ready', 'true');
    await expect(counts, p.file_name!).toHaveAttribute('data-errors', String(info.diagnostics.errors));
    await expect(counts, p.file_name!).toHaveAttribute('data-warnings', String(info.diagnostics.warnings));
  }
});

test('dropping files on the page imports them; text that is not YAML is refused with its location', async ({ page, csrf: _ }) => {
  await page.goto('/');
  const good = `workflow:\n  name: dropped_${Date.now()}\n  steps:\n    - name: a\n      type: gemini\n      prompt:\n        - type: static\n          content: hi\n`;
  const dt = await page.evaluateHandle(
    ([g]) => {
      const t = new DataTransfer();
      t.items.add(new File([g], 'dropped.yaml', { type: 'application/yaml' }));
      t.items.add(new File(['workflow: [unclosed\n'], 'broken.yaml', { type: 'application/yaml' }));
      return t;
    },
    [good],
  );
  await page.dispatchEvent('.pipelines-page', 'dragover', { dataTransfer: dt });
  await page.dispatchEvent('.pipelines-page', 'drop', { dataTransfer: dt });
  const results = page.getByRole('region', { name: 'Import results' });
  await expect(results.getByRole('heading')).toHaveText('Imported 1 of 2 files');
  await expect(results.getByText(/refused: the text is not valid YAML: 2:1: /)).toBeVisible();
  await results.getByRole('link', { name: 'open' }).click();
  await expect(page.getByTestId('step-count')).toHaveText('1 step');
  const id = page.url().split('/p/')[1];
  expect(await exportedYaml(page.request, id)).toBe(good);
});

test('export downloads the exact YAML; delete can be undone', async ({ page, csrf }) => {
  const name = `exported_${Date.now()}`;
  const yaml = `# a comment that must survive\nworkflow:\n  name: ${name}\n  steps: []   # none yet\n`;
  await createPipeline(page.request, csrf, yaml, `${name}.yaml`);
  await page.goto('/');
  await page.getByLabel('Search pipelines').fill(name);
  const rows = page.getByRole('list', { name: 'Pipelines' }).getByRole('listitem');
  await expect(rows).toHaveCount(1);
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: `Export ${name}` }).click();
  const d = await download;
  expect(d.suggestedFilename()).toBe(`${name}.yaml`);
  expect(readFileSync(await d.path(), 'utf8')).toBe(yaml);

  await page.getByRole('button', { name: `Delete ${name}` }).click();
  await expect(rows).toHaveCount(0);
  await page.getByRole('status').getByRole('button', { name: 'Undo' }).click();
  await expect(rows).toHaveCount(1);

  const zip = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export all (.zip)' }).click();
  const z = await zip;
  const bytes = readFileSync(await z.path());
  expect(bytes.subarray(0, 2).toString()).toBe('PK');
  expect(bytes.includes(Buffer.from(`${name}.yaml`))).toBe(true);
});
