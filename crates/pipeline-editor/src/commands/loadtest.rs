//! `pipeline-editor loadtest`: drives a running server's sync WebSocket with many real clients.
//!
//! It creates P pipelines of N steps over the HTTP API, connects C [`SyncClient`]s to each (one tokio task
//! per client, no thread per client, so a thousand connections fit on two cores), and has every client set
//! the `description` field of a random step E times a second, open loop (a fixed schedule with a random
//! phase per client, kept even when the server is slow). Each edit's value is a marker
//! `<client>.<n>@<scheduled µs>`; every other client of the pipeline sees it arrive through a subscription on
//! its replica and measures edit→peer latency on the one monotonic clock all clients share (they are all in
//! this process). Acks give edit→ack latency. Then it prints deliveries, percentiles, throughput, errors and
//! the server's memory.
//!
//! Exit status: 0 when every measured edit was acked and reached every peer; 1 otherwise (a client could not
//! connect, deliveries missing, edits not acked) or when setup failed; 2 for bad arguments.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use pipeline_doc::loro::event::{Diff, DiffEvent};
use pipeline_doc::loro::{
    Container, EventTriggerKind, LoroDoc, LoroMap, LoroValue, Subscription, TreeID, ValueOrContainer,
};
use pipeline_server::sync::client::{ClientAuth, ClientOptions, Event, SyncClient};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::cli::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE_OR_IO, LoadtestArgs};
use crate::commands::{message, store};

/// The step field every edit sets.
const FIELD: &str = "description";
/// Connections opened at once: enough to connect a thousand clients in seconds without a burst of
/// handshakes overflowing the server's accept backlog.
const CONNECT_CONCURRENCY: usize = 64;
/// Pipelines created at once.
const CREATE_CONCURRENCY: usize = 8;
/// How long to wait, after the last edit, for outstanding acks and deliveries.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause between "all clients synced" and the first edit, so connection set-up does not count as latency.
const SETTLE: Duration = Duration::from_millis(200);

#[derive(Debug, thiserror::Error)]
enum LoadError {
    #[error("--url must be an http:// base URL (got {0:?})")]
    Url(String),
    #[error("HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    #[error("creating pipeline {index}: {reason}")]
    Create { index: u32, reason: String },
    #[error("no client could connect; first error: {0}")]
    NoClient(String),
}

pub fn run(args: &LoadtestArgs) -> u8 {
    if let Err(e) = check_args(args) {
        message(&format!("error: {e}"));
        return EXIT_USAGE_OR_IO;
    }
    let Some(rt) = store::runtime() else { return EXIT_FINDINGS };
    match rt.block_on(loadtest(args)) {
        Ok(report) => {
            print!("{}", report.render());
            if report.ok() { EXIT_OK } else { EXIT_FINDINGS }
        }
        Err(e) => {
            message(&format!("error: {e}"));
            EXIT_FINDINGS
        }
    }
}

fn check_args(a: &LoadtestArgs) -> Result<(), String> {
    let positive = |v: f64, name: &str| {
        if v.is_finite() && v > 0.0 { Ok(()) } else { Err(format!("--{name} must be a positive number")) }
    };
    positive(a.duration, "duration")?;
    positive(a.edits_per_second, "edits-per-second")?;
    if !(a.warmup.is_finite() && a.warmup >= 0.0) {
        return Err("--warmup must be zero or more".into());
    }
    if a.pipelines == 0 || a.clients_per_pipeline == 0 || a.steps == 0 {
        return Err("--pipelines, --clients-per-pipeline and --steps must be at least 1".into());
    }
    Ok(())
}

/// The measurement window and the shared clock, as microseconds since `start`.
#[derive(Debug, Clone, Copy)]
struct Clock {
    start: Instant,
    /// Edits scheduled from here on are measured (warm-up before).
    measure_from_us: u64,
    /// No edit is scheduled from here on.
    end_us: u64,
}

impl Clock {
    fn now_us(&self) -> u64 {
        micros(self.start.elapsed())
    }

    fn at(&self, us: u64) -> Instant {
        self.start + Duration::from_micros(us)
    }

