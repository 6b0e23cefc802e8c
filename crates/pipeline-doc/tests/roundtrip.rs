//! Import → export over the whole corpus is byte-identical, and the model equals the parsed data.

use pipeline_doc::PipelineDoc;
use pipeline_format::Document;
use pipeline_format::value::doc_to_json;

fn corpus() -> Option<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/pipeline_ex");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(std::env::var("CI").map_or(true, |v| v != "true"), "corpus missing at {} with CI=true", dir.display());
    eprintln!("SKIPPED: corpus not found at {}", dir.display());
    None
}

fn yaml_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
}

#[test]
fn corpus_imports_and_exports_byte_identical() {
    let Some(dir) = corpus() else { return };
    let mut files = Vec::new();
    yaml_files(&dir, &mut files);
    assert!(files.len() >= 30);
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read");
        let doc = PipelineDoc::from_yaml(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let parsed = doc_to_json(&Document::parse(&text).expect("parses"));
        assert_eq!(doc.model(), parsed, "{}: model differs", f.display());
        assert_eq!(doc.export_yaml().expect("export"), text, "{}: export differs", f.display());
        // Through bytes, on another replica.
        let other = PipelineDoc::from_bytes(&doc.export_snapshot().expect("snapshot")).expect("import");
        assert_eq!(other.export_yaml().expect("export"), text, "{}: replica export differs", f.display());
    }
}

#[test]
fn non_yaml_is_refused_and_nothing_changes() {
    let doc = PipelineDoc::from_yaml("workflow:\n  name: a\n  steps: []\n").expect("import");
    let before = doc.export_yaml().expect("export");
    assert!(doc.replace_text("workflow: [unclosed\n").is_err());
    assert_eq!(doc.export_yaml().expect("export"), before);
}

#[test]
fn invalid_pipelines_round_trip_too() {
    for text in [
        "",
        "- a\n- b\n",
        "just text\n",
        "workflow:\n  steps: {a: 1}\n",
        "workflow:\n  steps:\n    - plain\n    - {name: x}\n",
    ] {
        let doc = PipelineDoc::from_yaml(text).expect("import");
        assert_eq!(doc.export_yaml().expect("export"), text, "{text:?}");
    }
}
