//! A catch-up larger than a client frame may be (8 MiB), in both directions: while a local node and its team
//! server are apart (the link between them cut), a browser-like client writes ~12 MiB into one step on the
//! local node and another ~12 MiB into the other step on the team server, each in one commit (one Loro change
//! each, so the split must slice changes). Once the link is healed, the local node sends its 12 MiB as several
//! updates (`sync::split`; one would be refused as `too_large`) and takes the team server's 12 MiB from its
//! `welcome`; both servers then hold the same document (same version vector, same value) with every edit.
//! The browser-like clients' own pushes are split the same way.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use pipeline_doc::PipelineDoc;
use pipeline_doc::loro::{ExportMode, LoroDoc, LoroValue, ValueOrContainer, VersionVector};
use pipeline_server::replica::status::{Board, LinkState};
use pipeline_server::replica::{self, SyncToConfig, Upstream};
use pipeline_server::sync::client::{ClientAuth, ClientError, ClientOptions, SyncClient};
use pipeline_server::sync::protocol::MAX_FRAME_BYTES;
use pipeline_store::PipelineId;

mod support;

use support::net::{Node, Proxy, fields};

const YAML: &str =
    "workflow:\n  name: large\n  steps:\n    - name: a\n      type: claude\n    - name: b\n      type: claude\n";
const LIMIT: Duration = Duration::from_secs(90);
/// 24 values of 512 KiB: 12 MiB per side.
const VALUES: usize = 24;
const VALUE_BYTES: usize = 512 * 1024;

/// What these tests ask of a server besides `support::net::Node`.
impl Node {
    fn sync_url(&self, id: &str) -> String {
        format!("ws://{}/api/pipelines/{id}/sync", self.addr)
    }

    /// The version of the server's own document.
    async fn version(&self, id: PipelineId) -> VersionVector {
        self.state.docs.with_doc(&self.state.docs.entry(id), PipelineDoc::version).await.unwrap()
    }

    /// Runs `f` on the server's own document.
    async fn with_doc<T>(&self, id: PipelineId, f: impl FnOnce(&LoroDoc) -> T) -> T {
        self.state.docs.with_doc(&self.state.docs.entry(id), |d| f(d.loro())).await.unwrap()
    }

    /// A fresh replica of what this server holds, through its sync route.
    async fn read(&self, id: &str) -> Result<LoroDoc, ClientError> {
        let doc = LoroDoc::new();
        let auth = ClientAuth::Bearer(self.token.clone());
        let client = SyncClient::connect(&self.sync_url(id), auth, doc.clone(), ClientOptions::default()).await?;
        client.close().await;
        Ok(doc)
    }

    async fn client(&self, id: &str) -> SyncClient {
        let opts = ClientOptions { auto_reconnect: true, ..ClientOptions::default() };
        SyncClient::connect(&self.sync_url(id), ClientAuth::Bearer(self.token.clone()), LoroDoc::new(), opts)
            .await
            .unwrap()
    }
}

/// `VALUES` random values of `VALUE_BYTES` (random so that no compression makes them small).
fn values(side: &str, seed: u64) -> Vec<(String, String)> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut rng = fastrand::Rng::with_seed(seed);
    (0..VALUES)
        .map(|i| {
            let mut bytes = vec![0u8; VALUE_BYTES];
            rng.fill(&mut bytes);
            let text = bytes.iter().map(|b| char::from(ALPHABET[usize::from(b & 63)])).collect();
            (format!("{side}_{i}"), text)
        })
        .collect()
}

/// Writes `values` into step `step` of the client's replica in one commit, checks that this one change is
/// more than a frame can carry, pushes it and waits until the server has it durably.
async fn write_large(client: &SyncClient, step: usize, values: &[(String, String)]) {
    let before = client.doc().oplog_vv();
    let map = fields(client.doc(), step);
    for (k, v) in values {
        map.insert(k, v.as_str()).unwrap();
    }
    client.doc().commit();
    let update = client.doc().export(ExportMode::updates(&before)).unwrap();
    assert!(update.len() > MAX_FRAME_BYTES + MAX_FRAME_BYTES / 4, "only {} bytes: not over the limit", update.len());
    let seq = client.push().await.unwrap().expect("something to send");
    assert!(seq > 1, "one change of {} bytes went as a single update (seq {seq})", update.len());
    client.wait_acked(seq, LIMIT).await.unwrap();
}

fn holds(doc: &LoroDoc, step: usize, values: &[(String, String)]) -> bool {
    let map = fields(doc, step);
    values.iter().all(
        |(k, v)| matches!(map.get(k), Some(ValueOrContainer::Value(LoroValue::String(s))) if s.as_str() == v.as_str()),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catch_up_over_the_frame_limit_is_split_and_converges_both_ways() {
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

    let local = Node::start("Local").await;
    let proxy = Proxy::start(team.addr).await;
    let upstream = Upstream::parse(&format!("http://{}", proxy.addr)).unwrap();
    let board = Arc::new(Board::new(upstream.http()));
    let config = SyncToConfig {
        upstream,
        token: team.token.clone(),
        local_team: local.team,
        relist_every: Duration::from_secs(1),
        tls: None,
    };
    replica::start(local.state.clone(), config, board.clone());
    let started = Instant::now();
    while local.read(&id).await.is_err() {
        assert!(started.elapsed() < LIMIT, "the pipeline never reached the local node");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Apart: the link is cut, and each side takes 12 MiB from a client of its own.
    let (on_local, on_team) = (values("local", 1), values("team", 2));
    let local_client = local.client(&id).await;
    let team_client = team.client(&id).await;
    proxy.set_cut(true);
    write_large(&local_client, 0, &on_local).await;
    write_large(&team_client, 1, &on_team).await;
    let (local_vv, team_vv) = (local_client.doc().oplog_vv(), team_client.doc().oplog_vv());
    local_client.close().await;
    team_client.close().await;

    // Together again: both servers converge on the same document, with both sides' 12 MiB. (Read in
    // process: a fresh sync client's copy of 24 MiB takes long in a debug build.)
    proxy.set_cut(false);
    let pid: PipelineId = id.parse().unwrap();
    let mut written = local_vv;
    written.merge(&team_vv);
    let started = Instant::now();
    loop {
        let (t, l) = (team.version(pid).await, local.version(pid).await);
        if t == l && t.includes_vv(&written) {
            break;
        }
        assert!(
            started.elapsed() < LIMIT,
            "never converged: team {t:?} local {l:?}, status {}",
            serde_json::to_string(&board.snapshot()).unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let value = team.with_doc(pid, LoroDoc::get_deep_value).await;
    assert_eq!(local.with_doc(pid, LoroDoc::get_deep_value).await, value, "same version, different values");
    for node in [&team, &local] {
        assert!(node.with_doc(pid, |d| holds(d, 0, &on_local) && holds(d, 1, &on_team)).await, "{}", node.addr);
    }
    // And the link knows it: connected, nothing pending, no error left.
    let started = Instant::now();
    loop {
        let status = board.snapshot();
        let p = status.pipelines.iter().find(|p| p.id == id).expect("the pipeline is linked");
        if p.state == LinkState::Connected && p.pending_changes == 0 {
            assert_eq!(p.error, None);
            break;
        }
        assert!(started.elapsed() < LIMIT, "the link never settled: {}", serde_json::to_string(&status).unwrap());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
