//! Listing and full-text search on PostgreSQL: a GIN-indexed `tsvector`, `ts_rank`, scoped to teams, paginated.
//!
//! A search ranks at most `PipelineQuery::SEARCH_WINDOW` matches, the newest (by id: UUIDv7 grows with
//! creation), as on SQLite. The planner picks the cheaper way to fill the window: the GIN index for rare words,
//! a backward walk of the primary key (stopping when the window is full) for words that match most of the
//! library; `pipeline_search_row_cost` (see the migration) tells it what reading a row's tsvector costs. `ts_rank` runs only on the window. The query is `to_tsquery('simple', …)` built from the parsed
//! words (`'summ':* & 'review':*`), never from user text, so a stray quote or operator cannot make it fail. The
//! SQL is assembled from a few fixed fragments (which filters apply); no caller text is ever part of it.

use sqlx::postgres::PgPool;
use sqlx::{AssertSqlSafe, Row};
use uuid::Uuid;

use super::{PIPELINE_COLS, summary_from};
use crate::error::Result;
use crate::model::{Page, PipelineQuery, PipelineSummary};
use crate::search::Terms;

pub(super) async fn list(pool: &PgPool, q: &PipelineQuery) -> Result<Page<PipelineSummary>> {
    if q.teams.is_empty() {
        return Ok(Page { items: Vec::new(), total: 0, total_capped: false, has_more: false });
    }
    let teams: Vec<Uuid> = q.teams.iter().map(|t| t.0).collect();
    let limit = i64::from(q.effective_limit());
    let offset = i64::from(q.offset);

    let mut filter = String::from("p.team_id = ANY($1)");
    filter.push_str(if q.deleted { " AND p.deleted_at IS NOT NULL" } else { " AND p.deleted_at IS NULL" });
    filter.push_str(match q.template {
        Some(true) => " AND p.is_template",
        Some(false) => " AND NOT p.is_template",
        None => "",
    });

    let (rows, total, total_capped) = match q.text.as_deref().and_then(Terms::parse) {
        Some(terms) => {
            // The window holds one more than is ranked, to tell whether there are more. Its tsvectors are
            // read once, into the materialised window, and ranked there; only the page's rows are then joined
            // back for their other columns. ts_rank's default weights (A 1.0, B 0.4, C 0.2) rank the name
            // above the description above the steps.
            let window = PipelineQuery::SEARCH_WINDOW;
            let sql = format!(
                "WITH hits AS MATERIALIZED (\
                   SELECT p.id, p.updated_at, p.search_vector FROM pipelines p \
                   WHERE p.search_vector @@ to_tsquery('simple', $2) AND pipeline_search_row_cost(p.id) \
                   AND {filter} ORDER BY p.id DESC LIMIT {limit_hits}), \
                 page AS (\
                   SELECT id, updated_at, ts_rank(search_vector, to_tsquery('simple', $2)) AS score \
                   FROM (SELECT *, row_number() OVER (ORDER BY id DESC) AS n FROM hits) w WHERE n <= {window} \
                   ORDER BY score DESC, updated_at DESC, id DESC LIMIT $3 OFFSET $4) \
                 SELECT {PIPELINE_COLS}, (SELECT count(*) FROM hits) AS hits \
                 FROM page JOIN pipelines p ON p.id = page.id \
                 ORDER BY page.score DESC, page.updated_at DESC, page.id DESC",
                limit_hits = window + 1,
            );
            let tsquery = terms.tsquery();
            let rows = sqlx::query(AssertSqlSafe(sql))
                .bind(&teams)
                .bind(&tsquery)
                .bind(limit + 1)
                .bind(offset)
                .fetch_all(pool)
                .await?;
            let hits: i64 = match rows.first() {
                Some(row) => row.try_get("hits")?,
                // Past the last page there is no row to carry the count: count the window alone.
                None if offset > 0 => {
                    let sql = format!(
                        "SELECT count(*) FROM (SELECT 1 FROM pipelines p \
                         WHERE p.search_vector @@ to_tsquery('simple', $2) AND {filter} LIMIT {}) w",
                        window + 1
                    );
                    sqlx::query_scalar(AssertSqlSafe(sql)).bind(&teams).bind(&tsquery).fetch_one(pool).await?
                }
                None => 0,
            };
            let hits = u64::try_from(hits).unwrap_or(0);
            (rows, hits.min(u64::from(window)), hits > u64::from(window))
        }
        None => {
            let order = if q.deleted { "p.deleted_at DESC, p.id DESC" } else { "p.updated_at DESC, p.id DESC" };
            let sql =
                format!("SELECT {PIPELINE_COLS} FROM pipelines p WHERE {filter} ORDER BY {order} LIMIT $2 OFFSET $3");
            let rows =
                sqlx::query(AssertSqlSafe(sql)).bind(&teams).bind(limit + 1).bind(offset).fetch_all(pool).await?;
            let sql = format!("SELECT count(*) FROM pipelines p WHERE {filter}");
            let total: i64 = sqlx::query_scalar(AssertSqlSafe(sql)).bind(&teams).fetch_one(pool).await?;
            (rows, u64::try_from(total).unwrap_or(0), false)
        }
    };

    // One row more than the page was asked for tells whether another page follows.
    let page = usize::try_from(limit).unwrap_or(usize::MAX);
    let has_more = rows.len() > page;
    let items = rows.iter().take(page).map(summary_from).collect::<Result<Vec<_>>>()?;
    Ok(Page { items, total, total_capped, has_more })
}
