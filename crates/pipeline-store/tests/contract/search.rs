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

/// Every page of a search, in order: the ids and whether the total was capped.
async fn all_pages(s: &dyn Store, q: &PipelineQuery) -> Result<(Vec<PipelineId>, u64, bool)> {
    let mut ids = Vec::new();
    let mut offset = 0;
    loop {
        let page = s.list_pipelines(&q.clone().page(PipelineQuery::MAX_PAGE, offset)).await?;
        ids.extend(page.items.iter().map(|p| p.id));
        offset += PipelineQuery::MAX_PAGE;
        if !page.has_more {
            return Ok((ids, page.total, page.total_capped));
        }
    }
}

pub async fn window_spans_a_members_teams(db: &TestDb) -> TestResult {
    let s = &*db.store;
    let (_, a) = owner_and_team(s, "Alpha").await?;
    let (_, b) = owner_and_team(s, "Beta").await?;
    let (_, c) = owner_and_team(s, "Gamma").await?;
    let window = PipelineQuery::SEARCH_WINDOW as usize;
    // Created in turn across three teams, so the newest matches of Alpha and Beta interleave with Gamma's. The
    // word sits in the name, the description or the steps, so ranking reorders the window.
    let teams = [a.id, b.id, c.id];
    let batch: Vec<NewPipeline> = (0..window * 12 / 5)
        .map(|i| {
            let team = teams[i % 3];
            let p = match i % 4 {
                0 => with_steps(team, &format!("Report {i}"), "", "draft"),
                1 => with_steps(team, &format!("Job {i}"), "Weekly report", "draft"),
                2 => with_steps(team, &format!("Job {i}"), "", "send_report"),
                _ => with_steps(team, &format!("Other {i}"), "", "draft"),
            };
            NewPipeline { is_template: i % 5 == 0, ..p }
        })
        .collect();
    let ids = s.create_pipelines(batch).await?;
    // Deleted pipelines among the newest stay out of the window.
    let deleted: Vec<PipelineId> = ids.iter().rev().take(12).copied().collect();
    for id in &deleted {
        s.delete_pipeline(*id).await?;
    }
    let in_ab = |i: usize| i % 3 != 2;
    let matches = |i: usize| i % 4 != 3;

    let q = PipelineQuery::teams([a.id, b.id]).text("report");
    let (got, total, capped) = all_pages(s, &q).await?;
    assert_eq!((got.len(), total, capped), (window, window as u64, true));
    // The window is the newest matches of the member's teams, whichever team they are in.
    let mut expected: Vec<PipelineId> = (0..ids.len())
        .rev()
        .filter(|&i| in_ab(i) && matches(i) && !deleted.contains(&ids[i]))
        .map(|i| ids[i])
        .take(window)
        .collect();
    let mut sorted = got.clone();
    sorted.sort();
    expected.sort();
    assert_eq!(sorted, expected);
    // Ranked: name hits first.
    let first = s.get_pipeline(got[0]).await?;
    assert!(first.name.starts_with("Report"), "{}", first.name);

    // The same teams named twice, or inside a wide scope (many teams), give the same pages in the same order.
    let twice = PipelineQuery::teams([b.id, a.id, b.id]).text("report");
    assert_eq!(all_pages(s, &twice).await?, (got.clone(), total, capped));
    let mut wide = vec![a.id, b.id];
    for t in 0..20 {
        wide.push(s.create_team(&format!("Empty {t}")).await?.id);
    }
    assert_eq!(all_pages(s, &PipelineQuery::teams(wide.clone()).text("report")).await?, (got, total, capped));

    // Filters apply per team too, and agree with the wide scope: templates, non-templates, a rare word.
    for template in [Some(true), Some(false)] {
        let narrow = PipelineQuery { template, ..PipelineQuery::teams([a.id, b.id]).text("report") };
        let wide = PipelineQuery { template, ..PipelineQuery::teams(wide.clone()).text("report") };
        let narrow = all_pages(s, &narrow).await?;
        assert_eq!(all_pages(s, &wide).await?, narrow);
        let expected = (0..ids.len())
            .filter(|&i| {
                in_ab(i) && matches(i) && !deleted.contains(&ids[i]) && (i % 5 == 0) == (template == Some(true))
            })
            .count()
            .min(window);
        assert_eq!((narrow.0.len(), narrow.1, narrow.2), (expected, expected as u64, false));
    }
    let rare = all_pages(s, &PipelineQuery::teams([a.id, c.id]).text("report 1236")).await?;
    assert_eq!(rare, (vec![ids[1236]], 1, false));
    // Past the last page the total is still the window's.
    let past = s.list_pipelines(&q.clone().page(10, window as u32 + 10)).await?;
    assert_eq!((past.items.len(), past.total, past.total_capped), (0, window as u64, true));
    Ok(())
}
