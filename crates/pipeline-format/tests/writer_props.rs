//! Property tests of the writer: random pipelines written in random styles (quotes, block scalars, flow
//! lists, comments, blank lines, CRLF, missing final newline), then random edit sequences. Every write must
//! re-parse to exactly the intended data, and steps the edit did not touch must keep their exact text.

use pipeline_format::Document;
use pipeline_format::value::doc_to_json;
use pipeline_format::write::{write, write_report};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Strings that stress quoting and block scalars.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_]{1,8}",
        "[a-zA-Z0-9 :#'\"\\-{}\\[\\],.!?é中]{0,16}",
        Just("true".to_string()),
        Just("123".to_string()),
        Just("null".to_string()),
        Just("- dash".to_string()),
        Just("Line one\nline two\n".to_string()),
        Just("multi\n  indented\n\nblank above".to_string()),
        Just(" leading space\nx".to_string()),
        Just("{{steps.a.result}}".to_string()),
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        text().prop_map(Value::String),
        any::<i32>().prop_map(|i| json!(i)),
        (-1000.0f64..1000.0).prop_map(|f| json!(f)),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ]
}

fn prompt_item() -> impl Strategy<Value = Value> {
    prop_oneof![
        text().prop_map(|c| json!({"type": "static", "content": c})),
        "[a-z]{1,6}".prop_map(|s| json!({"type": "previous_response", "step": s})),
    ]
}

fn step(depth: u32) -> BoxedStrategy<Value> {
    let leaf = (
        "[a-z]{1,6}",
        prop_oneof![Just("claude"), Just("gemini"), Just("set_variable")],
        prop::collection::vec(prompt_item(), 0..3),
        prop::collection::vec(("[a-z]{1,5}", scalar()), 0..3),
    )
        .prop_map(|(name, ty, prompt, extra)| {
            let mut m = Map::new();
            m.insert("name".into(), json!(name));
            m.insert("type".into(), json!(ty));
            if !prompt.is_empty() {
                m.insert("prompt".into(), Value::Array(prompt));
            }
            for (k, v) in extra {
                m.entry(format!("x_{k}")).or_insert(v);
            }
            Value::Object(m)
        });
    if depth == 0 {
        return leaf.boxed();
    }
    prop_oneof![
        3 => leaf,
        1 => ("[a-z]{1,6}", prop::collection::vec(step(depth - 1), 1..3)).prop_map(|(name, body)| {
            json!({"name": name, "type": "for_loop", "iterator": "item", "data_source": "list", "steps": body})
        }),
    ]
    .boxed()
}

fn pipeline() -> impl Strategy<Value = Value> {
    ("[a-z ]{1,10}", prop::collection::vec(step(2), 1..6))
        .prop_map(|(name, steps)| json!({"workflow": {"name": name, "steps": steps}}))
}

/// Style choices for the emitter, drawn per document.
#[derive(Debug, Clone)]
struct Styles {
    indent: usize,
    indent_seqs: bool,
    quote: u8,
    comments: bool,
    blank_between_steps: bool,
    flow_short_lists: bool,
    crlf: bool,
    final_newline: bool,
}

fn styles() -> impl Strategy<Value = Styles> {
    (2usize..=4, any::<bool>(), 0u8..3, any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>())
        .prop_map(
            |(indent, indent_seqs, quote, comments, blank_between_steps, flow_short_lists, crlf, final_newline)| {
                Styles {
                    indent,
                    indent_seqs,
                    quote,
                    comments,
                    blank_between_steps,
                    flow_short_lists,
                    crlf,
                    final_newline,
                }
            },
        )
}

/// A hand-written-looking YAML text for `v` (independent of the writer under test).
struct Emitter<'a> {
    s: &'a Styles,
    out: Vec<String>,
    counter: usize,
}

