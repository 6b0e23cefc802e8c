// Offline measurements (docs/benchmarks.md, issue 7), against a server of the benchmark's own that it stops:
// - opening the editor with no server and no network (the service worker's shell, the replica from
//   IndexedDB), 1000 steps, to interactive;
// - 10,000 operations made offline: how long the merge takes, (a) imported into another replica (Loro's
//   import, as the editor does it, with its document subscribed) and (b) end to end, from the network coming
//   back to the server having acknowledged them all.
// Prints one `BENCH {...}` line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { PASSWORD, expect, test } from '../e2e/support/fixtures';
import { binaryPath, createUser } from '../e2e/support/global-setup';
import { OwnServer } from '../e2e/support/own-server';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const OPS = 10_000;

function pipelineYaml(steps: number): string {
  const out = [`workflow:`, `  name: offline_${steps}`, `  steps:`];
  for (let i = 0; i < steps; i++) {
    out.push(`    - name: step_${i}`, `      type: ${i % 3 === 0 ? 'gemini' : 'claude'}`, `      prompt:`);
    out.push(`        - type: static`, `          content: "Step ${i}: look at the input and report."`);
  }
  return out.join('\n') + '\n';
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function interactiveAt(page: Page): Promise<number> {
  await page.waitForFunction(() => (window as unknown as { __interactiveAt?: number }).__interactiveAt !== undefined, null, { timeout: 60_000 });
  return page.evaluate(() => (window as unknown as { __interactiveAt: number }).__interactiveAt);
}

test('offline: open, and merge 10,000 operations', async ({ browser }) => {
  test.setTimeout(600_000);
  const data = mkdtempSync(join(tmpdir(), 'pe-bench-offline-'));
  const server = new OwnServer(data);
  await server.start();
  createUser(binaryPath(), data, 'bench@example.com', 'Bench', 'member');
  const context = await browser.newContext({ baseURL: server.url });
  await context.addInitScript(() => {
    localStorage.setItem('pe.view', 'visual');
    const w = window as unknown as { __interactiveAt?: number };
    const poll = () => {
      if (document.querySelector('.editor[data-loaded="true"]') && document.querySelector('.react-flow__node')) {
        requestAnimationFrame(() => setTimeout(() => (w.__interactiveAt = performance.now()), 0));
        return;
      }
      requestAnimationFrame(poll);
    };
    requestAnimationFrame(poll);
  });
  const login = await context.request.post(`${server.url}/api/auth/login`, { data: { email: 'bench@example.com', password: PASSWORD } });
  const csrf = (await login.json()).csrf_token as string;
  const create = async (yaml: string) => {
    const r = await context.request.post(`${server.url}/api/pipelines`, { headers: { 'content-type': 'application/yaml', 'x-csrf-token': csrf }, data: yaml });
    return (await r.json()).id as string;
  };
  const big = await create(pipelineYaml(1000));
  const small = await create(pipelineYaml(20));
  const page = await context.newPage();

  // Online once: the shell and both documents are kept.
  for (const id of [small, big]) {
    await page.goto(`/p/${id}`);
    await interactiveAt(page);
    await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller), { timeout: 30_000 }).toBe(true);
    await page.evaluate(() => (window as unknown as { __pe: { persist: { compact(): void; flushed(): Promise<unknown> } } }).__pe.persist.compact());
    await page.evaluate(() => (window as unknown as { __pe: { persist: { flushed(): Promise<unknown> } } }).__pe.persist.flushed());
  }

  // (1) Open offline: no server, no network.
  const listen = server.listen;
  await server.stop();
  await context.setOffline(true);
  const openOffline: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await page.goto('about:blank');
    await page.goto(`/p/${big}`);
    openOffline.push(await interactiveAt(page));
    await expect(page.getByTestId('step-count')).toHaveText('1000 steps');
  }

  // (2a) 10,000 operations made on another replica, imported into the editor's.
  await page.goto(`/p/${small}`);
  await interactiveAt(page);
  const imported = await page.evaluate((ops) => {
    type Doc = import('loro-crdt').LoroDoc;
    const doc = (window as unknown as { __pe: { doc: Doc } }).__pe.doc;
    const Ctor = doc.constructor as new () => Doc;
    const other = new Ctor();
    other.import(doc.export({ mode: 'snapshot' }));
    const nodes = other.getTree('steps').getNodes();
    for (let i = 0; i < ops; i++) {
      const fields = nodes[i % nodes.length].data.get('fields') as import('loro-crdt').LoroMap;
      fields.set('description', `edit ${i}`);
      other.commit();
    }
    const update = other.export({ mode: 'update', from: doc.oplogVersion() });
    const t = performance.now();
    doc.import(update);
    const importMs = performance.now() - t;
    return new Promise<{ importMs: number; shownMs: number }>((ok) =>
      requestAnimationFrame(() => setTimeout(() => ok({ importMs, shownMs: performance.now() - t }), 0)),
    );
  }, OPS);

  // (2b) 10,000 operations made in the editor offline, then the network back: until the server has them all.
  await page.evaluate((ops) => {
    type Doc = import('loro-crdt').LoroDoc;
    const doc = (window as unknown as { __pe: { doc: Doc } }).__pe.doc;
    const nodes = doc.getTree('steps').getNodes();
    for (let i = 0; i < ops; i++) {
      const fields = nodes[i % nodes.length].data.get('fields') as import('loro-crdt').LoroMap;
      fields.set('description', `offline ${i}`);
      doc.commit();
    }
  }, OPS);
  await expect(page.locator('.sync-status')).toContainText('pending');
  await page.evaluate(() => (window as unknown as { __pe: { persist: { flushed(): Promise<unknown> } } }).__pe.persist.flushed());
  await server.start(listen);
  const t0 = Date.now();
  await context.setOffline(false);
  await expect(page.locator('.sync-status')).toHaveAttribute('data-state', 'synced', { timeout: 120_000 });
  const endToEnd = Date.now() - t0;
  const yaml = await (await context.request.get(`${server.url}/api/pipelines/${small}/yaml`)).text();
  expect(yaml).toContain(`offline ${OPS - 1}`);

  console.log(
    `BENCH ${JSON.stringify({
      open_offline_1000_steps_median_ms: Math.round(median(openOffline)),
      open_offline_runs_ms: openOffline.map(Math.round),
      merge_10000_ops_import_ms: Math.round(imported.importMs),
      merge_10000_ops_import_and_frame_ms: Math.round(imported.shownMs),
      merge_10000_ops_reconnect_to_acked_ms: endToEnd,
    })}`,
  );
  await context.close();
  await server.stop();
  rmSync(data, { recursive: true, force: true });
});