    fn measured(&self, scheduled_us: u64) -> bool {
        (self.measure_from_us..self.end_us).contains(&scheduled_us)
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// An edit's value: who sent it, its number, and when it was scheduled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Marker {
    sender: u32,
    n: u32,
    scheduled_us: u64,
}

impl Marker {
    fn render(&self) -> String {
        format!("{}.{}@{}", self.sender, self.n, self.scheduled_us)
    }

    fn parse(s: &str) -> Option<Marker> {
        let (who, at) = s.split_once('@')?;
        let (sender, n) = who.split_once('.')?;
        Some(Marker { sender: sender.parse().ok()?, n: n.parse().ok()?, scheduled_us: at.parse().ok()? })
    }
}

/// One client's figures, as sender and as receiver. Behind a mutex shared by the client's task, its doc
/// subscription and the main task; never held across an await or a call into the document.
#[derive(Debug, Default)]
struct Stats {
    sent: u64,
    measured_sent: u64,
    /// The sender's measured edits are numbered `first..=last` (contiguous: the window is one interval).
    measured_first: Option<u32>,
    measured_last: u32,
    /// Measured edits not acked yet.
    unacked: u64,
    ack_us: Vec<u64>,
    /// How late the generator ran behind its schedule (a busy load generator shows here, not as latency).
    lag_us: Vec<u64>,
    errors: BTreeMap<String, u64>,
    /// Edit→peer latency of the measured markers this client saw arrive.
    peer_us: Vec<u64>,
    /// Per sender, the highest edit number seen. A sender's edits arrive in order and each depends on the
    /// previous one (Loro keeps each peer's ops causal), so seeing n means 1..n have all arrived, even those
    /// whose value was overwritten before this client saw it (several edits in one forwarded update).
    max_seen: HashMap<u32, u32>,
    /// The measurement window (µs since the clock's start), set when the schedule is fixed; arrivals before
    /// it are ignored.
    window: Option<(u64, u64)>,
}

impl Stats {
    fn error(&mut self, kind: impl Into<String>) {
        *self.errors.entry(kind.into()).or_default() += 1;
    }

    /// How many measured edits this client sent (as numbered: failed pushes count, they are in the doc).
    fn measured_span(&self) -> u64 {
        self.measured_first.map_or(0, |first| u64::from(self.measured_last.saturating_sub(first)) + 1)
    }

