//! Sync against real `serve` processes: a SIGKILL and a graceful restart (SIGTERM) lose no acknowledged
//! update and clients reconnect by themselves; two nodes on one PostgreSQL fan out to each other's clients,
//! and a rolling restart of one loses nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{fields, free_port, get_json, pg_url, rt};
use pipeline_doc::loro::{self, LoroDoc, ValueOrContainer};
use pipeline_server::sync::client::{ClientAuth, ClientOptions, Event, SyncClient};

const BIN: &str = env!("CARGO_BIN_EXE_pipeline-editor");
const YAML: &str =
    "workflow:\n  name: nodes\n  steps:\n    - name: a\n      type: claude\n    - name: b\n      type: claude\n";

fn store_args(target: &str) -> Vec<String> {
    let flag = if target.starts_with("postgres") { "--database-url" } else { "--data" };
    vec![flag.to_owned(), target.to_owned()]
}

fn token(target: &str) -> String {
    token_for(target, "owner")
}

/// An API token of a new user with `role` in team "Nodes".
fn token_for(target: &str, role: &str) -> String {
    let email = format!("n{}@example.org", uuid::Uuid::now_v7().simple());
    let mut args: Vec<String> = vec!["user".into(), "create".into()];
    args.extend(store_args(target));
    args.extend([email.clone(), "--team".into(), "Nodes".into(), "--role".into(), role.into()]);
    assert!(Command::new(BIN).args(&args).output().unwrap().status.success());
    let mut args: Vec<String> = vec!["token".into(), "create".into()];
    args.extend(store_args(target));
    args.push(email);
    let out = Command::new(BIN).args(&args).output().unwrap();
    String::from_utf8_lossy(&out.stdout).lines().last().unwrap().trim().to_owned()
}

struct Node {
    child: Child,
    port: u16,
}

