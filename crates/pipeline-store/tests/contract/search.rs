//! Full-text search: prefixes, ranking, team scope, the trash, pagination, templates, hostile queries.

use pipeline_store::*;

use crate::pipelines::{new_pipeline, owner_and_team};
use crate::support::{TestDb, TestResult};

async fn search(s: &dyn Store, teams: &[TeamId], text: &str) -> Result<Vec<String>> {
    let page = s.list_pipelines(&PipelineQuery::teams(teams.iter().copied()).text(text)).await?;
    Ok(page.items.into_iter().map(|p| p.name).collect())
}

fn with_steps(team: TeamId, name: &str, description: &str, steps: &str) -> NewPipeline {
    NewPipeline { description: description.into(), search_text: steps.into(), ..new_pipeline(team, name) }
}

pub async fn prefix_search_as_you_type(db: &TestDb) -> TestResult {
    let s = &*db.store;
    let (_, team) = owner_and_team(s, "Core").await?;
    let t = [team.id];
    s.create_pipeline(with_steps(team.id, "Summarize tickets", "Nightly digest", "fetch_tickets\nsummarize")).await?;
    s.create_pipeline(with_steps(team.id, "Code review", "Reviews pull requests", "You are a careful reviewer"))
        .await?;
    s.create_pipeline(with_steps(team.id, "Generation of reports", "Übersicht für das Team", "render_report")).await?;

    for typed in ["s", "su", "sum", "summ", "summar", "summarize"] {
        let hits = search(s, &t, typed).await?;
        if typed == "s" {
            // One letter is a whole word, not a prefix.
            assert_eq!(hits, Vec::<String>::new());
        } else {
            assert_eq!(hits, vec!["Summarize tickets"], "{typed:?}");
        }
    }
    // Partial words in descriptions and step text, any case, several words (all must match).
    assert_eq!(search(s, &t, "CAREF").await?, vec!["Code review"]);
    assert_eq!(search(s, &t, "pull req").await?, vec!["Code review"]);
    assert_eq!(search(s, &t, "pull tickets").await?, Vec::<String>::new());
    // Unstemmed: a partly typed word longer than its stem still matches.
    assert_eq!(search(s, &t, "generati").await?, vec!["Generation of reports"]);
    // Words inside identifiers (`fetch_tickets`, `render_report`) are words of their own.
    assert_eq!(search(s, &t, "render").await?, vec!["Generation of reports"]);
    assert_eq!(search(s, &t, "ticke").await?, vec!["Summarize tickets"]);
    // Non-ASCII letters, case-folded.
    assert_eq!(search(s, &t, "übers").await?, vec!["Generation of reports"]);
    assert_eq!(search(s, &t, "ÜBERSICHT").await?, vec!["Generation of reports"]);
    assert_eq!(search(s, &t, "nothing-like-this").await?, Vec::<String>::new());
    Ok(())
}

pub async fn name_matches_rank_first(db: &TestDb) -> TestResult {
    let s = &*db.store;
    let (_, team) = owner_and_team(s, "Core").await?;
    // Created in the opposite order of the expected ranking, so recency cannot explain the result.
    s.create_pipeline(with_steps(team.id, "Nightly job", "Runs every night", "step: translate the changelog")).await?;
    s.create_pipeline(with_steps(team.id, "Docs bot", "Helps translate documentation", "draft")).await?;
    s.create_pipeline(with_steps(team.id, "Translate release notes", "Release helper", "draft")).await?;
    let hits = search(s, &[team.id], "translat").await?;
    assert_eq!(hits, vec!["Translate release notes", "Docs bot", "Nightly job"]);
    Ok(())
}

pub async fn scoped_to_teams_and_live_pipelines(db: &TestDb) -> TestResult {
    let s = &*db.store;
    let (_, core) = owner_and_team(s, "Core").await?;
    let (_, docs) = owner_and_team(s, "Docs").await?;
    s.create_pipeline(new_pipeline(core.id, "Lint core")).await?;
    s.create_pipeline(new_pipeline(docs.id, "Lint docs")).await?;
    let deleted = s.create_pipeline(new_pipeline(core.id, "Lint deleted")).await?;
    s.delete_pipeline(deleted.id).await?;

    assert_eq!(search(s, &[core.id], "lint").await?, vec!["Lint core"]);
    assert_eq!(search(s, &[docs.id], "lint").await?, vec!["Lint docs"]);
    let mut both = search(s, &[core.id, docs.id], "lint").await?;
    both.sort();
    assert_eq!(both, vec!["Lint core", "Lint docs"]);
    assert_eq!(search(s, &[], "lint").await?, Vec::<String>::new());
    assert_eq!(search(s, &[TeamId::new()], "lint").await?, Vec::<String>::new());

    // The trash is searchable on its own.
    let trash =
        s.list_pipelines(&PipelineQuery { deleted: true, ..PipelineQuery::teams([core.id]).text("lint") }).await?;
    assert_eq!(trash.items.iter().map(|p| p.id).collect::<Vec<_>>(), vec![deleted.id]);
    s.restore_pipeline(deleted.id).await?;
    assert_eq!(search(s, &[core.id], "deleted").await?, vec!["Lint deleted"]);
    s.purge_pipeline(deleted.id).await?;
    assert_eq!(search(s, &[core.id], "deleted").await?, Vec::<String>::new());
    Ok(())
}

