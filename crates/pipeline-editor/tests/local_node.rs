//! A local node (`serve --sync-to`) and a team server as two real processes on loopback: the local node
//! replicates the team's pipelines, edits on either side propagate live, and edits made on both sides while
//! they are apart (the team server stopped, the local node stopped and started again with unsent changes, a
//! browser-like client editing on the local node) all arrive on both sides once they meet again: the exported
//! YAML is identical on both and holds every edit. New pipelines on the team server are picked up. Logs of
//! both processes: `LOCAL_NODE_TEST_LOGS=1`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{fields, free_port, rt};
use pipeline_doc::loro::LoroDoc;
use pipeline_server::sync::client::{ClientAuth, ClientOptions, SyncClient};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_pipeline-editor");
const YAML: &str = "workflow:\n  name: nodes\n  steps:\n    - name: a\n      type: claude\n      model: a0\n    - name: b\n      type: claude\n      model: b0\n";
const LIMIT: Duration = Duration::from_secs(30);

/// A user who owns `team` on the store in `dir`, and an API token of theirs.
fn token(dir: &Path, team: &str) -> String {
    let data = dir.to_str().unwrap();
    let email = format!("n{}@example.org", uuid::Uuid::now_v7().simple());
    let out = Command::new(BIN)
        .args(["user", "create", "--data", data, &email, "--team", team, "--role", "owner"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = Command::new(BIN).args(["token", "create", "--data", data, &email]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().last().unwrap().trim().to_owned()
}

struct Node {
    child: Child,
    port: u16,
}

impl Node {
    fn start(dir: &Path, port: u16, extra: &[&str]) -> Node {
        let mut args: Vec<String> = vec!["serve".into(), "--data".into(), dir.to_str().unwrap().into()];
        args.extend(["--listen".into(), format!("127.0.0.1:{port}")]);
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let logs = std::env::var_os("LOCAL_NODE_TEST_LOGS").is_some();
        let mut child = Command::new(BIN)
            .args(&args)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(if logs { Stdio::inherit() } else { Stdio::null() })
            .spawn()
            .unwrap();
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

    /// SIGTERM, and wait until the process has exited by itself.
    fn stop(mut self) {
        let started = Instant::now();
        let ok = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(ok.success());
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "graceful stop exits 0, got {status}");
                return;
            }
            assert!(started.elapsed() < LIMIT, "node did not stop after SIGTERM");
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

struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    fn new(node: &Node, token: &str) -> Api {
        Api { http: reqwest::Client::new(), base: node.base(), token: token.to_owned() }
    }

    async fn create(&self, yaml: &str) -> String {
        let r = self
            .http
            .post(format!("{}/api/pipelines", self.base))
            .bearer_auth(&self.token)
            .header("content-type", "application/yaml")
            .body(yaml.to_owned())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
    }

    /// The pipeline's exported YAML, `None` while this node does not have it.
    async fn yaml(&self, id: &str) -> Option<String> {
        let r = self
            .http
            .get(format!("{}/api/pipelines/{id}/yaml", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .ok()?;
        if r.status() != 200 {
            return None;
        }
        r.text().await.ok()
    }

    /// Reads the YAML, replaces `old` by `new` in it, and writes it back (as the YAML pane does).
    async fn edit(&self, id: &str, old: &str, new: &str) {
        let yaml = self.yaml(id).await.expect("the pipeline is here");
        assert!(yaml.contains(old), "{old:?} not in\n{yaml}");
        let r = self
            .http
            .put(format!("{}/api/pipelines/{id}/yaml", self.base))
            .bearer_auth(&self.token)
            .header("content-type", "application/yaml")
            .body(yaml.replacen(old, new, 1))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    }

    async fn status(&self) -> Value {
        let r = self.http.get(format!("{}/api/sync-to/status", self.base)).bearer_auth(&self.token).send().await;
        r.unwrap().json().await.unwrap()
    }

    /// Waits until the YAML holds every one of `wanted`; returns it.
    async fn wait_yaml(&self, id: &str, wanted: &[&str]) -> String {
        let started = Instant::now();
        loop {
            let yaml = self.yaml(id).await;
            if let Some(y) = &yaml
                && wanted.iter().all(|w| y.contains(w))
            {
                return y.clone();
            }
            assert!(started.elapsed() < LIMIT, "{} never had {wanted:?}: {yaml:?}", self.base);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until `pred` holds for the replication state of pipeline `id`; returns it.
    async fn wait_status(&self, id: &str, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let started = Instant::now();
        loop {
            let status = self.status().await;
            let entry = status["pipelines"].as_array().and_then(|a| a.iter().find(|p| p["id"] == id)).cloned();
            if let Some(e) = entry
                && pred(&e)
            {
                return e;
            }
            assert!(started.elapsed() < LIMIT, "never {what}: {status}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Both sides export the same YAML, holding every one of `wanted`; returns it.
async fn converged(team: &Api, local: &Api, id: &str, wanted: &[&str]) -> String {
    let started = Instant::now();
    loop {
        let t = team.wait_yaml(id, wanted).await;
        let l = local.wait_yaml(id, wanted).await;
        if t == l {
            return t;
        }
        assert!(started.elapsed() < LIMIT, "the two sides differ:\n--- team\n{t}\n--- local\n{l}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[test]
fn a_local_node_and_its_team_server_converge_with_every_edit() {
    let team_dir = tempfile::tempdir().unwrap();
    let local_dir = tempfile::tempdir().unwrap();
    let team_token = token(team_dir.path(), "Team");
    let local_token = token(local_dir.path(), "Local");
    let (team_port, local_port) = (free_port(), free_port());
    let team_url = format!("http://127.0.0.1:{team_port}");
    let local_args = ["--sync-to", team_url.as_str(), "--token", team_token.as_str(), "--sync-relist-secs", "1"];
    rt().block_on(async {
        let team_node = Node::start(team_dir.path(), team_port, &[]);
        let team = Api::new(&team_node, &team_token);
        let id = team.create(YAML).await;

        // Initial replication: same id, same YAML, state connected with nothing pending.
        let local_node = Node::start(local_dir.path(), local_port, &local_args);
        let local = Api::new(&local_node, &local_token);
        converged(&team, &local, &id, &["model: a0", "model: b0"]).await;
        let entry = local
            .wait_status(&id, "connected and in sync", |p| {
                p["state"] == "connected" && p["pending_changes"] == 0 && p["last_synced_at"].is_string()
            })
            .await;
        assert_eq!(entry["name"], "nodes");

        // Live, both ways: a YAML edit on the team server, one on the local node, and a browser-like sync
        // client of the local node.
        team.edit(&id, "model: a0", "model: team-live").await;
        local.wait_yaml(&id, &["model: team-live"]).await;
        local.edit(&id, "model: b0", "model: local-live").await;
        team.wait_yaml(&id, &["model: local-live"]).await;
        let url = format!("ws://127.0.0.1:{local_port}/api/pipelines/{id}/sync");
        let opts = ClientOptions { auto_reconnect: true, ..ClientOptions::default() };
        let browser =
            SyncClient::connect(&url, ClientAuth::Bearer(local_token.clone()), LoroDoc::new(), opts).await.unwrap();
        fields(browser.doc(), 0).insert("notes", "browser-live").unwrap();
        let seq = browser.push().await.unwrap().unwrap();
        browser.wait_acked(seq, LIMIT).await.unwrap();
        team.wait_yaml(&id, &["notes: browser-live"]).await;

        // Apart: the team server stops; the local node keeps editing (YAML pane and browser), shows the
        // pipeline retrying with pending changes, and is itself restarted before they meet again.
        team_node.stop();
        local.edit(&id, "model: local-live", "model: local-offline").await;
        fields(browser.doc(), 0).insert("notes", "browser-offline").unwrap();
        let seq = browser.push().await.unwrap().unwrap();
        browser.wait_acked(seq, LIMIT).await.unwrap();
        local
            .wait_status(&id, "retrying with pending changes", |p| {
                p["state"] == "retrying" && p["pending_changes"].as_u64().is_some_and(|n| n > 0)
            })
            .await;
        let started = Instant::now();
        while local.status().await["state"] != "unreachable" {
            assert!(started.elapsed() < LIMIT, "the team server never showed as unreachable");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        browser.close().await;
        local_node.stop();

        // The team server comes back first and is edited while the local node is down: a field of the
        // pipeline, and a new pipeline.
        let team_node = Node::start(team_dir.path(), team_port, &[]);
        let team = Api::new(&team_node, &team_token);
        team.edit(&id, "model: team-live", "model: team-offline").await;
        let second = team.create(&YAML.replace("name: nodes", "name: second")).await;

        // The local node starts again: every edit of both sides is on both, and the new pipeline arrives.
        let local_node = Node::start(local_dir.path(), local_port, &local_args);
        let local = Api::new(&local_node, &local_token);
        let wanted = ["model: team-offline", "model: local-offline", "notes: browser-offline"];
        let yaml = converged(&team, &local, &id, &wanted).await;
        assert!(!yaml.contains("local-live") && !yaml.contains("team-live"), "{yaml}");
        converged(&team, &local, &second, &["name: second"]).await;
        local.wait_status(&id, "in sync again", |p| p["state"] == "connected" && p["pending_changes"] == 0).await;

        // Apart again, this time the local node stays up and reconnects by itself when the team server is
        // back; both sides edit meanwhile.
        team_node.stop();
        local.edit(&id, "notes: browser-offline", "notes: local-2").await;
        local.wait_status(&id, "retrying", |p| p["state"] == "retrying").await;
        let team_node = Node::start(team_dir.path(), team_port, &[]);
        let team = Api::new(&team_node, &team_token);
        team.edit(&id, "model: local-offline", "model: team-2").await;
        let yaml = converged(&team, &local, &id, &["notes: local-2", "model: team-2", "model: team-offline"]).await;
        assert_eq!(yaml.matches("name: ").count(), 3, "no step duplicated or lost:\n{yaml}");
        local.wait_status(&id, "in sync at the end", |p| p["state"] == "connected" && p["pending_changes"] == 0).await;

        // A pipeline created on the team server while both run is picked up by the next listing.
        let third = team.create(&YAML.replace("name: nodes", "name: third")).await;
        converged(&team, &local, &third, &["name: third"]).await;

        local_node.stop();
        team_node.stop();
    });
}