    /// How many of `sender`'s measured edits this client has received.
    fn received_from(&self, sender: u32, s: &Stats) -> u64 {
        let (Some(first), Some(&seen)) = (s.measured_first, self.max_seen.get(&sender)) else { return 0 };
        if seen < first { 0 } else { u64::from(seen.min(s.measured_last) - first + 1) }
    }
}

fn lock(stats: &Mutex<Stats>) -> MutexGuard<'_, Stats> {
    // Plain counters: a panic elsewhere cannot leave them in a state worse than slightly off.
    stats.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A connected client and what it edits.
struct Member {
    id: u32,
    pipeline: usize,
    client: SyncClient,
    /// The `fields` maps of the steps this client edits.
    targets: Vec<LoroMap>,
    stats: Arc<Mutex<Stats>>,
    _subscription: Subscription,
}

async fn loadtest(args: &LoadtestArgs) -> Result<Report, LoadError> {
    let base = args.url.trim_end_matches('/').to_owned();
    let ws_base = match base.strip_prefix("http://") {
        Some(rest) => format!("ws://{rest}"),
        None => return Err(LoadError::Url(args.url.clone())),
    };
    let http = reqwest::Client::builder().build()?;
    let mut report = Report {
        pipelines: args.pipelines,
        clients_per_pipeline: args.clients_per_pipeline,
        steps: args.steps,
        rate: args.edits_per_second,
        duration: Duration::from_secs_f64(args.duration),
        warmup: Duration::from_secs_f64(args.warmup),
        ..Report::default()
    };
    report.memory.push(("before", memory(&http, &base, &args.token, args.server_pid).await));

    let t = Instant::now();
    let ids = create_pipelines(&http, &base, &args.token, args.pipelines, args.steps).await?;
    report.create_time = t.elapsed();

    let t = Instant::now();
    let start = Instant::now();
    let (members, connect_errors) =
        connect_all(&ws_base, &args.token, &ids, args.clients_per_pipeline, args.steps, start).await;
    report.connect_time = t.elapsed();
    report.connected = members.len();
    report.connect_errors = connect_errors.len();
    for e in &connect_errors {
        *report.errors.entry(format!("connect: {e}")).or_default() += 1;
    }
    if members.is_empty() {
        return Err(LoadError::NoClient(connect_errors.into_iter().next().unwrap_or_default()));
    }
    report.memory.push(("synced", memory(&http, &base, &args.token, args.server_pid).await));

    let begin_us = micros(start.elapsed() + SETTLE);
    let measure_from_us = begin_us + micros(report.warmup);
    let clock = Clock { start, measure_from_us, end_us: measure_from_us + micros(report.duration) };
    // The subscriptions were set up while connecting, before the window was known.
    for m in &members {
        lock(&m.stats).window = Some((clock.measure_from_us, clock.end_us));
    }

    let all_stats: Vec<Tracked> =
        members.iter().map(|m| Tracked { id: m.id, pipeline: m.pipeline, stats: m.stats.clone() }).collect();
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    for m in members {
        tasks.spawn(drive(m, clock, begin_us, args.edits_per_second, stop_rx.clone()));
    }

    tokio::time::sleep_until(clock.at(clock.measure_from_us).into()).await;
    let cpu_start = Cpu::sample(args.server_pid);
    tokio::time::sleep_until(clock.at(clock.end_us).into()).await;
    report.cpu = Cpu::sample(args.server_pid).since(&cpu_start);
    let drain_start = Instant::now();
    while drain_start.elapsed() < DRAIN_TIMEOUT && !totals(&all_stats).complete() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    report.drain_time = drain_start.elapsed();
    let _ = stop_tx.send(true);

    // Measure memory while the connections are still open, then close them all.
    report.memory.push(("end", memory(&http, &base, &args.token, args.server_pid).await));
    let mut closing = JoinSet::new();
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(client) => {
                closing.spawn(client.close());
            }
            Err(e) => *report.errors.entry(format!("client task failed: {e}")).or_default() += 1,
        }
    }
    while closing.join_next().await.is_some() {}

    report.totals = totals(&all_stats);
    for t in &all_stats {
        for (kind, n) in &lock(&t.stats).errors {
            *report.errors.entry(kind.clone()).or_default() += n;
        }
    }
    report.loadgen = proc_memory("self");
    Ok(report)
}

/// Everyone's figures put together.
#[derive(Debug, Default)]
struct Totals {
    sent: u64,
    measured_sent: u64,
    unacked: u64,
    expected: u64,
    received: u64,
    peer_us: Vec<u64>,
    ack_us: Vec<u64>,
    lag_us: Vec<u64>,
}

impl Totals {
    fn complete(&self) -> bool {
        self.unacked == 0 && self.received >= self.expected
    }
}

/// A client's stats, kept by the main task while the client's task runs.
struct Tracked {
    id: u32,
    pipeline: usize,
    stats: Arc<Mutex<Stats>>,
}

fn totals(all: &[Tracked]) -> Totals {
    let mut t = Totals::default();
    let mut by_pipeline: BTreeMap<usize, Vec<&Tracked>> = BTreeMap::new();
    for tracked in all {
        by_pipeline.entry(tracked.pipeline).or_default().push(tracked);
    }
    for members in by_pipeline.values() {
        for &&Tracked { id: sender, stats: ref s_stats, .. } in members {
            // Copy the sender's figures out first: a receiver's lock is never taken while holding another.
            let sender_view = {
                let s = lock(s_stats);
                t.sent += s.sent;
                t.measured_sent += s.measured_sent;
                t.unacked += s.unacked;
                t.ack_us.extend_from_slice(&s.ack_us);
                t.lag_us.extend_from_slice(&s.lag_us);
                Stats { measured_first: s.measured_first, measured_last: s.measured_last, ..Stats::default() }
            };
            for receiver in members.iter().filter(|r| r.id != sender) {
                t.expected += sender_view.measured_span();
                t.received += lock(&receiver.stats).received_from(sender, &sender_view);
            }
        }
        for r in members {
            t.peer_us.extend_from_slice(&lock(&r.stats).peer_us);
        }
    }
    t
}

