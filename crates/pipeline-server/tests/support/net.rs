//! Servers and links for the multi-server tests (`partition.rs`, `large_catch_up.rs`): a real server in this
//! process on a fresh SQLite store with an owner and an API token, and a TCP proxy that a test cuts and heals.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;

use pipeline_doc::loro::{self, LoroDoc, LoroMap, ValueOrContainer};
use pipeline_server::{AppState, Config};
use pipeline_store::{NewUser, Role, Store, TeamId};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A TCP proxy that can be cut (every open connection dropped, new ones refused) and healed.
pub struct Proxy {
    pub addr: SocketAddr,
    cut: watch::Sender<bool>,
}

impl Proxy {
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (cut, _) = watch::channel(false);
        let cut_tx = cut.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if *cut_tx.borrow() {
                    continue; // dropped: the partition refuses it
                }
                let mut cut_rx = cut_tx.subscribe();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(target).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut_rx.wait_for(|c| *c) => {}
                    }
                });
            }
        });
        Proxy { addr, cut }
    }

    pub fn set_cut(&self, cut: bool) {
        self.cut.send_replace(cut);
    }
}

/// A server in this process: its store, address, state, the owner's token and team.
pub struct Node {
    pub addr: SocketAddr,
    pub state: AppState,
    pub token: String,
    pub team: TeamId,
    _dir: tempfile::TempDir,
}

impl Node {
    pub async fn start(team_name: &str) -> Node {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = pipeline_store::open(dir.path().to_str().unwrap()).await.unwrap();
        let team = store.create_team(team_name).await.unwrap();
        let email = format!("u{}@example.org", uuid::Uuid::now_v7().simple());
        let user = store.create_user(NewUser { email, name: "Owner".into() }).await.unwrap();
        store.set_role(team.id, user.id, Role::Owner).await.unwrap();
        let token = store.create_api_token(user.id, "test").await.unwrap().secret;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = AppState::new(store, Config::default());
        tokio::spawn(pipeline_server::serve(listener, state.clone(), std::future::pending()));
        Node { addr, state, token, team: team.id, _dir: dir }
    }
}

/// The `fields` map of top-level step `step` (the pipeline-doc layout).
pub fn fields(doc: &LoroDoc, step: usize) -> LoroMap {
    let tree = doc.get_tree("steps");
    let node = tree.roots()[step];
    match tree.get_meta(node).unwrap().get("fields") {
        Some(ValueOrContainer::Container(loro::Container::Map(m))) => m,
        other => panic!("no fields map: {other:?}"),
    }
}
