// Offline, the schema's checks run in the browser (validators compiled ahead of time, no eval under the CSP).
import { createPipeline, expect, openEditor, test } from './support/fixtures';

test("offline, a schema problem is reported locally; online, the server's diagnostics return", async ({ page, context, csrf }) => {
  const id = await createPipeline(
    page.request,
    csrf,
    'workflow:\n  name: offline_checks\n  steps:\n    - name: a\n      type: gemini\n      prompt:\n        - type: static\n          content: hi\n',
  );
  await openEditor(page, id);
  await expect(page.getByTestId('diag-counts')).toHaveAttribute('data-ready', 'true');
  // The checker's code is loaded while online (until a service worker caches the app, a network lost
  // before that leaves the server's last diagnostics only).
  await expect(page.getByTestId('diag-counts')).toHaveAttribute('data-offline-checks', 'ready');
  await context.setOffline(true);
  await expect(page.getByRole('status').filter({ hasText: /Offline/ })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId('local-issues')).toHaveText(/no schema issues · checked locally/);
  // A prompt that is not a list, and a temperature of the wrong type.
  await page.evaluate(() => {
    const pe = (window as unknown as { __pe: { doc: import('loro-crdt').LoroDoc } }).__pe;
    const tree = pe.doc.getTree('steps');
    const node = tree.roots()[0];
    const fields = node.data.get('fields') as import('loro-crdt').LoroMap;
    fields.set('prompt', 'not a list');
    pe.doc.commit();
  });
  await expect(page.getByTestId('local-issues')).toHaveText(/1 issue · checked locally/);
  await expect(page.getByTestId('local-issues')).toHaveAttribute('title', /\/workflow\/steps\/0\/prompt: must be a list/);
  await context.setOffline(false);
  await expect(page.getByTestId('local-issues')).toHaveCount(0, { timeout: 20_000 });
  await expect(page.getByTestId('diag-counts')).not.toHaveAttribute('data-errors', '0');
});
