//! The sync WebSocket against the real server on both backends, with real WebSocket clients (tests/support/ws.rs):
//! convergence, acks, read-only viewers, malformed frames, permissions, presence, views, HTTP edits reaching
//! sockets, replica connections (a local node) setting the base text, metrics.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use pipeline_server::sync::protocol::{
    ClientMsg, FLAG_DEFLATE, FLAG_REPLICA, FLAG_TREE, FLAG_VIEWS, ServerMsg, WELCOME_DEFLATE,
};
use pipeline_store::Role;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use pipeline_server::Config;
use reqwest::Method;
use support::ws::{Got, WsClient, field_of, open, read, sync_url};
use support::{Db, PIPELINE, Server};
use tokio_tungstenite::tungstenite::Message;

async fn setup(db: Db) -> Option<(Server, String, String, String)> {
    let s = Server::start(db).await?;
    let team = s.team("sync").await;
    let (_, editor) = s.user(Some(&team), Role::Member).await;
    let (_, viewer) = s.user(Some(&team), Role::Viewer).await;
    let id = s.create(&editor, &team, PIPELINE).await;
    Some((s, id, editor, viewer))
}

fn is_error(g: &Got, code: &str) -> bool {
    matches!(g, Got::Text(v) if v["type"] == "error" && v["code"] == code)
}

async fn two_clients_converge(db: Db) {
    let Some((s, id, editor, _)) = setup(db).await else { return };
    let url = sync_url(s.addr, &id);
    let mut a = WsClient::connect(&url, &editor, 0, None).await;
    let mut b = WsClient::connect(&url, &editor, 0, None).await;
    assert_eq!(a.info.role, pipeline_server::sync::protocol::ConnRole::Editor);
    assert_eq!(field_of(&a.doc, 0, "name").as_deref(), Some("analyse"));

    // Different fields of one step, concurrently: both survive everywhere.
    a.set_field(0, "model", "opus");
    b.set_field(0, "description", "reads the diff");
    let sa = a.push().await;
    let sb = b.push().await;
    a.wait_ack(sa).await;
    b.wait_ack(sb).await;
    a.wait_field(0, "description", "reads the diff").await;
    b.wait_field(0, "model", "opus").await;
    assert_eq!(a.doc.get_deep_value(), b.doc.get_deep_value());

    // Acked means stored: the HTTP export (the server's document) and a fresh client see both.
    let yaml = s.req(Method::GET, &format!("/api/pipelines/{id}/yaml"), Some(&editor)).send().await.unwrap();
    let yaml = yaml.text().await.unwrap();
    assert!(yaml.contains("model: opus") && yaml.contains("description: reads the diff"), "{yaml}");
    let c = WsClient::connect(&url, &editor, 0, None).await;
    assert_eq!(c.doc.get_deep_value(), a.doc.get_deep_value());
    // …and the update log holds them (a reload from the store sees them).
    let log = s.store.load(id.parse().unwrap()).await.unwrap();
    assert!(log.updates.len() >= 3, "initial + 2 edits, got {}", log.updates.len());

    // Acks come in seq order for a burst.
    let mut seqs = Vec::new();
    for i in 0..20 {
        a.set_field(1, "model", &format!("m{i}"));
        seqs.push(a.push().await);
    }
    let mut acked = Vec::new();
    while acked.len() < seqs.len() {
        if let Got::Bin(ServerMsg::Ack { seq }) = a.until(|g| matches!(g, Got::Bin(ServerMsg::Ack { .. }))).await {
            acked.push(seq);
        }
    }
    assert_eq!(acked, seqs);
    b.wait_field(1, "model", "m19").await;
}

