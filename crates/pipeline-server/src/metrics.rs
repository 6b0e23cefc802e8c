//! `/metrics`: Prometheus text format (prometheus-client). Connections, messages, errors, edit→ack and fan-out
//! latency, storage timings and batch sizes, and the process's resident memory (read from /proc at scrape).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::app::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    pub kind: &'static str,
}

pub struct Metrics {
    registry: Registry,
    pub connections: Gauge,
    pub rooms: Gauge,
    pub received: Family<KindLabel, Counter>,
    pub sent: Family<KindLabel, Counter>,
    pub errors: Family<KindLabel, Counter>,
    pub resyncs: Counter,
    pub edit_to_ack: Histogram,
    pub fanout: Histogram,
    pub append: Histogram,
    pub append_batch: Histogram,
    pub doc_load: Histogram,
    pub view_render: Histogram,
    rss: Gauge,
}

fn latency() -> Histogram {
    // 50 µs … ~3.3 s
    Histogram::new(exponential_buckets(0.000_05, 2.0, 17))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut m = Metrics {
            registry: Registry::default(),
            connections: Gauge::default(),
            rooms: Gauge::default(),
            received: Family::default(),
            sent: Family::default(),
            errors: Family::default(),
            resyncs: Counter::default(),
            edit_to_ack: latency(),
            fanout: latency(),
            append: latency(),
            append_batch: Histogram::new(exponential_buckets(1.0, 2.0, 10)),
            doc_load: latency(),
            view_render: latency(),
            rss: Gauge::default(),
        };
        m.registry.register("sync_connections", "Open sync WebSocket connections", m.connections.clone());
        m.registry.register("sync_rooms", "Pipelines with at least one sync connection", m.rooms.clone());
        m.registry.register("sync_messages_received", "Sync messages received, by type", m.received.clone());
        m.registry.register("sync_messages_sent", "Sync messages sent, by type", m.sent.clone());
        m.registry.register("sync_errors", "Sync errors sent to clients, by code", m.errors.clone());
        m.registry.register("sync_resyncs", "Connections that fell behind and were resynced", m.resyncs.clone());
        m.registry.register(
            "sync_edit_to_ack_seconds",
            "From receiving a client update to its acknowledgement (durable)",
            m.edit_to_ack.clone(),
        );
        m.registry.register(
            "sync_fanout_seconds",
            "From an update being accepted to it being written to a peer's socket",
            m.fanout.clone(),
        );
        m.registry.register("store_append_seconds", "One group commit of document updates", m.append.clone());
        m.registry.register("store_append_batch_size", "Updates per group commit", m.append_batch.clone());
        m.registry.register("store_doc_load_seconds", "Loading a document from the store", m.doc_load.clone());
        m.registry.register("view_render_seconds", "Exporting YAML and diagnostics for views", m.view_render.clone());
        m.registry.register("process_resident_memory_bytes", "Resident memory of this process", m.rss.clone());
        m
    }
}

impl Metrics {
    pub fn kind(kind: &'static str) -> KindLabel {
        KindLabel { kind }
    }

    pub fn observe(h: &Histogram, d: Duration) {
        h.observe(d.as_secs_f64());
    }

    pub fn render(&self) -> String {
        if let Some(rss) = resident_bytes() {
            self.rss.set(i64::try_from(rss).unwrap_or(i64::MAX));
        }
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            tracing::warn!("could not encode metrics");
        }
        out
    }
}

/// VmRSS of this process, from /proc (Linux); `None` elsewhere.
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

pub async fn handler(State(state): State<AppState>) -> impl IntoResponse {
    let body = state.metrics.render();
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], body)
}

pub type SharedMetrics = Arc<Metrics>;