/// Creates the pipelines over the HTTP API; returns their ids.
async fn create_pipelines(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    count: u32,
    steps: u32,
) -> Result<Vec<String>, LoadError> {
    let run = fastrand::u32(..);
    let gate = Arc::new(Semaphore::new(CREATE_CONCURRENCY));
    let mut set = JoinSet::new();
    for index in 0..count {
        let (http, gate) = (http.clone(), gate.clone());
        let (url, token) = (format!("{base}/api/pipelines"), token.to_owned());
        let yaml = pipeline_yaml(&format!("loadtest-{run:08x}-{index:04}"), steps);
        set.spawn(async move {
            let _permit = gate.acquire_owned().await;
            let fail = |reason: String| LoadError::Create { index, reason };
            let resp = http
                .post(url)
                .bearer_auth(token)
                .header(reqwest::header::CONTENT_TYPE, "application/yaml")
                .body(yaml)
                .send()
                .await
                .map_err(|e| fail(e.to_string()))?;
            let status = resp.status();
            let body = resp.text().await.map_err(|e| fail(e.to_string()))?;
            if !status.is_success() {
                return Err(fail(format!("HTTP {status}: {body}")));
            }
            let json: serde_json::Value = serde_json::from_str(&body).map_err(|e| fail(e.to_string()))?;
            let id = json["id"].as_str().ok_or_else(|| fail(format!("no id in {body}")))?.to_owned();
            Ok((index, id))
        });
    }
    let mut ids = vec![String::new(); count as usize];
    while let Some(done) = set.join_next().await {
        let (index, id) = done.map_err(|e| LoadError::Create { index: 0, reason: e.to_string() })??;
        ids[index as usize] = id;
    }
    Ok(ids)
}

/// A pipeline of `steps` Claude steps with a static prompt each.
fn pipeline_yaml(name: &str, steps: u32) -> String {
    let mut y = format!("workflow:\n  name: {name}\n  steps:\n");
    for i in 0..steps {
        y.push_str(&format!(
            "  - name: s{i:04}\n    type: claude\n    prompt:\n    - type: static\n      content: \"Step {i} of the load test.\"\n"
        ));
    }
    y
}

/// Connects every client (at most `CONNECT_CONCURRENCY` handshakes at a time). Returns the connected clients
/// and the errors of those that failed.
async fn connect_all(
    ws_base: &str,
    token: &str,
    ids: &[String],
    per_pipeline: u32,
    steps: u32,
    start: Instant,
) -> (Vec<Member>, Vec<String>) {
    let gate = Arc::new(Semaphore::new(CONNECT_CONCURRENCY));
    let mut set = JoinSet::new();
    let mut id = 0u32;
    for (pipeline, pid) in ids.iter().enumerate() {
        for slot in 0..per_pipeline {
            let url = format!("{ws_base}/api/pipelines/{pid}/sync");
            let (gate, token) = (gate.clone(), token.to_owned());
            let client_id = id;
            id += 1;
            set.spawn(async move {
                let _permit = gate.acquire_owned().await;
                let opts = ClientOptions { flags: 0, auto_reconnect: true, tls: None };
                let client = SyncClient::connect(&url, ClientAuth::Bearer(token), LoroDoc::new(), opts)
                    .await
                    .map_err(|e| e.to_string())?;
                member(client_id, pipeline, slot, per_pipeline, steps, client, start)
            });
        }
    }
    let (mut members, mut errors) = (Vec::new(), Vec::new());
    while let Some(done) = set.join_next().await {
        match done {
            Ok(Ok(m)) => members.push(m),
            Ok(Err(e)) => errors.push(e),
            Err(e) => errors.push(e.to_string()),
        }
    }
    (members, errors)
}

