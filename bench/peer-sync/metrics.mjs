#!/usr/bin/env node
// Our server's side of a peer-sync run: the /metrics text that run-ours.sh (LONG=1) saves beside each result
// JSON, reduced to counts and percentiles of the latency histograms (upper bound of the bucket that holds the
// percentile, so "≤ x ms"), plus resyncs and errors.
//
//   node metrics.mjs results/*.metrics.txt
import { readFileSync } from 'node:fs';

function histogram(text, name) {
  const buckets = [];
  let count = 0;
  let sum = 0;
  for (const line of text.split('\n')) {
    let m = line.match(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)`));
    if (m) buckets.push([m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2])]);
    m = line.match(new RegExp(`^${name}_count (\\S+)`));
    if (m) count = Number(m[1]);
    m = line.match(new RegExp(`^${name}_sum (\\S+)`));
    if (m) sum = Number(m[1]);
  }
  const pct = (p) => {
    const want = count * p;
    const b = buckets.find(([, c]) => c >= want);
    return b ? b[0] * 1000 : null;
  };
  return { count, mean_ms: count ? (sum / count) * 1000 : null, p50_le_ms: pct(0.5), p99_le_ms: pct(0.99) };
}

const counter = (text, name) =>
  text
    .split('\n')
    .filter((l) => l.startsWith(name))
    .map((l) => l.split(' '))
    .reduce((s, [, v]) => s + Number(v), 0);

const f = (x) => (x == null ? '–' : x === Infinity ? '∞' : x >= 10 ? x.toFixed(1) : x.toFixed(2));
console.log('| run | edits acked | edit→ack mean / p50 ≤ / p99 ≤ ms | fan-out sends | fan-out mean / p50 ≤ / p99 ≤ ms | store append mean ms | resyncs | errors |');
console.log('|---|---|---|---|---|---|---|---|');
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  const ack = histogram(text, 'sync_edit_to_ack_seconds');
  const fan = histogram(text, 'sync_fanout_seconds');
  const append = histogram(text, 'store_append_seconds');
  const run = file.split('/').pop().replace('.metrics.txt', '');
  console.log(
    `| ${run} | ${ack.count} | ${f(ack.mean_ms)} / ${f(ack.p50_le_ms)} / ${f(ack.p99_le_ms)} | ${fan.count} | ` +
      `${f(fan.mean_ms)} / ${f(fan.p50_le_ms)} / ${f(fan.p99_le_ms)} | ${f(append.mean_ms)} | ` +
      `${counter(text, 'sync_resyncs_total')} | ${counter(text, 'sync_errors_total')} |`,
  );
}
