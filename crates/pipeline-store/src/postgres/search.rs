//! Listing and full-text search on PostgreSQL: a GIN-indexed `tsvector`, `ts_rank`, scoped to teams, paginated.
//!
//! A search ranks at most `PipelineQuery::SEARCH_WINDOW` matches, the newest (by id: UUIDv7 grows with
//! creation), as on SQLite; `ts_rank` runs only on that window. There are two ways to fill the window, and the
//! planner's own estimates (one `EXPLAIN` of how many live pipelines are in scope and how many of them match)
//! choose between them; both give the same window:
//!
//! - **Per team**, for a search of live pipelines in at most `PER_TEAM_MAX` teams whose words match often
//!   enough that the window fills after reading at most `PER_TEAM_WALK_MAX` rows: one `UNION ALL` branch per
//!   team walks that team's live pipelines newest first (index `pipelines_team_live_id`, `(team_id, id DESC)`)
//!   and checks each tsvector; a Merge Append pulls from the branches in id order and stops when the window is
//!   full, so it reads about as many rows as the window needs, and none of other teams' pipelines. The check is
//!   written `ts_match_vq(…)` rather than `@@` so the planner cannot switch a branch to the GIN index: a GIN scan
//!   costs as much per branch as for the whole library (its cost follows how often the words occur overall,
//!   not in the team), so for words common enough to be here, one GIN scan per team would be slower.
//! - **All teams at once** otherwise (rarer words, wide scopes, the trash): one scan where the planner picks the
//!   GIN index for rare words, or a backward walk of the primary key (stopping when the window is full) for
//!   words that match most of the library; `pipeline_search_row_cost` (see the migration) tells it what reading
//!   a row's tsvector costs. For a member of a few teams that walk would discard the other teams' pipelines
//!   (85 % of what it reads, for 3 of 20 teams), which is why common words go per team.
//!
//! The query is `to_tsquery('simple', …)` built from the parsed words (`'summ':* & 'review':*`), never from user
//! text, so a stray quote or operator cannot make it fail. The SQL is assembled from a few fixed fragments (which
//! filters apply, one branch per team); every value, team ids included, is a bound parameter.

use sqlx::postgres::{PgArguments, PgPool};
use sqlx::query::Query;
use sqlx::{AssertSqlSafe, Postgres, Row};
use uuid::Uuid;

use super::{PIPELINE_COLS, summary_from};
use crate::error::Result;
use crate::model::{Page, PipelineQuery, PipelineSummary};
use crate::search::Terms;

/// A search of live pipelines in at most this many teams may read each team separately (see the module
/// comment). Each team adds a branch to the plan; a wider scope (an administrator's) is most of the library,
/// where the all-teams walk discards little.
const PER_TEAM_MAX: usize = 16;

/// The per-team walk is taken when the planner expects it to read at most this many rows to fill the window
/// (checking a tsvector costs a few microseconds): about the cost of the all-teams plan's GIN scan for words of
/// middling frequency, which is what the all-teams plan does best.
const PER_TEAM_WALK_MAX: f64 = 5000.0;

/// How the search window is read; the team parameters come first in the SQL, the tsquery right after them.
enum Scope<'a> {
    /// One `UNION ALL` branch per team, each team bound as its own parameter (`$1`, `$2`, …).
    PerTeam(&'a [Uuid]),
    /// One scan of all pipelines, the teams bound as one array (`$1`).
    AllAtOnce(&'a [Uuid]),
}

impl Scope<'_> {
    /// How many parameters the team scope takes.
    fn params(&self) -> usize {
        match self {
            Scope::PerTeam(teams) => teams.len(),
            Scope::AllAtOnce(_) => 1,
        }
    }

    fn bind<'q>(&self, mut query: Query<'q, Postgres, PgArguments>) -> Query<'q, Postgres, PgArguments> {
        match self {
            Scope::PerTeam(teams) => {
                for team in *teams {
                    query = query.bind(*team);
                }
                query
            }
            Scope::AllAtOnce(teams) => query.bind(teams.to_vec()),
        }
    }

    /// The window: the newest `limit` matches in scope, newest first, as `(id, updated_at)`. Not the tsvector:
    /// when the planner reads the matches from the GIN index and sorts them by id, every match goes through
    /// the sort, and with ~2 KB tsvectors aboard that sort spilled to disk (88 ms instead of 55 ms for a word
    /// in 8 % of 100,000 pipelines). The window's 1,000 rows are joined back for ranking instead.
    /// `filter` is the rest of the filter (live or deleted, templates); `$ts` is the tsquery.
    fn window_sql(&self, filter: &str, ts: usize, limit: u32) -> String {
        const COLS: &str = "p.id, p.updated_at";
        match self {
            Scope::PerTeam(teams) => {
                let branches: Vec<String> = (1..=teams.len())
                    .map(|k| {
                        format!(
                            "(SELECT {COLS} FROM pipelines p WHERE p.team_id = ${k} AND {filter} \
                             AND ts_match_vq(p.search_vector, to_tsquery('simple', ${ts})) \
                             ORDER BY p.id DESC LIMIT {limit})"
                        )
                    })
                    .collect();
                format!(
                    "SELECT id, updated_at FROM ({}) u ORDER BY id DESC LIMIT {limit}",
                    branches.join(" UNION ALL ")
                )
            }
            Scope::AllAtOnce(_) => format!(
                "SELECT {COLS} FROM pipelines p \
                 WHERE p.search_vector @@ to_tsquery('simple', ${ts}) AND pipeline_search_row_cost(p.id) \
                 AND p.team_id = ANY($1) AND {filter} ORDER BY p.id DESC LIMIT {limit}"
            ),
        }
    }
}

