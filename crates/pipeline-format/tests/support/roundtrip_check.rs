//! The property the fuzzer checks, shared by file inclusion with `fuzz/fuzz_targets/parse_validate_write.rs`
//! and `tests/fuzz_regressions.rs` (which replays every input in `fuzz/regressions/`):
//!
//! 1. bytes that are UTF-8 parse (or fail to parse) and validate at lint level, with and without test
//!    types, without panicking;
//! 2. a parsed document written back with unchanged data is byte-identical to its text;
//! 3. after a small change derived from the input bytes (set a scalar, remove or add an entry), the writer's
//!    output re-parses to exactly the intended data.
//!
//! Any violation panics with a message saying which property broke and on what.

#![allow(dead_code)]

use pipeline_format::Document;
use pipeline_format::validate::{self, Level, Options};
use pipeline_format::value::doc_to_json;
use pipeline_format::write::{self, WriteError};
use serde_json::{Map, Value};

/// Checks every property on one input.
pub fn check(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else { return };
    let Ok(doc) = Document::parse(text) else { return };
    for allow_test_types in [false, true] {
        let _ = validate::validate(&doc, &Options { level: Level::Lint, allow_test_types });
    }

    let data = doc_to_json(&doc);
    match write::write(&doc, &data) {
        Ok(out) => assert!(
            out == text,
            "unchanged data was not written back byte-identical:\n--- input\n{text}\n--- output\n{out}"
        ),
        Err(e) if writer_is_a_stub(&e) => return,
        Err(e) => panic!("writing back unchanged data failed: {e}\n--- input\n{text}"),
    }

    let mut target = data.clone();
    let Some(change) = mutate(&mut target, bytes) else { return };
    let out = match write::write(&doc, &target) {
        Ok(out) => out,
        Err(e) => panic!("the writer refused a change ({change}): {e}\n--- input\n{text}"),
    };
    let reparsed = match Document::parse(&out) {
        Ok(d) => doc_to_json(&d),
        Err(e) => {
            panic!("the writer's output does not parse after {change}: {e}\n--- input\n{text}\n--- output\n{out}")
        }
    };
    assert!(
        reparsed == target,
        "the writer's output means something else after {change}\n--- input\n{text}\n--- output\n{out}\n--- intended\n{target}\n--- got\n{reparsed}"
    );
}

/// The writer is still a stub while it is being written; then only the read-only properties are checked.
fn writer_is_a_stub(e: &WriteError) -> bool {
    e.to_string().contains("writer not written yet")
}

/// FNV-1a: a small, stable hash so that the same input always makes the same change.
fn seed(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Applies one change to `data`, chosen by the input's hash; returns its description (None if there is
/// nothing sensible to change).
fn mutate(data: &mut Value, bytes: &[u8]) -> Option<String> {
    let mut pointers = Vec::new();
    collect(data, String::new(), &mut pointers);
    if pointers.is_empty() {
        return None;
    }
    let h = seed(bytes);
    let ptr = pointers[(h % pointers.len() as u64) as usize].clone();
    let kind = (h >> 32) % 6;
    // A short value taken from the input itself, so odd characters reach the writer's quoting.
    let start = ((h >> 16) as usize) % bytes.len().max(1);
    let snippet: String = String::from_utf8_lossy(bytes.get(start..).unwrap_or_default()).chars().take(12).collect();
    let new_value = match kind {
        0 => Value::String(snippet.clone()),
        1 => Value::from((h % 1000) as i64 - 500),
        2 => Value::Bool(h & 1 == 1),
        3 => Value::Null,
        _ => Value::String(format!("changed {snippet}")),
    };
    let (parent_ptr, last) = match ptr.rfind('/') {
        Some(i) => (ptr[..i].to_string(), Some(ptr[i + 1..].to_string())),
        None => (String::new(), None),
    };
    match (kind, last) {
        // Remove the entry or item.
        (4, Some(last)) => {
            let parent = data.pointer_mut(&parent_ptr)?;
            match parent {
                Value::Object(m) => {
                    m.shift_remove(&unescape(&last))?;
                }
                Value::Array(a) => {
                    let i: usize = last.parse().ok()?;
                    (i < a.len()).then(|| a.remove(i))?;
                }
                _ => return None,
            }
            Some(format!("remove {ptr}"))
        }
        // Add a key next to it (in a map) or an item after it (in a list).
        (5, Some(last)) => {
            let parent = data.pointer_mut(&parent_ptr)?;
            match parent {
                Value::Object(m) => {
                    let key = format!("added_{}", h % 97);
                    if m.contains_key(&key) {
                        return None;
                    }
                    m.insert(key.clone(), new_value);
                    Some(format!("add key {key:?} in {parent_ptr:?}"))
                }
                Value::Array(a) => {
                    let i: usize = last.parse().ok()?;
                    a.insert((i + 1).min(a.len()), new_value);
                    Some(format!("insert an item after {ptr}"))
                }
                _ => None,
            }
        }
        _ => {
            let slot = data.pointer_mut(&ptr)?;
            let desc = format!("set {ptr:?} from {slot} to {new_value}");
            *slot = new_value;
            Some(desc)
        }
    }
}

/// Every JSON pointer in `v` (containers and scalars, root included).
fn collect(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => collect_map(m, &at, out),
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                collect(x, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

fn collect_map(m: &Map<String, Value>, at: &str, out: &mut Vec<String>) {
    for (k, x) in m {
        collect(x, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out);
    }
}

fn unescape(seg: &str) -> String {
    seg.replace("~1", "/").replace("~0", "~")
}