async fn offline_changes_merge_on_connect(db: Db) {
    let Some((s, id, editor, _)) = setup(db).await else { return };
    let url = sync_url(s.addr, &id);
    let a = WsClient::connect(&url, &editor, 0, None).await;
    let offline = a.doc.fork();
    drop(a);
    // Meanwhile someone else edits.
    let mut b = WsClient::connect(&url, &editor, 0, None).await;
    b.set_field(0, "model", "online");
    let seq = b.push().await;
    b.wait_ack(seq).await;
    // The offline replica made 200 edits; it reconnects with its version and they merge.
    for i in 0..200 {
        super_set(&offline, 1, "description", &format!("offline {i}"));
        offline.commit();
    }
    let a = WsClient::connect(&url, &editor, 0, Some(offline)).await;
    assert_eq!(field_of(&a.doc, 0, "model").as_deref(), Some("online"));
    b.wait_field(1, "description", "offline 199").await;
    assert_eq!(a.doc.get_deep_value(), b.doc.get_deep_value());
}

fn super_set(doc: &loro::LoroDoc, step: usize, field: &str, value: &str) {
    support::ws::fields_of(doc, step).insert(field, value).unwrap();
}

async fn viewer_is_read_only(db: Db) {
    let Some((s, id, editor, viewer)) = setup(db).await else { return };
    let url = sync_url(s.addr, &id);
    let mut v = WsClient::connect(&url, &viewer, 0, None).await;
    assert_eq!(v.info.role, pipeline_server::sync::protocol::ConnRole::ReadOnly);
    v.set_field(0, "model", "viewer was here");
    let seq = v.push().await;
    let got = v.until(|g| is_error(g, "read_only")).await;
    let Got::Text(e) = got else { unreachable!() };
    assert_eq!(e["seq"], seq);
    // Nothing stored, and the connection still receives others' edits.
    let mut e_client = WsClient::connect(&url, &editor, 0, None).await;
    assert_eq!(field_of(&e_client.doc, 0, "model"), None);
    e_client.set_field(0, "description", "by the editor");
    let seq = e_client.push().await;
    e_client.wait_ack(seq).await;
    v.wait_field(0, "description", "by the editor").await;
    let yaml = s.req(Method::GET, &format!("/api/pipelines/{id}/yaml"), Some(&editor)).send().await.unwrap();
    assert!(!yaml.text().await.unwrap().contains("viewer was here"));
}

/// A role change or a removal closes the member's open connections (a viewer must not keep an editor's socket, a
/// removed member must not keep reading); the reconnect is authorised again.
async fn access_changes_close_the_connection(db: Db) {
    use pipeline_server::sync::protocol::ConnRole;
    let Some(s) = Server::start(db).await else { return };
    let team = s.team("sync").await;
    let (_, owner) = s.user(Some(&team), Role::Owner).await;
    let (member, token) = s.user(Some(&team), Role::Member).await;
    let (other, _) = s.user(Some(&team), Role::Member).await;
    let id = s.create(&owner, &team, PIPELINE).await;
    let url = sync_url(s.addr, &id);
    let members = format!("/api/teams/{}/members", team.id);
    let set_role = |user: String, role: &'static str| {
        s.req(Method::PATCH, &format!("{members}/{user}"), Some(&owner))
            .json(&serde_json::json!({ "role": role }))
            .send()
    };
    let mut c = WsClient::connect(&url, &token, 0, None).await;
    assert_eq!(c.info.role, ConnRole::Editor);
    // Someone else's change leaves this connection alone.
    assert!(set_role(other.id.to_string(), "viewer").await.unwrap().status().is_success());
    c.set_field(0, "model", "still connected");
    let seq = c.push().await;
    c.wait_ack(seq).await;
    // Demoted: closed; the reconnect is read-only.
    assert!(set_role(member.id.to_string(), "viewer").await.unwrap().status().is_success());
    assert!(matches!(c.until(|g| matches!(g, Got::Close(_))).await, Got::Close(Some(4003))));
    let mut c = WsClient::connect(&url, &token, 0, None).await;
    assert_eq!(c.info.role, ConnRole::ReadOnly);
    // Removed: closed; the upgrade is refused.
    let r = s.req(Method::DELETE, &format!("{members}/{}", member.id), Some(&owner)).send().await.unwrap();
    assert!(r.status().is_success());
    assert!(matches!(c.until(|g| matches!(g, Got::Close(_))).await, Got::Close(Some(4003))));
    assert_eq!(open(&url, Some(&token)).await.err(), Some(404));
}

