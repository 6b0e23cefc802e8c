//! Writer behaviour on small inputs: each case is (original text, edit, exact expected text).

use serde_json::{Value, json};

use super::write;
use crate::parse::Document;
use crate::value::doc_to_json;

fn edit(text: &str, f: impl FnOnce(&mut Value)) -> String {
    let doc = Document::parse(text).expect("input parses");
    let mut v = doc_to_json(&doc);
    f(&mut v);
    let out = write(&doc, &v).expect("writes");
    let back = Document::parse(&out).expect("output parses");
    assert_eq!(doc_to_json(&back), v, "output means something else:\n{out}");
    out
}

fn ptr<'a>(v: &'a mut Value, p: &str) -> &'a mut Value {
    v.pointer_mut(p).expect("pointer exists")
}

const STEPS: &str = "\
# header comment
workflow:
  name: \"demo\"   # trailing
  steps:
    # first step
    - name: \"a\"
      type: \"claude\"
      prompt:
        - type: \"static\"
          content: |
            Hello
            world

    # second step
    - name: \"b\"
      type: \"gemini\"

    - name: 'c'
      type: gemini
";

#[test]
fn untouched_is_identical() {
    assert_eq!(edit(STEPS, |_| {}), STEPS);
}

#[test]
fn set_scalar_keeps_quotes_and_comment() {
    let out = edit(STEPS, |v| *ptr(v, "/workflow/name") = json!("renamed"));
    assert_eq!(out, STEPS.replace("name: \"demo\"   # trailing", "name: \"renamed\"   # trailing"));
    let out = edit(STEPS, |v| *ptr(v, "/workflow/steps/2/name") = json!("it's"));
    assert!(out.contains("- name: 'it''s'"), "{out}");
}

#[test]
fn set_block_scalar_keeps_block_style() {
    let out = edit(STEPS, |v| *ptr(v, "/workflow/steps/0/prompt/0/content") = json!("Hi\nthere\n"));
    assert_eq!(out, STEPS.replace("            Hello\n            world\n", "            Hi\n            there\n"));
}

#[test]
fn delete_step_takes_its_comment_and_separator() {
    let out = edit(STEPS, |v| {
        ptr(v, "/workflow/steps").as_array_mut().expect("array").remove(1);
    });
    let expected = STEPS.replace("    # second step\n    - name: \"b\"\n      type: \"gemini\"\n\n", "");
    assert_eq!(out, expected);
}

#[test]
fn move_step_carries_comment() {
    let out = edit(STEPS, |v| {
        let a = ptr(v, "/workflow/steps").as_array_mut().expect("array");
        let b = a.remove(1);
        a.insert(0, b);
    });
    assert!(
        out.contains("  steps:\n    # second step\n    - name: \"b\"\n      type: \"gemini\"\n\n    # first step\n"),
        "{out}"
    );
    assert!(out.ends_with("    - name: 'c'\n      type: gemini\n"), "{out}");
}

#[test]
fn insert_step_takes_house_style() {
    let out = edit(STEPS, |v| {
        let a = ptr(v, "/workflow/steps").as_array_mut().expect("array");
        a.insert(1, json!({"name": "new", "type": "claude", "prompt": [{"type": "static", "content": "x"}]}));
    });
    let inserted = "\n\n    - name: \"new\"\n      type: \"claude\"\n      prompt:\n        - type: \"static\"\n          content: \"x\"\n\n    # second step";
    assert!(out.contains(inserted), "{out}");
}

#[test]
fn append_step_at_end_without_final_newline() {
    let text = "workflow:\n  name: x\n  steps:\n    - name: a\n      type: claude";
    let out = edit(text, |v| {
        ptr(v, "/workflow/steps").as_array_mut().expect("array").push(json!({"name": "b", "type": "gemini"}));
    });
    assert_eq!(
        out,
        "workflow:\n  name: x\n  steps:\n    - name: a\n      type: claude\n    - name: b\n      type: gemini"
    );
}

