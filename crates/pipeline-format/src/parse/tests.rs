use super::*;
use crate::node::{NodeKind, Style};
use crate::path::Path;

fn parse(s: &str) -> Document {
    match Document::parse(s) {
        Ok(d) => d,
        Err(e) => panic!("parse failed: {e}"),
    }
}

fn node<'a>(d: &'a Document, ptr: &str) -> &'a Node {
    let p = Path::from_pointer(ptr).expect("pointer");
    d.root.as_ref().and_then(|r| r.at(&p)).expect("node exists")
}

#[test]
fn core_schema_scalars() {
    let d = parse("a: 1\nb: -2.5\nc: true\nd: ~\ne:\nf: yes\ng: nil\nh: '1'\ni: 0x1F\nj: 1e3\nk: .inf\nl: 1_000\n");
    assert_eq!(node(&d, "/a").kind, NodeKind::Int(1));
    assert_eq!(node(&d, "/b").kind, NodeKind::Float(-2.5));
    assert_eq!(node(&d, "/c").kind, NodeKind::Bool(true));
    assert!(node(&d, "/d").is_null());
    assert!(node(&d, "/e").is_null());
    // YAML 1.2: yes/no are strings; `nil` is a string for yamerl too.
    assert_eq!(node(&d, "/f").as_str(), Some("yes"));
    assert_eq!(node(&d, "/g").as_str(), Some("nil"));
    assert_eq!(node(&d, "/h").as_str(), Some("1"));
    assert_eq!(node(&d, "/i").kind, NodeKind::Int(31));
    assert_eq!(node(&d, "/j").kind, NodeKind::Float(1000.0));
    assert_eq!(node(&d, "/k").kind, NodeKind::Float(f64::INFINITY));
    assert_eq!(node(&d, "/l").as_str(), Some("1_000"));
}

#[test]
fn spans_are_exact() {
    let text = "a: \"x\"\nb: |\n  hello\n  world\n\nc:\n  - é: 1\n    f: [1, 2]\n";
    let d = parse(text);
    assert_eq!(d.slice(node(&d, "/a").span), "\"x\"");
    let b = node(&d, "/b");
    assert_eq!(b.style, Style::Literal);
    assert_eq!(d.slice(b.span), "|\n  hello\n  world");
    let e = node(&d, "/c/0/é");
    assert_eq!((e.span.start.line, e.span.start.col), (7, 8));
    assert_eq!(d.slice(e.span), "1");
    let f = node(&d, "/c/0/f");
    assert_eq!(f.style, Style::Flow);
    assert_eq!(d.slice(f.span), "[1, 2]");
    let c = node(&d, "/c");
    assert_eq!(d.slice(c.span), "- é: 1\n    f: [1, 2]");
}

#[test]
fn duplicate_key_is_an_error_with_location() {
    let e = Document::parse("a: 1\nb:\n  x: 1\n  x: 2\n").expect_err("duplicate");
    assert_eq!(e.code, "duplicate-key");
    assert_eq!((e.line, e.col), (4, 3));
    assert!(e.message.contains("line 3"), "{}", e.message);
}

#[test]
fn syntax_error_is_located() {
    let e = Document::parse("a: 1\nb: \"unclosed\nc: 2\n").expect_err("syntax");
    assert_eq!(e.code, "yaml-syntax");
    assert!(e.line >= 2, "{e}");
}

#[test]
fn first_document_only_but_later_syntax_errors_count() {
    let d = parse("a: 1\n---\nb: 2\n");
    assert!(d.root.as_ref().and_then(|r| r.get("b")).is_none());
    assert!(Document::parse("a: 1\n---\nb: [\n").is_err());
}

#[test]
fn empty_document() {
    assert!(parse("").root.is_none());
    assert!(parse("# only a comment\n").root.is_none());
}

#[test]
fn crlf_and_no_final_newline() {
    let d = parse("a: 1\r\nb: |\r\n  x\r\n  y");
    assert_eq!(d.line_ending, LineEnding::CrLf);
    assert_eq!(node(&d, "/b").as_str(), Some("x\ny"));
    assert_eq!(d.slice(node(&d, "/b").span), "|\r\n  x\r\n  y");
}

#[test]
fn aliases_resolve() {
    let d = parse("a: &x {k: 1}\nb: *x\n");
    assert_eq!(node(&d, "/b/k").kind, NodeKind::Int(1));
    assert_eq!(node(&d, "/b").style, Style::Alias);
}

#[test]
fn deep_nesting_is_refused() {
    let text = "[".repeat(1000);
    let e = Document::parse(&text).expect_err("too deep");
    assert!(e.code == "too-deep" || e.code == "yaml-syntax");
}

/// Positions taken from saphyr's markers agree with positions computed from byte offsets.
#[test]
fn marker_positions_agree_with_line_index() {
    fn walk(d: &Document, n: &Node) {
        for p in [n.span.start, n.span.end] {
            assert_eq!(p, d.pos(p.byte), "node {:?}", d.slice(n.span));
        }
        match &n.kind {
            NodeKind::Seq(items) => items.iter().for_each(|i| walk(d, i)),
            NodeKind::Map(entries) => entries.iter().for_each(|e| {
                walk(d, &e.key);
                walk(d, &e.value);
            }),
            _ => {}
        }
    }
    for text in [
        "a: \"é\"   # c\nb: [1, 'ü']\nc:\n  - x: |\n      ñ\n    y: ~\n",
        "a: 1\r\nb:\r\n  - 'x'\r\n  - y: \"z\"\r\n",
        "k: 中文\n中: >-\n  text\n",
    ] {
        let d = parse(text);
        walk(&d, d.root.as_ref().expect("root"));
    }
}

#[test]
fn control_characters_are_refused_with_their_position() {
    let e = Document::parse("a: 1\nb: x\u{1f}y\n").expect_err("control character");
    assert_eq!((e.code, e.line, e.col), ("yaml-syntax", 2, 5));
    assert!(e.message.contains("U+001F"), "{}", e.message);
    // A byte order mark at the start, tabs and non-ASCII text are fine.
    assert!(Document::parse("\u{feff}a: \"tab\there é 中\"\n").is_ok());
}

#[test]
fn plain_ascii_check_agrees_with_a_byte_loop() {
    let ok = |b: u8| (0x20..0x7f).contains(&b) || b == b'\n' || b == b'\r' || b == b'\t';
    let base: Vec<u8> = (0..100u8).map(|i| b'a' + i % 26).collect();
    for len in 0..base.len() {
        assert!(super::is_plain_ascii(&base[..len]));
        for at in 0..len {
            for b in [0x00, b'\t', b'\n', 0x0b, b'\r', 0x1f, b' ', b'~', 0x7f, 0x80, 0xff] {
                let mut v = base[..len].to_vec();
                v[at] = b;
                assert_eq!(super::is_plain_ascii(&v), v.iter().all(|&c| ok(c)), "{v:?}");
            }
        }
    }
}
