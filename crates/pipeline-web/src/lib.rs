//! The browser app's static files: `web/` built by Vite in this crate's build script (`build.rs`) and
//! embedded, so the binary serves the editor with no files beside it. `PIPELINE_EDITOR_WEB_DIR` (a folder
//! with a built app, e.g. `web/dist` from `npm run build`) replaces the embedded files at run time, for
//! working on the web app without rebuilding the binary.

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/assets.rs"));
}

use std::borrow::Cow;
use std::path::PathBuf;

/// One file of the app.
#[derive(Debug, Clone)]
pub struct Asset {
    pub bytes: Cow<'static, [u8]>,
    pub content_type: &'static str,
    /// Content-addressed file (Vite's `assets/name-HASH.ext`): safe to cache forever.
    pub immutable: bool,
}

/// Whether the embedded app is the real build (false when the build script could not run Node.js and
/// embedded a page that says so).
pub const BUILT: bool = embedded::BUILT;

/// The file at `path` (`/index.html`, `/assets/index-ab12.js`), if the app has one.
pub fn get(path: &str) -> Option<Asset> {
    let rel = path.trim_start_matches('/');
    if rel.split('/').any(|seg| seg == ".." || seg.is_empty()) && !rel.is_empty() {
        return None;
    }
    let rel = if rel.is_empty() { "index.html" } else { rel };
    if let Some(dir) = override_dir() {
        let bytes = std::fs::read(dir.join(rel)).ok()?;
        return Some(asset(rel, Cow::Owned(bytes)));
    }
    embedded::FILES.iter().find(|(p, _)| *p == rel).map(|(p, b)| asset(p, Cow::Borrowed(*b)))
}

/// `index.html`: the answer to every path that is a page of the app rather than a file.
pub fn index() -> Option<Asset> {
    get("/index.html")
}

fn override_dir() -> Option<PathBuf> {
    std::env::var_os("PIPELINE_EDITOR_WEB_DIR").filter(|v| !v.is_empty()).map(PathBuf::from)
}

fn asset(rel: &str, bytes: Cow<'static, [u8]>) -> Asset {
    Asset { bytes, content_type: content_type(rel), immutable: rel.starts_with("assets/") }
}

pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "webmanifest" => "application/manifest+json",
        "txt" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_is_embedded_and_paths_cannot_escape() {
        let index = index().map(|a| a.bytes.into_owned()).unwrap_or_default();
        assert!(String::from_utf8_lossy(&index).contains("<div id=\"root\">") || !BUILT);
        assert!(get("/../Cargo.toml").is_none());
        assert!(get("/assets/../../etc/passwd").is_none());
        assert!(get("/no-such-file.js").is_none());
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("assets/a-1.wasm"), "application/wasm");
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("x"), "application/octet-stream");
    }
}
