//! The server and store commands, run as the real binary: `user create`, `token create` (its last line is a
//! working Bearer token), `import`, `export`, and the kill test (DESIGN.md §4: acknowledged edits lost when a
//! node is killed with SIGKILL: 0).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};

use common::{get_json, pg_url, rt};
use std::time::Duration;

type Shared<T> = Arc<Mutex<T>>;

const BIN: &str = env!("CARGO_BIN_EXE_pipeline-editor");

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

/// `--data DIR` or `--database-url URL`.
fn store_args(target: &str) -> Vec<&str> {
    if target.starts_with("postgres") { vec!["--database-url", target] } else { vec!["--data", target] }
}

/// Creates a user and returns the token printed on the last line of `token create`.
fn user_and_token(target: &str, email: &str) -> String {
    let mut args = vec!["user", "create"];
    args.extend(store_args(target));
    args.extend([email, "--name", "Kim", "--team", "Platform", "--role", "owner"]);
    let o = run(&args);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(out.contains("owner of team \"Platform\""), "{out}");
    assert!(out.contains("/auth/signin/"), "{out}");
    let mut args = vec!["token", "create"];
    args.extend(store_args(target));
    args.push(email);
    let o = run(&args);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    let last = out.lines().last().unwrap().trim().to_owned();
    assert!(last.starts_with("pe_") && last.len() > 40, "{out}");
    last
}

struct Serve {
    child: Child,
    base: String,
    first_lines: Vec<String>,
}

fn serve(target: &str) -> Serve {
    let mut args = vec!["serve"];
    args.extend(store_args(target));
    args.extend(["--listen", "127.0.0.1:0"]);
    let mut child = Command::new(BIN).args(&args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut first_lines = Vec::new();
    let base = loop {
        let line = lines.next().expect("serve printed its URL").unwrap();
        first_lines.push(line.clone());
        if let Some(rest) = line.strip_prefix("Pipeline Editor is running at ") {
            break rest.trim_end_matches('/').to_owned();
        }
    };
    // Keep reading (the first-run lines) without blocking the child on a full pipe.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in lines.map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    std::thread::sleep(Duration::from_millis(100));
    first_lines.extend(rx.try_iter());
    Serve { child, base, first_lines }
}

#[test]
fn first_run_prints_a_working_signin_link() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = serve(dir.path().to_str().unwrap());
    let link = s
        .first_lines
        .iter()
        .find_map(|l| l.split_whitespace().find(|w| w.contains("/auth/signin/")))
        .unwrap()
        .to_owned();
    assert!(link.starts_with(&s.base), "{link}");
    rt().block_on(async {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let r = http.get(&link).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
        let me = get_json(http.get(format!("{}/api/auth/me", s.base)).header("cookie", cookie)).await;
        assert_eq!(me["user"]["email"], "owner@localhost");
        assert_eq!(me["teams"][0]["role"], "owner");
        let page = http.get(format!("{}/", s.base)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Pipeline Editor"));
    });
    // `user create --password-stdin` gives a password that signs in through the API.
    let mut child = Command::new(BIN)
        .args([
            "user",
            "create",
            "--data",
            dir.path().to_str().unwrap(),
            "pw@example.org",
            "--role",
            "viewer",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), b"long enough secret\n").unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("viewer of team \"Local\""));
    rt().block_on(async {
        let http = reqwest::Client::new();
        let login = |p: &str| {
            http.post(format!("{}/api/auth/login", s.base))
                .json(&serde_json::json!({"email": "pw@example.org", "password": p}))
        };
        let r = login("long enough secret").send().await.unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        assert_eq!(login("wrong secret!").send().await.unwrap().status(), 401);
    });
    s.child.kill().unwrap();
    s.child.wait().unwrap();
    // A second start on the same data creates no second owner; SIGTERM stops it gracefully (exit status 0).
    let mut s = serve(dir.path().to_str().unwrap());
    assert!(!s.first_lines.iter().any(|l| l.contains("/auth/signin/")), "{:?}", s.first_lines);
    let term = Command::new("kill").args(["-TERM", &s.child.id().to_string()]).status().unwrap();
    assert!(term.success());
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = s.child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
}

const GOOD: &str = "# kept comment\nworkflow:\n  name: good\n  steps:\n    - name: a\n      type: claude\n      prompt:\n        - type: static\n          content: \"hi\"\n";
const INVALID: &str = "workflow:\n  name: invalid\n  steps:\n    - name: a\n      type: claude\n";