/// Whether the per-team walk is expected to fill the window within `PER_TEAM_WALK_MAX` rows, by the planner's
/// estimates of the live pipelines in scope (what the walk reads) and of the matches among them. `filter` is the
/// rest of the search's filter (live, templates). Any surprise in the plan's shape means no.
async fn per_team_pays(pool: &PgPool, teams: &[Uuid], filter: &str, tsquery: &str) -> Result<bool> {
    let sql = format!(
        "EXPLAIN (FORMAT JSON) \
         SELECT 1 FROM pipelines p WHERE p.team_id = ANY($1) AND p.deleted_at IS NULL \
         UNION ALL \
         SELECT 1 FROM pipelines p WHERE p.team_id = ANY($1) AND {filter} \
         AND p.search_vector @@ to_tsquery('simple', $2)"
    );
    let plan: serde_json::Value =
        sqlx::query(AssertSqlSafe(sql)).bind(teams).bind(tsquery).fetch_one(pool).await?.try_get(0)?;
    let rows = |i: usize| plan.pointer(&format!("/0/Plan/Plans/{i}/Plan Rows")).and_then(serde_json::Value::as_f64);
    let (Some(live), Some(matches)) = (rows(0), rows(1)) else {
        tracing::debug!("unexpected search estimate plan: {plan}");
        return Ok(false);
    };
    let needed = f64::from(PipelineQuery::SEARCH_WINDOW + 1);
    // Rows walked: the live pipelines in scope, times the share of them the window needs.
    let walked = if matches > needed { live * needed / matches } else { live };
    Ok(walked <= PER_TEAM_WALK_MAX)
}

pub(super) async fn list(pool: &PgPool, q: &PipelineQuery) -> Result<Page<PipelineSummary>> {
    if q.teams.is_empty() {
        return Ok(Page { items: Vec::new(), total: 0, total_capped: false, has_more: false });
    }
    // Each team once: a team named twice would otherwise get two branches, and its matches twice.
    let mut teams: Vec<Uuid> = q.teams.iter().map(|t| t.0).collect();
    teams.sort_unstable();
    teams.dedup();
    let limit = i64::from(q.effective_limit());
    let offset = i64::from(q.offset);

    let mut filter = String::from(if q.deleted { "p.deleted_at IS NOT NULL" } else { "p.deleted_at IS NULL" });
    filter.push_str(match q.template {
        Some(true) => " AND p.is_template",
        Some(false) => " AND NOT p.is_template",
        None => "",
    });

    let (rows, total, total_capped) = match q.text.as_deref().and_then(Terms::parse) {
        Some(terms) => {
            let tsquery = terms.tsquery();
            let per_team =
                !q.deleted && teams.len() <= PER_TEAM_MAX && per_team_pays(pool, &teams, &filter, &tsquery).await?;
            let scope = if per_team { Scope::PerTeam(&teams) } else { Scope::AllAtOnce(&teams) };
            let ts = scope.params() + 1;
            // The window holds one more than is ranked, to tell whether there are more. Its rows are joined
            // back for their tsvectors and ranked; only the page's rows are then joined again for their other
            // columns. ts_rank's default weights (A 1.0, B 0.4, C 0.2) rank the name above the description
            // above the steps.
            let window = PipelineQuery::SEARCH_WINDOW;
            let hits_sql = scope.window_sql(&filter, ts, window + 1);
            let sql = format!(
                "WITH hits AS MATERIALIZED ({hits_sql}), \
                 page AS (\
                   SELECT w.id, w.updated_at, ts_rank(r.search_vector, to_tsquery('simple', ${ts})) AS score \
                   FROM (SELECT *, row_number() OVER (ORDER BY id DESC) AS n FROM hits) w \
                   JOIN pipelines r ON r.id = w.id WHERE w.n <= {window} \
                   ORDER BY score DESC, w.updated_at DESC, w.id DESC LIMIT ${l} OFFSET ${o}) \
                 SELECT {PIPELINE_COLS}, (SELECT count(*) FROM hits) AS hits \
                 FROM page JOIN pipelines p ON p.id = page.id \
                 ORDER BY page.score DESC, page.updated_at DESC, page.id DESC",
                l = ts + 1,
                o = ts + 2,
            );
            let rows = scope
                .bind(sqlx::query(AssertSqlSafe(sql)))
                .bind(&tsquery)
                .bind(limit + 1)
                .bind(offset)
                .fetch_all(pool)
                .await?;
            let hits: i64 = match rows.first() {
                Some(row) => row.try_get("hits")?,
                // Past the last page there is no row to carry the count: count the window alone.
                None if offset > 0 => {
                    let sql = format!("SELECT count(*) FROM ({hits_sql}) w");
                    scope.bind(sqlx::query(AssertSqlSafe(sql))).bind(&tsquery).fetch_one(pool).await?.try_get(0)?
                }
                None => 0,
            };
            let hits = u64::try_from(hits).unwrap_or(0);
            (rows, hits.min(u64::from(window)), hits > u64::from(window))
        }
        None => {
            let filter = format!("p.team_id = ANY($1) AND {filter}");
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
