//! A local node (`serve --sync-to`) and a team server as two real processes on loopback: the local node
//! replicates the team's pipelines, edits on either side propagate live, and edits made on both sides while
//! they are apart (the team server stopped, the local node stopped and started again with unsent changes, a
//! browser-like client editing on the local node) all arrive on both sides once they meet again: the exported
//! YAML is identical on both and holds every edit. New pipelines on the team server are picked up.
//!
//! Over TLS: the team server behind a TLS-terminating proxy (127.0.0.1, a certificate from a private CA made by
//! the test) is reached with `--sync-to https://… --sync-ca ca.pem` and syncs both ways; without `--sync-ca`
//! the certificate is refused, which the status reports as such while the node keeps retrying.
//!
//! Logs of both processes: `LOCAL_NODE_TEST_LOGS=1`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{fields, free_port, rt};
use pipeline_doc::loro::LoroDoc;
use pipeline_server::sync::client::{ClientAuth, ClientOptions, SyncClient};
use serde_json::Value;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

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
        Node::start_with_env(dir, port, extra, &[])
    }

    fn start_with_env(dir: &Path, port: u16, extra: &[&str], env: &[(&str, &str)]) -> Node {
        let mut args: Vec<String> = vec!["serve".into(), "--data".into(), dir.to_str().unwrap().into()];
        args.extend(["--listen".into(), format!("127.0.0.1:{port}")]);
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let logs = std::env::var_os("LOCAL_NODE_TEST_LOGS").is_some();
        let mut child = Command::new(BIN)
            .args(&args)
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
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

/// A private CA named `name` (its certificate as PEM) and a server certificate for 127.0.0.1 signed by it.
fn private_ca(name: &str) -> (String, CertificateDer<'static>, PrivateKeyDer<'static>) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, name);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    params.distinguished_name.push(DnType::CommonName, "team server");
    let cert = params.signed_by(&key, &ca).unwrap();
    (ca.pem(), cert.der().clone(), PrivatePkcs8KeyDer::from(key.serialize_der()).into())
}

/// A TLS-terminating proxy on 127.0.0.1 in front of a plain-HTTP team server, as a reverse proxy in front of
/// a real one would be. Counts the handshakes that succeeded and those that failed.
struct TlsProxy {
    port: u16,
    handshakes: Arc<AtomicUsize>,
    refused: Arc<AtomicUsize>,
}

impl TlsProxy {
    async fn start(target: SocketAddr, cert: CertificateDer<'static>, key: PrivateKeyDer<'static>) -> TlsProxy {
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (handshakes, refused) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (ok, failed) = (handshakes.clone(), refused.clone());
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, ok, failed) = (acceptor.clone(), ok.clone(), failed.clone());
                tokio::spawn(async move {
                    let mut tls = match acceptor.accept(tcp).await {
                        Ok(tls) => tls,
                        Err(_) => {
                            failed.fetch_add(1, Ordering::SeqCst);
                            return;
                        }
                    };
                    ok.fetch_add(1, Ordering::SeqCst);
                    let Ok(mut upstream) = tokio::net::TcpStream::connect(target).await else { return };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
                });
            }
        });
        TlsProxy { port, handshakes, refused }
    }

    fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }
}

