//! The storage contract: one suite of async functions over a `TestDb` (a store plus a way to reopen it), run
//! against SQLite and against PostgreSQL. A behaviour that differs between the backends fails here.
//!
//! Each contract function `module::name` becomes two tests, `sqlite::name` and `postgres::name`, through
//! `contract!` below; each test gets a fresh database. See `support` for where PostgreSQL comes from.

mod auth;
mod feed;
mod kill;
mod log;
mod pipelines;
mod search;
mod support;

/// Declares every contract function once; expands to a `sqlite` and a `postgres` module of `#[tokio::test]`s.
macro_rules! contract {
    ($($module:ident :: $name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = crate::support::TestDb::sqlite().await;
                    if let Err(e) = crate::$module::$name(&db).await {
                        panic!("{e}");
                    }
                    db.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = crate::support::TestDb::postgres().await else { return };
                    if let Err(e) = crate::$module::$name(&db).await {
                        panic!("{e}");
                    }
                    db.finish().await;
                }
            )*
        }
    };
}

contract! {
    auth::users_and_case_insensitive_emails,
    auth::user_input_is_checked,
    auth::passwords,
    auth::teams_and_roles,
    auth::sessions_store_only_digests_and_expire,
    auth::api_tokens,
    auth::signin_links_work_once,
    auth::audit_log_newest_first_per_team,
    pipelines::create_get_update,
    pipelines::pipeline_input_is_checked,
    pipelines::soft_delete_restore_purge,
    pipelines::list_newest_first_scoped_paginated,
    pipelines::templates_filter,
    pipelines::bulk_create_is_all_or_nothing,
    pipelines::versions_newest_first,
    log::updates_are_numbered_in_order,
    log::acknowledged_updates_survive_reopen,
    log::updates_since,
    log::snapshot_and_compaction_keep_every_uncovered_update,
    log::snapshot_without_compaction_loses_nothing,
    log::concurrent_appends_get_unique_ordered_seqs,
    log::batch_append_across_pipelines,
    search::prefix_search_as_you_type,
    search::name_matches_rank_first,
    search::scoped_to_teams_and_live_pipelines,
    search::paginated_with_total,
    search::templates_only,
    search::follows_renames_and_text_changes,
    search::hostile_queries_are_just_words,
    search::window_caps_unselective_searches,
    search::window_spans_a_members_teams,
    kill::acknowledged_appends_survive_sigkill,
    feed::other_nodes_appends_role_changes_and_ended_credentials_are_noted,
    feed::a_lost_listening_connection_is_reported,
}
