//! `GET /api/export.zip`: a team's pipelines as a zip of YAML files, original file names kept and made unique.
//! The file naming is shared with `pipeline-editor export`.

use std::collections::HashSet;
use std::io::Write;
use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use pipeline_store::{PipelineQuery, PipelineSummary, Role, Store, TeamId};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::Auth;
use crate::auth::permissions::require_team;
use crate::docs::DocCache;
use crate::error::{ApiError, ApiResult};
use crate::extract::Qs;

/// A file name for a pipeline, unique (ignoring case) among `used`: its original file name, else its name
/// made safe, with `-2`, `-3`… before the extension on a clash.
pub fn unique_file_name(used: &mut HashSet<String>, file_name: Option<&str>, name: &str) -> String {
    let base = match file_name.filter(|f| !f.is_empty() && !f.contains(['/', '\\']) && *f != "." && *f != "..") {
        Some(f) => f.to_owned(),
        None => {
            let safe: String = name
                .chars()
                .map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
                .collect::<String>()
                .trim_matches('-')
                .chars()
                .take(100)
                .collect();
            format!("{}.yaml", if safe.is_empty() { "pipeline" } else { &safe })
        }
    };
    let (stem, ext) = match base.rfind('.') {
        Some(i) if i > 0 => (&base[..i], &base[i..]),
        _ => (base.as_str(), ""),
    };
    let mut candidate = base.clone();
    let mut n = 2;
    while !used.insert(candidate.to_lowercase()) {
        candidate = format!("{stem}-{n}{ext}");
        n += 1;
    }
    candidate
}

/// Every live pipeline of `teams`.
pub async fn all_pipelines(store: &dyn Store, teams: Vec<TeamId>) -> ApiResult<Vec<PipelineSummary>> {
    let mut out = Vec::new();
    let mut query = PipelineQuery::teams(teams).page(PipelineQuery::MAX_PAGE, 0);
    loop {
        let page = store.list_pipelines(&query).await?;
        let n = u32::try_from(page.items.len()).unwrap_or(u32::MAX);
        out.extend(page.items);
        if !page.has_more || n == 0 {
            break;
        }
        query.offset = query.offset.saturating_add(n);
    }
    Ok(out)
}

/// (file name, YAML) for every live pipeline of `teams`, exported from the documents.
pub async fn export_files(
    store: &Arc<dyn Store>,
    docs: &DocCache,
    teams: Vec<TeamId>,
) -> ApiResult<Vec<(String, String)>> {
    let mut used = HashSet::new();
    let mut files = Vec::new();
    for p in all_pipelines(store.as_ref(), teams).await? {
        let yaml = docs.read_transient(store.as_ref(), p.id, |d| Ok(d.export_yaml()?)).await?;
        files.push((unique_file_name(&mut used, p.file_name.as_deref(), &p.name), yaml));
    }
    Ok(files)
}

/// The files as a zip archive (deflate).
pub fn zip_files(files: &[(String, String)]) -> ApiResult<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, yaml) in files {
        zip.start_file(name.as_str(), options).map_err(|_| ApiError::internal())?;
        zip.write_all(yaml.as_bytes()).map_err(|_| ApiError::internal())?;
    }
    Ok(zip.finish().map_err(|_| ApiError::internal())?.into_inner())
}

#[derive(Deserialize, Default)]
pub struct ExportQuery {
    pub team: Option<String>,
}

pub async fn zip(State(state): State<AppState>, auth: Auth, Qs(q): Qs<ExportQuery>) -> ApiResult<Response> {
    let teams = match q.team.as_deref() {
        Some(raw) => {
            let team: TeamId = raw.parse().map_err(|_| ApiError::bad_request(format!("team {raw:?} is not an id")))?;
            require_team(&state, &auth, team, Role::Viewer).await?;
            vec![team]
        }
        None => state.store.teams_of(auth.user.id).await?.into_iter().map(|t| t.team.id).collect(),
    };
    let files = export_files(&state.store, &state.docs, teams).await?;
    let bytes = zip_files(&files)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"pipelines.zip\""),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_kept_and_deduplicated() {
        let mut used = HashSet::new();
        assert_eq!(unique_file_name(&mut used, Some("a.yaml"), "x"), "a.yaml");
        assert_eq!(unique_file_name(&mut used, Some("A.yaml"), "x"), "A-2.yaml");
        assert_eq!(unique_file_name(&mut used, Some("a.yaml"), "x"), "a-3.yaml");
        assert_eq!(unique_file_name(&mut used, None, "My review!"), "My-review.yaml");
        assert_eq!(unique_file_name(&mut used, Some("../evil"), ""), "pipeline.yaml");
    }
}
