//! Comment threads on steps. They live in the document (never in the YAML), keyed to the step's tree node,
//! so they sync live, survive the step being moved, and stay with a deleted step (shown again if it is
//! restored). Each thread: `step`, `resolved`, `messages` (a list, so concurrent replies all survive).

use loro::{LoroList, LoroMap, ValueOrContainer};
use serde::Serialize;
use serde_json::Value;

use crate::convert::voc_json;
use crate::doc::PipelineDoc;
use crate::error::DocError;
use crate::steps::{node_key, parse_node_key};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    pub id: String,
    pub author: String,
    pub text: String,
    /// Milliseconds since the Unix epoch, as given by the writer's clock.
    pub at: i64,
    pub edited: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Thread {
    pub id: String,
    /// The step's node key (`counter@peer`).
    pub step: String,
    pub resolved: bool,
    /// Whether the step is currently deleted (the thread is kept with it).
    pub step_deleted: bool,
    pub messages: Vec<Message>,
}

impl PipelineDoc {
    /// A new id unique across replicas: this replica's peer and its next operation counter.
    fn new_id(&self, prefix: &str) -> String {
        let peer = self.loro().peer_id();
        let counter = self.loro().oplog_vv().get(&peer).copied().unwrap_or(0);
        format!("{prefix}{counter}-{peer:x}")
    }

    /// Starts a thread on a step with a first message; returns the thread id.
    pub fn add_thread(&self, step: loro::TreeID, author: &str, text: &str, at: i64) -> Result<String, DocError> {
        let id = self.new_id("t");
        let t = self.comments_map().insert_container(&id, LoroMap::new())?;
        t.insert("step", node_key(step))?;
        t.insert("resolved", false)?;
        let msgs = t.insert_container("messages", LoroList::new())?;
        self.push_message(&msgs, author, text, at)?;
        self.commit("comment");
        Ok(id)
    }

    fn push_message(&self, msgs: &LoroList, author: &str, text: &str, at: i64) -> Result<String, DocError> {
        let id = self.new_id("m");
        let m = msgs.push_container(LoroMap::new())?;
        m.insert("id", id.as_str())?;
        m.insert("author", author)?;
        m.insert("text", text)?;
        m.insert("at", at)?;
        Ok(id)
    }

    fn thread_map(&self, thread: &str) -> Result<LoroMap, DocError> {
        match self.comments_map().get(thread) {
            Some(ValueOrContainer::Container(loro::Container::Map(m))) => Ok(m),
            _ => Err(DocError::NotFound(format!("comment thread {thread}"))),
        }
    }

    fn messages(&self, t: &LoroMap) -> Result<LoroList, DocError> {
        match t.get("messages") {
            Some(ValueOrContainer::Container(loro::Container::List(l))) => Ok(l),
            _ => Err(DocError::NotFound("thread messages".into())),
        }
    }

    pub fn reply(&self, thread: &str, author: &str, text: &str, at: i64) -> Result<String, DocError> {
        let t = self.thread_map(thread)?;
        let id = self.push_message(&self.messages(&t)?, author, text, at)?;
        self.commit("reply");
        Ok(id)
    }

    /// Edits a message; only its author may (the server also checks who is asking).
    pub fn edit_message(&self, thread: &str, message: &str, author: &str, text: &str) -> Result<(), DocError> {
        let msgs = self.messages(&self.thread_map(thread)?)?;
        for i in 0..msgs.len() {
            if let Some(ValueOrContainer::Container(loro::Container::Map(m))) = msgs.get(i) {
                let v = voc_json(&ValueOrContainer::Container(loro::Container::Map(m.clone())));
                if v["id"] == message {
                    if v["author"] != author {
                        return Err(DocError::Forbidden("only its author can edit a message".into()));
                    }
                    m.insert("text", text)?;
                    m.insert("edited", true)?;
                    self.commit("edit comment");
                    return Ok(());
                }
            }
        }
        Err(DocError::NotFound(format!("message {message}")))
    }

    pub fn set_resolved(&self, thread: &str, resolved: bool) -> Result<(), DocError> {
        self.thread_map(thread)?.insert("resolved", resolved)?;
        self.commit(if resolved { "resolve" } else { "reopen" });
        Ok(())
    }

    /// Every thread, oldest message first; threads in id order.
    pub fn threads(&self) -> Vec<Thread> {
        let all = voc_json(&ValueOrContainer::Container(loro::Container::Map(self.comments_map())));
        let tree = self.tree();
        let mut out: Vec<Thread> = all
            .as_object()
            .into_iter()
            .flatten()
            .map(|(id, t)| {
                let step = t["step"].as_str().unwrap_or_default().to_string();
                let step_deleted =
                    parse_node_key(&step).is_none_or(|n| !tree.contains(n) || tree.is_node_deleted(&n).unwrap_or(true));
                let messages = t["messages"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|m| Message {
                        id: str_of(&m["id"]),
                        author: str_of(&m["author"]),
                        text: str_of(&m["text"]),
                        at: m["at"].as_i64().unwrap_or(0),
                        edited: m["edited"].as_bool().unwrap_or(false),
                    })
                    .collect();
                Thread {
                    id: id.clone(),
                    step,
                    resolved: t["resolved"].as_bool().unwrap_or(false),
                    step_deleted,
                    messages,
                }
            })
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }
}

fn str_of(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}
