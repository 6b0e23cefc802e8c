//! Builds the browser app (`web/`) with Vite and writes `assets.rs`, which embeds every built file.
//!
//! The build is cached by a hash of its inputs under `<target>/web-build/<hash>/`, so check, test and release
//! builds share one Vite run, and an unchanged app is never rebuilt. `npm ci` runs when `web/node_modules` is
//! missing or older than `package-lock.json`. Without Node.js the crate embeds a page saying what is missing
//! (and `BUILT` is false) instead of failing, so the Rust side still builds.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const INPUTS: &[&str] =
    &["src", "public", "index.html", "package.json", "package-lock.json", "vite.config.ts", "tsconfig.json"];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let web = manifest.join("../../web");
    for input in INPUTS {
        println!("cargo:rerun-if-changed={}", web.join(input).display());
    }
    println!("cargo:rerun-if-env-changed=PIPELINE_WEB_SKIP_BUILD");
    println!("cargo:rerun-if-env-changed=PIPELINE_WEB_MINIFY");

    let skip = std::env::var_os("PIPELINE_WEB_SKIP_BUILD").is_some_and(|v| !v.is_empty() && v != "0");
    let built = if skip {
        println!("cargo:warning=PIPELINE_WEB_SKIP_BUILD is set: the web app is not embedded");
        None
    } else if !has_node() {
        println!("cargo:warning=Node.js and npm were not found: the web app is not embedded (install Node.js 20+)");
        None
    } else {
        Some(build(&web, &out))
    };

    let mut rs = String::new();
    match &built {
        Some(dir) => {
            let mut files = Vec::new();
            walk(dir, dir, &mut files);
            files.sort();
            rs.push_str("pub const BUILT: bool = true;\npub static FILES: &[(&str, &[u8])] = &[\n");
            for (rel, abs) in files {
                let _ = writeln!(rs, "    ({rel:?}, include_bytes!({:?})),", abs.display().to_string());
            }
            rs.push_str("];\n");
        }
        None => {
            let page = out.join("placeholder.html");
            fs::write(
                &page,
                "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Pipeline Editor</title></head>\
                 <body><div id=\"root\"><h1>Pipeline Editor</h1><p>This binary was built without its web app \
                 (Node.js 20+ and npm were not available at build time). The HTTP API at /api works; rebuild \
                 with Node.js installed for the editor.</p></div></body></html>\n",
            )
            .expect("write placeholder page");
            let _ = writeln!(
                rs,
                "pub const BUILT: bool = false;\npub static FILES: &[(&str, &[u8])] = &[(\"index.html\", include_bytes!({:?}))];",
                page.display().to_string()
            );
        }
    }
    fs::write(out.join("assets.rs"), rs).expect("write assets.rs");
}

fn has_node() -> bool {
    let ok = |cmd: &str| Command::new(cmd).arg("--version").output().is_ok_and(|o| o.status.success());
    ok("node") && ok("npm")
}

/// Runs the Vite build (or reuses a cached one) and returns the folder holding the built app.
fn build(web: &Path, out: &Path) -> PathBuf {
    let hash = inputs_hash(web);
    // OUT_DIR is <target>/<profile>/build/<crate>-<hash>/out.
    let target = out.ancestors().nth(4).map(Path::to_path_buf).unwrap_or_else(|| out.to_path_buf());
    let cache = target.join("web-build");
    // A build for profiles (PIPELINE_WEB_MINIFY=0, web/vite.config.ts) is cached apart from the shipped one.
    let unminified = std::env::var_os("PIPELINE_WEB_MINIFY").is_some_and(|v| v == "0");
    let dir = cache.join(format!("{hash:016x}{}", if unminified { "-unminified" } else { "" }));
    if dir.join("index.html").is_file() {
        return dir;
    }
    ensure_node_modules(web);
    let tmp = cache.join(format!("tmp-{hash:016x}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&tmp);
    let status = Command::new("node")
        .arg("node_modules/vite/bin/vite.js")
        .arg("build")
        .arg("--logLevel")
        .arg("warn")
        .env("PIPELINE_WEB_OUT", &tmp)
        .current_dir(web)
        .status()
        .expect("run node (vite build)");
    assert!(status.success(), "the web app's build failed (cd web && npx vite build shows why)");
    let _ = fs::remove_dir_all(&dir);
    fs::rename(&tmp, &dir).expect("move the built web app into the cache");
    // Keep only a few builds around.
    if let Ok(entries) = fs::read_dir(&cache) {
        let mut old: Vec<(std::time::SystemTime, PathBuf)> = entries
            .flatten()
            .filter(|e| e.path() != dir)
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        old.sort();
        let excess = old.len().saturating_sub(4);
        for (_, p) in old.into_iter().take(excess) {
            let _ = fs::remove_dir_all(p);
        }
    }
    dir
}

fn ensure_node_modules(web: &Path) {
    let stamp = web.join("node_modules/.package-lock.json");
    let lock = web.join("package-lock.json");
    let mtime = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
    let fresh = matches!((mtime(&stamp), mtime(&lock)), (Some(s), Some(l)) if s >= l);
    if fresh {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel", "error"])
        .current_dir(web)
        .status()
        .expect("run npm ci");
    assert!(status.success(), "npm ci failed in web/");
}

/// FNV-1a over every input file's path and bytes, in a fixed order.
fn inputs_hash(web: &Path) -> u64 {
    let mut files = Vec::new();
    for input in INPUTS {
        let p = web.join(input);
        if p.is_dir() {
            walk(web, &p, &mut files);
        } else if p.is_file() {
            files.push((input.to_string(), p));
        }
    }
    files.sort();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for (rel, abs) in files {
        eat(rel.as_bytes());
        eat(&[0]);
        eat(&fs::read(&abs).unwrap_or_default());
        eat(&[0]);
    }
    h
}

/// Every file under `dir`, as (path relative to `root` with `/`, absolute path).
fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(root, &p, out);
        } else if let Ok(rel) = p.strip_prefix(root) {
            let rel = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            out.push((rel, p));
        }
    }
}
