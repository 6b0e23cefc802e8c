//! `pipeline-editor user create` and `pipeline-editor token create`.

use std::io::BufRead;
use std::time::Duration;

use pipeline_store::{NewAuditEntry, NewUser, Role, StoreError};

use crate::cli::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE_OR_IO, RoleArg, TokenCreateArgs, UserCreateArgs};
use crate::commands::{message, store};

const LINK_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

fn role(r: RoleArg) -> Role {
    match r {
        RoleArg::Owner => Role::Owner,
        RoleArg::Admin => Role::Admin,
        RoleArg::Member => Role::Member,
        RoleArg::Viewer => Role::Viewer,
    }
}

pub fn user_create(args: &UserCreateArgs) -> u8 {
    let password = if args.password_stdin {
        let mut line = String::new();
        if let Err(e) = std::io::stdin().lock().read_line(&mut line) {
            message(&format!("error: cannot read the password from stdin: {e}"));
            return EXIT_USAGE_OR_IO;
        }
        Some(line.trim_end_matches(['\r', '\n']).to_owned())
    } else {
        None
    };
    let Some(rt) = store::runtime() else { return EXIT_FINDINGS };
    rt.block_on(async {
        let Some(store) = store::open(&args.store).await else { return EXIT_FINDINGS };
        let result: Result<(), StoreError> = async {
            let (user, created) = match store
                .create_user(NewUser { email: args.email.clone(), name: args.name.clone().unwrap_or_default() })
                .await
            {
                Ok(u) => (u, true),
                Err(StoreError::Conflict(_)) => (store.user_by_email(&args.email).await?, false),
                Err(e) => return Err(e),
            };
            if let Some(p) = &password {
                store.set_password(user.id, p).await?;
            }
            let (team, new_team) = store::team(store.as_ref(), &args.team).await?;
            let r = args.role.map(role).unwrap_or(if new_team { Role::Owner } else { Role::Member });
            store.set_role(team.id, user.id, r).await?;
            store
                .record_audit(NewAuditEntry {
                    team: Some(team.id),
                    action: "member.add".into(),
                    target: user.id.to_string(),
                    details: serde_json::json!({ "role": r, "email": user.email, "via": "command line" }),
                    ..Default::default()
                })
                .await?;
            let link = store.create_signin_link(user.id, LINK_TTL).await?;
            let verb = if created { "created user" } else { "user exists:" };
            println!("{verb} {} ({}), {r} of team \"{}\" ({})", user.email, user.id, team.name, team.id);
            println!("one-time sign-in link (valid 7 days; prefix the server's address): /auth/signin/{link}");
            Ok(())
        }
        .await;
        store.close().await;
        match result {
            Ok(()) => EXIT_OK,
            Err(e) => {
                message(&format!("error: {e}"));
                EXIT_FINDINGS
            }
        }
    })
}

pub fn token_create(args: &TokenCreateArgs) -> u8 {
    let Some(rt) = store::runtime() else { return EXIT_FINDINGS };
    rt.block_on(async {
        let Some(store) = store::open(&args.store).await else { return EXIT_FINDINGS };
        let result: Result<(), StoreError> = async {
            let user = store.user_by_email(&args.email).await.map_err(|e| match e {
                StoreError::NotFound(_) => StoreError::NotFound("user with this email"),
                other => other,
            })?;
            let t = store.create_api_token(user.id, &args.name).await?;
            for team in store.teams_of(user.id).await? {
                store
                    .record_audit(NewAuditEntry {
                        team: Some(team.team.id),
                        action: "token.create".into(),
                        target: t.token.id.to_string(),
                        details: serde_json::json!({ "name": t.token.name, "user": user.id, "via": "command line" }),
                        ..Default::default()
                    })
                    .await?;
            }
            println!(
                "created API token \"{}\" ({}) for {}; it is shown only once:",
                t.token.name, t.token.id, user.email
            );
            println!("{}", t.secret);
            Ok(())
        }
        .await;
        store.close().await;
        match result {
            Ok(()) => EXIT_OK,
            Err(e) => {
                message(&format!("error: {e}"));
                EXIT_FINDINGS
            }
        }
    })
}
