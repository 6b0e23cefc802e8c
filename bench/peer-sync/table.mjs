#!/usr/bin/env node
// The comparison table of RESULTS.md from the harness's result JSON files: one row per run (--runs), and per
// scenario the median of each backend with the ratios ours/other for p99 and server RSS.
//
//   node table.mjs [--runs] [--ours loro] [--other hocuspocus] results/*.json
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args.splice(i, 2)[1] : dflt; };
const OURS = opt('--ours', 'loro');
const OTHER = opt('--other', 'hocuspocus');
const perRun = args.includes('--runs');
const files = args.filter((a) => !a.startsWith('--'));
const runs = files.map((f) => ({ file: f, ...JSON.parse(readFileSync(f, 'utf8')) }));

// label: "<BACKEND> <scenario> 1x100@1/s w2 r1"
const backendOf = (r) => r.label.split(' ')[0];
const scenarioOf = (r) => r.label.split(' ')[1];
const med = (xs) => {
  const v = xs.filter((x) => x != null && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const f = (x, d = 2) => (x == null ? '–' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(d));
const pct = (x) => (x == null ? '–' : `${x.toFixed(1)}`);

const metrics = {
  p50: (r) => r.latency_ms.p50,
  p95: (r) => r.latency_ms.p95,
  p99: (r) => r.latency_ms.p99,
  max: (r) => r.latency_ms.max,
  f50: (r) => r.first_peer_latency_ms?.p50,
  f95: (r) => r.first_peer_latency_ms?.p95,
  f99: (r) => r.first_peer_latency_ms?.p99,
  sent: (r) => r.edits_sent,
  expected: (r) => r.deliveries_expected,
  missing: (r) => r.deliveries_missing,
  dup: (r) => r.duplicates,
  errors: (r) => r.errors,
  idle: (r) => r.server?.rss_mib_idle,
  end: (r) => r.server?.rss_mib_end_of_edits,
  peak: (r) => r.server?.rss_mib_peak_during_edits,
  hwm: (r) => r.server?.hwm_mib,
  cpu: (r) => r.server?.cpu_pct_during_edits,
  lg: (r) => r.loadgen.cpu_pct_total,
  mach: (r) => r.machine_cpu_pct_during_edits,
  steal: (r) => r.machine_steal_pct_during_edits,
  connect: (r) => r.setup.connect_ms / 1000,
  seed: (r) => r.setup.seed_ms / 1000,
};
const head = '| backend | scen. | runs | p50 | p95 | p99 | max | 1st peer p50 / p95 / p99 | missing / dup / errors | server RSS MiB idle / end / peak | server CPU % | load-gen CPU % | machine CPU % | seed / connect s |';
const sep = '|' + '---|'.repeat(14);
function row(label, scen, rs) {
  const m = Object.fromEntries(Object.entries(metrics).map(([k, fn]) => [k, med(rs.map(fn))]));
  const sumK = (k) => rs.reduce((s, r) => s + (metrics[k](r) ?? 0), 0);
  return {
    m,
    md: `| ${label} | ${scen} | ${rs.length} | ${f(m.p50)} | ${f(m.p95)} | ${f(m.p99)} | ${f(m.max)} | ` +
      `${f(m.f50)} / ${f(m.f95)} / ${f(m.f99)} | ${sumK('missing')} / ${sumK('dup')} / ${sumK('errors')} | ` +
      `${f(m.idle, 1)} / ${f(m.end, 1)} / ${f(m.peak, 1)} | ${pct(m.cpu)} | ${pct(m.lg)} | ${pct(m.mach)} | ${f(m.seed, 1)} / ${f(m.connect, 1)} |`,
  };
}

if (perRun) {
  console.log('Per run (all latencies in ms; missing / dup / errors are counts):\n');
  console.log(head); console.log(sep);
  for (const r of [...runs].sort((a, b) => a.date.localeCompare(b.date))) {
    console.log(row(`${backendOf(r)} (${r.date.slice(11, 19)}Z)`, scenarioOf(r), [r]).md);
  }
  console.log();
}

console.log('Medians over runs (missing / dup / errors: totals):\n');
console.log(head); console.log(sep);
const scen = [...new Set(runs.map(scenarioOf))].sort();
const ratios = [];
for (const s of scen) {
  const by = {};
  for (const b of [...new Set(runs.map(backendOf))].sort()) {
    const rs = runs.filter((r) => backendOf(r) === b && scenarioOf(r) === s);
    if (!rs.length) continue;
    const x = row(b, s, rs);
    by[b] = x.m;
    console.log(x.md);
  }
  if (by[OURS] && by[OTHER]) ratios.push({ s, o: by[OURS], h: by[OTHER] });
}
if (ratios.length) {
  console.log(`\nRatios ${OURS} / ${OTHER} (medians):\n`);
  console.log('| scenario | p99 | first-peer p99 | p50 | server RSS end | server RSS peak | server CPU |');
  console.log('|---|---|---|---|---|---|---|');
  const q = (a, b) => (a == null || b == null || b === 0 ? '–' : (a / b).toFixed(2));
  for (const { s, o, h } of ratios) {
    console.log(`| ${s} | ${q(o.p99, h.p99)} | ${q(o.f99, h.f99)} | ${q(o.p50, h.p50)} | ${q(o.end, h.end)} | ${q(o.peak, h.peak)} | ${q(o.cpu, h.cpu)} |`);
  }
}