impl Node {
    fn start(target: &str, port: u16) -> Node {
        let mut args: Vec<String> = vec!["serve".into()];
        args.extend(store_args(target));
        args.extend(["--listen".into(), format!("127.0.0.1:{port}")]);
        let mut child = Command::new(BIN).args(&args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        loop {
            let line = lines.next().expect("serve printed its URL").unwrap();
            if line.starts_with("Pipeline Editor is running at ") {
                break;
            }
        }
        std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
        Node { child, port }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn sync_url(&self, id: &str) -> String {
        format!("ws://127.0.0.1:{}/api/pipelines/{id}/sync", self.port)
    }

    fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, and wait until the process has exited by itself.
    fn stop_gracefully(mut self) -> Duration {
        let started = Instant::now();
        let ok = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(ok.success());
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "graceful stop exits 0, got {status}");
                return started.elapsed();
            }
            assert!(started.elapsed() < Duration::from_secs(30), "node did not stop after SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn create(base: &str, token: &str) -> String {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/pipelines"))
        .bearer_auth(token)
        .header("content-type", "application/yaml")
        .body(YAML)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

async fn client(url: &str, token: &str) -> SyncClient {
    let opts = ClientOptions { auto_reconnect: true, ..ClientOptions::default() };
    SyncClient::connect(url, ClientAuth::Bearer(token.to_owned()), LoroDoc::new(), opts).await.unwrap()
}

fn field(doc: &LoroDoc, step: usize, key: &str) -> Option<String> {
    match fields(doc, step).get(key) {
        Some(ValueOrContainer::Value(loro::LoroValue::String(s))) => Some(s.to_string()),
        _ => None,
    }
}

async fn wait_field(doc: &LoroDoc, step: usize, key: &str, want: &str, limit: Duration) -> Duration {
    let started = Instant::now();
    while field(doc, step, key).as_deref() != Some(want) {
        assert!(started.elapsed() < limit, "{key} never became {want:?} (is {:?})", field(doc, step, key));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    started.elapsed()
}

/// Edits step `step` field `key` to `prefix-0..n`, pushing each; returns the last value acked.
async fn edit_stream(c: &SyncClient, step: usize, key: &str, prefix: &str, n: usize) -> Option<String> {
    let mut last_acked = None;
    for i in 0..n {
        let value = format!("{prefix}-{i}");
        fields(c.doc(), step).insert(key, value.as_str()).unwrap();
        if let Ok(Some(seq)) = c.push().await
            && c.wait_acked(seq, Duration::from_millis(500)).await.is_ok()
        {
            last_acked = Some(value);
        }
    }
    last_acked
}

fn restarts(target: &str) {
    let token = token(target);
    let port = free_port();
    let node = Node::start(target, port);
    rt().block_on(async {
        let id = create(&node.base(), &token).await;
        let mut a = client(&node.sync_url(&id), &token).await;

        // A stream of edits, then SIGKILL in the middle of the next one.
        let acked = edit_stream(&a, 0, "model", "before-kill", 30).await.expect("edits were acked");
        fields(a.doc(), 0).insert("model", "unacked-at-kill").unwrap();
        let _ = a.push().await;
        node.kill9();
        // The client keeps editing offline.
        fields(a.doc(), 1).insert("model", "offline").unwrap();
        let _ = a.push().await;

        let node = Node::start(target, port);
        // It reconnects by itself and sends what the server lacks; a fresh client sees everything.
        let b = client(&node.sync_url(&id), &token).await;
        wait_field(b.doc(), 1, "model", "offline", Duration::from_secs(30)).await;
        wait_field(b.doc(), 0, "model", "unacked-at-kill", Duration::from_secs(5)).await;
        assert!(acked.starts_with("before-kill-"));

        // Graceful restart: clients are told, in-flight writes finish, the process exits 0.
        let last = edit_stream(&a, 0, "model", "before-term", 10).await.expect("acked");
        let took = node.stop_gracefully();
        let mut saw_shutdown = false;
        while let Ok(Some(ev)) = tokio::time::timeout(Duration::from_secs(5), a.next_event()).await {
            match ev {
                Event::Shutdown { .. } => saw_shutdown = true,
                Event::Disconnected { code, .. } if saw_shutdown => {
                    assert_eq!(code, Some(1012));
                    break;
                }
                _ => {}
            }
        }
        assert!(saw_shutdown, "no shutdown message before the close");
        eprintln!("graceful stop took {took:?}");
        let node = Node::start(target, port);
        let fresh = client(&node.sync_url(&id), &token).await;
        assert_eq!(field(fresh.doc(), 0, "model").as_deref(), Some(last.as_str()));
        // The old client is back and its new edits arrive.
        fields(a.doc(), 1).insert("description", "after restart").unwrap();
        // Sent now if connected, else by the reconnect (which sends whatever the server lacks).
        let _ = a.push().await;
        wait_field(fresh.doc(), 1, "description", "after restart", Duration::from_secs(30)).await;
        drop(node);
    });
}

#[test]
fn sync_restarts_lose_nothing_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    restarts(dir.path().to_str().unwrap());
}

#[test]
fn sync_restarts_lose_nothing_postgres() {
    if let Some(url) = pg_url("nodes") {
        restarts(&url);
    }
}

#[test]
fn two_nodes_on_one_postgres() {
    let Some(url) = pg_url("nodes") else { return };
    let token = token(&url);
    let (p1, p2) = (free_port(), free_port());
    let n1 = Node::start(&url, p1);
    let n2 = Node::start(&url, p2);
    rt().block_on(async {
        let id = create(&n1.base(), &token).await;
        let a = client(&n1.sync_url(&id), &token).await;
        let b = client(&n2.sync_url(&id), &token).await;

        // A → B and B → A, through PostgreSQL NOTIFY.
        let mut worst = Duration::ZERO;
        for i in 0..20 {
            let v = format!("from-a-{i}");
            fields(a.doc(), 0).insert("model", v.as_str()).unwrap();
            let seq = a.push().await.unwrap().unwrap();
            a.wait_acked(seq, Duration::from_secs(5)).await.unwrap();
            worst = worst.max(wait_field(b.doc(), 0, "model", &v, Duration::from_secs(5)).await);
            let v = format!("from-b-{i}");
            fields(b.doc(), 1).insert("model", v.as_str()).unwrap();
            let seq = b.push().await.unwrap().unwrap();
            b.wait_acked(seq, Duration::from_secs(5)).await.unwrap();
            worst = worst.max(wait_field(a.doc(), 1, "model", &v, Duration::from_secs(5)).await);
        }
        eprintln!("two nodes: slowest ack-to-other-node delivery {worst:?}");

        // Rolling restart of node 1 while B keeps editing through node 2: nothing is lost.
        let took = n1.stop_gracefully();
        eprintln!("node 1 stopped gracefully in {took:?}");
        let last_b = edit_stream(&b, 1, "description", "during-restart", 10).await.expect("node 2 kept acking");
        fields(a.doc(), 0).insert("description", "a-while-away").unwrap();
        let _ = a.push().await;
        let n1 = Node::start(&url, p1);
        wait_field(a.doc(), 1, "description", &last_b, Duration::from_secs(30)).await;
        wait_field(b.doc(), 0, "description", "a-while-away", Duration::from_secs(30)).await;
        assert_eq!(a.doc().get_deep_value(), b.doc().get_deep_value());
        let fresh = client(&n1.sync_url(&id), &token).await;
        assert_eq!(fresh.doc().get_deep_value(), b.doc().get_deep_value());
        drop(n2);
    });
}

/// The next `Disconnected` event's close code, within `limit`.
async fn closed_with(c: &mut SyncClient, limit: Duration) -> Option<u16> {
    tokio::time::timeout(limit, async {
        loop {
            match c.next_event().await {
                Some(Event::Disconnected { code, .. }) => return code,
                Some(_) => {}
                None => return None,
            }
        }
    })
    .await
    .expect("the connection was not closed in time")
}

/// Permissions hold across nodes: a member demoted through node 1 loses their editing connection on node 2
/// (closed with 4003, the reconnect is read-only), and a change the feed could not tell (made while node 2's
/// listening connection was down; here written to the database directly, with no note) is found when the feed
/// comes back: every connection reads its role again. An API token revoked through node 1 closes its
/// connection on node 2 at once.
#[test]
fn role_changes_and_revocations_reach_the_other_node() {
    use pipeline_server::sync::protocol::ConnRole;
    let Some(url) = pg_url("nodes") else { return };
    let owner = token(&url);
    let member = token_for(&url, "member");
    let n1 = Node::start(&url, free_port());
    let n2 = Node::start(&url, free_port());
    rt().block_on(async {
        let id = create(&n1.base(), &owner).await;
        let http = reqwest::Client::new();
        let me = get_json(http.get(format!("{}/api/auth/me", n1.base())).bearer_auth(&member)).await;
        let (user, team) =
            (me["user"]["id"].as_str().unwrap().to_owned(), me["teams"][0]["id"].as_str().unwrap().to_owned());
        let connect = || async {
            let opts = ClientOptions { auto_reconnect: false, ..ClientOptions::default() };
            SyncClient::connect(&n2.sync_url(&id), ClientAuth::Bearer(member.clone()), LoroDoc::new(), opts)
                .await
                .unwrap()
        };

        let mut c = connect().await;
        assert_eq!(c.info().role, ConnRole::Editor);
        let r = http
            .patch(format!("{}/api/teams/{team}/members/{user}", n1.base()))
            .bearer_auth(&owner)
            .json(&serde_json::json!({ "role": "viewer" }))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        assert_eq!(closed_with(&mut c, Duration::from_secs(10)).await, Some(4003));
        let mut c = connect().await;
        assert_eq!(c.info().role, ConnRole::ReadOnly);

        // Promoted behind the nodes' backs, then the listening connections drop: node 2 checks again.
        use sqlx::Connection;
        let mut db = sqlx::PgConnection::connect(&url).await.unwrap();
        let changed = sqlx::query("UPDATE memberships SET role = 'member' WHERE user_id = $1::uuid")
            .bind(&user)
            .execute(&mut db)
            .await
            .unwrap();
        assert_eq!(changed.rows_affected(), 1);
        let killed: Vec<bool> = sqlx::query_scalar(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE 'LISTEN%'",
        )
        .fetch_all(&mut db)
        .await
        .unwrap();
        assert_eq!(killed.len(), 2, "each node listens once");
        assert_eq!(closed_with(&mut c, Duration::from_secs(10)).await, Some(4003));
        let mut c = connect().await;
        assert_eq!(c.info().role, ConnRole::Editor);

        // The member's API token revoked through node 1: node 2 closes its connection at once (its periodic
        // check would come only after 30 s).
        let tokens = get_json(http.get(format!("{}/api/tokens", n1.base())).bearer_auth(&member)).await;
        let tid = tokens["items"][0]["id"].as_str().unwrap().to_owned();
        let r = http.delete(format!("{}/api/tokens/{tid}", n1.base())).bearer_auth(&member).send().await.unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        assert_eq!(closed_with(&mut c, Duration::from_secs(10)).await, Some(4003));
        drop((n1, n2));
    });
}
