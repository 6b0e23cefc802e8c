//! The change feed between server nodes: every append NOTIFYs channel `pipeline_updates` inside its
//! transaction (so the note is sent exactly when the updates are committed), and each node LISTENs.
//!
//! Payload: `NODE:PIPELINE:SEQ` (the appending store's random node id, the pipeline id, its newest sequence
//! number in the batch). A node skips its own notes. A note only says "fetch": the receiver reads the updates
//! with `updates_since`, so a lost note (the listening connection dropped) is made good by the next one.

use sqlx::postgres::{PgListener, PgPool};
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::model::{ChangeNote, PipelineId};

pub(crate) const CHANNEL: &str = "pipeline_updates";

pub(crate) fn payload(node: Uuid, pipeline: PipelineId, seq: u64) -> String {
    format!("{node}:{}:{seq}", pipeline.0)
}

fn parse(payload: &str) -> Option<(Uuid, ChangeNote)> {
    let mut parts = payload.split(':');
    let node = parts.next()?.parse().ok()?;
    let pipeline = PipelineId(parts.next()?.parse().ok()?);
    let seq = parts.next()?.parse().ok()?;
    parts.next().is_none().then_some((node, ChangeNote { pipeline, seq }))
}

/// Notes of updates appended by other nodes.
pub struct ChangeFeed {
    listener: PgListener,
    node: Uuid,
}

impl ChangeFeed {
    pub(crate) async fn connect(pool: &PgPool, node: Uuid) -> Result<ChangeFeed> {
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(CHANNEL).await?;
        Ok(ChangeFeed { listener, node })
    }

    /// The next note from another node. If the listening connection drops it is reopened (notes sent
    /// meanwhile are lost; see the module comment).
    pub async fn next(&mut self) -> Result<ChangeNote> {
        loop {
            let n = self.listener.recv().await.map_err(|e| StoreError::backend(format!("change feed: {e}")))?;
            match parse(n.payload()) {
                Some((node, _)) if node == self.node => {}
                Some((_, note)) => return Ok(note),
                None => tracing::warn!(payload = n.payload(), "ignoring a malformed change note"),
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
        assert_eq!(parse(&payload(node, p, 42)), Some((node, ChangeNote { pipeline: p, seq: 42 })));
        assert_eq!(parse("x:y:z"), None);
        assert_eq!(parse(&format!("{node}:{}:1:extra", p.0)), None);
    }
}
