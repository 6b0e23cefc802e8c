//! Users, teams and roles, sessions, API tokens, sign-in links and the audit log.

use std::time::Duration;

use pipeline_store::auth::{API_TOKEN_PREFIX, token_digest};
use pipeline_store::*;
use serde_json::json;

use crate::support::{TestDb, TestResult};

const HOUR: Duration = Duration::from_secs(3600);

pub async fn users_and_case_insensitive_emails(db: &TestDb) -> TestResult {
    let s = &*db.store;
    assert_eq!(s.count_users().await?, 0);
    let ann = s.create_user(NewUser { email: " Ann@Example.org ".into(), name: "Ann".into() }).await?;
    assert_eq!(ann.email, "Ann@Example.org");
    assert_eq!(s.get_user(ann.id).await?, ann);
    assert_eq!(s.user_by_email("ann@EXAMPLE.org").await?, ann);

    let taken = s.create_user(NewUser { email: "ANN@example.org".into(), name: "Other".into() }).await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");

    let bob = s.create_user(NewUser { email: "bob@example.org".into(), name: String::new() }).await?;
    assert_eq!(s.count_users().await?, 2);
    assert_eq!(s.list_users().await?, vec![ann.clone(), bob.clone()]);

    let renamed = s.update_user(bob.id, UserUpdate { name: Some("Bob B.".into()), email: None }).await?;
    assert_eq!(renamed.name, "Bob B.");
    assert_eq!(s.get_user(bob.id).await?, renamed);
    let clash = s.update_user(bob.id, UserUpdate { email: Some("ann@example.ORG".into()), name: None }).await;
    assert!(matches!(clash, Err(StoreError::Conflict(_))), "{clash:?}");
    let moved = s.update_user(bob.id, UserUpdate { email: Some("Robert@example.org".into()), name: None }).await?;
    assert_eq!(s.user_by_email("robert@example.org").await?, moved);
    assert!(matches!(s.user_by_email("bob@example.org").await, Err(StoreError::NotFound(_))));
    Ok(())
}

pub async fn user_input_is_checked(db: &TestDb) -> TestResult {
    let s = &*db.store;
    for email in ["", "no-at-sign", "@example.org", "ann@", "a b@example.org", "nul\0@example.org"] {
        let r = s.create_user(NewUser { email: email.into(), name: "x".into() }).await;
        assert!(matches!(r, Err(StoreError::Invalid(_))), "{email:?}: {r:?}");
    }
    let r = s.create_user(NewUser { email: "ann@example.org".into(), name: "bad\0name".into() }).await;
    assert!(matches!(r, Err(StoreError::Invalid(_))), "{r:?}");
    assert!(matches!(s.get_user(UserId::new()).await, Err(StoreError::NotFound(_))));
    assert!(matches!(s.set_password_hash(UserId::new(), None).await, Err(StoreError::NotFound(_))));
    assert_eq!(s.count_users().await?, 0, "nothing stored by refused calls");
    Ok(())
}

pub async fn passwords(db: &TestDb) -> TestResult {
    let s = &*db.store;
    let ann = s.create_user(NewUser { email: "ann@example.org".into(), name: "Ann".into() }).await?;
    // No password yet: nothing verifies.
    assert_eq!(s.verify_password("ann@example.org", "").await?, None);
    assert!(matches!(s.set_password(ann.id, "short").await, Err(StoreError::Invalid(_))));
    s.set_password(ann.id, "correct horse battery").await?;
    assert_eq!(s.verify_password("ANN@example.org", "correct horse battery").await?, Some(ann.clone()));
    assert_eq!(s.verify_password("ann@example.org", "wrong horse battery").await?, None);
    assert_eq!(s.verify_password("nobody@example.org", "correct horse battery").await?, None);

    let creds = s.credentials("ann@example.org").await?.ok_or("credentials")?;
    let hash = creds.password_hash.ok_or("hash stored")?;
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains("correct horse"), "the password itself is not stored");

    s.set_password_hash(ann.id, None).await?;
    assert_eq!(s.verify_password("ann@example.org", "correct horse battery").await?, None);
    Ok(())
}

