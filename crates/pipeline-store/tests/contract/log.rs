//! The document log: append order, durability across a reopen, snapshots and compaction, concurrency.

use std::collections::BTreeSet;

use pipeline_store::*;

use crate::pipelines::{new_pipeline, owner_and_team};
use crate::support::{TestDb, TestResult};

async fn pipeline(s: &dyn Store) -> Result<(User, Pipeline)> {
    let (user, team) = owner_and_team(s, "Core").await?;
    let p = s.create_pipeline(new_pipeline(team.id, "Doc")).await?;
    Ok((user, p))
}

fn blob(i: u64) -> Vec<u8> {
    format!("update {i}").into_bytes()
}

async fn append_n(s: &dyn Store, p: PipelineId, range: std::ops::RangeInclusive<u64>) -> Result<()> {
    for i in range {
        assert_eq!(s.append_update(p, blob(i), None).await?, i);
    }
    Ok(())
}

pub async fn updates_are_numbered_in_order(db: &TestDb) -> TestResult {
    let s = &*db.store;
    let (ann, p) = pipeline(s).await?;
    let empty = s.load(p.id).await?;
    assert_eq!(empty, DocLog { snapshot: None, updates: Vec::new(), last_seq: 0 });
    for i in 1..=20 {
        assert_eq!(s.append_update(p.id, blob(i), Some(ann.id)).await?, i);
    }
    let log = s.load(p.id).await?;
    assert_eq!(log.last_seq, 20);
    assert_eq!(log.snapshot, None);
    assert_eq!(log.updates.iter().map(|u| u.seq).collect::<Vec<_>>(), (1..=20).collect::<Vec<_>>());
    assert!(log.updates.iter().all(|u| u.data == blob(u.seq) && u.author == Some(ann.id)));
    assert_eq!(s.stored_bytes(p.id).await?, log.updates.iter().map(|u| u.data.len() as u64).sum::<u64>());

    assert!(matches!(s.append_update(PipelineId::new(), blob(1), None).await, Err(StoreError::NotFound(_))));
    assert!(matches!(s.append_update(p.id, Vec::new(), None).await, Err(StoreError::Invalid(_))));
    assert!(matches!(s.load(PipelineId::new()).await, Err(StoreError::NotFound(_))));
    assert!(matches!(s.stored_bytes(PipelineId::new()).await, Err(StoreError::NotFound(_))));
    assert_eq!(s.load(p.id).await?.last_seq, 20, "refused appends take no number");
    Ok(())
}

pub async fn acknowledged_updates_survive_reopen(db: &TestDb) -> TestResult {
    let (_, p) = pipeline(&*db.store).await?;
    append_n(&*db.store, p.id, 1..=10).await?;
    db.store.close().await;
    // A new store on the same file or database, as after a restart.
    let reopened = db.reopen().await;
    let log = reopened.load(p.id).await?;
    assert_eq!(log.updates.iter().map(|u| u.data.clone()).collect::<Vec<_>>(), (1..=10).map(blob).collect::<Vec<_>>());
    assert_eq!(reopened.append_update(p.id, blob(11), None).await?, 11, "numbering goes on");
    reopened.close().await;
    Ok(())
}

pub async fn updates_since(db: &TestDb) -> TestResult {
    let s = &*db.store;
    let (_, p) = pipeline(s).await?;
    append_n(s, p.id, 1..=5).await?;
    let seqs = |v: Vec<Update>| v.into_iter().map(|u| u.seq).collect::<Vec<_>>();
    assert_eq!(seqs(s.updates_since(p.id, 0).await?), vec![1, 2, 3, 4, 5]);
    assert_eq!(seqs(s.updates_since(p.id, 3).await?), vec![4, 5]);
    assert_eq!(seqs(s.updates_since(p.id, 5).await?), Vec::<u64>::new());
    assert_eq!(seqs(s.updates_since(p.id, 99).await?), Vec::<u64>::new());
    assert!(matches!(s.updates_since(PipelineId::new(), 0).await, Err(StoreError::NotFound(_))));
    Ok(())
}

