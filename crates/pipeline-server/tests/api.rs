//! HTTP integration tests: the real router on a real store, over real HTTP, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::Read;

use pipeline_store::{PipelineQuery, Role};
use reqwest::Method;
use serde_json::{Value, json};
use support::{Db, PIPELINE, Server, error_code, json};

both_backends!(
    health_headers_and_fallbacks,
    create_read_search_and_yaml_roundtrip,
    not_yaml_is_422_with_location_and_stores_nothing,
    unknown_ids_are_404,
    oversize_bodies_are_413_and_store_nothing,
    put_yaml_replaces_text_and_is_byte_identical,
    delete_restore_and_audit,
    versions_diff_and_restore,
    comments_threads_replies_resolve_edit,
    templates_and_instantiate,
    export_zip_keeps_and_dedups_file_names,
    login_session_csrf_logout,
    login_rate_limit,
    signin_link_is_one_time,
    tokens_create_list_revoke,
    members_roles_owner_rules_and_audit,
    invite_creates_the_account_and_a_one_time_link,
    permission_matrix,
    openapi_lists_every_route,
    compaction_keeps_every_edit,
);

async fn owner_setup(s: &Server) -> (pipeline_store::Team, String) {
    let team = s.team("A").await;
    let (_, token) = s.user(Some(&team), Role::Owner).await;
    (team, token)
}

async fn health_headers_and_fallbacks(db: Db) {
    let Some(s) = Server::start(db).await else { return };
    let r = s.req(Method::GET, "/api/health", None).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers();
    assert!(h["content-security-policy"].to_str().unwrap().starts_with("default-src 'self'"));
    assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["x-frame-options"], "DENY");
    // The web app: its page at `/` and at its own routes, its files with their types, 404 for missing files.
    for page in ["/", "/p/0192", "/signin"] {
        let r = s.req(Method::GET, page, None).send().await.unwrap();
        assert_eq!(r.status(), 200, "{page}");
        assert_eq!(r.headers()["cache-control"], "no-cache");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        assert!(r.text().await.unwrap().contains("<div id=\"root\">"), "{page}");
    }
    let html = s.req(Method::GET, "/", None).send().await.unwrap().text().await.unwrap();
    if let Some(script) = html.split("src=\"").nth(1).and_then(|r| r.split('"').next()) {
        let r = s.req(Method::GET, script, None).send().await.unwrap();
        assert_eq!(r.status(), 200, "{script}");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
        assert!(r.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    }
    let r = s.req(Method::GET, "/assets/missing-file.js", None).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = s.req(Method::GET, "/api/nope", None).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.headers().contains_key("x-frame-options"));
    assert_eq!(error_code(r).await, "not_found");
    // Anonymous requests to protected routes.
    let r = s.req(Method::GET, "/api/pipelines", None).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(error_code(r).await, "unauthorized");
    let r = s.req(Method::GET, "/api/pipelines", Some("pe_wrong")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    // Malformed query and JSON: 400 with the error body.
    let (_, token) = owner_setup(&s).await;
    let r = s.req(Method::GET, "/api/pipelines?limit=abc", Some(&token)).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(error_code(r).await, "bad_request");
    let r = s.req(Method::POST, "/api/teams", Some(&token)).body("{nope").send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(error_code(r).await, "bad_request");
}

