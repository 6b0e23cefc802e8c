//! Pipelines: create, read, update, soft delete and restore, listing, templates, bulk import, versions.

use pipeline_store::*;

use crate::support::{TestDb, TestResult};

/// A user and a team for the pipelines of a test.
pub async fn owner_and_team(s: &dyn Store, team: &str) -> Result<(User, Team)> {
    let user =
        s.create_user(NewUser { email: format!("owner@{}.example", team.to_lowercase()), name: "O".into() }).await?;
    let team = s.create_team(team).await?;
    s.set_role(team.id, user.id, Role::Owner).await?;
    Ok((user, team))
}

pub fn new_pipeline(team: TeamId, name: &str) -> NewPipeline {
    NewPipeline {
        team,
        name: name.into(),
        description: format!("{name}, described"),
        yaml: format!("workflow:\n  name: {name}\n  steps: []\n"),
        ..Default::default()
    }
}

pub async fn create_get_update(db: &TestDb) -> TestResult {
    let s = &*db.store;
    let (ann, team) = owner_and_team(s, "Core").await?;
    let created = s
        .create_pipeline(NewPipeline {
            created_by: Some(ann.id),
            file_name: Some("review.yaml".into()),
            search_text: "analyze code\nYou are a reviewer".into(),
            initial_update: Some(vec![1, 2, 3]),
            ..new_pipeline(team.id, "Code review")
        })
        .await?;
    assert_eq!(s.get_pipeline(created.id).await?, created);
    assert_eq!(created.created_at, created.updated_at);
    assert_eq!(created.deleted_at, None);
    assert_eq!(created.file_name.as_deref(), Some("review.yaml"));

    // The first update is stored with the pipeline, as seq 1, by its creator.
    let log = s.load(created.id).await?;
    assert_eq!(log.last_seq, 1);
    assert_eq!(log.updates.len(), 1);
    assert_eq!((log.updates[0].seq, log.updates[0].author, &log.updates[0].data), (1, Some(ann.id), &vec![1, 2, 3]));

    let updated = s
        .update_pipeline(
            created.id,
            PipelineUpdate {
                name: Some("Code review v2".into()),
                yaml: Some("workflow:\n  name: Code review v2\n".into()),
                file_name: Some(None),
                is_template: Some(true),
                ..Default::default()
            },
        )
        .await?;
    assert_eq!(updated.name, "Code review v2");
    assert_eq!(updated.description, created.description, "untouched fields stay");
    assert_eq!(updated.file_name, None);
    assert!(updated.is_template);
    assert!(updated.updated_at >= created.updated_at);
    assert_eq!(updated.created_at, created.created_at);
    assert_eq!(s.get_pipeline(created.id).await?, updated);

    // An import keeps its id; the same id twice is a conflict.
    let id = PipelineId::new();
    s.create_pipeline(NewPipeline { id: Some(id), ..new_pipeline(team.id, "Imported") }).await?;
    let again = s.create_pipeline(NewPipeline { id: Some(id), ..new_pipeline(team.id, "Imported") }).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    Ok(())
}

pub async fn pipeline_input_is_checked(db: &TestDb) -> TestResult {
    let s = &*db.store;
    let (_, team) = owner_and_team(s, "Core").await?;
    let bad = [
        NewPipeline { name: "  ".into(), ..new_pipeline(team.id, "x") },
        NewPipeline { file_name: Some("../../etc/passwd".into()), ..new_pipeline(team.id, "x") },
        NewPipeline { file_name: Some("dir/x.yaml".into()), ..new_pipeline(team.id, "x") },
        NewPipeline { yaml: "a: \0".into(), ..new_pipeline(team.id, "x") },
        NewPipeline { description: "nul \0".into(), ..new_pipeline(team.id, "x") },
        NewPipeline { initial_update: Some(Vec::new()), ..new_pipeline(team.id, "x") },
    ];
    for new in bad {
        let r = s.create_pipeline(new.clone()).await;
        assert!(matches!(r, Err(StoreError::Invalid(_))), "{new:?}: {r:?}");
    }
    let r = s.create_pipeline(new_pipeline(TeamId::new(), "No team")).await;
    assert!(matches!(r, Err(StoreError::NotFound(_))), "{r:?}");
    assert!(matches!(s.get_pipeline(PipelineId::new()).await, Err(StoreError::NotFound(_))));
    let r = s.update_pipeline(PipelineId::new(), PipelineUpdate::default()).await;
    assert!(matches!(r, Err(StoreError::NotFound(_))), "{r:?}");
    assert_eq!(s.list_pipelines(&PipelineQuery::teams([team.id])).await?.total, 0, "nothing stored");

    // NUL in server-made search text is dropped rather than refused.
    let p = s.create_pipeline(NewPipeline { search_text: "a\0b".into(), ..new_pipeline(team.id, "x") }).await?;
    assert_eq!(p.search_text, "ab");
    let r = s.update_pipeline(p.id, PipelineUpdate { name: Some(String::new()), ..Default::default() }).await;
    assert!(matches!(r, Err(StoreError::Invalid(_))), "{r:?}");
    assert_eq!(s.get_pipeline(p.id).await?.name, "x", "a refused update changes nothing");
    Ok(())
}