/// A server checking access every `recheck`, a member with an API token, and the sync URL of a pipeline of
/// their team.
async fn member_on_a_pipeline(db: Db, recheck: Duration) -> Option<(Server, pipeline_store::User, String, String)> {
    let config = Config { access_recheck: recheck, ..Config::default() };
    let s = Server::start_with(db, config).await?;
    let team = s.team("sync").await;
    let (member, token) = s.user(Some(&team), Role::Member).await;
    let id = s.create(&token, &team, PIPELINE).await;
    let url = sync_url(s.addr, &id);
    Some((s, member, token, url))
}

/// A connection lives only as long as what authorised it: signing out (here the session deleted through the
/// store, as a logout on any node does) or revoking the API token closes it within `access_recheck`.
async fn signing_out_or_revoking_closes_the_connection(db: Db) {
    let Some((s, member, token, url)) = member_on_a_pipeline(db, Duration::from_millis(100)).await else { return };

    // An API token, revoked.
    let mut c = WsClient::connect(&url, &token, 0, None).await;
    c.set_field(0, "model", "before");
    let seq = c.push().await;
    c.wait_ack(seq).await;
    let tokens = support::json(s.req(Method::GET, "/api/tokens", Some(&token)).send().await.unwrap()).await;
    let tid = tokens["items"][0]["id"].as_str().unwrap().to_owned();
    let r = s.req(Method::DELETE, &format!("/api/tokens/{tid}"), Some(&token)).send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    assert!(matches!(c.until(|g| matches!(g, Got::Close(_))).await, Got::Close(Some(4003))));
    assert_eq!(open(&url, Some(&token)).await.err(), Some(401));

    // A session cookie, signed out.
    let session = s.store.create_session(member.id, Duration::from_secs(3600)).await.unwrap();
    let mut socket = session_socket(&url, &session.token).await;
    // Still valid: the periodic check leaves it open.
    tokio::time::sleep(Duration::from_millis(400)).await;
    socket.send(Message::Ping(Vec::new().into())).await.unwrap();
    s.store.delete_session(&session.token).await.unwrap();
    let closed = loop {
        if let Got::Close(code) = read(&mut socket).await {
            break code;
        }
    };
    assert_eq!(closed, Some(4003));
}

/// A session cookie's sync connection, welcomed.
async fn session_socket(url: &str, token: &str) -> support::ws::Socket {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert("cookie", format!("pe_session={token}").parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let hello = ClientMsg::Hello { flags: 0, version: Vec::new() };
    socket.send(Message::Binary(hello.encode().into())).await.unwrap();
    assert!(matches!(read(&mut socket).await, Got::Bin(ServerMsg::Welcome { .. })));
    socket
}

/// A logout or a revocation through this node closes what it authorised at once, not at the next periodic
/// check (an hour here); the user's other sessions stay connected.
async fn logging_out_or_revoking_closes_the_connection_at_once(db: Db) {
    let Some((s, member, token, url)) = member_on_a_pipeline(db, Duration::from_secs(3600)).await else { return };

    let mut c = WsClient::connect(&url, &token, 0, None).await;
    let tokens = support::json(s.req(Method::GET, "/api/tokens", Some(&token)).send().await.unwrap()).await;
    let tid = tokens["items"][0]["id"].as_str().unwrap().to_owned();
    let r = s.req(Method::DELETE, &format!("/api/tokens/{tid}"), Some(&token)).send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let started = std::time::Instant::now();
    assert!(matches!(c.until(|g| matches!(g, Got::Close(_))).await, Got::Close(Some(4003))));
    assert!(started.elapsed() < Duration::from_secs(5), "closed after {:?}", started.elapsed());

    let one = s.store.create_session(member.id, Duration::from_secs(3600)).await.unwrap();
    let other = s.store.create_session(member.id, Duration::from_secs(3600)).await.unwrap();
    let mut gone = session_socket(&url, &one.token).await;
    let mut stays = session_socket(&url, &other.token).await;
    let r = reqwest::Client::new()
        .post(s.url("/api/auth/logout"))
        .header("cookie", format!("pe_session={}", one.token))
        .header("x-csrf-token", &one.session.csrf_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let closed = loop {
        if let Got::Close(code) = read(&mut gone).await {
            break code;
        }
    };
    assert_eq!(closed, Some(4003));
    // The other session's connection checked too, and is still served: a ping gets its pong.
    stays.send(Message::Ping(b"still here".to_vec().into())).await.unwrap();
    let pong = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match stays.next().await {
                Some(Ok(Message::Pong(p))) => break p.to_vec(),
                Some(Ok(Message::Close(f))) => panic!("the other session was closed: {f:?}"),
                None => panic!("the other session was closed"),
                _ => {}
            }
        }
    })
    .await
    .expect("a pong within 10 s");
    assert_eq!(pong, b"still here");
}

