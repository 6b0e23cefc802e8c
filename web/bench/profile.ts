// With BENCH_PROFILE=1, a measured step also runs once under the V8 sampling profiler (Chromium's DevTools
// protocol) and the functions with the most self time are printed. Build the app with PIPELINE_WEB_MINIFY=0
// to read the names. It also prints each function's inclusive time; BENCH_PROFILE_DUMP=PREFIX writes the whole
// profile to PREFIX-<label>.cpuprofile (DevTools opens it).
import type { Page } from '@playwright/test';

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
}

export async function profiled<T>(page: Page, label: string, run: () => Promise<T>): Promise<T> {
  if (!process.env.BENCH_PROFILE) return run();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  const result = await run();
  const { profile } = (await cdp.send('Profiler.stop')) as {
    profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  };
  await cdp.detach();
  if (process.env.BENCH_PROFILE_DUMP) (await import('node:fs')).writeFileSync(`${process.env.BENCH_PROFILE_DUMP}-${label.replace(/\W+/g, '-')}.cpuprofile`, JSON.stringify(profile));
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const f = byNode.get(id)?.callFrame;
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    total += ms;
    const file = f?.url.split('/').pop() ?? '';
    const key = `${f?.functionName || '(anonymous)'} ${file}:${(f?.lineNumber ?? 0) + 1}`;
    self.set(key, (self.get(key) ?? 0) + ms);
  });
  // Inclusive time: each sample counts once for every distinct function on its stack.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (f: ProfileNode['callFrame'] | undefined) =>
    `${f?.functionName || '(anonymous)'} ${f?.url.split('/').pop() ?? ''}:${(f?.lineNumber ?? 0) + 1}`;
  const total_ = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const k = keyOf(byNode.get(n)?.callFrame);
      if (!seen.has(k)) { seen.add(k); total_.set(k, (total_.get(k) ?? 0) + ms); }
    }
  });
  const inclusive = [...total_].filter(([k]) => !k.startsWith('(')).sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.BENCH_PROFILE_TOP ?? 30));
  console.log(`PROFILE ${label} inclusive:\n${inclusive.map(([k, ms]) => `  ${ms.toFixed(1).padStart(7)} ms  ${k}`).join('\n')}`);
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.BENCH_PROFILE_TOP ?? 30));
  console.log(`PROFILE ${label}: ${total.toFixed(0)} ms sampled\n${top.map(([k, ms]) => `  ${ms.toFixed(1).padStart(7)} ms  ${k}`).join('\n')}`);
  return result;
}
