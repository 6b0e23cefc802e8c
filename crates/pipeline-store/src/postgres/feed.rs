//! The change feed between server nodes: every append NOTIFYs channel `pipeline_updates`, every role change
//! or removal channel `team_memberships`, and every ended session or revoked API token channel
//! `user_credentials`, inside its transaction (so the note is sent exactly when the change is committed), and
//! each node LISTENs to all three.
//!
//! Payloads: `NODE:PIPELINE:SEQ` (the appending store's random node id, the pipeline id, its newest sequence
//! number in the batch), `NODE:TEAM:USER` and `NODE:USER`. A node skips its own notes. A note only says "fetch" or
//! "check again": the receiver reads the updates with `updates_since` or the role with `role`. Notes sent
//! while the listening connection was down are lost; the feed says so (`FeedNote::Resumed`) once it listens
//! again, and the receiver reads everything it follows again.

use sqlx::postgres::{PgListener, PgPool};
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::model::{ChangeNote, FeedNote, PipelineId, TeamId, UserId};

pub(crate) const CHANNEL: &str = "pipeline_updates";
pub(crate) const MEMBERSHIPS: &str = "team_memberships";
pub(crate) const CREDENTIALS: &str = "user_credentials";

pub(crate) fn payload(node: Uuid, pipeline: PipelineId, seq: u64) -> String {
    format!("{node}:{}:{seq}", pipeline.0)
}

pub(crate) fn membership_payload(node: Uuid, team: TeamId, user: UserId) -> String {
    format!("{node}:{}:{}", team.0, user.0)
}

pub(crate) fn credentials_payload(node: Uuid, user: UserId) -> String {
    format!("{node}:{}", user.0)
}

fn parse(channel: &str, payload: &str) -> Option<(Uuid, FeedNote)> {
    let mut parts = payload.split(':');
    let node = parts.next()?.parse().ok()?;
    let a = parts.next()?;
    let note = match channel {
        CREDENTIALS => FeedNote::Credentials { user: UserId(a.parse().ok()?) },
        CHANNEL => {
            FeedNote::Updates(ChangeNote { pipeline: PipelineId(a.parse().ok()?), seq: parts.next()?.parse().ok()? })
        }
        MEMBERSHIPS => {
            FeedNote::Membership { team: TeamId(a.parse().ok()?), user: UserId(parts.next()?.parse().ok()?) }
        }
        _ => return None,
    };
    if parts.next().is_some() {
        return None;
    }
    Some((node, note))
}

/// Notes of what other nodes changed.
pub struct ChangeFeed {
    listener: PgListener,
    node: Uuid,
}

impl ChangeFeed {
    pub(crate) async fn connect(pool: &PgPool, node: Uuid) -> Result<ChangeFeed> {
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen_all([CHANNEL, MEMBERSHIPS, CREDENTIALS]).await?;
        Ok(ChangeFeed { listener, node })
    }

    /// The next note from another node. If the listening connection dropped, it is reopened and the answer is
    /// `Resumed` (notes sent meanwhile are lost; see the module comment). `recv` would reconnect silently.
    pub async fn next(&mut self) -> Result<FeedNote> {
        loop {
            let got = self.listener.try_recv().await.map_err(|e| StoreError::backend(format!("change feed: {e}")))?;
            let Some(n) = got else { return Ok(FeedNote::Resumed) };
            match parse(n.channel(), n.payload()) {
                Some((node, _)) if node == self.node => {}
                Some((_, note)) => return Ok(note),
                None => {
                    tracing::warn!(channel = n.channel(), payload = n.payload(), "ignoring a malformed change note")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trips() {
        let node = Uuid::now_v7();
        let p = PipelineId(Uuid::now_v7());
        assert_eq!(
            parse(CHANNEL, &payload(node, p, 42)),
            Some((node, FeedNote::Updates(ChangeNote { pipeline: p, seq: 42 })))
        );
        assert_eq!(parse(CHANNEL, "x:y:z"), None);
        assert_eq!(parse(CHANNEL, &format!("{node}:{}:1:extra", p.0)), None);
        let (team, user) = (TeamId(Uuid::now_v7()), UserId(Uuid::now_v7()));
        assert_eq!(
            parse(MEMBERSHIPS, &membership_payload(node, team, user)),
            Some((node, FeedNote::Membership { team, user }))
        );
        // A pipeline note read as a membership note: the sequence number is no user id.
        assert_eq!(parse(MEMBERSHIPS, &payload(node, p, 42)), None);
        assert_eq!(parse(CREDENTIALS, &credentials_payload(node, user)), Some((node, FeedNote::Credentials { user })));
        assert_eq!(parse(CREDENTIALS, &membership_payload(node, team, user)), None);
        assert_eq!(parse("elsewhere", &payload(node, p, 42)), None);
    }
}
