//! Durability under `kill -9`: a child process appends and reports each acknowledged update; the test kills it
//! mid-stream with SIGKILL, reopens the store and finds every acknowledged update, intact and in order.
//!
//! The child is this same test binary, run with a filter that selects `child_appender` and an environment
//! variable that tells it what to open; without that variable `child_appender` does nothing.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pipeline_store::*;

use crate::pipelines::{new_pipeline, owner_and_team};
use crate::support::{TestDb, TestResult};

const CHILD_ENV: &str = "PIPELINE_STORE_KILL_CHILD";

fn payload(i: u64) -> Vec<u8> {
    // Not tiny, so the kill often lands while a write is in flight.
    format!("edit {i} ").repeat(200).into_bytes()
}

pub async fn acknowledged_appends_survive_sigkill(db: &TestDb) -> TestResult {
    let (_, team) = owner_and_team(&*db.store, "Core").await?;
    let p = db.store.create_pipeline(new_pipeline(team.id, "Killed")).await?;

    let mut child = Command::new(std::env::current_exe()?)
        .args(["child_appender", "--nocapture", "--test-threads", "1"])
        .env(CHILD_ENV, format!("{}\n{}", p.id, db.target()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("child stdout")?;

    // Read acknowledgements until enough have arrived, kill, then read what was printed before the kill.
    let acked = tokio::task::spawn_blocking(move || -> Result<Vec<u64>, String> {
        let mut acked = Vec::new();
        let mut killed = false;
        let started = Instant::now();
        for line in BufReader::new(stdout).lines() {
            let line = line.map_err(|e| e.to_string())?;
            if let Some(seq) = line.strip_prefix("ACK ") {
                acked.push(seq.trim().parse::<u64>().map_err(|e| e.to_string())?);
            }
            if !killed && (acked.len() >= 150 || started.elapsed() > Duration::from_secs(30)) {
                child.kill().map_err(|e| e.to_string())?;
                killed = true;
            }
        }
        child.wait().map_err(|e| e.to_string())?;
        Ok(acked)
    })
    .await??;
    assert!(acked.len() >= 20, "the child acknowledged only {} updates", acked.len());
    eprintln!("child acknowledged {} updates before SIGKILL", acked.len());

    let reopened = db.reopen().await;
    let log = reopened.load(p.id).await?;
    assert!(log.last_seq >= acked.len() as u64);
    for seq in &acked {
        let update = log.updates.get((*seq - 1) as usize).ok_or_else(|| format!("acknowledged seq {seq} lost"))?;
        assert_eq!(update.seq, *seq);
        assert_eq!(update.data, payload(*seq), "seq {seq} intact");
    }
    reopened.close().await;
    Ok(())
}

/// The child side of `acknowledged_appends_survive_sigkill`; does nothing unless run by it.
#[tokio::test]
async fn child_appender() {
    let Ok(spec) = std::env::var(CHILD_ENV) else { return };
    let Some((pipeline, target)) = spec.split_once('\n') else { panic!("bad {CHILD_ENV}") };
    let pipeline: PipelineId = pipeline.parse().expect("pipeline id");
    let store = pipeline_store::open(target).await.expect("child opens the store");
    let started = Instant::now();
    // Bounded, so that a parent that dies first does not leave this running.
    for i in 1..=100_000u64 {
        let seq = store.append_update(pipeline, payload(i), None).await.expect("append");
        assert_eq!(seq, i);
        println!("ACK {seq}");
        if started.elapsed() > Duration::from_secs(60) {
            break;
        }
    }
}
