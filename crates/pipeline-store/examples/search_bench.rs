//! Search latency over 10,000 and 100,000 generated pipelines, on SQLite and on PostgreSQL.
//!
//! ```text
//! cargo run --release -p pipeline-store --example search_bench -- [--backend sqlite|postgres|both]
//!     [--sizes 10000,100000] [--queries 400] [--database-url postgres://…]
//!     [--keep-dir DIR]  (keep the databases: SQLite in DIR-SIZE, reused by the next run; PostgreSQL printed)
//!     [--reuse-database postgres://…/bench_…]  (measure a kept PostgreSQL database again, no refill)
//! ```
//!
//! For each backend and size it makes a fresh store (a temporary directory; a fresh PostgreSQL database
//! created next to `--database-url`, `PIPELINE_TEST_DATABASE_URL`, or the server of `scripts/pg-test-server.sh`),
//! fills it through `Store::create_pipelines` in transactions of 2,000, then times `Store::list_pipelines` with
//! search text, one query at a time, warm (every query once before timing), end to end through the trait (SQL,
//! ranking, the window count, row decoding). Pipelines are spread over 20 teams; the headline scope is all 20
//! teams (an administrator: the most rows to rank), and a second run scopes to 3 teams (a typical member).
//!
//! The generated pipelines look like real ones: names such as "Summarize support tickets nightly",
//! a one-sentence description, 4 to 24 steps whose snake_case names and prompt sentences go into
//! `search_text` (about 1.3 KB per pipeline), a YAML export of about 2 KB, and a made-up project code word
//! (a rare term). Queries mix whole common words, prefixes of 2 to 6 characters (search-as-you-type), two-word
//! queries, and rare or missing words, in that order of frequency.

use std::time::{Duration, Instant};

use pipeline_store::{NewPipeline, PipelineQuery, PostgresStore, SqliteStore, Store, TeamId};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use sqlx::{Connection, Executor};

const VERBS: &[&str] = &[
    "Summarize",
    "Review",
    "Generate",
    "Translate",
    "Classify",
    "Extract",
    "Triage",
    "Analyze",
    "Refactor",
    "Document",
    "Draft",
    "Validate",
    "Migrate",
    "Audit",
    "Benchmark",
    "Label",
    "Rewrite",
    "Index",
    "Score",
    "Plan",
];
const OBJECTS: &[&str] = &[
    "support tickets",
    "pull requests",
    "release notes",
    "customer emails",
    "meeting transcripts",
    "error logs",
    "product reviews",
    "API docs",
    "invoices",
    "contracts",
    "test failures",
    "security alerts",
    "changelogs",
    "user stories",
    "onboarding guides",
    "research papers",
    "sales calls",
    "incident reports",
    "code comments",
    "database schemas",
    "marketing copy",
    "legal clauses",
    "survey answers",
    "job postings",
    "bug reports",
];
const QUALIFIERS: &[&str] = &[
    "nightly",
    "weekly",
    "for security",
    "in Rust",
    "for the EU team",
    "with Gemini",
    "with Claude",
    "in batches",
    "before release",
    "on merge",
    "by priority",
    "into JSON",
    "for executives",
    "step by step",
    "v2",
    "(draft)",
];
const STEP_VERBS: &[&str] = &[
    "fetch",
    "load",
    "parse",
    "classify",
    "summarize",
    "extract",
    "validate",
    "score",
    "rank",
    "draft",
    "review",
    "translate",
    "merge",
    "filter",
    "enrich",
    "format",
    "publish",
    "notify",
    "store",
    "compare",
    "plan",
    "check",
];
const STEP_OBJECTS: &[&str] = &[
    "tickets",
    "diff",
    "files",
    "entities",
    "priority",
    "summary",
    "report",
    "reply",
    "sections",
    "metadata",
    "results",
    "findings",
    "issues",
    "citations",
    "changes",
    "owners",
    "labels",
    "questions",
    "risks",
    "tests",
];
const PROMPT_OPENERS: &[&str] = &[
    "You are a careful senior engineer.",
    "You are an expert technical writer.",
    "Act as a meticulous security reviewer.",
    "You are a helpful support agent.",
    "You are a data analyst who explains clearly.",
    "Act as a strict but fair code reviewer.",
];
const PROMPT_TASKS: &[&str] = &[
    "Read the previous response and list every risk you find, ordered by severity.",
    "Summarize the input in five bullet points for a busy executive.",
    "Extract all entities mentioned and return them as JSON with their types.",
    "Rewrite the draft so it is concise, friendly and free of jargon.",
    "Classify each item by priority: critical, high, medium or low.",
    "Compare the two versions and explain what changed and why it matters.",
    "Check the code for concurrency bugs, unchecked errors and missing tests.",
    "Translate the text into German, keeping product names unchanged.",
    "Write release notes grouped by feature, fix and breaking change.",
    "Answer only with valid YAML that matches the schema above.",
    "Identify the root cause from the stack traces and propose a fix.",
    "Score each answer from one to ten and justify the score briefly.",
];
const SYLLABLES: &[&str] =
    &["ka", "lo", "mi", "ne", "ro", "ta", "vu", "zen", "qua", "bri", "dor", "fel", "gan", "hux", "jor", "pel"];