pub async fn soft_delete_restore_purge(db: &TestDb) -> TestResult {
    let s = &*db.store;
    let (_, team) = owner_and_team(s, "Core").await?;
    let keep = s.create_pipeline(new_pipeline(team.id, "Keep")).await?;
    let gone =
        s.create_pipeline(NewPipeline { initial_update: Some(vec![7]), ..new_pipeline(team.id, "Gone") }).await?;
    s.create_version(NewVersion { pipeline: gone.id, message: "v1".into(), ..Default::default() }).await?;

    let deleted = s.delete_pipeline(gone.id).await?;
    let at = deleted.deleted_at.ok_or("deleted_at set")?;
    assert_eq!(s.get_pipeline(gone.id).await?.deleted_at, Some(at), "still readable, marked");
    assert_eq!(s.delete_pipeline(gone.id).await?.deleted_at, Some(at), "deleting again keeps the first time");
    let live = s.list_pipelines(&PipelineQuery::teams([team.id])).await?;
    assert_eq!(live.items.iter().map(|p| p.id).collect::<Vec<_>>(), vec![keep.id]);
    let trash = s.list_pipelines(&PipelineQuery { deleted: true, ..PipelineQuery::teams([team.id]) }).await?;
    assert_eq!(trash.items.iter().map(|p| p.id).collect::<Vec<_>>(), vec![gone.id]);
    assert_eq!(s.load(gone.id).await?.last_seq, 1, "the document stays while in the trash");

    let restored = s.restore_pipeline(gone.id).await?;
    assert_eq!(restored.deleted_at, None);
    assert_eq!(s.list_pipelines(&PipelineQuery::teams([team.id])).await?.total, 2);

    s.purge_pipeline(gone.id).await?;
    assert!(matches!(s.get_pipeline(gone.id).await, Err(StoreError::NotFound(_))));
    assert!(matches!(s.load(gone.id).await, Err(StoreError::NotFound(_))), "the document goes with it");
    assert_eq!(s.list_versions(gone.id).await?, Vec::new(), "and its versions");
    assert!(matches!(s.purge_pipeline(gone.id).await, Err(StoreError::NotFound(_))));
    assert!(matches!(s.delete_pipeline(gone.id).await, Err(StoreError::NotFound(_))));
    assert!(matches!(s.restore_pipeline(gone.id).await, Err(StoreError::NotFound(_))));
    Ok(())
}

pub async fn list_newest_first_scoped_paginated(db: &TestDb) -> TestResult {
    let s = &*db.store;
    let (_, core) = owner_and_team(s, "Core").await?;
    let (_, docs) = owner_and_team(s, "Docs").await?;
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(s.create_pipeline(new_pipeline(core.id, &format!("Core {i}"))).await?.id);
    }
    let other = s.create_pipeline(new_pipeline(docs.id, "Docs only")).await?;
    // Touching the oldest makes it the newest.
    s.update_pipeline(ids[0], PipelineUpdate { description: Some("touched".into()), ..Default::default() }).await?;
    let expected: Vec<PipelineId> = [ids[0]].into_iter().chain(ids[1..].iter().rev().copied()).collect();

    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let page = s.list_pipelines(&PipelineQuery::teams([core.id]).page(3, offset)).await?;
        assert_eq!(page.total, 7);
        seen.extend(page.items.iter().map(|p| p.id));
        offset += 3;
        if !page.has_more {
            break;
        }
    }
    assert_eq!(seen, expected);
    let past = s.list_pipelines(&PipelineQuery::teams([core.id]).page(3, 30)).await?;
    assert_eq!((past.items.len(), past.total, past.has_more), (0, 7, false));

    let both = s.list_pipelines(&PipelineQuery::teams([core.id, docs.id])).await?;
    assert_eq!(both.total, 8);
    assert_eq!((both.items[0].id, both.items[1].id), (ids[0], other.id));
    assert_eq!(s.list_pipelines(&PipelineQuery::teams([])).await?.total, 0, "no teams, no pipelines");
    // An oversized page is cut, not refused.
    let big = s.list_pipelines(&PipelineQuery::teams([core.id]).page(100_000, 0)).await?;
    assert_eq!(big.items.len(), 7);
    Ok(())
}

