// Scripted browser measurements of the editor (docs/benchmarks.md): open a large pipeline to interactive
// (warm: the app's files cached, the document loaded on the server), frame times while dragging a step on
// the canvas, and the JS heap. Prints one JSON line per measurement (`BENCH {...}`).
import { expect, type Browser, type Locator, type Page } from '@playwright/test';
import { frameCosts } from './frames';
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
        // The frame after the one that has the nodes: they are painted and the page takes input. Told on the
        // console too: the bench waits for that, not with Playwright's waitForFunction, whose script (tens of
        // ms to evaluate) would land in the middle of the open it measures.
        requestAnimationFrame(() => setTimeout(() => {
          w.__interactiveAt = performance.now();
          console.log(`pe:interactive ${w.__interactiveAt}`);
        }, 0));
        return;
      }
      requestAnimationFrame(poll);
    };
    requestAnimationFrame(poll);
  });
}

async function openToInteractive(page: Page, id: string): Promise<number> {
  // From a blank page, as a new tab would: the editor's own unloading is not part of the next open.
  await page.goto('about:blank');
  const interactive = page.waitForEvent('console', { predicate: (m) => m.text().startsWith('pe:interactive '), timeout: 120_000 });
  await page.goto(`/p/${id}`, { waitUntil: 'commit' });
  await interactive;
  const { at, marks } = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    const first = (name: string) => performance.getEntriesByName(name)[0]?.startTime ?? -1;
    const marks = {
      html: Math.round(nav?.responseEnd ?? -1),
      boot: Math.round(first('pe:boot')),
      start: Math.round(first('pe:start')),
      wasm: Math.round(first('pe:wasm')),
      me: Math.round(first('pe:me')),
      ws_open: Math.round(first('pe:ws-open')),
      welcome: Math.round(first('pe:welcome')),
      imported: Math.round(first('pe:imported')),
      model: Math.round(first('pe:model')),
      // When the responses the page waits for arrived (resource timing), beside when the page used them.
      me_response: Math.round((performance.getEntriesByType('resource').find((r) => r.name.endsWith('/api/auth/me')) as PerformanceResourceTiming | undefined)?.responseEnd ?? -1),
      wasm_response: Math.round((performance.getEntriesByType('resource').find((r) => r.name.endsWith('.wasm')) as PerformanceResourceTiming | undefined)?.responseEnd ?? -1),
    };
    return { at: (window as unknown as { __interactiveAt: number }).__interactiveAt, marks };
  });
  if (process.env.BENCH_MARKS) console.log(`MARKS ${JSON.stringify({ ...marks, interactive: Math.round(at) })}`);
  return at;
}

/** From a click on the pipeline in the list (the app already running) to the interactive editor. */
async function openFromList(page: Page, id: string): Promise<number> {
  await page.goto('about:blank');
  await page.goto('/');
  const link = page.locator(`a.pipeline-link[href="/p/${id}"]`);
  await link.waitFor();
  const t0 = await link.evaluate((a: HTMLElement) => {
    const t = performance.now();
    a.click();
    return t;
  });
  await page.waitForFunction(() => (window as unknown as { __interactiveAt?: number }).__interactiveAt !== undefined, null, {
    timeout: 120_000,
  });
  const { at, marks } = await page.evaluate(() => {
    const first = (name: string) => performance.getEntriesByName(name)[0]?.startTime ?? -1;
    const marks = { ws_open: first('pe:ws-open'), welcome: first('pe:welcome'), model: first('pe:model') };
    return { at: (window as unknown as { __interactiveAt: number }).__interactiveAt, marks };
  });
  if (process.env.BENCH_MARKS) {
    const rel = Object.fromEntries(Object.entries({ ...marks, interactive: at }).map(([k, v]) => [k, Math.round(v - t0)]));
    console.log(`MARKS from list ${JSON.stringify(rel)}`);
  }
  return at - t0;
}

async function dragFrames(
  page: Page,
  moves: number,
  browser?: Browser,
  node: Locator = page.locator('.react-flow__node').nth(2),
): Promise<{ intervals: number[]; costs: number[] }> {
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
  const moving = async () => {
    for (let i = 1; i <= moves; i++) await page.mouse.move(x + i * 3, y + Math.sin(i / 5) * 40);
  };
  // Traced when a browser is given (frame costs), else only the rAF intervals.
  const costs = browser ? await frameCosts(browser, page, moving) : (await moving(), []);
  await page.mouse.up();
  const intervals = await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __recording: boolean };
    w.__recording = false;
    return w.__frames.slice(1);
  });
  return { intervals, costs };
}

// BENCH_STEPS: the sizes, e.g. "10,1000" (a small pipeline is the same run's baseline for frame costs).
const SIZES = (process.env.BENCH_STEPS ?? '10,1000,5000').split(',').map(Number);

