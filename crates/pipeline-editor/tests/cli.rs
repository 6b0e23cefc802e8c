//! End-to-end tests of the command line: each test runs the real built binary on small files written to a
//! temporary folder and checks exit status, stdout and stderr, as a user or a CI job would see them.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_pipeline-editor");

/// A minimal pipeline that both of pipeline_ex's validators accept.
const VALID: &str = "\
workflow:
  name: demo
  steps:
    - name: greet
      type: claude
      prompt:
        - type: static
          content: \"Hello\"
";

/// A pipeline the real loader rejects: a claude step without a prompt (line 4 is the step).
const MISSING_PROMPT: &str = "\
workflow:
  name: demo
  steps:
    - name: greet
      type: claude
";

/// Not YAML: an unclosed flow sequence.
const BROKEN: &str = "workflow:\n  name: [demo\n";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.args(args).current_dir(dir).env_remove("RUST_LOG");
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn pipeline-editor");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        pipe.write_all(input.as_bytes()).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait for pipeline-editor");
    Run {
        code: out.status.code().expect("exit code (not killed by a signal)"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

fn run(dir: &Path, args: &[&str]) -> Run {
    run_in(dir, args, None)
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        fs::create_dir_all(parent).expect("create folder");
    }
    fs::write(&p, text).expect("write file");
    p
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

// ---- validate: exit status and human output ----

#[test]
fn valid_file_exits_0_with_summary() {
    let d = tmp();
    write(d.path(), "ok.yaml", VALID);
    let r = run(d.path(), &["validate", "ok.yaml"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("ok: 1 file checked, no errors"), "{}", r.stdout);
}

#[test]
fn syntax_error_exits_1_with_location_source_line_and_caret() {
    let d = tmp();
    write(d.path(), "broken.yaml", BROKEN);
    let r = run(d.path(), &["validate", "broken.yaml"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("error[yaml-syntax]: "), "{}", r.stdout);
    let arrow = r.stdout.lines().find(|l| l.trim_start().starts_with("--> ")).expect("--> line");
    let loc = arrow.trim_start().trim_start_matches("--> ");
    let parts: Vec<&str> = loc.split(':').collect();
    assert_eq!(parts.len(), 3, "file:line:col in {arrow:?}");
    assert_eq!(parts[0], "broken.yaml");
    assert!(parts[1].parse::<usize>().is_ok() && parts[2].parse::<usize>().is_ok(), "{arrow:?}");
    assert!(r.stdout.lines().any(|l| l.trim_start().starts_with('|') && l.contains('^')), "{}", r.stdout);
    assert!(r.stdout.contains("error: 1 file has errors"), "{}", r.stdout);
}

#[test]
fn caret_sits_under_the_error_after_non_ascii_text() {
    let d = tmp();
    // The stray `]` comes after two-byte characters; the caret must count characters, not bytes.
    write(d.path(), "u.yaml", "workflow:\n  name: \"ünïcödé\" ]\n");
    let r = run(d.path(), &["validate", "u.yaml"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let lines: Vec<&str> = r.stdout.lines().collect();
    let src = lines.iter().position(|l| l.starts_with("2 | ")).expect("source line 2 shown");
    let caret = lines[src + 1];
    let caret_col = caret.chars().position(|c| c == '^').expect("caret");
    let bracket_col = lines[src].chars().position(|c| c == ']').expect("bracket");
    assert_eq!(caret_col, bracket_col, "\n{}\n{}", lines[src], caret);
}

#[test]
fn validation_error_exits_1_and_names_the_place() {
    let d = tmp();
    write(d.path(), "p.yaml", MISSING_PROMPT);
    let r = run(d.path(), &["validate", "--level", "pipeline_ex", "p.yaml"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("error["), "{}", r.stdout);
    assert!(r.stdout.contains("--> p.yaml:"), "{}", r.stdout);
    assert!(r.stdout.to_lowercase().contains("prompt"), "{}", r.stdout);
}

#[test]
fn stdin_is_read_for_dash() {
    let d = tmp();
    let r = run_in(d.path(), &["validate", "--format", "json", "-"], Some(BROKEN));
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(json(&r.stdout)[0]["file"], "<stdin>");
}

#[test]
fn usage_errors_exit_2() {
    let d = tmp();
    assert_eq!(run(d.path(), &["validate"]).code, 2);
    assert_eq!(run(d.path(), &["validate", "--level", "strict", "x.yaml"]).code, 2);
    assert_eq!(run(d.path(), &["validate", "--format", "xml", "x.yaml"]).code, 2);
    assert_eq!(run(d.path(), &["frobnicate"]).code, 2);
}

// ---- validate: machine formats ----

#[test]
fn json_has_one_object_per_file() {
    let d = tmp();
    write(d.path(), "ok.yaml", VALID);
    write(d.path(), "broken.yaml", BROKEN);
    let r = run(d.path(), &["validate", "--format", "json", "ok.yaml", "broken.yaml"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = json(&r.stdout);
    let files = v.as_array().expect("array");
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["file"], "ok.yaml");
    assert_eq!(files[0]["valid"], true);
    assert_eq!(files[0]["diagnostics"], Value::Array(vec![]));
    assert_eq!(files[1]["file"], "broken.yaml");
    assert_eq!(files[1]["valid"], false);
    let diag = &files[1]["diagnostics"][0];
    assert_eq!(diag["severity"], "error");
    assert_eq!(diag["code"], "yaml-syntax");
    assert!(diag["message"].as_str().is_some_and(|m| !m.is_empty()));
    for k in ["line", "column", "end_line", "end_column"] {
        assert!(diag[k].as_u64().is_some_and(|n| n >= 1), "{k} in {diag}");
    }
    assert!(diag["path"].is_string());
}

#[test]
fn sarif_has_the_required_fields() {
    let d = tmp();
    write(d.path(), "ok.yaml", VALID);
    write(d.path(), "broken.yaml", BROKEN);
    let r = run(d.path(), &["validate", "--format", "sarif", "ok.yaml", "broken.yaml"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = json(&r.stdout);
    assert!(v["$schema"].as_str().is_some_and(|s| s.contains("sarif")), "{v}");
    assert_eq!(v["version"], "2.1.0");
    let run0 = &v["runs"][0];
    let driver = &run0["tool"]["driver"];
    assert_eq!(driver["name"], "pipeline-editor");
    let rules = driver["rules"].as_array().expect("rules");
    assert!(rules.iter().any(|r| r["id"] == "yaml-syntax" && r["shortDescription"]["text"].is_string()));
    let results = run0["results"].as_array().expect("results");
    assert_eq!(results.len(), 1);
    let res = &results[0];
    assert_eq!(res["ruleId"], "yaml-syntax");
    assert_eq!(res["level"], "error");
    assert!(res["message"]["text"].is_string());
    let phys = &res["locations"][0]["physicalLocation"];
    assert_eq!(phys["artifactLocation"]["uri"], "broken.yaml");
    for k in ["startLine", "startColumn", "endLine", "endColumn"] {
        assert!(phys["region"][k].as_u64().is_some_and(|n| n >= 1), "{k} in {phys}");
    }
}

// ---- validate: folders ----

#[test]
fn folder_scan_skips_non_pipelines_with_a_note() {
    let d = tmp();
    write(d.path(), "p/ok.yaml", VALID);
    write(d.path(), "p/sub/also.yml", VALID);
    write(d.path(), "p/k8s.yaml", "apiVersion: v1\nkind: Pod\n");
    write(d.path(), "p/helm.yaml", "a: {{ .Values.x }\n");
    write(d.path(), "p/broken_pipeline.yaml", BROKEN);
    write(d.path(), "p/notes.txt", "workflow: not yaml-named\n");
    write(d.path(), "p/.hidden/ci.yaml", BROKEN);
    let r = run(d.path(), &["validate", "--format", "json", "p"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let v = json(&r.stdout);
    let mut files: Vec<String> =
        v.as_array().expect("array").iter().map(|f| f["file"].as_str().expect("file").replace('\\', "/")).collect();
    files.sort();
    assert_eq!(files, ["p/broken_pipeline.yaml", "p/ok.yaml", "p/sub/also.yml"]);
    assert!(r.stderr.contains("note: skipped p/k8s.yaml"), "{}", r.stderr);
    assert!(r.stderr.contains("note: skipped p/helm.yaml"), "{}", r.stderr);
}

#[test]
fn named_files_are_always_checked() {
    let d = tmp();
    write(d.path(), "k8s.yaml", "apiVersion: v1\n");
    let r = run(d.path(), &["validate", "--format", "json", "k8s.yaml"]);
    let v = json(&r.stdout);
    assert_eq!(v[0]["file"], "k8s.yaml");
    assert!(!r.stderr.contains("skipped"), "{}", r.stderr);
}

// ---- validate: files that cannot be read as text ----

#[test]
fn missing_file_exits_2_and_is_named() {
    let d = tmp();
    write(d.path(), "ok.yaml", VALID);
    let r = run(d.path(), &["validate", "ok.yaml", "missing.yaml"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("missing.yaml") && r.stdout.contains("no such file"), "{}", r.stdout);
    let r = run(d.path(), &["validate", "--format", "json", "missing.yaml"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cannot read missing.yaml"), "{}", r.stderr);
    assert_eq!(json(&r.stdout)[0]["valid"], false);
}

#[test]
fn binary_and_non_utf8_files_exit_2_with_location() {
    let d = tmp();
    fs::write(d.path().join("bin.yaml"), b"workflow:\n  x: \x00\x01\n").expect("write");
    fs::write(d.path().join("latin1.yaml"), b"workflow:\n  name: caf\xe9\n").expect("write");
    let r = run(d.path(), &["validate", "bin.yaml"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stdout.contains("bin.yaml:2:6") && r.stdout.contains("NUL"), "{}", r.stdout);
    let r = run(d.path(), &["validate", "latin1.yaml"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stdout.contains("latin1.yaml:2:12") && r.stdout.contains("UTF-8"), "{}", r.stdout);
}

#[test]
fn oversized_file_is_refused_before_reading() {
    let d = tmp();
    let f = fs::File::create(d.path().join("big.yaml")).expect("create");
    // Sparse: takes no disk space, and would take a while to read if the size were not checked first.
    f.set_len(16 * 1024 * 1024 + 1).expect("set_len");
    let r = run(d.path(), &["validate", "big.yaml"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stdout.contains("big.yaml") && r.stdout.contains("16 MiB"), "{}", r.stdout);
}

#[test]
fn a_folder_named_as_a_file_in_patch_is_an_io_error() {
    let d = tmp();
    write(d.path(), "p.json", "[]");
    fs::create_dir(d.path().join("dir.yaml")).expect("mkdir");
    let r = run(d.path(), &["patch", "dir.yaml", "p.json"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("dir.yaml"), "{}", r.stderr);
}

// ---- schema ----

#[test]
fn schema_is_json_schema_2020_12() {
    let d = tmp();
    let r = run(d.path(), &["schema"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = json(&r.stdout);
    assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
}

// ---- patch ----

#[test]
fn empty_patch_prints_the_file_byte_identical() {
    let d = tmp();
    // Comments, CRLF line ends, odd quoting, non-ASCII text and no final newline must all survive.
    let text = "# top comment\r\nworkflow:\r\n  name: 'démo'   # trailing\r\n  steps:\r\n    - {name: a, type: claude, prompt: [{type: static, content: \"x\"}]}";
    write(d.path(), "p.yaml", text);
    write(d.path(), "empty.json", "[]");
    let r = run(d.path(), &["patch", "p.yaml", "empty.json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, text);
}

#[test]
fn empty_patch_in_place_leaves_the_file_alone() {
    let d = tmp();
    let p = write(d.path(), "p.yaml", VALID);
    write(d.path(), "empty.json", "[]");
    let r = run(d.path(), &["patch", "p.yaml", "empty.json", "--in-place"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    assert_eq!(fs::read_to_string(p).expect("read"), VALID);
}

#[test]
fn patch_that_cannot_apply_exits_1_with_operation_index() {
    let d = tmp();
    write(d.path(), "p.yaml", VALID);
    write(
        d.path(),
        "bad.json",
        r#"[{"op": "test", "path": "/workflow/name", "value": "demo"},
            {"op": "remove", "path": "/workflow/no_such_key"}]"#,
    );
    let r = run(d.path(), &["patch", "p.yaml", "bad.json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("operation 1"), "{}", r.stderr);
    assert!(r.stderr.contains("/workflow/no_such_key"), "{}", r.stderr);
    assert_eq!(r.stdout, "");
}

#[test]
fn invalid_patch_json_exits_1_with_its_location() {
    let d = tmp();
    write(d.path(), "p.yaml", VALID);
    write(d.path(), "bad.json", "[{\"op\": \"frob\", \"path\": \"/a\"}]");
    let r = run(d.path(), &["patch", "p.yaml", "bad.json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("bad.json:1:"), "{}", r.stderr);
}

#[test]
fn patching_an_unparseable_file_exits_1_with_file_line_col() {
    let d = tmp();
    write(d.path(), "broken.yaml", BROKEN);
    write(d.path(), "empty.json", "[]");
    let r = run(d.path(), &["patch", "broken.yaml", "empty.json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("--> broken.yaml:"), "{}", r.stderr);
    assert!(r.stderr.contains('^'), "{}", r.stderr);
}

#[test]
fn missing_patch_file_exits_2() {
    let d = tmp();
    write(d.path(), "p.yaml", VALID);
    let r = run(d.path(), &["patch", "p.yaml", "nope.json"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("nope.json"), "{}", r.stderr);
}

#[test]
fn patch_in_place_rewrites_atomically_and_keeps_permissions() {
    let d = tmp();
    let p = write(d.path(), "p.yaml", VALID);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).expect("chmod");
    }
    write(d.path(), "rename.json", r#"[{"op": "replace", "path": "/workflow/name", "value": "renamed"}]"#);
    let r = run(d.path(), &["patch", "p.yaml", "rename.json", "--in-place"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    let new = fs::read_to_string(&p).expect("read");
    assert_eq!(new, VALID.replace("name: demo", "name: renamed"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&p).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }
    let leftovers: Vec<_> = fs::read_dir(d.path())
        .expect("ls")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

// ---- the real corpus ----

/// The corpus folder beside the checkout, or `None` (after saying so) when it is absent outside CI.
fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/pipeline_ex");
    if dir.join("EXPECTED.tsv").is_file() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("corpus not found at {} (CI=true: the corpus is required)", dir.display());
    }
    eprintln!("SKIPPED: corpus not found at {}; the corpus CLI test did not run", dir.display());
    None
}

/// Validates the whole corpus folder and compares each file's verdict with the real loader's
/// (EXPECTED.tsv column 2 for the normal environment, column 3 with `--allow-test-types`). Files the folder
/// scan skips as non-pipelines must be ones the loader rejects, and are then checked by name.
#[test]
fn corpus_verdicts_match_pipeline_ex() {
    let Some(dir) = corpus_dir() else { return };
    let tsv = fs::read_to_string(dir.join("EXPECTED.tsv")).expect("read EXPECTED.tsv");
    let rows: Vec<Vec<&str>> =
        tsv.lines().skip(1).filter(|l| !l.trim().is_empty()).map(|l| l.split('\t').collect()).collect();
    let dir_arg = dir.to_string_lossy().into_owned();
    let mut mismatches = Vec::new();
    for (column, extra) in [(1, None), (2, Some("--allow-test-types"))] {
        let mut args = vec!["validate", "--level", "pipeline_ex", "--format", "json"];
        args.extend(extra);
        args.push(&dir_arg);
        let r = run(&dir, &args);
        assert!(r.code == 0 || r.code == 1, "exit {}: {}", r.code, r.stderr);
        let v = json(&r.stdout);
        let mut skipped = Vec::new();
        for row in &rows {
            let (rel, expected_ok) = (row[0], row[column] == "OK");
            let found = v
                .as_array()
                .expect("array")
                .iter()
                .find(|f| f["file"].as_str().is_some_and(|p| p.replace('\\', "/").ends_with(&format!("/{rel}"))));
            match found {
                Some(f) if f["valid"] == expected_ok => {}
                Some(f) => mismatches.push(format!(
                    "{rel} ({}): valid={} but pipeline_ex says {}; diagnostics: {}",
                    extra.unwrap_or("normal"),
                    f["valid"],
                    row[column],
                    f["diagnostics"]
                )),
                None => {
                    assert!(r.stderr.contains(rel), "{rel} neither reported nor noted as skipped:\n{}", r.stderr);
                    assert!(!expected_ok, "{rel} was skipped but pipeline_ex accepts it");
                    skipped.push(dir.join(rel).to_string_lossy().into_owned());
                }
            }
        }
        if !skipped.is_empty() {
            let mut args = vec!["validate", "--level", "pipeline_ex", "--format", "json"];
            args.extend(extra);
            args.extend(skipped.iter().map(String::as_str));
            let r = run(&dir, &args);
            for f in json(&r.stdout).as_array().expect("array") {
                if f["valid"] != false {
                    mismatches.push(format!("{} named explicitly: valid but pipeline_ex rejects it", f["file"]));
                }
            }
        }
    }
    assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
}