fn base_text(doc: &loro::LoroDoc) -> String {
    match doc.get_map("base").get("text") {
        Some(loro::ValueOrContainer::Value(loro::LoroValue::String(t))) => t.to_string(),
        other => panic!("no base text: {other:?}"),
    }
}

/// A replica connection (a local node) may set the base text, to YAML only; a browser's connection may not.
async fn replica_connections_may_set_the_base_text_to_yaml(db: Db) {
    let Some((s, id, editor, viewer)) = setup(db).await else { return };
    let url = sync_url(s.addr, &id);
    let commented = |doc: &loro::LoroDoc| format!("# kept on the team server\n{}", base_text(doc));

    let mut browser = WsClient::connect(&url, &editor, 0, None).await;
    browser.doc.get_map("base").insert("text", commented(&browser.doc)).unwrap();
    let seq = browser.push().await;
    let Got::Text(e) = browser.until(|g| is_error(g, "invalid_update")).await else { unreachable!() };
    assert_eq!(e["seq"], seq);

    let mut broken = WsClient::connect(&url, &editor, FLAG_REPLICA, None).await;
    broken.doc.get_map("base").insert("text", "workflow: [").unwrap();
    broken.push().await;
    let Got::Text(e) = broken.until(|g| is_error(g, "invalid_update")).await else { unreachable!() };
    assert!(e["message"].as_str().unwrap().contains("not YAML"), "{e}");

    let mut reader = WsClient::connect(&url, &viewer, FLAG_REPLICA, None).await;
    reader.doc.get_map("base").insert("text", commented(&reader.doc)).unwrap();
    reader.push().await;
    reader.until(|g| is_error(g, "read_only")).await;

    let mut replica = WsClient::connect(&url, &editor, FLAG_REPLICA, None).await;
    replica.doc.get_map("base").insert("text", commented(&replica.doc)).unwrap();
    let seq = replica.push().await;
    replica.wait_ack(seq).await;
    let yaml = s.req(Method::GET, &format!("/api/pipelines/{id}/yaml"), Some(&editor)).send().await.unwrap();
    let yaml = yaml.text().await.unwrap();
    assert!(yaml.starts_with("# kept on the team server\n"), "{yaml}");
    assert!(!yaml.contains("workflow: ["), "{yaml}");
}