impl Emitter<'_> {
    fn scalar(&mut self, v: &Value) -> String {
        self.counter += 1;
        match v {
            Value::String(s) => {
                let plain_ok = !s.is_empty()
                    && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ' ')
                    && !s.starts_with(' ')
                    && !s.ends_with(' ')
                    && !["true", "false", "null"].contains(&s.as_str())
                    && s.parse::<f64>().is_err();
                match (self.s.quote + self.counter as u8 % 2) % 3 {
                    0 if plain_ok => s.clone(),
                    1 if !s.contains(['\n', '\'']) => format!("'{s}'"),
                    _ => serde_json::to_string(s).unwrap_or_default(),
                }
            }
            Value::Null => {
                if self.counter.is_multiple_of(2) {
                    "~".into()
                } else {
                    "null".into()
                }
            }
            other => other.to_string(),
        }
    }

    fn value_after_key(&mut self, key: &str, v: &Value, col: usize) {
        let pad = " ".repeat(col);
        let trailing = if self.s.comments && self.counter.is_multiple_of(5) { "  # note" } else { "" };
        match v {
            Value::Object(m) if !m.is_empty() => {
                self.out.push(format!("{pad}{key}:{trailing}"));
                self.map(m, col + self.s.indent);
            }
            Value::Array(a) if !a.is_empty() => {
                let short = a.iter().all(|x| x.is_number() || x.is_boolean());
                if self.s.flow_short_lists && short {
                    let items: Vec<String> = a.iter().map(|x| x.to_string()).collect();
                    self.out.push(format!("{pad}{key}: [{}]{trailing}", items.join(", ")));
                } else {
                    self.out.push(format!("{pad}{key}:{trailing}"));
                    let c = if self.s.indent_seqs { col + self.s.indent } else { col };
                    self.seq(a, c, key == "steps");
                }
            }
            Value::Object(_) => self.out.push(format!("{pad}{key}: {{}}")),
            Value::Array(_) => self.out.push(format!("{pad}{key}: []")),
            Value::String(s) if s.contains('\n') && !s.starts_with(' ') && !s.ends_with("\n\n") => {
                let (header, body) = match s.strip_suffix('\n') {
                    Some(b) => ("|", b),
                    None => ("|-", s.as_str()),
                };
                self.out.push(format!("{pad}{key}: {header}"));
                let inner = " ".repeat(col + self.s.indent);
                for l in body.split('\n') {
                    self.out.push(if l.is_empty() { String::new() } else { format!("{inner}{l}") });
                }
            }
            _ => {
                let sc = self.scalar(v);
                self.out.push(format!("{pad}{key}: {sc}{trailing}"));
            }
        }
    }

    fn map(&mut self, m: &Map<String, Value>, col: usize) {
        for (k, v) in m {
            self.value_after_key(k, v, col);
        }
    }

    /// Items are written as `- ` followed by the first entry on the same line.
    fn seq(&mut self, a: &[Value], col: usize, steps: bool) {
        let pad = " ".repeat(col);
        for (i, v) in a.iter().enumerate() {
            if steps && i > 0 && self.s.blank_between_steps {
                self.out.push(String::new());
            }
            if steps && self.s.comments {
                self.out.push(format!("{pad}# step {i}"));
            }
            match v {
                Value::Object(m) if !m.is_empty() => {
                    let start = self.out.len();
                    self.map(m, col + 2);
                    if let Some(first) = self.out.get_mut(start) {
                        *first = format!("{pad}- {}", &first[col + 2..]);
                    }
                }
                _ => {
                    let sc = self.scalar(v);
                    self.out.push(format!("{pad}- {sc}"));
                }
            }
        }
    }
}

fn emit(v: &Value, s: &Styles) -> String {
    let mut e = Emitter { s, out: Vec::new(), counter: 0 };
    if s.comments {
        e.out.push("# generated pipeline".into());
    }
    if let Value::Object(m) = v {
        e.map(m, 0);
    }
    let le = if s.crlf { "\r\n" } else { "\n" };
    let mut text = e.out.join(le);
    if s.final_newline {
        text.push_str(le);
    } else {
        // A clip block scalar at the very end would lose its line break; end on a comment instead.
        text.push_str(le);
        text.push_str("# end");
    }
    text
}

#[derive(Debug, Clone)]
enum Op {
    SetScalar { step: usize, value: Value },
    SetPromptContent { step: usize, text: String },
    InsertStep { at: usize, step: Value },
    RemoveStep { at: usize },
    MoveStep { from: usize, to: usize },
    MoveIntoLoop { from: usize },
    AddKey { step: usize, key: String, value: Value },
    RemoveKey { step: usize },
    AddPromptItem { step: usize, item: Value },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<usize>(), scalar()).prop_map(|(step, value)| Op::SetScalar { step, value }),
        (any::<usize>(), text()).prop_map(|(step, text)| Op::SetPromptContent { step, text }),
        (any::<usize>(), step(1)).prop_map(|(at, step)| Op::InsertStep { at, step }),
        any::<usize>().prop_map(|at| Op::RemoveStep { at }),
        (any::<usize>(), any::<usize>()).prop_map(|(from, to)| Op::MoveStep { from, to }),
        any::<usize>().prop_map(|from| Op::MoveIntoLoop { from }),
        (any::<usize>(), "[a-z]{1,6}", scalar()).prop_map(|(step, key, value)| Op::AddKey { step, key, value }),
        any::<usize>().prop_map(|step| Op::RemoveKey { step }),
        (any::<usize>(), prompt_item()).prop_map(|(step, item)| Op::AddPromptItem { step, item }),
    ]
}