fn code_word(rng: &mut StdRng) -> String {
    (0..3).filter_map(|_| SYLLABLES.choose(rng)).copied().collect()
}

fn pick<'a>(rng: &mut StdRng, words: &[&'a str]) -> &'a str {
    words.choose(rng).copied().unwrap_or("x")
}

fn pipeline(rng: &mut StdRng, team: TeamId, i: usize) -> NewPipeline {
    let name = format!("{} {} {}", pick(rng, VERBS), pick(rng, OBJECTS), pick(rng, QUALIFIERS));
    let code = code_word(rng);
    let description = format!(
        "Project {code}: {} {} and report the results to the team. {}",
        pick(rng, STEP_VERBS),
        pick(rng, OBJECTS),
        pick(rng, PROMPT_TASKS)
    );
    let mut search_text = String::new();
    let mut yaml = format!("workflow:\n  name: {name}\n  description: {description}\n  steps:\n");
    for _ in 0..rng.random_range(4..=24) {
        let step = format!("{}_{}", pick(rng, STEP_VERBS), pick(rng, STEP_OBJECTS));
        let prompt = format!("{} {}", pick(rng, PROMPT_OPENERS), pick(rng, PROMPT_TASKS));
        search_text.push_str(&step);
        search_text.push('\n');
        search_text.push_str(&prompt);
        search_text.push('\n');
        yaml.push_str(&format!(
            "    - name: {step}\n      type: claude\n      prompt:\n        - type: static\n          content: |\n            {prompt}\n"
        ));
    }
    NewPipeline {
        team,
        name,
        description,
        file_name: Some(format!("pipeline-{i}.yaml")),
        is_template: rng.random_bool(0.05),
        yaml,
        search_text,
        ..Default::default()
    }
}

fn queries(rng: &mut StdRng, n: usize) -> Vec<String> {
    let words: Vec<String> = [VERBS, OBJECTS, STEP_VERBS, STEP_OBJECTS, PROMPT_TASKS]
        .iter()
        .flat_map(|list| list.iter())
        .flat_map(|s| s.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| w.len() >= 3)
        .map(str::to_lowercase)
        .collect();
    let word = |rng: &mut StdRng| words.choose(rng).cloned().unwrap_or_default();
    (0..n)
        .map(|_| match rng.random_range(0..10) {
            0..=3 => word(rng),
            4..=6 => {
                let w = word(rng);
                let len = rng.random_range(2..=6).min(w.len());
                w.chars().take(len).collect()
            }
            7 | 8 => {
                let (a, b) = (word(rng), word(rng));
                format!("{a} {}", &b[..b.len().min(4)])
            }
            _ => code_word(rng),
        })
        .collect()
}

struct Figures {
    p50: Duration,
    p99: Duration,
    max: Duration,
    mean_hits: f64,
    capped: usize,
}