fn import_export(target: &str) {
    let token = user_and_token(target, "kim@example.org");
    assert!(!token.is_empty());
    let src = tempfile::tempdir().unwrap();
    let w = |p: &str, t: &[u8]| {
        let path = src.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, t).unwrap();
    };
    w("good.yaml", GOOD.as_bytes());
    w("invalid.yaml", INVALID.as_bytes());
    w("broken.yaml", b"workflow: [\n");
    w("binary.yaml", b"\0\x01\x02");
    w("sub/nested.yml", b"workflow:\n  name: nested\n");
    w("sub/readme.txt", b"not imported");
    w(".hidden/skip.yaml", b"workflow:\n  name: hidden\n");
    let mut args = vec!["import"];
    args.extend(store_args(target));
    let src_path = src.path().to_str().unwrap().to_owned();
    args.extend([src_path.as_str(), "--team", "Platform"]);
    let o = run(&args);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    assert!(out.contains("imported 3 pipelines into team \"Platform\" (2 with validation errors); refused 2"), "{out}");
    assert!(err.contains("broken.yaml: the text is not valid YAML: 2:1"), "{err}");
    assert!(err.contains("binary.yaml:") && err.contains("refused:"), "{err}");
    assert!(err.contains("invalid.yaml: imported with 1 validation error"), "{err}");
    assert!(err.contains("invalid.yaml:4:7"), "{err}");

    let out_dir = tempfile::tempdir().unwrap();
    let out_path = out_dir.path().join("export");
    let mut args = vec!["export"];
    args.extend(store_args(target));
    let out_str = out_path.to_str().unwrap().to_owned();
    args.extend(["--out", out_str.as_str()]);
    let o = run(&args);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(out.contains("exported 3 pipelines"), "{out}");
    let mut names: Vec<String> =
        std::fs::read_dir(&out_path).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["good.yaml", "invalid.yaml", "nested.yml"]);
    assert_eq!(std::fs::read_to_string(out_path.join("good.yaml")).unwrap(), GOOD);
    assert_eq!(std::fs::read_to_string(out_path.join("invalid.yaml")).unwrap(), INVALID);
    // Importing the same files again keeps both copies apart on export.
    let again = vec!["import"]
        .into_iter()
        .chain(store_args(target))
        .chain(
            [src.path().join("good.yaml").to_str().unwrap()]
                .into_iter()
                .map(|s| Box::leak(s.to_owned().into_boxed_str()) as &str),
        )
        .chain(["--team", "Platform"])
        .collect::<Vec<&str>>();
    assert!(run(&again).status.success());
    let o = run(&args);
    assert!(o.status.success());
    assert!(out_path.join("good-2.yaml").exists());
}

#[test]
fn import_and_export_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    import_export(dir.path().to_str().unwrap());
}

#[test]
fn import_and_export_postgres() {
    if let Some(url) = pg_url("cli") {
        import_export(&url);
    }
}

fn kill_test(target: &str) {
    let token = user_and_token(target, "writer@example.org");
    let mut s = serve(target);
    let base = s.base.clone();
    const WRITERS: usize = 4;
    // Acknowledged writes: (writer, last acknowledged PUT counter), created pipeline ids, comment counts.
    let acked_put: Shared<Vec<(String, Option<u64>)>> = Arc::new(Mutex::new(Vec::new()));
    let acked_created: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let runtime = rt();
    let writers = runtime.block_on(async {
        let http = reqwest::Client::new();
        let mut handles = Vec::new();
        for k in 0..WRITERS {
            let (http, base, token) = (http.clone(), base.clone(), token.clone());
            let r = http.post(format!("{base}/api/pipelines")).bearer_auth(&token).body(GOOD).send().await.unwrap();
            assert_eq!(r.status(), 201);
            let id = r.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
            acked_put.lock().unwrap().push((id.clone(), None));
            let (acked_put, acked_created) = (acked_put.clone(), acked_created.clone());
            handles.push(tokio::spawn(async move {
                for i in 0u64.. {
                    let body = GOOD.replace("content: \"hi\"", &format!("content: \"edit {k}-{i}\""));
                    let put =
                        http.put(format!("{base}/api/pipelines/{id}/yaml")).bearer_auth(&token).body(body).send().await;
                    match put {
                        Ok(r) if r.status().is_success() => acked_put.lock().unwrap()[k].1 = Some(i),
                        Ok(r) => panic!("unexpected status {}", r.status()),
                        Err(_) => break,
                    }
                    if i % 3 == 0 {
                        let post = http
                            .post(format!("{base}/api/pipelines"))
                            .bearer_auth(&token)
                            .body(format!("workflow:\n  name: new {k}-{i}\n"))
                            .send()
                            .await;
                        match post {
                            Ok(r) if r.status().as_u16() == 201 => {
                                let v: Result<serde_json::Value, _> = r.json().await;
                                match v {
                                    Ok(v) => acked_created.lock().unwrap().push(v["id"].as_str().unwrap().to_owned()),
                                    Err(_) => break,
                                }
                            }
                            Ok(r) => panic!("unexpected status {}", r.status()),
                            Err(_) => break,
                        }
                    }
                }
            }));
        }
        handles
    });
    std::thread::sleep(Duration::from_millis(1500));
    s.child.kill().unwrap(); // SIGKILL on Unix
    s.child.wait().unwrap();
    runtime.block_on(async {
        for h in writers {
            h.await.unwrap();
        }
    });
    let puts = acked_put.lock().unwrap().clone();
    let created = acked_created.lock().unwrap().clone();
    let total: u64 = puts.iter().map(|(_, i)| i.map_or(0, |i| i + 1)).sum::<u64>() + created.len() as u64;
    assert!(total >= 8, "too few writes before the kill to mean anything: {total}");

    let mut s = serve(target);
    runtime.block_on(async {
        let http = reqwest::Client::new();
        for (k, (id, last)) in puts.iter().enumerate() {
            let Some(last) = last else { continue };
            let yaml = http
                .get(format!("{}/api/pipelines/{id}/yaml", s.base))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            // The last acknowledged edit, or the one in flight at the kill (applied but not acknowledged).
            let ok = yaml.contains(&format!("edit {k}-{last}\"")) || yaml.contains(&format!("edit {k}-{}\"", last + 1));
            assert!(ok, "writer {k}: acknowledged edit {last} lost; found:\n{yaml}");
        }
        for id in &created {
            let r = http.get(format!("{}/api/pipelines/{id}", s.base)).bearer_auth(&token).send().await.unwrap();
            assert_eq!(r.status(), 200, "acknowledged pipeline {id} lost");
        }
    });
    eprintln!("kill test: {total} acknowledged writes, all present after SIGKILL and restart");
    s.child.kill().unwrap();
    s.child.wait().unwrap();
}

#[test]
fn kill_9_loses_no_acknowledged_write_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    kill_test(dir.path().to_str().unwrap());
}

#[test]
fn kill_9_loses_no_acknowledged_write_postgres() {
    if let Some(url) = pg_url("cli") {
        kill_test(&url);
    }
}