pub async fn teams_and_roles(db: &TestDb) -> TestResult {
    let s = &*db.store;
    let ann = s.create_user(NewUser { email: "ann@example.org".into(), name: "Ann".into() }).await?;
    let bob = s.create_user(NewUser { email: "bob@example.org".into(), name: "Bob".into() }).await?;
    let core = s.create_team("Core").await?;
    let docs = s.create_team(" Docs ").await?;
    assert_eq!(docs.name, "Docs");
    assert!(matches!(s.create_team("core").await, Err(StoreError::Conflict(_))));
    assert!(matches!(s.create_team("  ").await, Err(StoreError::Invalid(_))));
    assert_eq!(s.team_by_name("CORE").await?, core);
    assert_eq!(s.get_team(core.id).await?, core);
    assert_eq!(s.list_teams().await?, vec![core.clone(), docs.clone()]);

    s.set_role(core.id, ann.id, Role::Owner).await?;
    s.set_role(core.id, bob.id, Role::Viewer).await?;
    s.set_role(docs.id, bob.id, Role::Member).await?;
    assert_eq!(s.role(core.id, ann.id).await?, Some(Role::Owner));
    assert_eq!(s.role(docs.id, ann.id).await?, None);
    s.set_role(core.id, bob.id, Role::Admin).await?;
    assert_eq!(s.role(core.id, bob.id).await?, Some(Role::Admin));

    let members = s.members(core.id).await?;
    assert_eq!(
        members,
        vec![Member { user: ann.clone(), role: Role::Owner }, Member { user: bob.clone(), role: Role::Admin }]
    );
    let teams = s.teams_of(bob.id).await?;
    assert_eq!(
        teams,
        vec![TeamRole { team: core.clone(), role: Role::Admin }, TeamRole { team: docs.clone(), role: Role::Member }]
    );

    s.remove_member(core.id, bob.id).await?;
    assert_eq!(s.role(core.id, bob.id).await?, None);
    assert!(matches!(s.remove_member(core.id, bob.id).await, Err(StoreError::NotFound(_))));
    assert!(matches!(s.set_role(TeamId::new(), ann.id, Role::Member).await, Err(StoreError::NotFound(_))));
    assert!(matches!(s.set_role(core.id, UserId::new(), Role::Member).await, Err(StoreError::NotFound(_))));
    assert!(Role::Owner.at_least(Role::Admin) && Role::Member.at_least(Role::Viewer));
    assert!(!Role::Viewer.at_least(Role::Member));
    Ok(())
}

pub async fn sessions_store_only_digests_and_expire(db: &TestDb) -> TestResult {
    let s = &*db.store;
    let ann = s.create_user(NewUser { email: "ann@example.org".into(), name: "Ann".into() }).await?;
    let new = s.create_session(ann.id, HOUR).await?;
    assert_eq!(new.token.len(), 64);
    let session = s.session(&new.token).await?.ok_or("live session")?;
    assert_eq!(session, new.session);
    assert_eq!(session.user, ann.id);
    assert_eq!(session.csrf_token.len(), 64);
    assert_ne!(session.csrf_token, new.token);

    // Stored: the SHA-256 of the token, never the token.
    let stored = db.stored_token_columns().await;
    assert!(stored.contains(&token_digest(&new.token)));
    assert!(stored.iter().all(|v| v.len() == 32 && *v != new.token.as_bytes()));
    // The digest is not a token.
    let digest_hex: String = token_digest(&new.token).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(s.session(&digest_hex).await?, None);
    assert_eq!(s.session("").await?, None);

    let expired = s.create_session(ann.id, Duration::ZERO).await?;
    assert_eq!(s.session(&expired.token).await?, None, "expired sessions are refused");
    assert!(matches!(s.create_session(ann.id, Duration::MAX).await, Err(StoreError::Invalid(_))));
    assert!(matches!(s.create_session(UserId::new(), HOUR).await, Err(StoreError::NotFound(_))));

    assert_eq!(s.purge_expired().await?, 1);
    s.delete_session(&new.token).await?;
    assert_eq!(s.session(&new.token).await?, None);
    let a = s.create_session(ann.id, HOUR).await?;
    let b = s.create_session(ann.id, HOUR).await?;
    assert_eq!(s.delete_user_sessions(ann.id).await?, 2);
    assert_eq!(s.session(&a.token).await?, None);
    assert_eq!(s.session(&b.token).await?, None);
    Ok(())
}