/// Checks that the client's replica holds the whole pipeline, picks its steps and subscribes to arrivals.
fn member(
    id: u32,
    pipeline: usize,
    slot: u32,
    per_pipeline: u32,
    steps: u32,
    client: SyncClient,
    start: Instant,
) -> Result<Member, String> {
    let doc = client.doc();
    let tree = doc.get_tree("steps");
    // Sorted by node id, so every replica numbers the steps the same way whatever order it lists them in.
    let mut roots: Vec<TreeID> = tree.roots();
    roots.sort_by_key(|t| (t.peer, t.counter));
    if roots.len() != steps as usize {
        return Err(format!("synced {} top-level steps, expected {steps}", roots.len()));
    }
    // Each client edits its own share of the steps: two clients setting the same field concurrently would
    // make one value win and the other never show at some peers, which would read as a lost delivery.
    let mine: Vec<TreeID> = if steps >= per_pipeline {
        roots.iter().copied().enumerate().filter(|(i, _)| *i as u32 % per_pipeline == slot).map(|(_, t)| t).collect()
    } else {
        roots.clone()
    };
    let mut targets = Vec::with_capacity(mine.len());
    for node in mine {
        let meta = tree.get_meta(node).map_err(|e| format!("step meta: {e}"))?;
        match meta.get("fields") {
            Some(ValueOrContainer::Container(Container::Map(fields))) => targets.push(fields),
            _ => return Err("a step has no fields map".into()),
        }
    }
    let stats = Arc::new(Mutex::new(Stats::default()));
    let subscription = doc.subscribe_root(Arc::new({
        let stats = stats.clone();
        move |event: DiffEvent| on_change(&stats, start, &event)
    }));
    Ok(Member { id, pipeline, client, targets, stats, _subscription: subscription })
}

/// The doc subscription: records markers arriving from the server.
fn on_change(stats: &Mutex<Stats>, start: Instant, event: &DiffEvent) {
    if !matches!(event.triggered_by, EventTriggerKind::Import) {
        return;
    }
    let now = micros(start.elapsed());
    let mut s = lock(stats);
    let Some((from, end)) = s.window else { return };
    for diff in &event.events {
        let Diff::Map(map) = &diff.diff else { continue };
        let Some(Some(ValueOrContainer::Value(LoroValue::String(value)))) = map.updated.get(FIELD) else { continue };
        let Some(mark) = Marker::parse(value) else { continue };
        let seen = s.max_seen.entry(mark.sender).or_default();
        *seen = (*seen).max(mark.n);
        if (from..end).contains(&mark.scheduled_us) {
            s.peer_us.push(now.saturating_sub(mark.scheduled_us));
        }
    }
}

/// One client's life: edit on schedule, collect acks and errors, until told to stop. Returns the client so
/// that the caller closes it.
async fn drive(mut m: Member, clock: Clock, begin_us: u64, rate: f64, mut stop: watch::Receiver<bool>) -> SyncClient {
    let period = Duration::from_secs_f64(1.0 / rate);
    let first = clock.at(begin_us) + period.mul_f64(fastrand::f64());
    let mut ticker = tokio::time::interval_at(first.into(), period);
    // Open loop: a tick that comes late (slow server, busy generator) is still sent, at once.
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut n = 0u32;
    let mut sending = true;
    // Pushed but not yet acked: (seq, scheduled µs, measured).
    let mut pending: VecDeque<(u32, u64, bool)> = VecDeque::new();
    loop {
        tokio::select! {
            tick = ticker.tick(), if sending => {
                let scheduled_us = micros(tick.into_std().saturating_duration_since(clock.start));
                if scheduled_us >= clock.end_us {
                    sending = false;
                    continue;
                }
                n += 1;
                let measured = clock.measured(scheduled_us);
                let lag = clock.now_us().saturating_sub(scheduled_us);
                let value = Marker { sender: m.id, n, scheduled_us }.render();
                let target = &m.targets[fastrand::usize(..m.targets.len())];
                let set = target.insert(FIELD, value);
                let pushed = match set {
                    Ok(()) => m.client.push().await.map_err(|e| format!("push: {e}")),
                    Err(e) => Err(format!("edit: {e}")),
                };
                let mut s = lock(&m.stats);
                s.sent += 1;
                if measured {
                    s.measured_sent += 1;
                    s.measured_first.get_or_insert(n);
                    s.measured_last = n;
                    s.lag_us.push(lag);
                }
                match pushed {
                    Ok(Some(seq)) => {
                        pending.push_back((seq, scheduled_us, measured));
                        if measured {
                            s.unacked += 1;
                        }
                    }
                    Ok(None) => s.error("push: nothing to send"),
                    Err(e) => s.error(e),
                }
            }
            event = m.client.next_event() => match event {
                Some(Event::Ack(seq)) => {
                    let now = clock.now_us();
                    let mut s = lock(&m.stats);
                    while pending.front().is_some_and(|p| p.0 <= seq) {
                        if let Some((_, scheduled_us, true)) = pending.pop_front() {
                            s.ack_us.push(now.saturating_sub(scheduled_us));
                            s.unacked = s.unacked.saturating_sub(1);
                        }
                    }
                }
                Some(Event::Error { code, .. }) => lock(&m.stats).error(format!("server error {code:?}")),
                Some(Event::Disconnected { code, .. }) => {
                    lock(&m.stats).error(format!("disconnected (close code {})", code.map_or("none".into(), |c| c.to_string())));
                }
                Some(Event::Reconnected) => lock(&m.stats).error("reconnected"),
                Some(Event::Invalid(e)) => lock(&m.stats).error(format!("invalid frame from server: {e}")),
                Some(Event::Shutdown { .. }) => lock(&m.stats).error("server shutdown"),
                Some(Event::RemoteUpdate { .. } | Event::Presence(_) | Event::View { .. } | Event::Retrying { .. }) => {}
                None => {
                    lock(&m.stats).error("client stopped");
                    break;
                }
            },
            _ = stop.changed() => break,
        }
    }
    if m.client.dropped_events() > 0 {
        lock(&m.stats).error("events dropped by the client queue");
    }
    m.client
}