for (const steps of SIZES) {
  test(`open and drag with ${steps} steps`, async ({ page, csrf, browser }) => {
    const id = await createPipeline(page.request, csrf, pipelineYaml(steps));
    await installProbe(page);
    // Cold open (fills the HTTP cache and loads the document on the server), then warm runs.
    const cold = await openToInteractive(page, id);
    const warm: number[] = [];
    for (let i = 0; i < RUNS; i++) warm.push(await openToInteractive(page, id));
    await profiled(page, `open ${steps}`, () => openToInteractive(page, id));
    if (process.env.BENCH_OPEN_TRACE) {
      // One more warm open under Chromium's tracer, the events written to BENCH_OPEN_TRACE-<steps>.json (with
      // BENCH_TRACE_JS=1 also the JavaScript samples, to see which functions each task ran).
      await page.goto('about:blank');
      await browser.startTracing(page, {
        categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'v8.wasm', 'blink', 'blink.user_timing', 'loading', 'netlog', 'ServiceWorker', ...(process.env.BENCH_TRACE_JS ? ['disabled-by-default-v8.cpu_profiler'] : [])],
      });
      await openToInteractive(page, id);
      const trace = await browser.stopTracing();
      (await import('node:fs')).writeFileSync(`${process.env.BENCH_OPEN_TRACE}-${steps}.json`, trace);
    }
    const fromList: number[] = [];
    for (let i = 0; i < RUNS; i++) fromList.push(await openFromList(page, id));
    await expect(page.getByTestId('step-count')).toHaveText(`${steps} steps`);
    const heap = await page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0);
    const { intervals: frames } = await profiled(page, `drag ${steps}`, () => dragFrames(page, 120));
    // The same drag again, traced: what each frame cost the page's main thread.
    const { costs } = await dragFrames(page, 120, browser);
    const result = {
      steps,
      open_cold_ms: Math.round(cold),
      open_warm_median_ms: Math.round(median(warm)),
      open_warm_runs_ms: warm.map(Math.round),
      open_from_list_median_ms: Math.round(median(fromList)),
      open_from_list_runs_ms: fromList.map(Math.round),
      drag_frames: frames.length,
      drag_frame_p50_ms: +median(frames).toFixed(2),
      drag_frame_p95_ms: +pct(frames, 95).toFixed(2),
      drag_frame_max_ms: +Math.max(...frames).toFixed(2),
      drag_frame_cost_p50_ms: +median(costs).toFixed(2),
      drag_frame_cost_p95_ms: +pct(costs, 95).toFixed(2),
      drag_frame_cost_frames: costs.length,
      js_heap_mib: +(heap / 2 ** 20).toFixed(1),
    };
    console.log(`BENCH ${JSON.stringify(result)}`);
  });
}

/**
 * Edits of one step's name as the properties form makes them (one commit per keystroke), each timed from the
 * commit to the frame after the canvas shows the new name: what typing costs with a pipeline of this size.
 */
async function editsToPaint(page: Page, edits: number): Promise<number[]> {
  return page.evaluate(async (n) => {
    const pe = (window as unknown as { __pe: { doc: import('loro-crdt').LoroDoc } }).__pe;
    const step = pe.doc.getTree('steps').roots()[2];
    const fields = step.data.get('fields') as import('loro-crdt').LoroMap;
    const el = document.querySelector(`.react-flow__node[data-id="${step.id}"]`);
    if (!el) throw new Error('the edited step is not on the canvas');
    const shows = (text: string) =>
      new Promise<void>((resolve) => {
        if (el.textContent?.includes(text)) return resolve();
        const obs = new MutationObserver(() => {
          if (el.textContent?.includes(text)) {
            obs.disconnect();
            resolve();
          }
        });
        obs.observe(el, { subtree: true, childList: true, characterData: true });
      });
    const painted = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    const out: number[] = [];
    let name = 'edited_';
    for (let i = 0; i < n; i++) {
      name += String.fromCharCode(97 + (i % 26));
      const t0 = performance.now();
      fields.set('name', name);
      pe.doc.commit();
      await shows(name);
      await painted();
      out.push(performance.now() - t0);
      // Keystrokes apart, as typing is (the next edit does not queue behind this one's work).
      await new Promise((r) => setTimeout(r, 40));
    }
    return out;
  }, edits);
}

for (const steps of SIZES) {
  test(`edit a step's name with ${steps} steps`, async ({ page, csrf }) => {
    const id = await createPipeline(page.request, csrf, pipelineYaml(steps));
    await installProbe(page);
    await openToInteractive(page, id);
    // Past the first view's follow-up work (layout worker, side panels, the minimap).
    await page.waitForTimeout(2000);
    const times = await profiled(page, `edit ${steps}`, () => editsToPaint(page, 40));
    console.log(
      `BENCH ${JSON.stringify({ steps, edits: times.length, edit_to_paint_p50_ms: +median(times).toFixed(1), edit_to_paint_p95_ms: +pct(times, 95).toFixed(1), edit_to_paint_max_ms: +Math.max(...times).toFixed(1) })}`,
    );
  });
}

// The same drag on a trivial page (one div moved by a pointermove handler), in the same run: what this machine's
// headless Chromium needs per frame with no app at all, and its rAF pacing.
test('baseline: drag on a trivial page', async ({ page, browser }) => {
  await page.setContent(`<div id="d" style="position:absolute;left:100px;top:100px;width:240px;height:64px;background:#ccd">step</div>
    <script>
      let on = false, ox = 0, oy = 0; const d = document.getElementById('d');
      d.onpointerdown = (e) => { on = true; ox = e.clientX; oy = e.clientY; };
      onpointermove = (e) => { if (on) d.style.transform = 'translate(' + (e.clientX - ox) + 'px,' + (e.clientY - oy) + 'px)'; };
      onpointerup = () => { on = false; };
    </script>`);
  const { intervals } = await dragFrames(page, 120, undefined, page.locator('#d'));
  const { costs } = await dragFrames(page, 120, browser, page.locator('#d'));
  console.log(
    `BENCH ${JSON.stringify({
      steps: 'trivial page',
      drag_frames: intervals.length,
      drag_frame_p50_ms: +median(intervals).toFixed(2),
      drag_frame_p95_ms: +pct(intervals, 95).toFixed(2),
      drag_frame_cost_p50_ms: +median(costs).toFixed(2),
      drag_frame_cost_p95_ms: +pct(costs, 95).toFixed(2),
      drag_frame_cost_frames: costs.length,
    })}`,
  );
});