pub async fn paginated_with_total(db: &TestDb) -> TestResult {
    let s = &*db.store;
    let (_, team) = owner_and_team(s, "Core").await?;
    let batch: Vec<NewPipeline> = (0..23).map(|i| new_pipeline(team.id, &format!("Deploy service {i:02}"))).collect();
    s.create_pipelines(batch).await?;
    s.create_pipeline(new_pipeline(team.id, "Unrelated")).await?;

    let mut seen = Vec::new();
    for offset in (0..).step_by(10) {
        let page = s.list_pipelines(&PipelineQuery::teams([team.id]).text("deploy").page(10, offset)).await?;
        assert_eq!(page.total, 23);
        seen.extend(page.items.into_iter().map(|p| p.name));
        if !page.has_more {
            break;
        }
    }
    assert_eq!(seen.len(), 23);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 23, "pages do not overlap");
    let past = s.list_pipelines(&PipelineQuery::teams([team.id]).text("deploy").page(10, 40)).await?;
    assert_eq!((past.items.len(), past.total, past.has_more), (0, 23, false));
    Ok(())
}

pub async fn templates_only(db: &TestDb) -> TestResult {
    let s = &*db.store;
    let (_, team) = owner_and_team(s, "Core").await?;
    s.create_pipeline(NewPipeline { is_template: true, ..new_pipeline(team.id, "Review template") }).await?;
    s.create_pipeline(new_pipeline(team.id, "Review of PR 12")).await?;
    let q = PipelineQuery { template: Some(true), ..PipelineQuery::teams([team.id]).text("review") };
    let page = s.list_pipelines(&q).await?;
    assert_eq!(page.items.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), vec!["Review template"]);
    let q = PipelineQuery { template: Some(false), ..q };
    let page = s.list_pipelines(&q).await?;
    assert_eq!(page.items.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), vec!["Review of PR 12"]);
    Ok(())
}

pub async fn follows_renames_and_text_changes(db: &TestDb) -> TestResult {
    let s = &*db.store;
    let (_, team) = owner_and_team(s, "Core").await?;
    let p = s.create_pipeline(with_steps(team.id, "Old name", "", "alpha_step")).await?;
    s.update_pipeline(
        p.id,
        PipelineUpdate { name: Some("Fresh name".into()), search_text: Some("beta_step".into()), ..Default::default() },
    )
    .await?;
    let t = [team.id];
    assert_eq!(search(s, &t, "old").await?, Vec::<String>::new());
    assert_eq!(search(s, &t, "alpha").await?, Vec::<String>::new());
    assert_eq!(search(s, &t, "fresh").await?, vec!["Fresh name"]);
    assert_eq!(search(s, &t, "beta").await?, vec!["Fresh name"]);
    // Updates that do not touch the text keep the index as it is.
    s.update_pipeline(p.id, PipelineUpdate { yaml: Some("x: 1\n".into()), ..Default::default() }).await?;
    assert_eq!(search(s, &t, "beta").await?, vec!["Fresh name"]);
    Ok(())
}

pub async fn hostile_queries_are_just_words(db: &TestDb) -> TestResult {
    let s = &*db.store;
    let (_, team) = owner_and_team(s, "Core").await?;
    s.create_pipeline(new_pipeline(team.id, "Data OR NOT")).await?;
    let t = [team.id];
    let queries = [
        "\"",
        "\"unbalanced",
        "*",
        "a*b",
        "'",
        "''",
        ":*",
        "& | !",
        "(",
        ")",
        "NEAR(a b)",
        "data AND",
        "-data",
        "^data",
        "name:data",
        "data\0",
        "\\",
        "%_",
        "'; DROP TABLE pipelines; --",
        "🙂",
        "\u{200b}",
    ];
    for q in queries {
        s.list_pipelines(&PipelineQuery::teams(t).text(q)).await.map_err(|e| format!("{q:?}: {e}"))?;
    }
    // Operators are words like any other.
    assert_eq!(search(s, &t, "or not").await?, vec!["Data OR NOT"]);
    assert_eq!(search(s, &t, "data AND").await?, Vec::<String>::new());
    // A query with no words lists.
    assert_eq!(search(s, &t, " \"*' ").await?, vec!["Data OR NOT"]);
    assert_eq!(search(s, &t, &"long ".repeat(10_000)).await?, Vec::<String>::new());
    Ok(())
}

pub async fn window_caps_unselective_searches(db: &TestDb) -> TestResult {
    let s = &*db.store;
    let (_, team) = owner_and_team(s, "Core").await?;
    let window = PipelineQuery::SEARCH_WINDOW as usize;
    let batch: Vec<NewPipeline> = (0..window + 5)
        .map(|i| with_steps(team.id, &format!("Report {i}"), if i % 100 == 0 { "quarterly" } else { "" }, "draft"))
        .collect();
    let ids = s.create_pipelines(batch).await?;

    let q = PipelineQuery::teams([team.id]).text("report").page(PipelineQuery::MAX_PAGE, 0);
    let first = s.list_pipelines(&q).await?;
    assert_eq!((first.total, first.total_capped, first.has_more), (window as u64, true, true));
    // Paging through the window reaches the newest `window` matches and no others.
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let page = s.list_pipelines(&q.clone().page(PipelineQuery::MAX_PAGE, offset)).await?;
        seen.extend(page.items.into_iter().map(|p| p.id));
        offset += PipelineQuery::MAX_PAGE;
        if !page.has_more {
            break;
        }
    }
    seen.sort();
    let mut newest = ids[ids.len() - window..].to_vec();
    newest.sort();
    assert_eq!(seen, newest);
    // A narrower query is exact again, and finds old pipelines too.
    let narrow = s.list_pipelines(&PipelineQuery::teams([team.id]).text("report quarterly")).await?;
    assert_eq!((narrow.total, narrow.total_capped), (11, false));
    assert!(narrow.items.iter().any(|p| p.id == ids[0]));
    Ok(())
}