/// Memory of the server: from its `/metrics`, and from /proc when its pid is known.
#[derive(Debug, Default, Clone, Copy)]
struct Memory {
    metrics_rss: Option<u64>,
    vm_rss: Option<u64>,
    vm_hwm: Option<u64>,
}

async fn memory(http: &reqwest::Client, base: &str, token: &str, pid: Option<u32>) -> Memory {
    let metrics = async {
        let resp = http.get(format!("{base}/metrics")).bearer_auth(token).send().await.ok()?;
        if !resp.status().is_success() {
            return None;
        }
        metric(&resp.text().await.ok()?, "process_resident_memory_bytes")
    };
    let (vm_rss, vm_hwm) = pid.map_or((None, None), |p| proc_memory(&p.to_string()));
    Memory { metrics_rss: metrics.await, vm_rss, vm_hwm }
}

/// A sample's value in Prometheus text format (the first sample of that name, labels ignored).
fn metric(text: &str, name: &str) -> Option<u64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|line| {
        let rest = line.strip_prefix(name)?;
        if !(rest.starts_with(' ') || rest.starts_with('{')) {
            return None; // another metric whose name starts with this one
        }
        let value: f64 = rest.rsplit_once('}').map_or(rest, |(_, v)| v).split_whitespace().next()?.parse().ok()?;
        (value.is_finite() && value >= 0.0).then_some(value as u64)
    })
}

/// CPU seconds (user + system) of the server (when its pid is known) and of this process.
#[derive(Debug, Default, Clone, Copy)]
struct Cpu {
    server: Option<f64>,
    loadgen: Option<f64>,
}

impl Cpu {
    fn sample(server_pid: Option<u32>) -> Cpu {
        let read = |pid: &str| std::fs::read_to_string(format!("/proc/{pid}/stat")).ok().and_then(|s| cpu_seconds(&s));
        Cpu { server: server_pid.and_then(|p| read(&p.to_string())), loadgen: read("self") }
    }

    fn since(&self, earlier: &Cpu) -> Cpu {
        let diff = |a: Option<f64>, b: Option<f64>| Some(a? - b?);
        Cpu { server: diff(self.server, earlier.server), loadgen: diff(self.loadgen, earlier.loadgen) }
    }
}

/// utime + stime from a /proc/PID/stat line, in seconds (USER_HZ is 100 on Linux).
fn cpu_seconds(stat: &str) -> Option<f64> {
    // The command name (field 2) may hold spaces and parentheses; the fields after its last ')' do not.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<u64>().ok();
    Some((ticks(11)? + ticks(12)?) as f64 / 100.0)
}

/// VmRSS and VmHWM of a process (`"self"` or a pid), in bytes.
fn proc_memory(pid: &str) -> (Option<u64>, Option<u64>) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    (status_kb(&status, "VmRSS"), status_kb(&status, "VmHWM"))
}

fn status_kb(status: &str, key: &str) -> Option<u64> {
    status.lines().find_map(|l| {
        let rest = l.strip_prefix(key)?.strip_prefix(':')?;
        let kb: u64 = rest.trim().strip_suffix("kB")?.trim().parse().ok()?;
        Some(kb * 1024)
    })
}