pub async fn templates_filter(db: &TestDb) -> TestResult {
    let s = &*db.store;
    let (_, team) = owner_and_team(s, "Core").await?;
    let t = s.create_pipeline(NewPipeline { is_template: true, ..new_pipeline(team.id, "Template") }).await?;
    let p = s.create_pipeline(new_pipeline(team.id, "Plain")).await?;
    let q = |template| PipelineQuery { template, ..PipelineQuery::teams([team.id]) };
    let ids = |page: Page<PipelineSummary>| page.items.into_iter().map(|p| p.id).collect::<Vec<_>>();
    assert_eq!(ids(s.list_pipelines(&q(Some(true))).await?), vec![t.id]);
    assert_eq!(ids(s.list_pipelines(&q(Some(false))).await?), vec![p.id]);
    assert_eq!(ids(s.list_pipelines(&q(None)).await?), vec![p.id, t.id]);
    Ok(())
}

pub async fn bulk_create_is_all_or_nothing(db: &TestDb) -> TestResult {
    let s = &*db.store;
    let (_, team) = owner_and_team(s, "Core").await?;
    let batch: Vec<NewPipeline> = (0..50).map(|i| new_pipeline(team.id, &format!("Bulk {i}"))).collect();
    let ids = s.create_pipelines(batch).await?;
    assert_eq!(ids.len(), 50);
    assert_eq!(s.list_pipelines(&PipelineQuery::teams([team.id])).await?.total, 50);

    // One item with a missing team: the database refuses it mid-transaction, and the batch leaves nothing.
    let mut batch: Vec<NewPipeline> = (0..10).map(|i| new_pipeline(team.id, &format!("More {i}"))).collect();
    batch[7].team = TeamId::new();
    assert!(matches!(s.create_pipelines(batch).await, Err(StoreError::NotFound(_))));
    // One invalid item: refused before anything is written.
    let mut batch: Vec<NewPipeline> = (0..10).map(|i| new_pipeline(team.id, &format!("More {i}"))).collect();
    batch[3].name = String::new();
    assert!(matches!(s.create_pipelines(batch).await, Err(StoreError::Invalid(_))));
    assert_eq!(s.list_pipelines(&PipelineQuery::teams([team.id])).await?.total, 50);
    assert_eq!(s.create_pipelines(Vec::new()).await?, Vec::new());
    Ok(())
}

pub async fn versions_newest_first(db: &TestDb) -> TestResult {
    let s = &*db.store;
    let (ann, team) = owner_and_team(s, "Core").await?;
    let p = s.create_pipeline(new_pipeline(team.id, "Versioned")).await?;
    let mut made = Vec::new();
    for i in 0..3 {
        made.push(
            s.create_version(NewVersion {
                pipeline: p.id,
                author: Some(ann.id),
                message: format!("checkpoint {i}"),
                frontiers: vec![i, 1, 2],
                yaml: format!("workflow:\n  name: v{i}\n"),
            })
            .await?,
        );
    }
    let listed = s.list_versions(p.id).await?;
    assert_eq!(listed.iter().map(|v| v.id).collect::<Vec<_>>(), made.iter().rev().map(|v| v.id).collect::<Vec<_>>());
    assert_eq!(listed[0].message, "checkpoint 2");
    assert_eq!(listed[0].author, Some(ann.id));
    assert_eq!(s.get_version(made[1].id).await?, made[1]);
    assert!(matches!(s.get_version(VersionId::new()).await, Err(StoreError::NotFound(_))));
    let orphan = s.create_version(NewVersion { pipeline: PipelineId::new(), ..Default::default() }).await;
    assert!(matches!(orphan, Err(StoreError::NotFound(_))), "{orphan:?}");
    Ok(())
}
