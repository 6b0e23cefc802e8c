//! Listing and full-text search on SQLite: FTS5 with bm25 ranking, scoped to teams, paginated.
//!
//! A search ranks at most `PipelineQuery::SEARCH_WINDOW` matches, the newest (highest `pk`, which grows with
//! creation). FTS5 hands out matches in rowid order and stops when the window is full, so a prefix that matches
//! most of the library costs no more than a rare word. The team scope is bound as one JSON array and unpacked
//! with `json_each`, so the SQL text does not depend on how many teams there are and the prepared statement is
//! reused. The SQL is assembled from a few fixed fragments (which filters apply); no caller text is ever part
//! of it.

use sqlx::sqlite::SqlitePool;
use sqlx::{AssertSqlSafe, Row};

use super::{PIPELINE_COLS, db_id, summary_from};
use crate::error::Result;
use crate::model::{Page, PipelineQuery, PipelineSummary};
use crate::search::Terms;

/// bm25 column weights (name, description, search_text): a word in the name counts ten times one in the steps.
const BM25: &str = "bm25(pipelines_fts, 10.0, 4.0, 1.0)";

pub(super) async fn list(pool: &SqlitePool, q: &PipelineQuery) -> Result<Page<PipelineSummary>> {
    if q.teams.is_empty() {
        return Ok(Page { items: Vec::new(), total: 0, total_capped: false, has_more: false });
    }
    let teams = serde_json::Value::from(q.teams.iter().map(|t| db_id(t.0)).collect::<Vec<_>>()).to_string();
    let limit = q.effective_limit();
    let offset = q.offset;

    let mut filter = String::from("p.team_id IN (SELECT value FROM json_each(?))");
    filter.push_str(if q.deleted { " AND p.deleted_at IS NOT NULL" } else { " AND p.deleted_at IS NULL" });
    filter.push_str(match q.template {
        Some(true) => " AND p.is_template = 1",
        Some(false) => " AND p.is_template = 0",
        None => "",
    });

    let (rows, total, total_capped) = match q.text.as_deref().and_then(Terms::parse) {
        Some(terms) => {
            // The window: matches in scope, newest first, one more than ranked (to tell whether there are
            // more). CROSS JOIN keeps the full-text index as the outer loop (SQLite never reorders it), which
            // is what lets FTS5 deliver rowids in descending order and stop early, and what bm25() needs: it
            // works only on the cursor of a MATCH. MATERIALIZED keeps the planner from folding the window into
            // the ranking query, where bm25() would again be out of its context. Only the page's rows are
            // joined back for their other columns.
            let window = PipelineQuery::SEARCH_WINDOW;
            let sql = format!(
                "WITH hits AS MATERIALIZED (\
                   SELECT pipelines_fts.rowid AS pk, {BM25} AS score, p.updated_at, p.id \
                   FROM pipelines_fts CROSS JOIN pipelines p ON p.pk = pipelines_fts.rowid \
                   WHERE pipelines_fts MATCH ? AND {filter} \
                   ORDER BY pipelines_fts.rowid DESC LIMIT {limit_hits}), \
                 page AS (\
                   SELECT pk, score, updated_at, id \
                   FROM (SELECT *, row_number() OVER (ORDER BY pk DESC) AS n FROM hits) WHERE n <= {window} \
                   ORDER BY score, updated_at DESC, id DESC LIMIT ? OFFSET ?) \
                 SELECT {PIPELINE_COLS}, (SELECT count(*) FROM hits) AS hits \
                 FROM page JOIN pipelines p ON p.pk = page.pk \
                 ORDER BY page.score, page.updated_at DESC, page.id DESC",
                limit_hits = window + 1,
            );
            let fts = terms.fts5();
            let rows = sqlx::query(AssertSqlSafe(sql))
                .bind(&fts)
                .bind(&teams)
                .bind(limit + 1)
                .bind(offset)
                .fetch_all(pool)
                .await?;
            let hits: i64 = match rows.first() {
                Some(row) => row.try_get("hits")?,
                // Past the last page there is no row to carry the count: count the window alone.
                None if offset > 0 => {
                    let sql = format!(
                        "SELECT count(*) FROM (SELECT 1 FROM pipelines_fts CROSS JOIN pipelines p \
                         ON p.pk = pipelines_fts.rowid WHERE pipelines_fts MATCH ? AND {filter} LIMIT {})",
                        window + 1
                    );
                    sqlx::query_scalar(AssertSqlSafe(sql)).bind(&fts).bind(&teams).fetch_one(pool).await?
                }
                None => 0,
            };
            let hits = u64::try_from(hits).unwrap_or(0);
            (rows, hits.min(u64::from(window)), hits > u64::from(window))
        }
        None => {
            let order = if q.deleted { "p.deleted_at DESC, p.id DESC" } else { "p.updated_at DESC, p.id DESC" };
            let sql =
                format!("SELECT {PIPELINE_COLS} FROM pipelines p WHERE {filter} ORDER BY {order} LIMIT ? OFFSET ?");
            let rows =
                sqlx::query(AssertSqlSafe(sql)).bind(&teams).bind(limit + 1).bind(offset).fetch_all(pool).await?;
            let sql = format!("SELECT count(*) FROM pipelines p WHERE {filter}");
            let total: i64 = sqlx::query_scalar(AssertSqlSafe(sql)).bind(&teams).fetch_one(pool).await?;
            (rows, u64::try_from(total).unwrap_or(0), false)
        }
    };

    // One row more than the page was asked for tells whether another page follows.
    let has_more = rows.len() > limit as usize;
    let items = rows.iter().take(limit as usize).map(summary_from).collect::<Result<Vec<_>>>()?;
    Ok(Page { items, total, total_capped, has_more })
}