/// Percentiles of a set of durations (µs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Summary {
    count: usize,
    p50: u64,
    p95: u64,
    p99: u64,
    max: u64,
}

impl Summary {
    fn of(mut samples: Vec<u64>) -> Summary {
        samples.sort_unstable();
        Summary {
            count: samples.len(),
            p50: percentile(&samples, 50.0),
            p95: percentile(&samples, 95.0),
            p99: percentile(&samples, 99.0),
            max: samples.last().copied().unwrap_or(0),
        }
    }
}

/// Nearest-rank percentile of sorted samples (0 when there are none).
fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(us: u64) -> String {
    format!("{:.1}", us as f64 / 1000.0)
}

fn mib(bytes: Option<u64>) -> String {
    bytes.map_or("n/a".into(), |b| format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)))
}

#[derive(Debug, Default)]
struct Report {
    pipelines: u32,
    clients_per_pipeline: u32,
    steps: u32,
    rate: f64,
    duration: Duration,
    warmup: Duration,
    create_time: Duration,
    connect_time: Duration,
    drain_time: Duration,
    connected: usize,
    connect_errors: usize,
    totals: Totals,
    errors: BTreeMap<String, u64>,
    memory: Vec<(&'static str, Memory)>,
    loadgen: (Option<u64>, Option<u64>),
    /// CPU seconds used during the measured window.
    cpu: Cpu,
}

impl Report {
    fn ok(&self) -> bool {
        self.connect_errors == 0 && self.totals.complete()
    }

