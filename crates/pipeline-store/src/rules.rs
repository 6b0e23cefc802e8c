//! The rules both backends apply around their SQL: what a new pipeline, an update of one, a snapshot, a compaction
//! and a version must satisfy. Kept in one place so that SQLite and PostgreSQL cannot drift apart.

use time::OffsetDateTime;

use crate::error::{Result, StoreError};
use crate::input;
use crate::model::*;

/// A checked `NewPipeline`, ready to insert.
pub(crate) struct PipelineRow {
    pub(crate) p: Pipeline,
    pub(crate) initial_update: Option<Vec<u8>>,
}

pub(crate) fn check_new_pipeline(new: NewPipeline, now: OffsetDateTime) -> Result<PipelineRow> {
    if let Some(update) = &new.initial_update {
        input::blob("initial update", update)?;
    }
    Ok(PipelineRow {
        p: Pipeline {
            id: new.id.unwrap_or_default(),
            team: new.team,
            name: input::pipeline_name(&new.name)?,
            description: input::description(&new.description)?,
            file_name: new.file_name.as_deref().map(input::file_name).transpose()?,
            is_template: new.is_template,
            created_by: new.created_by,
            created_at: now,
            updated_at: now,
            deleted_at: None,
            yaml: input::yaml(&new.yaml)?,
            search_text: input::search_text(&new.search_text),
        },
        initial_update: new.initial_update,
    })
}

/// Applies a `PipelineUpdate` to a pipeline read in the same transaction.
pub(crate) fn apply_update(p: &mut Pipeline, update: PipelineUpdate) -> Result<()> {
    if let Some(name) = &update.name {
        p.name = input::pipeline_name(name)?;
    }
    if let Some(description) = &update.description {
        p.description = input::description(description)?;
    }
    if let Some(file_name) = &update.file_name {
        p.file_name = file_name.as_deref().map(input::file_name).transpose()?;
    }
    if let Some(is_template) = update.is_template {
        p.is_template = is_template;
    }
    if let Some(yaml) = &update.yaml {
        p.yaml = input::yaml(yaml)?;
    }
    if let Some(search_text) = &update.search_text {
        p.search_text = input::search_text(search_text);
    }
    // Never backwards, even if the clock is: lists sort by this.
    p.updated_at = input::now().max(p.updated_at);
    Ok(())
}

/// The rules of `store_snapshot`.
pub(crate) fn check_snapshot(last_seq: u64, latest: Option<u64>, up_to_seq: u64) -> Result<()> {
    if up_to_seq == 0 {
        return Err(StoreError::Invalid("a snapshot must cover at least one update (seq 1)".into()));
    }
    if up_to_seq > last_seq {
        return Err(StoreError::Invalid(format!(
            "snapshot covers seq {up_to_seq} but the last update is seq {last_seq}"
        )));
    }
    if let Some(latest) = latest.filter(|&s| s >= up_to_seq) {
        return Err(StoreError::Conflict(format!("a snapshot up to seq {latest} already exists")));
    }
    Ok(())
}

/// The rule of `compact`: only what the latest snapshot covers may go. Returns that
/// snapshot's seq.
pub(crate) fn check_compaction(latest: Option<u64>, keep_after: u64) -> Result<u64> {
    match latest {
        Some(s) if s >= keep_after => Ok(s),
        Some(s) => Err(StoreError::Invalid(format!(
            "cannot drop updates up to seq {keep_after}: the latest snapshot covers only up to seq {s}"
        ))),
        None => Err(StoreError::Invalid("cannot compact a document without a snapshot".into())),
    }
}

/// A checked `NewVersion`.
pub(crate) fn check_version(new: NewVersion) -> Result<Version> {
    if new.frontiers.len() > input::MAX_BLOB {
        return Err(StoreError::Invalid("version frontiers are too large".into()));
    }
    Ok(Version {
        id: VersionId::new(),
        pipeline: new.pipeline,
        author: new.author,
        message: input::text("version message", new.message.trim(), 4000)?,
        created_at: input::now(),
        frontiers: new.frontiers,
        yaml: input::yaml(&new.yaml)?,
    })
}
