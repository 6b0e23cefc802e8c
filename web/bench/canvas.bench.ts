// Scripted browser measurements of the editor (docs/benchmarks.md): open a large pipeline to interactive
// (warm: the app's files cached, the document loaded on the server), frame times while dragging a step on
// the canvas, and the JS heap. Prints one JSON line per measurement (`BENCH {...}`).
import { expect, type Page } from '@playwright/test';
import { profiled } from './profile';
import { createPipeline, test } from '../e2e/support/fixtures';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);

function pipelineYaml(steps: number): string {
  const out = [`workflow:`, `  name: bench_${steps}`, `  steps:`];
  for (let i = 0; i < steps; i++) {
    out.push(`    - name: step_${i}`, `      type: ${i % 3 === 0 ? 'gemini' : 'claude'}`, `      prompt:`);
    out.push(`        - type: static`, `          content: "Step ${i}: look at the input and report."`);
    if (i > 0 && i % 4 === 0) out.push(`        - type: previous_response`, `          step: step_${i - 1}`);
  }
  return out.join('\n') + '\n';
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const median = (xs: number[]) => pct(xs, 50);

/** Records, in the page, when the editor first shows step nodes after loading. */
async function installProbe(page: Page) {
  const view = process.env.BENCH_VIEW ?? 'split';
  await page.addInitScript((v) => localStorage.setItem('pe.view', v), view);
  await page.addInitScript(() => {
    const w = window as unknown as { __interactiveAt?: number };
    const poll = () => {
      const loaded = document.querySelector('.editor[data-loaded="true"]');
      if (loaded && document.querySelector('.react-flow__node')) {
        // The frame after the one that has the nodes: they are painted and the page takes input.
        requestAnimationFrame(() => setTimeout(() => { w.__interactiveAt = performance.now(); }, 0));
        return;
      }
      requestAnimationFrame(poll);
    };
    requestAnimationFrame(poll);
  });
}

async function openToInteractive(page: Page, id: string): Promise<number> {
  await page.goto(`/p/${id}`);
  await page.waitForFunction(() => (window as unknown as { __interactiveAt?: number }).__interactiveAt !== undefined, null, {
    timeout: 120_000,
  });
  const { at, marks } = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    const first = (name: string) => performance.getEntriesByName(name)[0]?.startTime ?? -1;
    const marks = {
      html: Math.round(nav?.responseEnd ?? -1),
      boot: Math.round(first('pe:boot')),
      start: Math.round(first('pe:start')),
      wasm: Math.round(first('pe:wasm')),
      ws_open: Math.round(first('pe:ws-open')),
      welcome: Math.round(first('pe:welcome')),
      imported: Math.round(first('pe:imported')),
      model: Math.round(first('pe:model')),
    };
    return { at: (window as unknown as { __interactiveAt: number }).__interactiveAt, marks };
  });
  if (process.env.BENCH_MARKS) console.log(`MARKS ${JSON.stringify({ ...marks, interactive: Math.round(at) })}`);
  return at;
}

async function dragFrames(page: Page, moves: number): Promise<number[]> {
  const node = page.locator('.react-flow__node').nth(2);
  const box = await node.boundingBox();
  expect(box).not.toBeNull();
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __recording: boolean };
    w.__frames = [];
    w.__recording = true;
    let last = performance.now();
    const tick = (t: number) => {
      w.__frames.push(t - last);
      last = t;
      if (w.__recording) requestAnimationFrame(tick);
    };
    requestAnimationFrame((t) => { last = t; requestAnimationFrame(tick); });
  });
  const x = box!.x + box!.width / 2;
  const y = box!.y + box!.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  for (let i = 1; i <= moves; i++) {
    await page.mouse.move(x + i * 3, y + Math.sin(i / 5) * 40);
  }
  await page.mouse.up();
  return page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __recording: boolean };
    w.__recording = false;
    return w.__frames.slice(1);
  });
}

for (const steps of [1000, 5000]) {
  test(`open and drag with ${steps} steps`, async ({ page, csrf }) => {
    const id = await createPipeline(page.request, csrf, pipelineYaml(steps));
    await installProbe(page);
    // Cold open (fills the HTTP cache and loads the document on the server), then warm runs.
    const cold = await openToInteractive(page, id);
    const warm: number[] = [];
    for (let i = 0; i < RUNS; i++) warm.push(await openToInteractive(page, id));
    await profiled(page, `open ${steps}`, () => openToInteractive(page, id));
    await expect(page.getByTestId('step-count')).toHaveText(`${steps} steps`);
    const heap = await page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0);
    const frames = await profiled(page, `drag ${steps}`, () => dragFrames(page, 120));
    const result = {
      steps,
      open_cold_ms: Math.round(cold),
      open_warm_median_ms: Math.round(median(warm)),
      open_warm_runs_ms: warm.map(Math.round),
      drag_frames: frames.length,
      drag_frame_p50_ms: +median(frames).toFixed(2),
      drag_frame_p95_ms: +pct(frames, 95).toFixed(2),
      drag_frame_max_ms: +Math.max(...frames).toFixed(2),
      js_heap_mib: +(heap / 2 ** 20).toFixed(1),
    };
    console.log(`BENCH ${JSON.stringify(result)}`);
  });
}