pub async fn api_tokens(db: &TestDb) -> TestResult {
    let s = &*db.store;
    let ann = s.create_user(NewUser { email: "ann@example.org".into(), name: "Ann".into() }).await?;
    let bob = s.create_user(NewUser { email: "bob@example.org".into(), name: "Bob".into() }).await?;
    let ci = s.create_api_token(ann.id, "CI").await?;
    assert!(ci.secret.starts_with(API_TOKEN_PREFIX) && ci.secret.len() == API_TOKEN_PREFIX.len() + 64);
    assert_eq!(ci.token.last_used_at, None);
    assert!(matches!(s.create_api_token(ann.id, "").await, Err(StoreError::Invalid(_))));

    let used = s.authenticate_api_token(&ci.secret).await?.ok_or("token accepted")?;
    assert_eq!(used.id, ci.token.id);
    assert_eq!(used.user, ann.id);
    let first_use = used.last_used_at.ok_or("use recorded")?;
    // Within a minute the use is not written again.
    let again = s.authenticate_api_token(&ci.secret).await?.ok_or("token accepted")?;
    assert_eq!(again.last_used_at, Some(first_use));
    assert_eq!(s.authenticate_api_token("pe_0000").await?, None);
    assert_eq!(s.authenticate_api_token("").await?, None);

    let stored = db.stored_token_columns().await;
    assert!(stored.contains(&token_digest(&ci.secret)));
    assert!(!stored.iter().any(|v| *v == ci.secret.as_bytes()));

    let laptop = s.create_api_token(ann.id, "laptop").await?;
    let listed = s.list_api_tokens(ann.id).await?;
    assert_eq!(listed.iter().map(|t| t.id).collect::<Vec<_>>(), vec![laptop.token.id, ci.token.id]);
    assert_eq!(listed[1].last_used_at, Some(first_use));

    // Bob cannot revoke Ann's token, and learns nothing about it.
    assert!(matches!(s.revoke_api_token(bob.id, ci.token.id).await, Err(StoreError::NotFound(_))));
    s.revoke_api_token(ann.id, ci.token.id).await?;
    s.revoke_api_token(ann.id, ci.token.id).await?;
    assert_eq!(s.authenticate_api_token(&ci.secret).await?, None, "revoked tokens are refused");
    assert!(s.authenticate_api_token(&laptop.secret).await?.is_some());
    let revoked = s.list_api_tokens(ann.id).await?.into_iter().find(|t| t.id == ci.token.id).ok_or("listed")?;
    assert!(revoked.revoked_at.is_some());
    Ok(())
}

pub async fn signin_links_work_once(db: &TestDb) -> TestResult {
    let s = &*db.store;
    let ann = s.create_user(NewUser { email: "ann@example.org".into(), name: "Ann".into() }).await?;
    let link = s.create_signin_link(ann.id, HOUR).await?;
    assert!(db.stored_token_columns().await.contains(&token_digest(&link)));
    assert_eq!(s.consume_signin_link(&link).await?, Some(ann.id));
    assert_eq!(s.consume_signin_link(&link).await?, None, "a link works once");
    let expired = s.create_signin_link(ann.id, Duration::ZERO).await?;
    assert_eq!(s.consume_signin_link(&expired).await?, None, "expired links are refused");
    assert_eq!(s.consume_signin_link("nonsense").await?, None);
    // The used and the expired link both go.
    assert_eq!(s.purge_expired().await?, 2);
    Ok(())
}

pub async fn audit_log_newest_first_per_team(db: &TestDb) -> TestResult {
    let s = &*db.store;
    let ann = s.create_user(NewUser { email: "ann@example.org".into(), name: "Ann".into() }).await?;
    let core = s.create_team("Core").await?;
    let docs = s.create_team("Docs").await?;
    let mut written = Vec::new();
    for i in 0..5 {
        written.push(
            s.record_audit(NewAuditEntry {
                actor: Some(ann.id),
                team: Some(core.id),
                action: "pipeline.delete".into(),
                target: format!("p{i}"),
                details: json!({"i": i, "name": "Review ✓"}),
            })
            .await?,
        );
    }
    s.record_audit(NewAuditEntry {
        actor: None,
        team: Some(docs.id),
        action: "member.role".into(),
        target: ann.id.to_string(),
        details: json!(null),
    })
    .await?;

    let page = s.audit_log(AuditQuery { team: core.id, before: None, limit: 3 }).await?;
    assert_eq!(page, written.iter().rev().take(3).cloned().collect::<Vec<_>>());
    let rest = s.audit_log(AuditQuery { team: core.id, before: Some(page[2].id), limit: 3 }).await?;
    assert_eq!(rest, written.iter().rev().skip(3).cloned().collect::<Vec<_>>());
    let other = s.audit_log(AuditQuery { team: docs.id, before: None, limit: 10 }).await?;
    assert_eq!(other.len(), 1);
    assert_eq!(other[0].actor, None);
    assert_eq!(other[0].details, json!(null));

    let bad = s
        .record_audit(NewAuditEntry {
            team: Some(core.id),
            action: "x".into(),
            details: json!({"nul": "a\u{0}b"}),
            ..Default::default()
        })
        .await;
    assert!(matches!(bad, Err(StoreError::Invalid(_))), "{bad:?}");
    let bad = s.record_audit(NewAuditEntry { team: Some(core.id), ..Default::default() }).await;
    assert!(matches!(bad, Err(StoreError::Invalid(_))), "an action is required: {bad:?}");
    Ok(())
}