#[test]
fn a_local_node_syncs_with_a_team_server_over_tls_with_a_private_ca() {
    let team_dir = tempfile::tempdir().unwrap();
    let local_dir = tempfile::tempdir().unwrap();
    let team_token = token(team_dir.path(), "Team");
    let local_token = token(local_dir.path(), "Local");
    let (ca_pem, cert, key) = private_ca("Pipeline Editor test CA");
    let ca_file = local_dir.path().join("team-ca.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();
    rt().block_on(async {
        let team_node = Node::start(team_dir.path(), free_port(), &[]);
        let team = Api::new(&team_node, &team_token);
        let proxy = TlsProxy::start(format!("127.0.0.1:{}", team_node.port).parse().unwrap(), cert, key).await;
        let id = team.create(YAML).await;

        // The local node knows the team server only by its https address (the proxy).
        let url = proxy.url();
        let ca = ca_file.to_str().unwrap();
        let args = ["--sync-to", &url, "--token", &team_token, "--sync-ca", ca, "--sync-relist-secs", "1"];
        let local_node = Node::start(local_dir.path(), free_port(), &args);
        let local = Api::new(&local_node, &local_token);
        converged(&team, &local, &id, &["model: a0", "model: b0"]).await;
        local.wait_status(&id, "connected", |p| p["state"] == "connected" && p["error"].is_null()).await;
        let status = local.status().await;
        assert_eq!(status["upstream"], url.as_str(), "{status}");
        assert_eq!(status["state"], "reachable", "{status}");

        // Both ways, live, through TLS.
        local.edit(&id, "model: b0", "model: local-over-tls").await;
        team.wait_yaml(&id, &["model: local-over-tls"]).await;
        team.edit(&id, "model: a0", "model: team-over-tls").await;
        converged(&team, &local, &id, &["model: local-over-tls", "model: team-over-tls"]).await;
        // The listing (HTTP) and the pipeline's sync socket (WebSocket) both went through the proxy's TLS.
        assert!(
            proxy.handshakes.load(Ordering::SeqCst) >= 2,
            "handshakes: {}",
            proxy.handshakes.load(Ordering::SeqCst)
        );
        assert_eq!(proxy.refused.load(Ordering::SeqCst), 0);

        local_node.stop();
        team_node.stop();
    });
}

#[test]
fn a_certificate_from_an_unknown_ca_is_refused_clearly_and_retried() {
    let team_dir = tempfile::tempdir().unwrap();
    let local_dir = tempfile::tempdir().unwrap();
    let team_token = token(team_dir.path(), "Team");
    let local_token = token(local_dir.path(), "Local");
    let (_, cert, key) = private_ca("Pipeline Editor test CA");
    // The system's roots, as the local node reads them, are another CA's (SSL_CERT_FILE): the same on every
    // machine, and none of them signed the team server's certificate.
    let (other_ca, _, _) = private_ca("Another CA");
    let roots = local_dir.path().join("system-roots.pem");
    std::fs::write(&roots, other_ca).unwrap();
    rt().block_on(async {
        let team_node = Node::start(team_dir.path(), free_port(), &[]);
        let proxy = TlsProxy::start(format!("127.0.0.1:{}", team_node.port).parse().unwrap(), cert, key).await;
        // No --sync-ca: only the system's roots.
        let url = proxy.url();
        let args = ["--sync-to", &url, "--token", &team_token, "--sync-relist-secs", "1"];
        let env = [("SSL_CERT_FILE", roots.to_str().unwrap())];
        let local_node = Node::start_with_env(local_dir.path(), free_port(), &args, &env);
        let local = Api::new(&local_node, &local_token);

        let started = Instant::now();
        let status = loop {
            let status = local.status().await;
            if status["state"] == "unreachable" && proxy.refused.load(Ordering::SeqCst) >= 3 {
                break status;
            }
            assert!(started.elapsed() < LIMIT, "never refused three times: {status}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        eprintln!("the local node reports: {}", status["error"]);
        let error = status["error"].as_str().unwrap_or_default();
        assert!(error.contains("TLS with the team server failed"), "{status}");
        assert!(error.contains("certificate is not trusted"), "{status}");
        assert!(error.contains("unknown issuer"), "{status}");
        assert!(error.contains("--sync-ca"), "{status}");
        assert!(status["retry_in_ms"].is_u64(), "a next attempt is scheduled: {status}");
        assert_eq!(proxy.handshakes.load(Ordering::SeqCst), 0, "no connection got through");
        // Still serving (no panic), and it stops cleanly.
        assert_eq!(local.status().await["enabled"], true);
        local_node.stop();
        team_node.stop();
    });
}

#[test]
fn sync_ca_mistakes_are_reported_before_serving() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let run = |extra: &[&str]| {
        let out = Command::new(BIN)
            .args(["serve", "--data", data, "--listen", "127.0.0.1:0", "--token", "t"])
            .args(extra)
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let missing = dir.path().join("missing.pem");
    let (code, err) = run(&["--sync-to", "https://127.0.0.1:9", "--sync-ca", missing.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("cannot read the CA bundle") && err.contains("missing.pem"), "{err}");
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "no certificate here\n").unwrap();
    let (code, err) = run(&["--sync-to", "https://127.0.0.1:9", "--sync-ca", empty.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("holds no certificate"), "{err}");
    let (code, err) = run(&["--sync-to", "http://127.0.0.1:9", "--sync-ca", empty.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--sync-ca is for an https:// team server"), "{err}");
}