async fn measure(
    store: &dyn Store,
    teams: &[TeamId],
    queries: &[String],
) -> Result<Figures, Box<dyn std::error::Error>> {
    let query = |text: &str| PipelineQuery::teams(teams.iter().copied()).text(text).page(20, 0);
    for q in queries {
        store.list_pipelines(&query(q)).await?;
    }
    let mut times = Vec::with_capacity(queries.len());
    let mut slowest = Vec::with_capacity(queries.len());
    let mut hits = 0u64;
    let mut capped = 0;
    for q in queries {
        let started = Instant::now();
        let page = store.list_pipelines(&query(q)).await?;
        times.push(started.elapsed());
        slowest.push((started.elapsed(), q.as_str(), page.total));
        hits += page.total;
        capped += usize::from(page.total_capped);
    }
    times.sort();
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    let shown: Vec<String> = slowest.iter().take(5).map(|(t, q, n)| format!("{q:?} {} ({n})", ms(*t))).collect();
    eprintln!("  slowest: {}", shown.join(", "));
    let at = |p: f64| times[((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1];
    Ok(Figures {
        p50: at(0.50),
        p99: at(0.99),
        max: times[times.len() - 1],
        mean_hits: hits as f64 / queries.len() as f64,
        capped,
    })
}

async fn fill(store: &dyn Store, n: usize) -> Result<Vec<TeamId>, Box<dyn std::error::Error>> {
    let mut teams = Vec::new();
    for t in 0..20 {
        teams.push(store.create_team(&format!("team {t}")).await?.id);
    }
    let mut rng = StdRng::seed_from_u64(42);
    let started = Instant::now();
    let mut i = 0;
    while i < n {
        let batch: Vec<NewPipeline> = (i..(i + 2000).min(n))
            .map(|j| {
                let team = teams[rng.random_range(0..teams.len())];
                pipeline(&mut rng, team, j)
            })
            .collect();
        i += batch.len();
        store.create_pipelines(batch).await?;
    }
    eprintln!("  inserted {n} pipelines in {:.1} s", started.elapsed().as_secs_f64());
    Ok(teams)
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

async fn report(
    label: &str,
    store: &dyn Store,
    teams: &[TeamId],
    n: usize,
    nq: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let qs = queries(&mut StdRng::seed_from_u64(7), nq);
    for (scope, teams) in [("20 teams", teams), ("3 teams", &teams[..3])] {
        let f = measure(store, teams, &qs).await?;
        println!(
            "| {label} | {n} | {scope} | {nq} | {} | {} | {} | {:.0} | {} |",
            ms(f.p50),
            ms(f.p99),
            ms(f.max),
            f.mean_hits,
            f.capped
        );
    }
    Ok(())
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let backend = arg(&args, "--backend").unwrap_or_else(|| "both".into());
    let sizes: Vec<usize> = arg(&args, "--sizes")
        .unwrap_or_else(|| "10000,100000".into())
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let nq: usize = arg(&args, "--queries").map_or(Ok(400), |s| s.parse())?;
    let pg_url = arg(&args, "--database-url").or_else(|| std::env::var("PIPELINE_TEST_DATABASE_URL").ok());

    println!("| backend | pipelines | scope | queries | p50 | p99 | max | mean total | capped |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for &n in &sizes {
        if backend == "sqlite" || backend == "both" {
            let dir = tempfile::tempdir()?;
            // `--keep-dir DIR` leaves the database behind for inspection (`sqlite3 DIR/pipeline-editor.sqlite3`).
            let path = arg(&args, "--keep-dir").map_or_else(|| dir.path().to_owned(), |d| format!("{d}-{n}").into());
            let reuse = path.join(pipeline_store::SQLITE_FILE_NAME).exists();
            let store = SqliteStore::open(&path).await?;
            let teams = if reuse {
                store.list_teams().await?.into_iter().map(|t| t.id).collect()
            } else {
                fill(&store, n).await?
            };
            report("SQLite", &store, &teams, n, nq).await?;
            store.close().await;
        }
        if backend == "postgres" || backend == "both" {
            if let Some(url) = arg(&args, "--reuse-database") {
                // A database kept by an earlier `--keep-dir` run.
                let store = PostgresStore::connect(&url).await?;
                let teams: Vec<TeamId> = store.list_teams().await?.into_iter().map(|t| t.id).collect();
                report("PostgreSQL", &store, &teams, n, nq).await?;
                continue;
            }
            let admin = match &pg_url {
                Some(url) => url.clone(),
                None => pg_test_server()?,
            };
            let name = format!("bench_{}", uuid::Uuid::now_v7().simple());
            let mut conn = sqlx::PgConnection::connect(&admin).await?;
            conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await?;
            let url = format!("{}/{name}", admin.rsplit_once('/').map_or(admin.as_str(), |(server, _)| server));
            let store = PostgresStore::connect(&url).await?;
            let teams = fill(&store, n).await?;
            // Fresh statistics and visibility map, as autovacuum would have made them on a live server.
            sqlx::query("VACUUM ANALYZE").execute(store.pool()).await?;
            report("PostgreSQL", &store, &teams, n, nq).await?;
            store.close().await;
            if args.iter().any(|a| a == "--keep-dir") {
                eprintln!("  kept {url}");
            } else {
                conn.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)"))).await?;
            }
        }
    }
    Ok(())
}

fn pg_test_server() -> Result<String, Box<dyn std::error::Error>> {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pg-test-server.sh");
    let out = std::process::Command::new("bash").arg(script).arg("start").output()?;
    String::from_utf8(out.stdout)?
        .lines()
        .find_map(|l| l.strip_prefix("PIPELINE_TEST_DATABASE_URL=").map(str::to_owned))
        .ok_or_else(|| "no PostgreSQL: pass --database-url or set PIPELINE_TEST_DATABASE_URL".into())
}