#[test]
fn add_and_remove_keys() {
    let text = "workflow:\n  name: x # n\n  steps:\n    - name: a\n      type: claude\n";
    let out = edit(text, |v| {
        ptr(v, "/workflow").as_object_mut().expect("obj").insert("description".into(), json!("Does: things"));
    });
    assert_eq!(
        out,
        "workflow:\n  name: x # n\n  steps:\n    - name: a\n      type: claude\n  description: \"Does: things\"\n"
    );
    let out = edit(text, |v| {
        ptr(v, "/workflow/steps/0").as_object_mut().expect("obj").remove("type");
    });
    assert_eq!(out, "workflow:\n  name: x # n\n  steps:\n    - name: a\n");
    let out = edit(text, |v| {
        ptr(v, "/workflow/steps/0").as_object_mut().expect("obj").shift_remove("name");
    });
    assert_eq!(out, "workflow:\n  name: x # n\n  steps:\n    - type: claude\n");
}

#[test]
fn move_step_into_loop_keeps_its_text() {
    let text = "workflow:\n  steps:\n    # keep me\n    - name: \"a\"   # why\n      type: claude\n    - name: loop\n      type: for_loop\n      steps:\n        - name: inner\n          type: claude\n";
    let out = edit(text, |v| {
        let a = ptr(v, "/workflow/steps").as_array_mut().expect("array");
        let s = a.remove(0);
        ptr(v, "/workflow/steps/0/steps").as_array_mut().expect("array").push(s);
    });
    assert_eq!(
        out,
        "workflow:\n  steps:\n    - name: loop\n      type: for_loop\n      steps:\n        - name: inner\n          type: claude\n        # keep me\n        - name: \"a\"   # why\n          type: claude\n"
    );
}

#[test]
fn flow_collections_are_rewritten_in_flow_style() {
    let text = "a: [1, 2]  # c\nb: {x: 1}\n";
    let out = edit(text, |v| ptr(v, "/a").as_array_mut().expect("array").push(json!(3)));
    assert_eq!(out, "a: [1, 2, 3]  # c\nb: {x: 1}\n");
}

#[test]
fn an_empty_flow_list_that_gets_steps_is_written_in_block_style() {
    let text = "workflow:\n  name: x\n  steps: []\n";
    let out = edit(text, |v| {
        ptr(v, "/workflow/steps").as_array_mut().expect("array").push(json!({"name": "a", "type": "gemini"}))
    });
    assert_eq!(out, "workflow:\n  name: x\n  steps:\n    - name: a\n      type: gemini\n");
    // Scalars keep the flow style.
    let out = edit("tools: []\n", |v| ptr(v, "/tools").as_array_mut().expect("array").push(json!("Read")));
    assert_eq!(out, "tools: [Read]\n");
}

#[test]
fn crlf_is_kept() {
    let text = "a: 1\r\nb:\r\n  - x\r\n";
    let out = edit(text, |v| ptr(v, "/b").as_array_mut().expect("array").push(json!("y")));
    assert_eq!(out, "a: 1\r\nb:\r\n  - x\r\n  - y\r\n");
}

#[test]
fn empty_value_gets_content() {
    let text = "a:\nb: 1\n";
    assert_eq!(edit(text, |v| *ptr(v, "/a") = json!("x")), "a: x\nb: 1\n");
    assert_eq!(edit(text, |v| *ptr(v, "/a") = json!({"k": [1]})), "a:\n  k:\n    - 1\nb: 1\n");
}

#[test]
fn strings_that_look_like_other_types_are_quoted() {
    let text = "a: x\n";
    for s in ["true", "1", "null", "", " lead", "a: b", "#x", "1.5", "~", "- x"] {
        let out = edit(text, |v| *ptr(v, "/a") = json!(s));
        assert_ne!(out, format!("a: {s}\n"));
    }
}

#[test]
fn non_ascii_and_block_scalar_at_eof() {
    let text = "a: \"héllo\"\nb: |\n  ünïcode\n  text";
    let out = edit(text, |v| *ptr(v, "/a") = json!("wörld"));
    assert_eq!(out, "a: \"wörld\"\nb: |\n  ünïcode\n  text");
    let out = edit(text, |v| *ptr(v, "/b") = json!("neu\nzeilen"));
    assert_eq!(out, "a: \"héllo\"\nb: |-\n  neu\n  zeilen");
}