async fn malformed_frames_close_only_their_connection(db: Db) {
    let Some((s, id, editor, _)) = setup(db).await else { return };
    let url = sync_url(s.addr, &id);
    let mut bystander = WsClient::connect(&url, &editor, 0, None).await;

    // Not hello first.
    let mut raw = open(&url, Some(&editor)).await.unwrap();
    futures_util::SinkExt::send(&mut raw, ClientMsg::Update { seq: 1, update: vec![1] }.encode().into()).await.unwrap();
    assert!(matches!(read(&mut raw).await, Got::Text(v) if v["code"] == "bad_frame"));
    assert!(matches!(read(&mut raw).await, Got::Close(Some(1008))));

    // Unknown type, truncated update, text frame.
    for frame in [vec![0x7f, 1, 2], vec![0x02, 0, 0]] {
        let mut c = WsClient::connect(&url, &editor, 0, None).await;
        c.send_raw(frame).await;
        assert!(is_error(&c.next().await, "bad_frame"));
        assert!(matches!(c.next().await, Got::Close(Some(1008))));
    }
    let mut c = WsClient::connect(&url, &editor, 0, None).await;
    futures_util::SinkExt::send(&mut c.socket, tokio_tungstenite::tungstenite::Message::text("{}")).await.unwrap();
    assert!(is_error(&c.next().await, "bad_frame"));

    // An update that does not decode.
    let mut c = WsClient::connect(&url, &editor, 0, None).await;
    c.send_update(b"definitely not loro".to_vec()).await;
    assert!(is_error(&c.next().await, "invalid_update"));
    assert!(matches!(c.next().await, Got::Close(Some(1008))));

    // A well-encoded update that would break the document: it changes the base text.
    let mut c = WsClient::connect(&url, &editor, 0, None).await;
    c.doc.get_map("base").insert("text", "not: [yaml").unwrap();
    c.push().await;
    assert!(is_error(&c.next().await, "invalid_update"));
    // …and one that writes a root the document does not have.
    let mut c = WsClient::connect(&url, &editor, 0, None).await;
    c.doc.get_map("junk").insert("x", 1).unwrap();
    c.push().await;
    assert!(is_error(&c.next().await, "invalid_update"));

    // Hello twice.
    let mut c = WsClient::connect(&url, &editor, 0, None).await;
    c.send_raw(ClientMsg::Hello { flags: 0, version: vec![] }.encode()).await;
    assert!(is_error(&c.next().await, "bad_frame"));

    // Too large: over 8 MiB.
    let mut c = WsClient::connect(&url, &editor, 0, None).await;
    let _ = futures_util::SinkExt::send(
        &mut c.socket,
        tokio_tungstenite::tungstenite::Message::binary(vec![0x02; 9 * 1024 * 1024]),
    )
    .await;
    assert!(is_error(&c.next().await, "too_large"));
    assert!(matches!(c.next().await, Got::Close(Some(1009))));

    // The server kept its document whole and still serves the bystander.
    let yaml = s.req(Method::GET, &format!("/api/pipelines/{id}/yaml"), Some(&editor)).send().await.unwrap();
    assert_eq!(yaml.text().await.unwrap(), PIPELINE);
    bystander.set_field(0, "model", "still fine");
    let seq = bystander.push().await;
    bystander.wait_ack(seq).await;
    let fresh = WsClient::connect(&url, &editor, 0, None).await;
    assert_eq!(field_of(&fresh.doc, 0, "model").as_deref(), Some("still fine"));
    assert!(fresh.doc.get_map("junk").is_empty());
}

async fn upgrade_checks_auth_and_team(db: Db) {
    let Some((s, id, editor, _)) = setup(db).await else { return };
    let url = sync_url(s.addr, &id);
    assert_eq!(open(&url, None).await.err(), Some(401));
    assert_eq!(open(&url, Some("pe_bogus")).await.err(), Some(401));
    let other = s.team("other").await;
    let (_, stranger) = s.user(Some(&other), Role::Owner).await;
    assert_eq!(open(&url, Some(&stranger)).await.err(), Some(404));
    assert_eq!(open(&sync_url(s.addr, "not-an-id"), Some(&editor)).await.err().map(|c| c / 100), Some(4));
    // `?token=` for clients that cannot set headers.
    let mut c = open(&format!("{url}?token={editor}"), None).await.expect("query token");
    futures_util::SinkExt::send(&mut c, ClientMsg::Hello { flags: 0, version: vec![] }.encode().into()).await.unwrap();
    assert!(matches!(read(&mut c).await, Got::Bin(ServerMsg::Welcome { .. })));
    // A deleted pipeline cannot be opened.
    let r = s.req(Method::DELETE, &format!("/api/pipelines/{id}"), Some(&editor)).send().await.unwrap();
    assert!(r.status().is_success());
    assert_eq!(open(&url, Some(&editor)).await.err(), Some(404));
}

