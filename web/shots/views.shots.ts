// Takes the README's screenshots from a realistic pipeline (a corpus file with a loop and references).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPipeline, expect, openEditor, test } from '../e2e/support/fixtures';

const OUT = join(process.cwd(), '../docs/screenshots');
const SAMPLE = `workflow:
  name: code_review
  description: Plan a review, review each module, then summarize
  steps:
    - name: plan
      type: gemini
      prompt:
        - type: static
          content: "List the modules of this repository worth reviewing, as JSON."
    - name: review_modules
      type: for_loop
      iterator: module
      data_source: "plan:modules"
      steps:
        - name: review
          type: claude
          claude_options:
            max_turns: 5
          prompt:
            - type: static
              content: "Review {{loop.module}} for bugs and unclear code."
    - name: summarize
      type: gemini
      prompt:
        - type: static
          content: "Summarize the review:"
        - type: previous_response
          step: review_modules
`;

test('screenshots of the main views', async ({ page, csrf }) => {
  const id = await createPipeline(page.request, csrf, SAMPLE, 'code_review.yaml');
  try {
    const corpus = join(process.cwd(), '../../shared/corpus/pipeline_ex/examples/claude_batch_example.yaml');
    await createPipeline(page.request, csrf, readFileSync(corpus, 'utf8'), 'claude_batch_example.yaml');
  } catch {
    // The corpus is optional here.
  }
  await page.setViewportSize({ width: 1440, height: 860 });
  await page.goto('/');
  await expect(page.getByRole('list', { name: 'Pipelines' })).toBeVisible();
  await page.screenshot({ path: join(OUT, 'pipelines.png') });

  await openEditor(page, id);
  await expect(page.getByTestId('diag-counts')).toHaveAttribute('data-ready', 'true');
  await page.getByRole('button', { name: 'Split' }).click();
  await page.locator('.react-flow__node').filter({ hasText: 'review' }).first().click();
  await page.waitForTimeout(800);
  await page.screenshot({ path: join(OUT, 'editor-split.png') });

  await page.emulateMedia({ colorScheme: 'dark' });
  await page.getByRole('button', { name: 'Visual' }).click();
  await page.waitForTimeout(800);
  await page.screenshot({ path: join(OUT, 'editor-dark.png') });

  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(800);
  await page.screenshot({ path: join(OUT, 'editor-phone.png') });
});
