// Frame cost from a Chromium trace: for each frame the renderer's main thread produced, the time that thread
// was busy for it (input handling, script, style, layout, paint, commit). rAF intervals say whether frames
// were dropped but not what a frame cost, and headless Chromium paces them differently with and without
// content; the main thread's own busy time is what must fit in 16.7 ms for 60 frames a second.
import type { Browser, Page } from '@playwright/test';

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name?: string };
}

/** Runs `work` while tracing and returns each frame's main-thread busy time in ms. */
export async function frameCosts(browser: Browser, page: Page, work: () => Promise<void>): Promise<number[]> {
  await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
  await work();
  const events = (JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] }).traceEvents;
  if (process.env.BENCH_TRACE_DUMP) (await import('node:fs')).writeFileSync(process.env.BENCH_TRACE_DUMP, JSON.stringify(events));
  return costsOf(events);
}

export function costsOf(events: TraceEvent[]): number[] {
  // The page's main thread: the renderer thread that ran the frames' main-thread phase; a frame ends with its Commit to the compositor.
  const mains = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const onMain = (e: TraceEvent) => mains.has(`${e.pid}:${e.tid}`);
  const frames = events.filter((e) => e.ph === 'X' && e.name === 'Commit' && onMain(e)).sort((a, b) => a.ts - b.ts);
  // Top-level tasks of that thread; a frame is charged for the tasks that ended since the previous frame ended.
  const tasks = events.filter((e) => e.ph === 'X' && e.name === 'RunTask' && onMain(e) && e.dur !== undefined).sort((a, b) => a.ts - b.ts);
  const costs: number[] = [];
  let t = 0;
  let prevEnd = -Infinity;
  for (const f of frames) {
    const end = f.ts + (f.dur ?? 0);
    let busy = 0;
    while (t < tasks.length && tasks[t].ts + (tasks[t].dur ?? 0) <= end) {
      if (tasks[t].ts + (tasks[t].dur ?? 0) > prevEnd) busy += tasks[t].dur ?? 0;
      t++;
    }
    costs.push(busy / 1000);
    prevEnd = end;
  }
  return costs;
}
