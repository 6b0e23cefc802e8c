//! A randomised partition test: a team server, two local nodes syncing to it (`replica`), and three
//! browser-like sync clients (one on each server) — six replicas, every link through a TCP proxy that a random
//! schedule cuts and heals — take random edits (a new key each, and overwrites of one shared key) for
//! `PARTITION_OPS` operations (10,000 by default). Once every link is healed, all six replicas must hold the
//! same document, every edit must be in it, and each client's changes must be durable on its server.
//!
//! The schedule comes from `PARTITION_SEED` (random when unset), printed first so a failure can be replayed
//! (timing still varies between runs; the operations and partitions do not).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use pipeline_doc::loro::{LoroDoc, LoroValue, ValueOrContainer};
use pipeline_server::replica::status::Board;
use pipeline_server::replica::{self, SyncToConfig, Upstream};
use pipeline_server::sync::client::{ClientAuth, ClientError, ClientOptions, Event, SyncClient};

mod support;

use support::net::{Node, Proxy, fields};

const YAML: &str =
    "workflow:\n  name: partition\n  steps:\n    - name: a\n      type: claude\n    - name: b\n      type: claude\n";
const SETTLE: Duration = Duration::from_secs(90);

fn sync_url(via: SocketAddr, id: &str) -> String {
    format!("ws://{via}/api/pipelines/{id}/sync")
}

/// Everything a client holds is durable on its server, and every replica holds the same operations.
fn settled(clients: &[SyncClient]) -> bool {
    let first = clients[0].doc().oplog_vv();
    clients.iter().all(|c| {
        let vv = c.doc().oplog_vv();
        vv == first && c.server_version().includes_vv(&vv)
    })
}

/// A fresh replica of what the server at `url` holds.
async fn read_server(url: &str, token: &str) -> Result<LoroDoc, ClientError> {
    let doc = LoroDoc::new();
    let client =
        SyncClient::connect(url, ClientAuth::Bearer(token.to_owned()), doc.clone(), ClientOptions::default()).await?;
    client.close().await;
    Ok(doc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_partitions_lose_no_edit_and_all_replicas_converge() {
    let seed: u64 =
        std::env::var("PARTITION_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| fastrand::u64(..));
    let ops: usize = std::env::var("PARTITION_OPS").ok().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    eprintln!("partition test: seed {seed}, {ops} operations (replay: PARTITION_SEED={seed})");
    let mut rng = fastrand::Rng::with_seed(seed);

    let team = Node::start("Team").await;
    let r = reqwest::Client::new()
        .post(format!("http://{}/api/pipelines", team.addr))
        .bearer_auth(&team.token)
        .header("content-type", "application/yaml")
        .body(YAML)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let id = r.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_owned();

    // Two local nodes, each syncing to the team server through its own proxy.
    let mut locals = Vec::new();
    let mut proxies = Vec::new();
    for _ in 0..2 {
        let node = Node::start("Local").await;
        let proxy = Proxy::start(team.addr).await;
        let upstream = Upstream::parse(&format!("http://{}", proxy.addr)).unwrap();
        let board = Arc::new(Board::new(upstream.http()));
        let config = SyncToConfig {
            upstream,
            token: team.token.clone(),
            local_team: node.team,
            relist_every: Duration::from_secs(1),
            tls: None,
        };
        replica::start(node.state.clone(), config, board);
        locals.push(node);
        proxies.push(proxy);
    }
    // Wait for the local nodes to have the pipeline (a client needs it there to connect).
    let started = Instant::now();
    for node in &locals {
        while read_server(&sync_url(node.addr, &id), &node.token).await.is_err() {
            assert!(started.elapsed() < SETTLE, "seed {seed}: the pipeline never reached a local node");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    // A browser-like client on each server, through a proxy of its own.
    let servers: Vec<&Node> = vec![&team, &locals[0], &locals[1]];
    let mut clients = Vec::new();
    for node in &servers {
        let proxy = Proxy::start(node.addr).await;
        let opts = ClientOptions { auto_reconnect: true, ..ClientOptions::default() };
        let url = sync_url(proxy.addr, &id);
        let client =
            SyncClient::connect(&url, ClientAuth::Bearer(node.token.clone()), LoroDoc::new(), opts).await.unwrap();
        clients.push(client);
        proxies.push(proxy);
    }

    // The schedule: mostly edits, sometimes a link cut or healed.
    let mut written: Vec<(usize, String, i64)> = Vec::new();
    let mut reconnects = 0usize;
    for n in 0..ops {
        if rng.u16(0..1000) < 15 {
            let p = rng.usize(0..proxies.len());
            proxies[p].set_cut(rng.bool());
        } else {
            let c = rng.usize(0..clients.len());
            let step = rng.usize(0..2);
            let value = i64::try_from(n).unwrap();
            let map = fields(clients[c].doc(), step);
            if rng.u8(0..100) < 75 {
                let key = format!("e{c}_{n}");
                map.insert(&key, value).unwrap();
                written.push((step, key, value));
            } else {
                map.insert("shared", value).unwrap();
            }
            match clients[c].push().await {
                Ok(_) | Err(ClientError::NotConnected) => {}
                Err(e) => panic!("seed {seed}: client {c} failed at operation {n}: {e}"),
            }
        }
        // Paced so that links stay cut or healed long enough for clients to reconnect in between.
        if n % 4 == 0 {
            tokio::time::sleep(Duration::from_millis(3)).await;
            for c in &mut clients {
                while let Some(Some(event)) = c.next_event().now_or_never() {
                    reconnects += usize::from(event == Event::Reconnected);
                }
            }
        }
    }
    assert!(reconnects > 0, "seed {seed}: no client was cut and reconnected during the run");

    // Heal everything; everyone converges.
    for p in &proxies {
        p.set_cut(false);
    }
    let started = Instant::now();
    while !settled(&clients) {
        assert!(
            started.elapsed() < SETTLE,
            "seed {seed}: the clients did not converge: {:?}",
            clients.iter().map(|c| (c.doc().oplog_vv(), c.server_version())).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let reference = clients[0].doc().get_deep_value();
    for (i, c) in clients.iter().enumerate() {
        assert_eq!(c.doc().get_deep_value(), reference, "seed {seed}: client {i} differs");
    }
    // The servers' own documents (read directly, not through the proxies) match too, once they have
    // exchanged everything among themselves.
    for node in &servers {
        let url = sync_url(node.addr, &id);
        loop {
            let doc = read_server(&url, &node.token).await.unwrap();
            if doc.oplog_vv() == clients[0].doc().oplog_vv() {
                assert_eq!(doc.get_deep_value(), reference, "seed {seed}: server {} differs", node.addr);
                break;
            }
            assert!(started.elapsed() < SETTLE, "seed {seed}: server {} never caught up", node.addr);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // Every edit is there.
    let doc = clients[0].doc();
    let maps = [fields(doc, 0), fields(doc, 1)];
    for (step, key, value) in &written {
        let got = maps[*step].get(key);
        assert!(
            matches!(&got, Some(ValueOrContainer::Value(LoroValue::I64(v))) if v == value),
            "seed {seed}: edit {key} = {value} of step {step} is missing: {got:?}"
        );
    }
    eprintln!("partition test: {} edits, {reconnects} reconnects of clients, all edits on 6 replicas", written.len());
    for c in clients {
        c.close().await;
    }
}