#[test]
fn type_change_from_scalar_to_list() {
    let text = "workflow:\n  steps:\n    - name: a\n      prompt: \"just text\"\n";
    let out = edit(text, |v| *ptr(v, "/workflow/steps/0/prompt") = json!([{"type": "static", "content": "just text"}]));
    assert_eq!(
        out,
        "workflow:\n  steps:\n    - name: a\n      prompt:\n        - type: static\n          content: just text\n"
    );
}

#[test]
fn folded_and_indicator_block_scalars() {
    let text = "a: >\n  folded\n  text\nb: |2\n    indented first\n  rest\nc: |+\n  keep\n\nd: 1\n";
    // Untouched values stay as they are, whatever their header.
    assert_eq!(edit(text, |v| *ptr(v, "/d") = json!(2)), text.replace("d: 1", "d: 2"));
    // A changed folded scalar is written as a literal block (folding rules are not reproduced).
    let out = edit(text, |v| *ptr(v, "/a") = json!("new\ntext\n"));
    assert!(out.starts_with("a: |\n  new\n  text\nb: |2\n"), "{out}");
    // Keeping the indentation indicator lets the first line keep its leading spaces.
    let out = edit(text, |v| *ptr(v, "/b") = json!("  indented first\nchanged\n"));
    assert!(out.contains("b: |2\n    indented first\n  changed\n"), "{out}");
    // Keep chomping with trailing blank lines: rewritten safely (the re-parse check decides).
    let out = edit(text, |v| *ptr(v, "/c") = json!("kept\n\n"));
    assert!(out.contains("d: 1"), "{out}");
}

#[test]
fn comments_in_every_position_survive_edits_elsewhere() {
    let text = "\
# top
workflow: # after key
  # before name
  name: x # after value
  steps: # after steps key
    # before first item
    - # after dash
      name: a
      type: claude # after type
      prompt: [ {type: static, content: hi} ] # after flow
    # between items

    - name: b # b
      type: gemini
  # end of workflow
# end of file
";
    let out = edit(text, |v| *ptr(v, "/workflow/steps/1/type") = json!("claude"));
    assert_eq!(out, text.replace("      type: gemini", "      type: claude"));
    let out = edit(text, |v| *ptr(v, "/workflow/steps/0/prompt/0/content") = json!("bye"));
    assert!(out.contains("prompt: [{type: static, content: bye}] # after flow"), "{out}");
    assert_eq!(out.lines().filter(|l| l.contains('#')).count(), text.lines().filter(|l| l.contains('#')).count());
    let out = edit(text, |v| {
        ptr(v, "/workflow/steps").as_array_mut().expect("array").push(json!({"name": "c", "type": "claude"}));
    });
    assert!(
        out.contains("    - name: b # b\n      type: gemini\n\n    - name: c\n      type: claude\n  # end of workflow"),
        "{out}"
    );
}

#[test]
fn flow_style_steps_and_aliases() {
    let text = "workflow:\n  defaults: &d {model: x}\n  steps: [{name: a, type: claude}, {name: b, type: gemini}]\n  other: *d\n";
    let out = edit(text, |v| *ptr(v, "/workflow/steps/1/name") = json!("c"));
    assert_eq!(out, text.replace("{name: b, type: gemini}", "{name: c, type: gemini}"));
    // Changing data reached through an alias rewrites the alias itself; the anchor stays.
    let out = edit(text, |v| *ptr(v, "/workflow/other/model") = json!("y"));
    assert!(out.contains("defaults: &d {model: x}") && out.contains("other:"), "{out}");
}

#[test]
fn empty_and_comment_only_documents() {
    assert_eq!(edit("", |v| *v = json!({"workflow": {"name": "x"}})), "workflow:\n  name: x\n");
    assert_eq!(edit("# c\n", |v| *v = json!({"a": 1})), "# c\na: 1\n");
    assert_eq!(edit("a: 1\n", |v| *v = json!([1, 2])), "- 1\n- 2\n");
}

