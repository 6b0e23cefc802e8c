// What one delivery costs a load-generator client (docs/benchmarks.md, "Real-time sync", 2026-12-07): P replicas
// of a real server document in one process import the same stream of one-field edits, as the harness's clients
// do, and the time of each `import` is recorded, with and without a change subscriber, beside V8's GC time.
//
//   PIPELINE_TOKEN=… node bench/peer-sync/import-cost.mjs ws://127.0.0.1:PORT [REPLICAS=100] [EDITS=300]
//   PEER_SYNC_LORO_RESERVE_MIB=0 …   the same without the transport's WebAssembly heap reservation
//
// The document is created on the running server by the transport's seeding client (the harness's 1000-step
// pipeline) and taken from that client's replica, so it has the server's layout and history. The edits come from
// 20 writer replicas kept in sync (so imports are linear, the cheapest case).
import { PerformanceObserver } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
process.env.PEER_SYNC_HARNESS ??= '/tmp/peer-sync';
const transport = await import(join(here, 'transports', 'loro.mjs'));
const { LoroDoc } = await import('loro-crdt');

const [url, replicas = '100', edits = '300'] = process.argv.slice(2);
if (!url) throw new Error('usage: node import-cost.mjs ws://127.0.0.1:PORT [REPLICAS] [EDITS]');
const P = Number(replicas);
const N = Number(edits);

const seeder = await transport.open({ url, docName: `import-cost-${Date.now()}`, expectSteps: 0, onRemoteValue() {}, onError() {} });
await seeder.seed();
const snapshot = seeder.doc.export({ mode: 'snapshot' });
await seeder.close();

const writers = Array.from({ length: 20 }, () => {
  const d = new LoroDoc();
  d.import(snapshot);
  return d;
});
const ids = writers[0].getTree('steps').roots().map((n) => n.id);
const updates = [];
for (let e = 0; e < N; e++) {
  const w = writers[e % writers.length];
  const before = w.oplogVersion();
  w.getTree('steps').getNodeByID(ids[(e * 7919) % ids.length]).data.get('fields').set('status', `~${e}`);
  w.commit();
  updates.push(w.export({ mode: 'update', from: before }));
  for (const o of writers) if (o !== w) o.import(updates[e]);
}

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

async function run(label, subscribe) {
  const docs = Array.from({ length: P }, () => {
    const d = new LoroDoc();
    d.import(snapshot);
    if (subscribe) d.subscribe((batch) => { for (const ev of batch.events) if (ev.diff.type === 'map') Object.values(ev.diff.updated); });
    return d;
  });
  const first = [];
  const rest = [];
  gcMs = 0;
  const t0 = performance.now();
  for (const [i, u] of updates.entries()) {
    for (const d of docs) {
      const t = performance.now();
      d.import(u);
      (i === 0 ? first : rest).push((performance.now() - t) * 1000);
    }
    // GC entries reach the observer between tasks.
    await new Promise((r) => setImmediate(r));
  }
  const wall = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 50));
  const q = (xs, f) => xs.sort((a, b) => a - b)[Math.floor((xs.length - 1) * f)];
  const mean = rest.reduce((a, b) => a + b, 0) / rest.length;
  console.log(
    `${label}: ${P} replicas × ${N} imports: first import p50 ${q(first, 0.5).toFixed(0)} µs; later imports p50 ` +
      `${q(rest, 0.5).toFixed(0)} µs, p99 ${q(rest, 0.99).toFixed(0)} µs, mean ${mean.toFixed(0)} µs; ` +
      `GC ${Math.round(gcMs)} ms of ${Math.round(wall)} ms`,
  );
  for (const d of docs) d.free?.();
}

console.log(`heap reservation: ${process.env.PEER_SYNC_LORO_RESERVE_MIB ?? 2048} MiB`);
await run('no subscriber', false);
await run('subscriber', true);
process.exit(0);