async fn presence_is_relayed_checked_and_cleared(db: Db) {
    let Some((s, id, editor, _)) = setup(db).await else { return };
    let url = sync_url(s.addr, &id);
    let mut a = WsClient::connect(&url, &editor, 0, None).await;
    let mut b = WsClient::connect(&url, &editor, 0, None).await;
    let store = loro::awareness::EphemeralStore::new(30_000);
    let me = a.info.user.clone();
    store.set(
        &a.info.client_key,
        loro::loro_value!({"user": me.id.clone(), "name": me.name.clone(), "colour": me.colour.clone(), "cursor": {"step": "analyse"}}),
    );
    a.send_raw(ClientMsg::Presence { state: store.encode(&a.info.client_key) }.encode()).await;
    let seen = loro::awareness::EphemeralStore::new(30_000);
    while seen.get(&a.info.client_key).is_none() {
        if let Got::Bin(ServerMsg::Presence { state }) =
            b.until(|g| matches!(g, Got::Bin(ServerMsg::Presence { .. }))).await
        {
            seen.apply(&state).unwrap();
        }
    }
    // A newcomer gets everyone's state right after welcome.
    let mut c = WsClient::connect(&url, &editor, 0, None).await;
    let Got::Bin(ServerMsg::Presence { state }) = c.until(|g| matches!(g, Got::Bin(ServerMsg::Presence { .. }))).await
    else {
        unreachable!()
    };
    let c_seen = loro::awareness::EphemeralStore::new(30_000);
    c_seen.apply(&state).unwrap();
    assert!(c_seen.get(&a.info.client_key).is_some());

    // Someone else's key, or a forged name, is refused.
    let forged = loro::awareness::EphemeralStore::new(30_000);
    forged.set(&b.info.client_key, loro::loro_value!({"user": "x", "name": "x", "colour": "x"}));
    a.send_raw(ClientMsg::Presence { state: forged.encode(&b.info.client_key) }.encode()).await;
    assert!(is_error(&a.until(|g| matches!(g, Got::Text(_))).await, "bad_presence"));
    let wrong = loro::awareness::EphemeralStore::new(30_000);
    wrong.set(&a.info.client_key, loro::loro_value!({"user": me.id.clone(), "name": "Mallory", "colour": "#000000"}));
    a.send_raw(ClientMsg::Presence { state: wrong.encode(&a.info.client_key) }.encode()).await;
    assert!(is_error(&a.until(|g| matches!(g, Got::Text(_))).await, "bad_presence"));

    // Leaving clears it for the others.
    let key = a.info.client_key.clone();
    drop(a);
    while seen.get(&key).is_some() {
        if let Got::Bin(ServerMsg::Presence { state }) =
            b.until(|g| matches!(g, Got::Bin(ServerMsg::Presence { .. }))).await
        {
            seen.apply(&state).unwrap();
        }
    }
}