#[test]
fn delete_last_and_first_items() {
    let text = "s:\n  - a # first\n\n  - b\n\n  - c # last\n";
    let out = edit(text, |v| {
        ptr(v, "/s").as_array_mut().expect("array").pop();
    });
    assert_eq!(out, "s:\n  - a # first\n\n  - b\n");
    let out = edit(text, |v| {
        ptr(v, "/s").as_array_mut().expect("array").remove(0);
    });
    assert_eq!(out, "s:\n  - b\n\n  - c # last\n");
}

/// The local check accepts only edits that write the intended data; anything else goes to the full check.
#[test]
fn local_verification_decides_like_a_full_parse() {
    use super::splice::Edit;
    use super::verify::local;
    let text = "workflow:\n  steps:\n    - name: a\n      type: claude\n    - name: b\n      type: gemini\n";
    let doc = Document::parse(text).expect("parses");
    let mut target = doc_to_json(&doc);
    target["workflow"]["steps"][1]["type"] = json!("claude");
    let at = text.find("gemini").expect("present");
    let edit = |t: &str| vec![Edit { range: at..at + "gemini".len(), text: t.to_string() }];
    assert_eq!(local(&doc, &edit("claude"), &target), Some(true));
    assert_eq!(local(&doc, &edit("\"claude\""), &target), Some(true));
    assert_eq!(local(&doc, &edit("clod"), &target), None);
    assert_eq!(local(&doc, &edit("[claude"), &target), None);
    assert_eq!(local(&doc, &edit("claude\n  name: x"), &target), None);
    // Edits spanning two items are not decided locally.
    let wide = vec![Edit { range: text.find("a\n").expect("a")..at, text: String::new() }];
    assert_eq!(local(&doc, &wide, &target), None);
    // Nor is anything in a file with anchors.
    let doc2 = Document::parse("a: &x 1\nb:\n  - c\n").expect("parses");
    let mut t2 = doc_to_json(&doc2);
    t2["b"][0] = json!("d");
    let at2 = doc2.text.rfind('c').expect("c");
    assert_eq!(local(&doc2, &[Edit { range: at2..at2 + 1, text: "d".into() }], &t2), None);
}

#[test]
fn local_verification_covers_a_block_scalar_edit_in_a_nested_item() {
    let text = "workflow:\n  steps:\n    - name: a\n      prompt:\n        - type: static\n          content: |\n            hello\n\n    - name: b\n";
    let doc = Document::parse(text).expect("parses");
    let mut v = doc_to_json(&doc);
    v["workflow"]["steps"][0]["prompt"][0]["content"] = json!("A new\nprompt\n");
    let house = super::House::detect(&doc);
    let clean = std::collections::HashSet::new();
    let edits = super::splice::Splicer { doc: &doc, house: &house, clean: &clean, blank_lines: false }
        .document(&v)
        .expect("edits");
    assert_eq!(super::verify::local(&doc, &edits, &v), Some(true));
}

/// Fuzz finding 3: a whitespace-only line after an item, deeper than its keys, must not become content of a
/// block scalar written just before it — and the local check must see that it would.
#[test]
fn whitespace_only_line_after_a_new_block_scalar() {
    let text = "- q: 1\n  r: null\n        \n- s: 2\n";
    let out = edit(text, |v| *ptr(v, "/0/r") = json!("x\n"));
    assert_eq!(out, "- q: 1\n  r: |\n    x\n\n- s: 2\n");
    // Without the writer's blanking, the local check must refuse to vouch for such text.
    use super::splice::Edit;
    let doc = Document::parse(text).expect("parses");
    let mut target = doc_to_json(&doc);
    target[0]["r"] = json!("x\n");
    let at = text.find("null").expect("null");
    let e = vec![Edit { range: at..at + 4, text: "|\n    x".into() }];
    assert_eq!(super::verify::local(&doc, &e, &target), None);
}

#[test]
fn document_markers_and_long_keys_are_written_safely() {
    assert_eq!(edit("a\n", |v| *v = json!("...")), "\"...\"\n");
    assert_eq!(edit("a: 1\n", |v| *ptr(v, "/a") = json!("--- x")), "a: \"--- x\"\n");
    let long = "k".repeat(1100);
    let out = edit("a: 1\n", |v| {
        v.as_object_mut().expect("obj").insert(long.clone(), json!(2));
    });
    assert!(out.contains(&format!("? {long}\n: 2")), "{out}");
}