pub async fn snapshot_and_compaction_keep_every_uncovered_update(db: &TestDb) -> TestResult {
    let s = &*db.store;
    let (_, p) = pipeline(s).await?;
    append_n(s, p.id, 1..=10).await?;
    let before = s.stored_bytes(p.id).await?;

    // The rules: a snapshot covers at least one update and none from the future; compaction needs a snapshot.
    assert!(matches!(s.store_snapshot(p.id, b"snap".to_vec(), 11).await, Err(StoreError::Invalid(_))));
    assert!(matches!(s.store_snapshot(p.id, b"snap".to_vec(), 0).await, Err(StoreError::Invalid(_))));
    assert!(matches!(s.store_snapshot(p.id, Vec::new(), 5).await, Err(StoreError::Invalid(_))));
    assert!(matches!(s.compact(p.id, 3).await, Err(StoreError::Invalid(_))));

    s.store_snapshot(p.id, b"snapshot@6".to_vec(), 6).await?;
    assert!(matches!(s.store_snapshot(p.id, b"old".to_vec(), 6).await, Err(StoreError::Conflict(_))));
    assert!(matches!(s.store_snapshot(p.id, b"old".to_vec(), 4).await, Err(StoreError::Conflict(_))));
    let log = s.load(p.id).await?;
    let snap = log.snapshot.clone().ok_or("snapshot loaded")?;
    assert_eq!((snap.seq, snap.data.as_slice()), (6, b"snapshot@6".as_slice()));
    assert_eq!(log.updates.iter().map(|u| u.seq).collect::<Vec<_>>(), vec![7, 8, 9, 10]);
    assert_eq!(log.last_seq, 10);

    // Compaction may drop only what the snapshot covers.
    assert!(matches!(s.compact(p.id, 7).await, Err(StoreError::Invalid(_))));
    assert_eq!(s.compact(p.id, 6).await?, 6);
    assert_eq!(s.load(p.id).await?, log, "compaction changes nothing a loader sees");
    assert_eq!(s.stored_bytes(p.id).await?, before - (1..=6).map(|i| blob(i).len() as u64).sum::<u64>() + 10);
    assert!(matches!(s.updates_since(p.id, 3).await, Err(StoreError::Compacted { after: 3, snapshot_seq: 6 })));
    assert_eq!(s.updates_since(p.id, 6).await?.iter().map(|u| u.seq).collect::<Vec<_>>(), vec![7, 8, 9, 10]);

    // A second round: a newer snapshot replaces the older one at compaction.
    append_n(s, p.id, 11..=12).await?;
    s.store_snapshot(p.id, b"snapshot@11".to_vec(), 11).await?;
    assert_eq!(s.compact(p.id, 11).await?, 5);
    let log = s.load(p.id).await?;
    assert_eq!(log.snapshot.map(|s| s.seq), Some(11));
    assert_eq!(log.updates.iter().map(|u| u.seq).collect::<Vec<_>>(), vec![12]);
    assert_eq!(s.stored_bytes(p.id).await?, b"snapshot@11".len() as u64 + blob(12).len() as u64);
    assert_eq!(s.append_update(p.id, blob(13), None).await?, 13, "numbering goes on after compaction");
    Ok(())
}

/// The server snapshots first and compacts later; a crash in between must lose nothing.
pub async fn snapshot_without_compaction_loses_nothing(db: &TestDb) -> TestResult {
    let (_, p) = pipeline(&*db.store).await?;
    append_n(&*db.store, p.id, 1..=8).await?;
    db.store.store_snapshot(p.id, b"snapshot@5".to_vec(), 5).await?;
    db.store.close().await;
    let reopened = db.reopen().await;
    let log = reopened.load(p.id).await?;
    assert_eq!(log.snapshot.map(|s| s.seq), Some(5));
    assert_eq!(log.updates.iter().map(|u| u.seq).collect::<Vec<_>>(), vec![6, 7, 8]);
    // The covered updates are still there until compaction.
    assert_eq!(reopened.updates_since(p.id, 0).await?.len(), 8);
    reopened.close().await;
    Ok(())
}

pub async fn concurrent_appends_get_unique_ordered_seqs(db: &TestDb) -> TestResult {
    const TASKS: u64 = 8;
    const EACH: u64 = 25;
    let (_, p) = pipeline(&*db.store).await?;
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let store = db.store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            for i in 0..EACH {
                let data = format!("task {t} edit {i}").into_bytes();
                mine.push((store.append_update(p.id, data.clone(), None).await?, data));
            }
            Ok::<_, StoreError>(mine)
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        let mine = task.await??;
        // Each task's own appends are numbered in the order it made them.
        assert!(mine.windows(2).all(|w| w[0].0 < w[1].0), "{mine:?}");
        all.extend(mine);
    }
    let seqs: BTreeSet<u64> = all.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(seqs, (1..=TASKS * EACH).collect::<BTreeSet<_>>(), "unique, without gaps");
    let log = db.store.load(p.id).await?;
    assert_eq!(log.last_seq, TASKS * EACH);
    all.sort();
    assert_eq!(log.updates.into_iter().map(|u| (u.seq, u.data)).collect::<Vec<_>>(), all);
    Ok(())
}

pub async fn batch_append_across_pipelines(db: &TestDb) -> TestResult {
    let s = &*db.store;
    let (_, team) = owner_and_team(s, "Core").await?;
    let a = s.create_pipeline(new_pipeline(team.id, "A")).await?;
    let b = s.create_pipeline(NewPipeline { initial_update: Some(blob(0)), ..new_pipeline(team.id, "B") }).await?;
    let u = |p: &Pipeline, i| NewUpdate { pipeline: p.id, data: blob(i), author: None };
    assert_eq!(s.append_updates(vec![u(&b, 1), u(&a, 1), u(&b, 2), u(&a, 2)]).await?, vec![2, 1, 3, 2]);
    // All or nothing: one unknown pipeline refuses the whole batch.
    let ghost = NewUpdate { pipeline: PipelineId::new(), data: blob(9), author: None };
    assert!(matches!(s.append_updates(vec![u(&a, 3), ghost]).await, Err(StoreError::NotFound(_))));
    assert_eq!(s.load(a.id).await?.last_seq, 2);
    assert_eq!(s.load(b.id).await?.last_seq, 3);
    assert_eq!(s.append_updates(Vec::new()).await?, Vec::<u64>::new());
    Ok(())
}
