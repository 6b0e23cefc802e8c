//! The change feed between nodes: on PostgreSQL another store on the same database (another node) hears of
//! appends, role changes and ended sessions or API tokens, never its own, and hears that it may have missed
//! notes after its listening connection was lost; on SQLite there is no feed (one process owns the file).

use std::time::Duration;

use pipeline_store::*;
use sqlx::Connection;

use crate::pipelines::{new_pipeline, owner_and_team};
use crate::support::{Location, TestDb, TestResult};

async fn next(feed: &mut ChangeFeed) -> Result<FeedNote> {
    tokio::time::timeout(Duration::from_secs(10), feed.next())
        .await
        .unwrap_or_else(|_| panic!("no note from the change feed in 10 s"))
}

pub async fn other_nodes_appends_role_changes_and_ended_credentials_are_noted(db: &TestDb) -> TestResult {
    let a = &*db.store;
    let b = db.reopen().await;
    let (_, team) = owner_and_team(a, "Feed").await?;
    let p = a.create_pipeline(new_pipeline(team.id, "Doc")).await?;
    let Some(mut feed) = b.change_feed().await? else {
        assert!(matches!(db.location, Location::Sqlite(_)), "only SQLite has no change feed");
        return Ok(());
    };
    // b's own append is not noted to b; a's are.
    b.append_update(p.id, b"from b".to_vec(), None).await?;
    let seq = a.append_update(p.id, b"from a".to_vec(), None).await?;
    assert_eq!(next(&mut feed).await?, FeedNote::Updates(ChangeNote { pipeline: p.id, seq }));
    let member = a.create_user(NewUser { email: "member@feed.example".into(), name: "M".into() }).await?;
    a.set_role(team.id, member.id, Role::Member).await?;
    assert_eq!(next(&mut feed).await?, FeedNote::Membership { team: team.id, user: member.id });
    a.set_role(team.id, member.id, Role::Viewer).await?;
    assert_eq!(next(&mut feed).await?, FeedNote::Membership { team: team.id, user: member.id });
    a.remove_member(team.id, member.id).await?;
    assert_eq!(next(&mut feed).await?, FeedNote::Membership { team: team.id, user: member.id });
    // A failed removal changed nothing and says nothing: the next note is the next append.
    assert!(matches!(a.remove_member(team.id, member.id).await, Err(StoreError::NotFound(_))));
    let seq = a.append_update(p.id, b"again".to_vec(), None).await?;
    assert_eq!(next(&mut feed).await?, FeedNote::Updates(ChangeNote { pipeline: p.id, seq }));
    // A session ended, one API token revoked, every session ended: each is noted with its user. Ending a
    // session that does not exist says nothing.
    let s = a.create_session(member.id, Duration::from_secs(3600)).await?;
    a.delete_session(&s.token).await?;
    assert_eq!(next(&mut feed).await?, FeedNote::Credentials { user: member.id });
    a.delete_session(&s.token).await?;
    let t = a.create_api_token(member.id, "ci").await?;
    a.revoke_api_token(member.id, t.token.id).await?;
    assert_eq!(next(&mut feed).await?, FeedNote::Credentials { user: member.id });
    a.create_session(member.id, Duration::from_secs(3600)).await?;
    assert_eq!(a.delete_user_sessions(member.id).await?, 1);
    assert_eq!(next(&mut feed).await?, FeedNote::Credentials { user: member.id });
    let seq = a.append_update(p.id, b"last".to_vec(), None).await?;
    assert_eq!(next(&mut feed).await?, FeedNote::Updates(ChangeNote { pipeline: p.id, seq }));
    Ok(())
}

/// The listening connection dies, an append's note is sent while nobody listens: the feed must not go on
/// as if nothing happened (sqlx's `recv` would reconnect silently and wait for the next note forever).
pub async fn a_lost_listening_connection_is_reported(db: &TestDb) -> TestResult {
    let Location::Postgres { url, .. } = &db.location else {
        assert!(db.store.change_feed().await?.is_none());
        return Ok(());
    };
    let a = &*db.store;
    let b = db.reopen().await;
    let (_, team) = owner_and_team(a, "Lost").await?;
    let p = a.create_pipeline(new_pipeline(team.id, "Doc")).await?;
    let mut feed = b.change_feed().await?.ok_or("PostgreSQL has a change feed")?;
    let mut admin = sqlx::PgConnection::connect(url).await?;
    let killed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE 'LISTEN%'",
    )
    .fetch_all(&mut admin)
    .await?;
    assert_eq!(killed, [true], "one listening connection, terminated");
    // Wait until the backend is gone, so the note below is sent while nobody listens.
    for _ in 0..200 {
        let left: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
        )
        .fetch_one(&mut admin)
        .await?;
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    a.append_update(p.id, b"while away".to_vec(), None).await?;
    // Either the feed says it resumed, or it fails (the caller then opens a new one and catches up); both
    // tell the caller that notes were lost. What it must not do is wait for the next note.
    let mut feed = match tokio::time::timeout(Duration::from_secs(10), feed.next()).await {
        Ok(Ok(FeedNote::Resumed)) => feed,
        Ok(Err(_)) => b.change_feed().await?.ok_or("PostgreSQL has a change feed")?,
        Ok(Ok(other)) => panic!("the lost note cannot arrive, got {other:?}"),
        Err(_) => panic!("the feed did not report the lost connection in 10 s"),
    };
    // Listening again: the next append is noted.
    let seq = a.append_update(p.id, b"back".to_vec(), None).await?;
    assert_eq!(next(&mut feed).await?, FeedNote::Updates(ChangeNote { pipeline: p.id, seq }));
    Ok(())
}