async fn create_read_search_and_yaml_roundtrip(db: Db) {
    let Some(s) = Server::start(db).await else { return };
    let (team, token) = owner_setup(&s).await;
    let r = s
        .req(Method::POST, &format!("/api/pipelines?team={}&file_name=review.yaml", team.id), Some(&token))
        .header("content-type", "application/yaml")
        .body(PIPELINE)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created = json(r).await;
    assert_eq!(created["name"], "review");
    assert!(created["diagnostics"].as_array().unwrap().iter().all(|d| d["severity"] != "error"), "{created}");
    let id = created["id"].as_str().unwrap();

    // A pipeline with validation errors is stored, with its diagnostics.
    let bad = "workflow:\n  name: broken\n  steps:\n    - name: a\n      type: claude\n";
    let r = s
        .req(Method::POST, "/api/pipelines", Some(&token))
        .header("content-type", "application/yaml")
        .body(bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v = json(r).await;
    let d = &v["diagnostics"][0];
    assert_eq!((d["severity"].as_str(), d["line"].as_u64(), d["column"].as_u64()), (Some("error"), Some(4), Some(7)));
    let bad_id = v["id"].as_str().unwrap().to_owned();

    let r = s.req(Method::GET, &format!("/api/pipelines/{id}"), Some(&token)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let p = json(r).await;
    assert_eq!(
        (p["name"].as_str(), p["file_name"].as_str(), p["steps"].as_u64()),
        (Some("review"), Some("review.yaml"), Some(2))
    );
    assert_eq!(p["diagnostics"]["errors"], 0);

    let r = s.req(Method::GET, &format!("/api/pipelines/{id}/yaml"), Some(&token)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/yaml"));
    assert_eq!(r.text().await.unwrap(), PIPELINE);

    let r = s.req(Method::GET, &format!("/api/pipelines/{bad_id}/diagnostics"), Some(&token)).send().await.unwrap();
    let d = json(r).await;
    assert_eq!(d["summary"]["errors"], 1);
    assert_eq!(d["diagnostics"][0]["code"], "missing-prompt");

    // Search over names, step names and prompt text; list with pagination.
    for (q, n) in [("review", 1), ("diff", 1), ("summarise", 1), ("broken", 1), ("nothing-like-this", 0)] {
        let r = s.req(Method::GET, "/api/pipelines", Some(&token)).query(&[("q", q)]).send().await.unwrap();
        assert_eq!(json(r).await["items"].as_array().unwrap().len(), n, "q={q}");
    }
    let r = s.req(Method::GET, "/api/pipelines?limit=1", Some(&token)).send().await.unwrap();
    let page = json(r).await;
    assert_eq!((page["total"].as_u64(), page["has_more"].as_bool()), (Some(2), Some(true)));
    assert_eq!(page["total_capped"].as_bool(), Some(false), "a small list is exact");
    let cursor = page["next_cursor"].as_str().unwrap();
    let r = s.req(Method::GET, &format!("/api/pipelines?limit=1&cursor={cursor}"), Some(&token)).send().await.unwrap();
    let page2 = json(r).await;
    assert_eq!(page2["has_more"], false);
    assert_ne!(page["items"][0]["id"], page2["items"][0]["id"]);
    let r = s.req(Method::GET, "/api/pipelines?template=true", Some(&token)).send().await.unwrap();
    assert_eq!(json(r).await["total"], 0);
}

async fn not_yaml_is_422_with_location_and_stores_nothing(db: Db) {
    let Some(s) = Server::start(db).await else { return };
    let (team, token) = owner_setup(&s).await;
    for body in ["workflow:\n  name: [unclosed\n", "a: 1\na: 2\n", "\t- x\n  y: : :\n"] {
        let r = s
            .req(Method::POST, "/api/pipelines", Some(&token))
            .header("content-type", "application/yaml")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{body:?}");
        let v = json(r).await;
        assert_eq!(v["error"]["code"], "invalid_yaml");
        let d = &v["error"]["details"]["diagnostics"][0];
        assert!(d["line"].as_u64().unwrap() >= 1 && d["column"].as_u64().unwrap() >= 1, "{v}");
    }
    let r = s.req(Method::POST, "/api/pipelines", Some(&token)).body(vec![0xff, 0xfe, 0]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let page = s.store.list_pipelines(&PipelineQuery::teams([team.id])).await.unwrap();
    assert_eq!(page.total, 0);
}

async fn unknown_ids_are_404(db: Db) {
    let Some(s) = Server::start(db).await else { return };
    let (team, token) = owner_setup(&s).await;
    let id = s.create(&token, &team, PIPELINE).await;
    let missing = uuid::Uuid::now_v7().to_string();
    for path in [
        format!("/api/pipelines/{missing}"),
        "/api/pipelines/not-an-id".into(),
        format!("/api/pipelines/{missing}/yaml"),
        format!("/api/pipelines/{id}/versions/{missing}"),
        format!("/api/pipelines/{id}/diff?from={missing}"),
        format!("/api/teams/{missing}/audit"),
    ] {
        let r = s.req(Method::GET, &path, Some(&token)).send().await.unwrap();
        let status = r.status().as_u16();
        assert!(status == 404 || (status == 403 && path.contains("/teams/")), "{path}: {status}");
        error_code(r).await;
    }
    let r = s
        .req(Method::PATCH, &format!("/api/pipelines/{id}/comments/t0-1"), Some(&token))
        .json(&json!({"resolved": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

async fn oversize_bodies_are_413_and_store_nothing(db: Db) {
    let Some(s) = Server::start(db).await else { return };
    let (team, token) = owner_setup(&s).await;
    let mut big = String::from("workflow:\n  name: big\n  description: \"");
    big.push_str(&"x".repeat(16 * 1024 * 1024));
    big.push_str("\"\n");
    let r = s.req(Method::POST, "/api/pipelines", Some(&token)).body(big.clone()).send().await.unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(error_code(r).await, "payload_too_large");
    assert_eq!(s.store.list_pipelines(&PipelineQuery::teams([team.id])).await.unwrap().total, 0);
    let id = s.create(&token, &team, PIPELINE).await;
    let r = s.req(Method::PUT, &format!("/api/pipelines/{id}/yaml"), Some(&token)).body(big).send().await.unwrap();
    assert_eq!(r.status(), 413);
    let msg = "m".repeat(1024 * 1024 + 10);
    let r = s
        .req(Method::POST, &format!("/api/pipelines/{id}/versions"), Some(&token))
        .json(&json!({ "message": msg }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let r = s.req(Method::GET, &format!("/api/pipelines/{id}/yaml"), Some(&token)).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), PIPELINE);
    let pid = id.parse().unwrap();
    assert!(s.store.list_versions(pid).await.unwrap().is_empty());
    assert_eq!(s.store.load(pid).await.unwrap().last_seq, 1);
}

async fn put_yaml_replaces_text_and_is_byte_identical(db: Db) {
    let Some(s) = Server::start(db).await else { return };
    let (team, token) = owner_setup(&s).await;
    let id = s.create(&token, &team, PIPELINE).await;
    let new =
        PIPELINE.replace("Read the diff", "Read the whole diff").replace("# A review", "#  Another comment,   kept");
    let r =
        s.req(Method::PUT, &format!("/api/pipelines/{id}/yaml"), Some(&token)).body(new.clone()).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(json(r).await["name"], "review");
    let r = s.req(Method::GET, &format!("/api/pipelines/{id}/yaml"), Some(&token)).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), new);
    // Durable before the answer: the store's log has the update, and a fresh load exports the same text.
    let pid = id.parse().unwrap();
    assert_eq!(s.store.load(pid).await.unwrap().last_seq, 2);
    let (doc, _, _) = pipeline_server::docs::load_doc(s.store.as_ref(), pid).await.unwrap();
    assert_eq!(doc.export_yaml().unwrap(), new);
    assert_eq!(s.store.get_pipeline(pid).await.unwrap().yaml, new);
    // Search text follows the edit.
    let r = s.req(Method::GET, "/api/pipelines?q=whole", Some(&token)).send().await.unwrap();
    assert_eq!(json(r).await["total"], 1);
    // Not YAML: refused, nothing changes.
    let r = s.req(Method::PUT, &format!("/api/pipelines/{id}/yaml"), Some(&token)).body("a: [").send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(s.store.load(pid).await.unwrap().last_seq, 2);
    let r = s.req(Method::GET, &format!("/api/pipelines/{id}/yaml"), Some(&token)).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), new);
    // The same text again changes nothing and appends nothing.
    let r =
        s.req(Method::PUT, &format!("/api/pipelines/{id}/yaml"), Some(&token)).body(new.clone()).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(s.store.load(pid).await.unwrap().last_seq, 2);
}

async fn delete_restore_and_audit(db: Db) {
    let Some(s) = Server::start(db).await else { return };
    let (team, token) = owner_setup(&s).await;
    let id = s.create(&token, &team, PIPELINE).await;
    let r = s.req(Method::DELETE, &format!("/api/pipelines/{id}"), Some(&token)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(json(r).await["deleted_at"].is_string());
    let r = s.req(Method::GET, &format!("/api/pipelines/{id}"), Some(&token)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = s.req(Method::GET, "/api/pipelines", Some(&token)).send().await.unwrap();
    assert_eq!(json(r).await["total"], 0);
    let r = s.req(Method::GET, "/api/pipelines?deleted=true", Some(&token)).send().await.unwrap();
    assert_eq!(json(r).await["total"], 1);
    let r = s.req(Method::POST, &format!("/api/pipelines/{id}/restore"), Some(&token)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = s.req(Method::GET, &format!("/api/pipelines/{id}/yaml"), Some(&token)).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), PIPELINE);
    let r = s.req(Method::GET, &format!("/api/teams/{}/audit", team.id), Some(&token)).send().await.unwrap();
    let log = json(r).await;
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["pipeline.restore", "pipeline.delete", "pipeline.create"]);
    assert!(log["items"].as_array().unwrap().iter().all(|e| e["target"] == id.as_str() && e["actor"].is_string()));
}

async fn versions_diff_and_restore(db: Db) {
    let Some(s) = Server::start(db).await else { return };
    let (team, token) = owner_setup(&s).await;
    let id = s.create(&token, &team, PIPELINE).await;
    let post_version = |message: &str| {
        s.req(Method::POST, &format!("/api/pipelines/{id}/versions"), Some(&token)).json(&json!({ "message": message }))
    };
    let r = post_version("first").send().await.unwrap();
    assert_eq!(r.status(), 201);
    let v1 = json(r).await["id"].as_str().unwrap().to_owned();
    let changed = PIPELINE.replace("type: gemini", "type: claude");
    let r = s
        .req(Method::PUT, &format!("/api/pipelines/{id}/yaml"), Some(&token))
        .body(changed.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v2 = json(post_version("second").send().await.unwrap()).await["id"].as_str().unwrap().to_owned();

    let r = s.req(Method::GET, &format!("/api/pipelines/{id}/versions"), Some(&token)).send().await.unwrap();
    let list = json(r).await;
    let messages: Vec<&str> =
        list["items"].as_array().unwrap().iter().map(|v| v["message"].as_str().unwrap()).collect();
    assert_eq!(messages, ["second", "first"]);
    let r = s.req(Method::GET, &format!("/api/pipelines/{id}/versions/{v1}"), Some(&token)).send().await.unwrap();
    assert_eq!(json(r).await["yaml"], PIPELINE);

    let r =
        s.req(Method::GET, &format!("/api/pipelines/{id}/diff?from={v1}&to={v2}"), Some(&token)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let d = json(r).await;
    assert_eq!(d["steps"].as_array().unwrap().len(), 1, "{d}");
    assert_eq!(d["steps"][0]["kind"], "changed");
    assert_eq!(d["steps"][0]["name"], "summarise");
    assert_eq!(d["steps"][0]["fields"][0]["key"], "type");
    assert!(d["yaml"].as_str().unwrap().contains("-      type: gemini\n+      type: claude"), "{}", d["yaml"]);
    let r = s.req(Method::GET, &format!("/api/pipelines/{id}/diff?from={v2}"), Some(&token)).send().await.unwrap();
    let d = json(r).await;
    assert_eq!((d["steps"].as_array().unwrap().len(), d["yaml"].as_str()), (0, Some("")));
    let r = s.req(Method::GET, &format!("/api/pipelines/{id}/diff"), Some(&token)).send().await.unwrap();
    assert_eq!(r.status(), 400);

    let r =
        s.req(Method::POST, &format!("/api/pipelines/{id}/versions/{v1}/restore"), Some(&token)).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let v3 = json(r).await;
    assert_eq!(v3["yaml"], PIPELINE);
    assert!(v3["message"].as_str().unwrap().contains("first"));
    let r = s.req(Method::GET, &format!("/api/pipelines/{id}/yaml"), Some(&token)).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), PIPELINE);
    let r = s.req(Method::GET, &format!("/api/pipelines/{id}/versions"), Some(&token)).send().await.unwrap();
    assert_eq!(json(r).await["items"].as_array().unwrap().len(), 3);
    // A version of another pipeline is not found here.
    let other = s.create(&token, &team, PIPELINE).await;
    let r = s.req(Method::GET, &format!("/api/pipelines/{other}/versions/{v1}"), Some(&token)).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

async fn comments_threads_replies_resolve_edit(db: Db) {
    let Some(s) = Server::start(db).await else { return };
    let (team, token) = owner_setup(&s).await;
    let (_, member) = s.user(Some(&team), Role::Member).await;
    let id = s.create(&token, &team, PIPELINE).await;
    let base = format!("/api/pipelines/{id}/comments");
    let r = s
        .req(Method::POST, &base, Some(&token))
        .json(&json!({"step_path": "/workflow/steps/1", "text": "Why gemini?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let t = json(r).await;
    let thread = t["id"].as_str().unwrap().to_owned();
    let mid = t["messages"][0]["id"].as_str().unwrap().to_owned();
    let step = t["step"].as_str().unwrap().to_owned();
    // By node key too; unknown steps and empty text refused.
    let r = s.req(Method::POST, &base, Some(&member)).json(&json!({"step": step, "text": "+1"})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let r = s
        .req(Method::POST, &base, Some(&token))
        .json(&json!({"step_path": "/workflow/steps/9", "text": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = s
        .req(Method::POST, &base, Some(&token))
        .json(&json!({"step_path": "/workflow/steps/0", "text": "  "}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = s.req(Method::POST, &base, Some(&token)).json(&json!({"text": 5})).send().await.unwrap();
    assert_eq!(r.status(), 400);

    let r = s
        .req(Method::POST, &format!("{base}/{thread}/replies"), Some(&member))
        .json(&json!({"text": "It is cheaper"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let reply = json(r).await["id"].as_str().unwrap().to_owned();
    let r = s
        .req(Method::PATCH, &format!("{base}/{thread}"), Some(&member))
        .json(&json!({"resolved": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(json(r).await["resolved"], true);
    // Own messages only.
    let r = s
        .req(Method::PATCH, &format!("{base}/{thread}/messages/{mid}"), Some(&member))
        .json(&json!({"text": "hijack"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = s
        .req(Method::PATCH, &format!("{base}/{thread}/messages/{reply}"), Some(&member))
        .json(&json!({"text": "It is cheaper and faster"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = s
        .req(Method::PATCH, &format!("{base}/{thread}/messages/m404"), Some(&member))
        .json(&json!({"text": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    let r = s.req(Method::GET, &base, Some(&token)).send().await.unwrap();
    let all = json(r).await;
    let threads = all["items"].as_array().unwrap();
    assert_eq!(threads.len(), 2);
    let t = threads.iter().find(|t| t["id"] == thread.as_str()).unwrap();
    assert_eq!(t["resolved"], true);
    assert_eq!(t["messages"][1]["text"], "It is cheaper and faster");
    assert_eq!(t["messages"][1]["edited"], true);
    assert_eq!(t["messages"][0]["text"], "Why gemini?");
    // Comments never enter the YAML.
    let r = s.req(Method::GET, &format!("/api/pipelines/{id}/yaml"), Some(&token)).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), PIPELINE);
}

async fn templates_and_instantiate(db: Db) {
    let Some(s) = Server::start(db).await else { return };
    let (team, token) = owner_setup(&s).await;
    let id = s.create(&token, &team, PIPELINE).await;
    let r = s
        .req(Method::POST, &format!("/api/templates/{id}/instantiate"), Some(&token))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = s
        .req(Method::POST, &format!("/api/pipelines/{id}/template"), Some(&token))
        .json(&json!({"is_template": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(json(r).await["is_template"], true);
    let r = s.req(Method::GET, "/api/templates", Some(&token)).send().await.unwrap();
    let list = json(r).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["id"], id.as_str());
    let r = s
        .req(Method::POST, &format!("/api/templates/{id}/instantiate"), Some(&token))
        .json(&json!({"name": "weekly review"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let new = json(r).await;
    assert_eq!(new["name"], "weekly review");
    let nid = new["id"].as_str().unwrap();
    let r = s.req(Method::GET, &format!("/api/pipelines/{nid}/yaml"), Some(&token)).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), PIPELINE.replace("name: review", "name: weekly review"));
    let r = s.req(Method::GET, "/api/pipelines?template=false", Some(&token)).send().await.unwrap();
    assert_eq!(json(r).await["total"], 1);
    let r = s.req(Method::POST, "/api/pipelines?template=true", Some(&token)).body(PIPELINE).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let r = s.req(Method::GET, "/api/templates", Some(&token)).send().await.unwrap();
    assert_eq!(json(r).await["items"].as_array().unwrap().len(), 2);
}

async fn export_zip_keeps_and_dedups_file_names(db: Db) {
    let Some(s) = Server::start(db).await else { return };
    let (team, token) = owner_setup(&s).await;
    let other_team = s.team("B").await;
    let (_, other) = s.user(Some(&other_team), Role::Owner).await;
    s.create(&other, &other_team, "workflow:\n  name: secret\n").await;
    let texts = [PIPELINE.to_owned(), PIPELINE.replace("review", "second"), "workflow:\n  name: third\n".to_owned()];
    for (i, t) in texts.iter().enumerate() {
        let name = if i < 2 { "same.yaml" } else { "other.yml" };
        let r = s
            .req(Method::POST, &format!("/api/pipelines?team={}&file_name={name}", team.id), Some(&token))
            .body(t.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let r = s.req(Method::GET, &format!("/api/export.zip?team={}", team.id), Some(&token)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/zip");
    let bytes = r.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut files = std::collections::BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut text = String::new();
        f.read_to_string(&mut text).unwrap();
        files.insert(f.name().unwrap().to_string(), text);
    }
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(names, ["other.yml", "same-2.yaml", "same.yaml"]);
    let mut contents: Vec<&String> = files.values().collect();
    contents.sort();
    let mut expected: Vec<&String> = texts.iter().collect();
    expected.sort();
    assert_eq!(contents, expected);
    let r = s.req(Method::GET, &format!("/api/export.zip?team={}", other_team.id), Some(&token)).send().await.unwrap();
    assert_eq!(r.status(), 403);
}

async fn login_session_csrf_logout(db: Db) {
    let Some(s) = Server::start(db).await else { return };
    let team = s.team("A").await;
    let (user, _) = s.user(Some(&team), Role::Member).await;
    s.store.set_password(user.id, "correct horse battery").await.unwrap();
    let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let login = |password: &str| {
        browser.post(s.url("/api/auth/login")).json(&json!({"email": user.email, "password": password}))
    };
    let r = login("wrong password").send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(error_code(r).await, "invalid_credentials");
    let r = login("correct horse battery").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"), "{cookie}");
    let csrf = json(r).await["csrf_token"].as_str().unwrap().to_owned();
    let r = browser.get(s.url("/api/auth/me")).send().await.unwrap();
    let me = json(r).await;
    assert_eq!(me["user"]["email"], user.email.as_str());
    assert_eq!(me["csrf_token"], csrf.as_str());
    assert_eq!(me["teams"][0]["role"], "member");
    // Cookie-authenticated write without / with a wrong CSRF token: 403, nothing stored.
    for header in [None, Some("wrong")] {
        let mut req = browser.post(s.url("/api/pipelines")).body(PIPELINE);
        if let Some(h) = header {
            req = req.header("x-csrf-token", h);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 403);
        assert_eq!(error_code(r).await, "csrf_failed");
    }
    assert_eq!(s.store.list_pipelines(&PipelineQuery::teams([team.id])).await.unwrap().total, 0);
    let r = browser.post(s.url("/api/pipelines")).header("x-csrf-token", &csrf).body(PIPELINE).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let r = browser.post(s.url("/api/auth/logout")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = browser.post(s.url("/api/auth/logout")).header("x-csrf-token", &csrf).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = browser.get(s.url("/api/auth/me")).send().await.unwrap();
    assert_eq!(r.status(), 401);
}

async fn login_rate_limit(db: Db) {
    let Some(s) = Server::start(db).await else { return };
    let (user, _) = s.user(None, Role::Viewer).await;
    s.store.set_password(user.id, "correct horse battery").await.unwrap();
    let login =
        |p: &'static str| s.http.post(s.url("/api/auth/login")).json(&json!({"email": user.email, "password": p}));
    for _ in 0..pipeline_server::auth::rate_limit::PER_EMAIL {
        assert_eq!(login("wrong password").send().await.unwrap().status(), 401);
    }
    let r = login("correct horse battery").send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(error_code(r).await, "rate_limited");
}

async fn signin_link_is_one_time(db: Db) {
    let Some(s) = Server::start(db).await else { return };
    let (user, _) = s.user(None, Role::Viewer).await;
    let secret = s.store.create_signin_link(user.id, std::time::Duration::from_secs(60)).await.unwrap();
    let r = s.http.get(s.url(&format!("/auth/signin/{secret}"))).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let r = s.http.get(s.url("/api/auth/me")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(json(r).await["user"]["id"], user.id.to_string());
    let r = s.http.get(s.url(&format!("/auth/signin/{secret}"))).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(error_code(r).await, "invalid_link");
}

async fn tokens_create_list_revoke(db: Db) {
    let Some(s) = Server::start(db).await else { return };
    let (team, token) = owner_setup(&s).await;
    let r = s.req(Method::POST, "/api/tokens", Some(&token)).json(&json!({"name": "ci"})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let t = json(r).await;
    let secret = t["secret"].as_str().unwrap().to_owned();
    let tid = t["id"].as_str().unwrap().to_owned();
    let r = s.req(Method::GET, "/api/tokens", Some(&secret)).send().await.unwrap();
    let list = json(r).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert!(list["items"].as_array().unwrap().iter().all(|t| t.get("secret").is_none()));
    let r = s.req(Method::DELETE, &format!("/api/tokens/{tid}"), Some(&token)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = s.req(Method::GET, "/api/tokens", Some(&secret)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    // Someone else's token is not found.
    let (_, other) = s.user(None, Role::Viewer).await;
    let r = s.req(Method::DELETE, "/api/tokens", Some(&other)).json(&json!({"id": tid})).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = s.req(Method::GET, &format!("/api/teams/{}/audit", team.id), Some(&token)).send().await.unwrap();
    let actions: Vec<String> =
        json(r).await["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect();
    assert_eq!(actions, ["token.revoke", "token.create"]);
}

async fn members_roles_owner_rules_and_audit(db: Db) {
    let Some(s) = Server::start(db).await else { return };
    let (team, owner) = owner_setup(&s).await;
    let (_, admin) = s.user(Some(&team), Role::Admin).await;
    let (newbie, _) = s.user(None, Role::Viewer).await;
    let members = format!("/api/teams/{}/members", team.id);
    let r = s
        .req(Method::POST, &members, Some(&admin))
        .json(&json!({"email": newbie.email, "role": "owner"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = s
        .req(Method::POST, &members, Some(&admin))
        .json(&json!({"email": newbie.email, "role": "member"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = s
        .req(Method::POST, &members, Some(&admin))
        .json(&json!({"email": "nobody@example.org", "role": "member"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = s
        .req(Method::POST, &members, Some(&admin))
        .json(&json!({"email": newbie.email, "role": "king"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = s
        .req(Method::PATCH, &format!("{members}/{}", newbie.id), Some(&admin))
        .json(&json!({"role": "viewer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = s.req(Method::GET, &members, Some(&owner)).send().await.unwrap();
    let list = json(r).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
    // The last owner stays.
    let me = s.store.members(team.id).await.unwrap().into_iter().find(|m| m.role == Role::Owner).unwrap().user.id;
    let r = s
        .req(Method::PATCH, &format!("{members}/{me}"), Some(&owner))
        .json(&json!({"role": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let r = s.req(Method::DELETE, &format!("{members}/{me}"), Some(&admin)).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = s.req(Method::DELETE, &format!("{members}/{}", newbie.id), Some(&admin)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = s.req(Method::DELETE, &format!("{members}/{}", newbie.id), Some(&admin)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = s.req(Method::GET, &format!("/api/teams/{}/audit", team.id), Some(&admin)).send().await.unwrap();
    let actions: Vec<String> =
        json(r).await["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect();
    assert_eq!(actions, ["member.remove", "member.role", "member.add"]);
    // Teams: create one, become its owner.
    let r = s.req(Method::POST, "/api/teams", Some(&admin)).json(&json!({"name": "Platform"})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let r = s.req(Method::POST, "/api/teams", Some(&admin)).json(&json!({"name": "platform"})).send().await.unwrap();
    assert_eq!(r.status(), 409);
    let r = s.req(Method::GET, "/api/teams", Some(&admin)).send().await.unwrap();
    let teams = json(r).await;
    let roles: Vec<(String, String)> = teams["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap().to_owned(), t["role"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(roles, [("A".to_owned(), "admin".to_owned()), ("Platform".to_owned(), "owner".to_owned())]);
}

async fn invite_creates_the_account_and_a_one_time_link(db: Db) {
    let Some(s) = Server::start(db).await else { return };
    let (team, owner) = owner_setup(&s).await;
    let (_, admin) = s.user(Some(&team), Role::Admin).await;
    let invites = format!("/api/teams/{}/invites", team.id);
    let invite = |token: &str, body: Value| s.req(Method::POST, &invites, Some(token)).json(&body).send();
    // A new email: the account is made, added with the role, and a sign-in link comes back.
    let r = invite(&admin, json!({"email": "new.person@example.org", "name": "New Person", "role": "member"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let inv = json(r).await;
    assert_eq!(inv["created"], true);
    assert_eq!(inv["role"], "member");
    assert_eq!(inv["user"]["name"], "New Person");
    assert!(inv["expires_at"].is_string());
    let link = inv["link"].as_str().unwrap().to_owned();
    assert!(link.starts_with("/auth/signin/"), "{link}");
    let newbie = s.store.user_by_email("new.person@example.org").await.unwrap();
    assert_eq!(s.store.role(team.id, newbie.id).await.unwrap(), Some(Role::Member));
    // The link signs them in, once.
    let r = s.http.get(s.url(&link)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let r = s.http.get(s.url("/api/auth/me")).header("cookie", &cookie).send().await.unwrap();
    let me = json(r).await;
    assert_eq!(me["user"]["email"], "new.person@example.org");
    assert_eq!(me["teams"][0]["id"], team.id.to_string());
    assert_eq!(me["teams"][0]["role"], "member");
    assert_eq!(s.http.get(s.url(&link)).send().await.unwrap().status(), 404);
    // A browser is sent to the sign-in page, which says the link does not work.
    let r = s.http.get(s.url(&link)).header("accept", "text/html,*/*").send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/signin?link=invalid"));
    // Invited again (the link was lost): they have no password and no other team, so a new link, new role.
    let r = invite(&admin, json!({"email": "NEW.person@example.org", "role": "viewer"})).await.unwrap();
    assert_eq!(r.status(), 201);
    let again = json(r).await;
    assert_eq!(again["created"], false);
    assert!(again["link"].as_str().unwrap().starts_with("/auth/signin/"));
    assert_eq!(s.store.role(team.id, newbie.id).await.unwrap(), Some(Role::Viewer));
    // Someone who can sign in already (a password, another team): added, but no link to act as them.
    let other_team = s.team("B").await;
    let (known, _) = s.user(Some(&other_team), Role::Owner).await;
    s.store.set_password(known.id, "correct horse battery").await.unwrap();
    let r = invite(&admin, json!({"email": known.email, "role": "viewer"})).await.unwrap();
    assert_eq!(r.status(), 201);
    let added = json(r).await;
    assert_eq!((added["created"].clone(), added["link"].clone()), (json!(false), Value::Null));
    assert_eq!(s.store.role(team.id, known.id).await.unwrap(), Some(Role::Viewer));
    // Refusals leave nothing behind: the owner role from an admin, a malformed or missing email.
    let r = invite(&admin, json!({"email": "boss@example.org", "role": "owner"})).await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(s.store.user_by_email("boss@example.org").await.is_err());
    let r = invite(&admin, json!({"email": "not an email", "role": "member"})).await.unwrap();
    assert_eq!(r.status(), 422);
    let r = invite(&admin, json!({"email": "  ", "role": "member"})).await.unwrap();
    assert_eq!(r.status(), 400);
    // The last owner cannot be turned into something else by an invitation either.
    let me = s.store.members(team.id).await.unwrap().into_iter().find(|m| m.role == Role::Owner).unwrap().user;
    let r = invite(&owner, json!({"email": me.email, "role": "member"})).await.unwrap();
    assert_eq!(r.status(), 409);
    assert_eq!(error_code(r).await, "last_owner");
    let r = s.req(Method::GET, &format!("/api/teams/{}/audit", team.id), Some(&owner)).send().await.unwrap();
    let actions: Vec<String> =
        json(r).await["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect();
    assert_eq!(actions, ["member.invite", "member.invite", "member.invite"]);
}

/// Who asks.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Actor {
    Role(Role),
    OtherTeam,
    Anonymous,
}

#[derive(Clone, Copy, PartialEq)]
enum Scope {
    /// Another team's pipeline is "not found".
    Pipeline,
    /// Another team is "forbidden".
    Team,
}

struct Fixture {
    team: String,
    pipeline: String,
    deleted: String,
    version: String,
    thread: String,
    template: String,
    member: String,
    outsider_email: String,
}

type Case = (&'static str, Method, fn(&Fixture) -> String, fn(&Fixture) -> Option<Value>, Role, Scope);

fn cases() -> Vec<Case> {
    fn none(_: &Fixture) -> Option<Value> {
        None
    }
    vec![
        (
            "read pipeline",
            Method::GET,
            |f| format!("/api/pipelines/{}", f.pipeline),
            none,
            Role::Viewer,
            Scope::Pipeline,
        ),
        (
            "read yaml",
            Method::GET,
            |f| format!("/api/pipelines/{}/yaml", f.pipeline),
            none,
            Role::Viewer,
            Scope::Pipeline,
        ),
        (
            "diagnostics",
            Method::GET,
            |f| format!("/api/pipelines/{}/diagnostics", f.pipeline),
            none,
            Role::Viewer,
            Scope::Pipeline,
        ),
        (
            "put yaml",
            Method::PUT,
            |f| format!("/api/pipelines/{}/yaml", f.pipeline),
            |_| Some(json!(PIPELINE.replace("Read", "Study"))),
            Role::Member,
            Scope::Pipeline,
        ),
        ("delete", Method::DELETE, |f| format!("/api/pipelines/{}", f.pipeline), none, Role::Member, Scope::Pipeline),
        (
            "restore",
            Method::POST,
            |f| format!("/api/pipelines/{}/restore", f.deleted),
            none,
            Role::Member,
            Scope::Pipeline,
        ),
        (
            "list versions",
            Method::GET,
            |f| format!("/api/pipelines/{}/versions", f.pipeline),
            none,
            Role::Viewer,
            Scope::Pipeline,
        ),
        (
            "read version",
            Method::GET,
            |f| format!("/api/pipelines/{}/versions/{}", f.pipeline, f.version),
            none,
            Role::Viewer,
            Scope::Pipeline,
        ),
        (
            "create version",
            Method::POST,
            |f| format!("/api/pipelines/{}/versions", f.pipeline),
            |_| Some(json!({"message": "v"})),
            Role::Member,
            Scope::Pipeline,
        ),
        (
            "diff",
            Method::GET,
            |f| format!("/api/pipelines/{}/diff?from={}", f.pipeline, f.version),
            none,
            Role::Viewer,
            Scope::Pipeline,
        ),
        (
            "restore version",
            Method::POST,
            |f| format!("/api/pipelines/{}/versions/{}/restore", f.pipeline, f.version),
            none,
            Role::Member,
            Scope::Pipeline,
        ),
        (
            "list comments",
            Method::GET,
            |f| format!("/api/pipelines/{}/comments", f.pipeline),
            none,
            Role::Viewer,
            Scope::Pipeline,
        ),
        (
            "comment",
            Method::POST,
            |f| format!("/api/pipelines/{}/comments", f.pipeline),
            |_| Some(json!({"step_path": "/workflow/steps/0", "text": "hi"})),
            Role::Member,
            Scope::Pipeline,
        ),
        (
            "reply",
            Method::POST,
            |f| format!("/api/pipelines/{}/comments/{}/replies", f.pipeline, f.thread),
            |_| Some(json!({"text": "hi"})),
            Role::Member,
            Scope::Pipeline,
        ),
        (
            "resolve",
            Method::PATCH,
            |f| format!("/api/pipelines/{}/comments/{}", f.pipeline, f.thread),
            |_| Some(json!({"resolved": true})),
            Role::Member,
            Scope::Pipeline,
        ),
        (
            "set template",
            Method::POST,
            |f| format!("/api/pipelines/{}/template", f.pipeline),
            |_| Some(json!({"is_template": true})),
            Role::Member,
            Scope::Pipeline,
        ),
        (
            "instantiate",
            Method::POST,
            |f| format!("/api/templates/{}/instantiate", f.template),
            |_| Some(json!({"name": "copy"})),
            Role::Member,
            Scope::Pipeline,
        ),
        (
            "create pipeline",
            Method::POST,
            |f| format!("/api/pipelines?team={}", f.team),
            |_| Some(json!(PIPELINE)),
            Role::Member,
            Scope::Team,
        ),
        (
            "list team pipelines",
            Method::GET,
            |f| format!("/api/pipelines?team={}", f.team),
            none,
            Role::Viewer,
            Scope::Team,
        ),
        ("export zip", Method::GET, |f| format!("/api/export.zip?team={}", f.team), none, Role::Viewer, Scope::Team),
        ("list members", Method::GET, |f| format!("/api/teams/{}/members", f.team), none, Role::Viewer, Scope::Team),
        (
            "add member",
            Method::POST,
            |f| format!("/api/teams/{}/members", f.team),
            |f| Some(json!({"email": f.outsider_email, "role": "viewer"})),
            Role::Admin,
            Scope::Team,
        ),
        (
            "invite member",
            Method::POST,
            |f| format!("/api/teams/{}/invites", f.team),
            |f| Some(json!({"email": f.outsider_email, "role": "viewer"})),
            Role::Admin,
            Scope::Team,
        ),
        (
            "change role",
            Method::PATCH,
            |f| format!("/api/teams/{}/members/{}", f.team, f.member),
            |_| Some(json!({"role": "viewer"})),
            Role::Admin,
            Scope::Team,
        ),
        (
            "remove member",
            Method::DELETE,
            |f| format!("/api/teams/{}/members/{}", f.team, f.member),
            none,
            Role::Admin,
            Scope::Team,
        ),
        ("read audit", Method::GET, |f| format!("/api/teams/{}/audit", f.team), none, Role::Admin, Scope::Team),
    ]
}

fn expected(actor: Actor, least: Role, scope: Scope) -> u16 {
    match actor {
        Actor::Anonymous => 401,
        Actor::OtherTeam => match scope {
            Scope::Pipeline => 404,
            Scope::Team => 403,
        },
        Actor::Role(r) if r.at_least(least) => 200,
        Actor::Role(_) => 403,
    }
}

async fn permission_matrix(db: Db) {
    let Some(s) = Server::start(db).await else { return };
    let team = s.team("A").await;
    let other_team = s.team("B").await;
    let mut actors = Vec::new();
    for role in Role::ALL {
        actors.push((Actor::Role(role), Some(s.user(Some(&team), role).await.1)));
    }
    actors.push((Actor::OtherTeam, Some(s.user(Some(&other_team), Role::Owner).await.1)));
    actors.push((Actor::Anonymous, None));
    let owner = actors[3].1.clone().unwrap();
    let mut failures = Vec::new();
    let mut checked = 0;
    for (name, method, path, body, least, scope) in cases() {
        for (actor, token) in &actors {
            // A fresh fixture for each case, so that destructive actions do not affect the next.
            let pipeline = s.create(&owner, &team, PIPELINE).await;
            let deleted = s.create(&owner, &team, PIPELINE).await;
            s.req(Method::DELETE, &format!("/api/pipelines/{deleted}"), Some(&owner)).send().await.unwrap();
            let r = s
                .req(Method::POST, &format!("/api/pipelines/{pipeline}/versions"), Some(&owner))
                .json(&json!({"message": "v1"}))
                .send()
                .await
                .unwrap();
            let version = json(r).await["id"].as_str().unwrap().to_owned();
            let r = s
                .req(Method::POST, &format!("/api/pipelines/{pipeline}/comments"), Some(&owner))
                .json(&json!({"step_path": "/workflow/steps/0", "text": "t"}))
                .send()
                .await
                .unwrap();
            let thread = json(r).await["id"].as_str().unwrap().to_owned();
            let template = s.create(&owner, &team, PIPELINE).await;
            s.req(Method::POST, &format!("/api/pipelines/{template}/template"), Some(&owner))
                .json(&json!({"is_template": true}))
                .send()
                .await
                .unwrap();
            let (member, _) = s.user(Some(&team), Role::Member).await;
            let (outsider, _) = s.user(None, Role::Viewer).await;
            let f = Fixture {
                team: team.id.to_string(),
                pipeline,
                deleted,
                version,
                thread,
                template,
                member: member.id.to_string(),
                outsider_email: outsider.email,
            };
            let mut req = s.req(method.clone(), &path(&f), token.as_deref());
            match body(&f) {
                Some(Value::String(text)) => req = req.header("content-type", "application/yaml").body(text),
                Some(v) => req = req.json(&v),
                None => {}
            }
            let status = req.send().await.unwrap().status().as_u16();
            let want = expected(*actor, least, scope);
            let ok = if want == 200 { (200..300).contains(&status) } else { status == want };
            if !ok {
                failures.push(format!("{name} as {actor:?}: got {status}, expected {want}"));
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{} of {checked} cases failed:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(checked, cases().len() * 6);
}

async fn openapi_lists_every_route(db: Db) {
    let Some(s) = Server::start(db).await else { return };
    let (_, token) = owner_setup(&s).await;
    let r = s.req(Method::GET, "/api/openapi.json", None).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let doc = json(r).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let fake = uuid::Uuid::now_v7().to_string();
    for &(method, path, ..) in pipeline_server::openapi::ROUTES {
        let op = &paths[path][method];
        assert!(op["responses"].is_object(), "{method} {path}");
        // Every listed route exists in the router: it does not fall through to "route not found" or 405.
        let concrete = path
            .replace("{id}", &fake)
            .replace("{vid}", &fake)
            .replace("{uid}", &fake)
            .replace("{tid}", &fake)
            .replace("{thread}", "t")
            .replace("{mid}", "m")
            .replace("{token}", "x");
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let r = s.req(m, &concrete, Some(&token)).send().await.unwrap();
        assert_ne!(r.status(), 405, "{method} {path}");
        if r.status() == 404 {
            let v = json(r).await;
            assert_ne!(v["error"]["message"], "route not found", "{method} {path} is not routed");
        }
    }
}

async fn compaction_keeps_every_edit(db: Db) {
    let Some(s) = Server::start(db).await else { return };
    let (team, token) = owner_setup(&s).await;
    let id = s.create(&token, &team, PIPELINE).await;
    let n = pipeline_server::docs::COMPACT_EVERY + 5;
    let mut last = String::new();
    for i in 0..n {
        last = PIPELINE.replace("Read the diff", &format!("Read the diff, pass {i}"));
        let r = s
            .req(Method::PUT, &format!("/api/pipelines/{id}/yaml"), Some(&token))
            .body(last.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let pid = id.parse().unwrap();
    // The snapshot and compaction run in the background: wait for them.
    let mut log = s.store.load(pid).await.unwrap();
    for _ in 0..100 {
        if log.snapshot.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        log = s.store.load(pid).await.unwrap();
    }
    let snapshot = log.snapshot.as_ref().expect("a snapshot after COMPACT_EVERY updates");
    assert!(snapshot.seq >= pipeline_server::docs::COMPACT_EVERY);
    assert!(log.updates.len() < 10, "compacted: {} updates left", log.updates.len());
    assert_eq!(log.last_seq, n + 1);
    let (doc, _, _) = pipeline_server::docs::load_doc(s.store.as_ref(), pid).await.unwrap();
    assert_eq!(doc.export_yaml().unwrap(), last);
}