async fn views_and_http_edits_reach_sockets(db: Db) {
    let Some((s, id, editor, _)) = setup(db).await else { return };
    let url = sync_url(s.addr, &id);
    let mut v = WsClient::connect(&url, &editor, FLAG_VIEWS, None).await;
    let mut plain = WsClient::connect(&url, &editor, 0, None).await;
    // A view comes soon after joining.
    let Got::Text(first) = v.until(|g| matches!(g, Got::Text(t) if t["type"] == "view")).await else { unreachable!() };
    assert_eq!(first["yaml"], PIPELINE);
    assert!(first["diagnostics"].is_array());

    // A YAML replacement over HTTP reaches both sockets as an update, and the view follows.
    let text = PIPELINE.replace("Read the diff", "Read the whole diff").replace("type: gemini", "type: nope");
    let r = s
        .req(Method::PUT, &format!("/api/pipelines/{id}/yaml"), Some(&editor))
        .header("content-type", "application/yaml")
        .body(text.clone())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    plain.until(|g| matches!(g, Got::Bin(ServerMsg::Update { .. }))).await;
    let Got::Text(view) = v.until(|g| matches!(g, Got::Text(t) if t["type"] == "view" && t["yaml"] != PIPELINE)).await
    else {
        unreachable!()
    };
    assert_eq!(view["yaml"], text.as_str());
    assert!(view["version"].as_u64().unwrap() > first["version"].as_u64().unwrap());
    assert!(view["diagnostics"].as_array().unwrap().iter().any(|d| d["severity"] == "error"), "{view}");
    // The plain client never gets views.
    assert!(!plain.backlog.iter().any(|g| matches!(g, Got::Text(t) if t["type"] == "view")));

    // A sync edit refreshes the view too.
    plain.set_field(0, "model", "haiku");
    let seq = plain.push().await;
    plain.wait_ack(seq).await;
    v.until(
        |g| matches!(g, Got::Text(t) if t["type"] == "view" && t["yaml"].as_str().unwrap().contains("model: haiku")),
    )
    .await;

    // Metrics count what happened.
    let m = s.http.get(s.url("/metrics")).send().await.unwrap().text().await.unwrap();
    for name in [
        "sync_connections",
        "sync_edit_to_ack_seconds_bucket",
        "store_append_seconds_count",
        "process_resident_memory_bytes",
    ] {
        assert!(m.contains(name), "{name} missing from /metrics:\n{m}");
    }
    let received = m
        .lines()
        .find(|l| l.starts_with("sync_messages_received_total{kind=\"update\"}"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0);
    assert!(received >= 1.0, "{m}");
}

/// A large document's welcome goes out in WebSocket fragments (`sync::upgrade`); clients get it whole.
async fn large_documents_arrive_whole(db: Db) {
    let Some(s) = Server::start(db).await else { return };
    let team = s.team("large").await;
    let (_, editor) = s.user(Some(&team), Role::Member).await;
    let mut yaml = String::from("workflow:\n  name: large\n  steps:\n");
    for i in 0..400 {
        yaml.push_str(&format!("    - name: step_{i}\n      type: claude\n      prompt:\n        - type: static\n          content: \"Step {i}: summarise the findings of the previous step in plain words.\"\n"));
    }
    let id = s.create(&editor, &team, &yaml).await;
    let url = sync_url(s.addr, &id);
    let a = WsClient::connect(&url, &editor, 0, None).await;
    let snapshot = a.doc.export(loro::ExportMode::Snapshot).unwrap();
    assert!(
        snapshot.len() > 2 * pipeline_server::sync::upgrade::FRAGMENT,
        "the welcome must span several fragments: {} bytes",
        snapshot.len()
    );
    assert_eq!(field_of(&a.doc, 399, "name").as_deref(), Some("step_399"));
    let mut b = WsClient::connect(&url, &editor, 0, None).await;
    assert_eq!(a.doc.get_deep_value(), b.doc.get_deep_value());

    // `hello` flag `deflate`: the welcome comes compressed, and inflates to the same welcome.
    let mut raw = open(&url, Some(&editor)).await.unwrap();
    let hello = ClientMsg::Hello { flags: FLAG_TREE | FLAG_DEFLATE, version: vec![] };
    raw.send(Message::Binary(hello.encode().into())).await.unwrap();
    let Some(Ok(Message::Binary(z))) = raw.next().await else { panic!("a binary welcome") };
    assert_eq!(z[0], WELCOME_DEFLATE);
    let welcome = ServerMsg::decode(&z).expect("it inflates to a welcome");
    let plain = welcome.encode().len();
    assert!(z.len() * 2 < plain, "compressed: {} bytes against {plain}", z.len());
    let ServerMsg::Welcome { info, update, .. } = welcome else { panic!("a welcome") };
    assert!(info.tree.is_some());
    let c = loro::LoroDoc::new();
    c.import(&update).unwrap();
    assert_eq!(c.get_deep_value(), a.doc.get_deep_value());
    let d = WsClient::connect(&url, &editor, FLAG_DEFLATE, None).await;
    assert_eq!(d.doc.get_deep_value(), a.doc.get_deep_value());
    // A small welcome (a new pipeline) goes as it is.
    let small = s.create(&editor, &team, PIPELINE).await;
    let mut raw = open(&sync_url(s.addr, &small), Some(&editor)).await.unwrap();
    raw.send(Message::Binary(hello.encode().into())).await.unwrap();
    assert!(matches!(read(&mut raw).await, Got::Bin(ServerMsg::Welcome { .. })));
    let mut a = a;
    a.set_field(399, "model", "opus");
    let seq = a.push().await;
    a.wait_ack(seq).await;
    b.wait_field(399, "model", "opus").await;
}

/// `hello` flag `tree`: a fresh replica's welcome carries the steps tree as JSON at the welcome's version,
/// equal to what the replica reads after importing the welcome; a replica that already has something, or one
/// that does not ask, gets none. After an edit the tree follows the new version (the server's cache is per
/// version).
async fn welcome_carries_the_tree_for_fresh_replicas(db: Db) {
    let Some((s, id, editor, _)) = setup(db).await else { return };
    let url = sync_url(s.addr, &id);
    let tree_of = |c: &WsClient| -> serde_json::Value {
        let text = c.info.tree.as_ref().expect("a tree in the welcome").0.get().to_string();
        serde_json::from_str(&text).expect("the tree is JSON")
    };
    let own = |c: &WsClient| serde_json::to_value(c.doc.get_tree("steps").get_value_with_meta()).unwrap();

    let mut a = WsClient::connect(&url, &editor, FLAG_VIEWS | FLAG_TREE, None).await;
    let tree = tree_of(&a);
    assert_eq!(tree, own(&a));
    assert_eq!(tree[0]["meta"]["fields"]["name"], "analyse", "{tree}");

    let plain = WsClient::connect(&url, &editor, FLAG_VIEWS, None).await;
    assert!(plain.info.tree.is_none(), "not asked for");
    let known = WsClient::connect(&url, &editor, FLAG_TREE, Some(a.doc.fork())).await;
    assert!(known.info.tree.is_none(), "a replica with a version gets updates, not a tree");

    a.set_field(0, "model", "opus");
    let seq = a.push().await;
    a.wait_ack(seq).await;
    let b = WsClient::connect(&url, &editor, FLAG_TREE, None).await;
    let after = tree_of(&b);
    assert_eq!(after, own(&b));
    assert_eq!(after[0]["meta"]["fields"]["model"], "opus", "{after}");
    assert_ne!(after, tree);

    // The same hello in the URL: the welcome comes without a first message, and a hello sent as well is a
    // second one. Unknown flags are refused before the upgrade.
    let mut early = open(&format!("{url}?hello={}", FLAG_VIEWS | FLAG_TREE), Some(&editor)).await.unwrap();
    let Got::Bin(ServerMsg::Welcome { info, .. }) = read(&mut early).await else { panic!("a welcome first") };
    let text = info.tree.as_ref().expect("a tree in the welcome").0.get().to_string();
    assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), after);
    early.send(Message::Binary(ClientMsg::Hello { flags: 0, version: vec![] }.encode().into())).await.unwrap();
    let mut got = read(&mut early).await;
    while !is_error(&got, "bad_frame") {
        assert!(!matches!(got, Got::Close(_)), "closed without the error");
        got = read(&mut early).await;
    }
    assert_eq!(open(&format!("{url}?hello=64"), Some(&editor)).await.err(), Some(400));
}

both_backends!(
    welcome_carries_the_tree_for_fresh_replicas,
    two_clients_converge,
    large_documents_arrive_whole,
    offline_changes_merge_on_connect,
    viewer_is_read_only,
    access_changes_close_the_connection,
    signing_out_or_revoking_closes_the_connection,
    logging_out_or_revoking_closes_the_connection_at_once,
    replica_connections_may_set_the_base_text_to_yaml,
    malformed_frames_close_only_their_connection,
    upgrade_checks_auth_and_team,
    presence_is_relayed_checked_and_cleared,
    views_and_http_edits_reach_sockets,
);