/// Applies `op` to the data; returns the indices of top-level steps it touched (None: all may change).
fn apply(v: &mut Value, op: &Op) -> Option<Vec<usize>> {
    let steps = v["workflow"]["steps"].as_array_mut()?;
    let n = steps.len();
    if n == 0 {
        return None;
    }
    match op {
        Op::SetScalar { step, value } => {
            steps[step % n]["name"] = value.clone();
            Some(vec![step % n])
        }
        Op::SetPromptContent { step, text } => {
            let s = &mut steps[step % n];
            if let Some(p) = s["prompt"].as_array_mut().and_then(|p| p.first_mut()) {
                p["content"] = json!(text);
            }
            Some(vec![step % n])
        }
        Op::InsertStep { at, step } => {
            steps.insert(at % (n + 1), step.clone());
            None
        }
        Op::RemoveStep { at } => {
            if n > 1 {
                steps.remove(at % n);
            }
            None
        }
        Op::MoveStep { from, to } => {
            let s = steps.remove(from % n);
            steps.insert(to % n, s);
            None
        }
        Op::MoveIntoLoop { from } => {
            let loop_at = steps.iter().position(|s| s["type"] == "for_loop")?;
            if from % n == loop_at || n < 2 {
                return Some(vec![]);
            }
            let s = steps.remove(from % n);
            let loop_at = steps.iter().position(|s| s["type"] == "for_loop")?;
            steps[loop_at]["steps"].as_array_mut()?.push(s);
            None
        }
        Op::AddKey { step, key, value } => {
            steps[step % n].as_object_mut()?.insert(format!("k_{key}"), value.clone());
            Some(vec![step % n])
        }
        Op::RemoveKey { step } => {
            let m = steps[step % n].as_object_mut()?;
            let k = m.keys().next_back().cloned()?;
            if k != "name" {
                m.shift_remove(&k);
            }
            Some(vec![step % n])
        }
        Op::AddPromptItem { step, item } => {
            let s = steps[step % n].as_object_mut()?;
            match s.get_mut("prompt").and_then(Value::as_array_mut) {
                Some(p) => p.push(item.clone()),
                None => {
                    s.insert("prompt".into(), json!([item]));
                }
            }
            Some(vec![step % n])
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn emitted_text_round_trips_untouched(v in pipeline(), s in styles()) {
        let text = emit(&v, &s);
        let doc = Document::parse(&text).map_err(|e| TestCaseError::fail(format!("emitter wrote bad YAML: {e}\n{text}")))?;
        prop_assert_eq!(doc_to_json(&doc), v.clone(), "emitter wrote other data:\n{}", text);
        let out = write(&doc, &v).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(out, text);
    }

    #[test]
    fn edit_sequences_write_exactly_the_intended_data(v in pipeline(), s in styles(), ops in prop::collection::vec(op(), 1..8)) {
        let mut text = emit(&v, &s);
        let mut data = v;
        for op in &ops {
            let doc = Document::parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            let mut next = data.clone();
            let touched = apply(&mut next, op);
            let w = write_report(&doc, &next).map_err(|e| TestCaseError::fail(format!("{op:?}: {e}")))?;
            // These inputs are all within what the splicer handles, so nothing may need a clean rendering.
            prop_assert!(w.clean_rendered.is_empty(), "{:?} fell back to clean rendering at {:?}\n--- before\n{}\n--- after\n{}", op, w.clean_rendered, text, w.text);
            let out = w.text;
            let back = Document::parse(&out).map_err(|e| TestCaseError::fail(format!("{op:?}: output does not parse: {e}\n{out}")))?;
            prop_assert_eq!(doc_to_json(&back), next.clone(), "{:?} wrote other data:\n{}", op, out);
            // Steps the edit did not touch keep their exact text.
            if let (Some(touched), Some(steps)) = (touched, doc.root.as_ref().and_then(|r| r.get("workflow")).and_then(|w| w.get("steps")).and_then(|s| s.as_seq())) {
                for (i, st) in steps.iter().enumerate() {
                    if !touched.contains(&i) {
                        let original = doc.slice(st.span);
                        prop_assert!(out.contains(original), "{:?}: untouched step {} changed:\n--- before\n{}\n--- after\n{}", op, i, text, out);
                    }
                }
            }
            text = out;
            data = next;
        }
    }
}