    fn render(&self) -> String {
        use std::fmt::Write;
        let t = &self.totals;
        let secs = self.duration.as_secs_f64();
        let mut o = String::new();
        let _ = writeln!(
            o,
            "loadtest: {} pipelines × {} clients, {} steps, {} edits/s per client, {:.1} s measured ({:.1} s warm-up)",
            self.pipelines,
            self.clients_per_pipeline,
            self.steps,
            self.rate,
            secs,
            self.warmup.as_secs_f64()
        );
        let total = self.pipelines as usize * self.clients_per_pipeline as usize;
        let _ = writeln!(
            o,
            "setup:        created {} pipelines in {:.2} s; connected and synced {}/{} clients in {:.2} s",
            self.pipelines,
            self.create_time.as_secs_f64(),
            self.connected,
            total,
            self.connect_time.as_secs_f64()
        );
        let _ = writeln!(
            o,
            "edits sent:   {} measured ({} in all); unacked {}; drained in {:.2} s",
            t.measured_sent,
            t.sent,
            t.unacked,
            self.drain_time.as_secs_f64()
        );
        let _ = writeln!(
            o,
            "deliveries:   expected {}, received {} ({} seen, {} implied by a later edit), missing {}",
            t.expected,
            t.received,
            t.peer_us.len(),
            t.received.saturating_sub(t.peer_us.len() as u64),
            t.expected.saturating_sub(t.received)
        );
        let _ = writeln!(
            o,
            "throughput:   {:.1} edits/s, {:.1} deliveries/s",
            t.measured_sent as f64 / secs,
            t.received as f64 / secs
        );
        for (name, samples) in [("edit→peer", &t.peer_us), ("edit→ack", &t.ack_us), ("gen. lag", &t.lag_us)] {
            let s = Summary::of(samples.clone());
            let _ = writeln!(
                o,
                "{name:<13} p50 {} ms, p95 {} ms, p99 {} ms, max {} ms (n={})",
                ms(s.p50),
                ms(s.p95),
                ms(s.p99),
                ms(s.max),
                s.count
            );
        }
        if self.errors.is_empty() {
            let _ = writeln!(o, "errors:       none");
        } else {
            let _ = writeln!(o, "errors:");
            for (kind, n) in &self.errors {
                let _ = writeln!(o, "  {n:>8}  {kind}");
            }
        }
        for (when, m) in &self.memory {
            let _ = write!(o, "server memory ({when}): /metrics RSS {}", mib(m.metrics_rss));
            if m.vm_rss.is_some() || m.vm_hwm.is_some() {
                let _ = write!(o, "; /proc VmRSS {}, VmHWM {}", mib(m.vm_rss), mib(m.vm_hwm));
            }
            let _ = writeln!(o);
        }
        let _ = writeln!(o, "load generator memory: VmRSS {}, VmHWM {}", mib(self.loadgen.0), mib(self.loadgen.1));
        let core = |cpu: Option<f64>| {
            cpu.map_or("n/a".into(), |c| format!("{c:.1} s ({:.0} % of one core)", 100.0 * c / secs))
        };
        let _ = writeln!(
            o,
            "cpu (measured window): server {}, load generator {}",
            core(self.cpu.server),
            core(self.cpu.loadgen)
        );
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let s = Summary::of((1..=100).rev().collect());
        assert_eq!(s, Summary { count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
        let one = Summary::of(vec![7]);
        assert_eq!((one.p50, one.p99, one.max), (7, 7, 7));
        assert_eq!(Summary::of(vec![]), Summary::default());
        assert_eq!(percentile(&[1, 2, 3], 0.0), 1);
        assert_eq!(percentile(&[1, 2, 3], 100.0), 3);
        assert_eq!(percentile(&[10, 20], 50.0), 10);
        assert_eq!(percentile(&[10, 20], 51.0), 20);
    }

    #[test]
    fn markers_round_trip_and_reject_other_text() {
        let m = Marker { sender: 12, n: 3, scheduled_us: 456_789 };
        assert_eq!(m.render(), "12.3@456789");
        assert_eq!(Marker::parse(&m.render()), Some(m));
        for bad in ["", "x", "1.2", "1@2", "a.1@2", "1.2@x", "1.2@-3"] {
            assert_eq!(Marker::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn deliveries_are_counted_from_the_highest_seen() {
        let sender = Stats { measured_first: Some(3), measured_last: 7, ..Stats::default() };
        let mut r = Stats::default();
        assert_eq!(r.received_from(1, &sender), 0);
        r.max_seen.insert(1, 2); // only warm-up edits
        assert_eq!(r.received_from(1, &sender), 0);
        r.max_seen.insert(1, 5);
        assert_eq!(r.received_from(1, &sender), 3);
        r.max_seen.insert(1, 9); // edits after the window
        assert_eq!(r.received_from(1, &sender), 5);
        assert_eq!(sender.measured_span(), 5);
        assert_eq!(Stats::default().measured_span(), 0);
    }

    #[test]
    fn metrics_and_proc_status_are_read() {
        let text = "# HELP process_resident_memory_bytes RSS\n# TYPE process_resident_memory_bytes gauge\n\
                    process_resident_memory_bytes_total 1\nprocess_resident_memory_bytes 1.2345e7\n";
        assert_eq!(metric(text, "process_resident_memory_bytes"), Some(12_345_000));
        assert_eq!(metric("x{a=\"b\"} 5\n", "x"), Some(5));
        assert_eq!(metric("y 5\n", "x"), None);
        let status = "Name:\tpipeline-editor\nVmHWM:\t  2048 kB\nVmRSS:\t   1024 kB\n";
        assert_eq!(status_kb(status, "VmRSS"), Some(1024 * 1024));
        assert_eq!(status_kb(status, "VmHWM"), Some(2048 * 1024));
        assert_eq!(status_kb(status, "VmSwap"), None);
        let stat = "1234 (pipe (x) d) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 8 0 100 0 0";
        assert_eq!(cpu_seconds(stat), Some(3.0));
        assert_eq!(cpu_seconds("garbage"), None);
    }

    #[test]
    fn generated_pipelines_are_valid_yaml_with_the_steps_asked_for() {
        let y = pipeline_yaml("loadtest-x", 3);
        let doc = pipeline_format::Document::parse(&y).expect("parses");
        let json = pipeline_format::value::doc_to_json(&doc);
        assert_eq!(json["workflow"]["steps"].as_array().map(Vec::len), Some(3));
        assert_eq!(json["workflow"]["steps"][2]["name"], "s0002");
    }

    #[test]
    fn arguments_are_checked() {
        let mut a = LoadtestArgs {
            url: "http://x".into(),
            token: "t".into(),
            pipelines: 1,
            clients_per_pipeline: 2,
            duration: 1.0,
            edits_per_second: 1.0,
            steps: 10,
            warmup: 0.0,
            server_pid: None,
        };
        assert!(check_args(&a).is_ok());
        a.edits_per_second = 0.0;
        assert!(check_args(&a).is_err());
        a.edits_per_second = f64::NAN;
        assert!(check_args(&a).is_err());
    }
}
