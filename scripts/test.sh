#!/usr/bin/env bash
# The project's test command (README: "bash scripts/test.sh"). Runs, in order and stopping at the first
# failure: formatting, clippy with warnings as errors, the fuzz crate's type check, doctests, every Rust
# test with nextest, then the web app's type check and its browser tests (Playwright + Debian's Chromium
# against the binary nextest just built). Needs the Rust toolchain (rustfmt, clippy), cargo-nextest,
# Node.js 20+ with npm, and chromium (CHROMIUM_PATH, default /usr/bin/chromium).
#
# Environment: CI=true makes Cargo refuse to touch Cargo.lock (--locked), makes nextest run every test
# instead of stopping at the first failure (profile `ci` in .config/nextest.toml), and makes the corpus
# tests fail, not skip, when ../shared/corpus is missing, and the browser tests fail, not skip, without
# Chromium.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

locked=()
profile=(--profile default)
if [[ "${CI:-}" == "true" ]]; then
    locked=(--locked)
    profile=(--profile ci)
fi

bold='' red='' plain=''
if [[ -t 1 ]]; then
    bold=$'\033[1m' red=$'\033[1;31m' plain=$'\033[0m'
fi
step() {
    printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"
}
fail() {
    printf '\n%sFAILED: %s%s\n' "$red" "$*" "$plain" >&2
    exit 1
}

step "format (cargo fmt --check)"
cargo fmt --all -- --check || fail "formatting; run 'cargo fmt --all' and commit the result"

step "lints (cargo clippy -D warnings)"
cargo clippy "${locked[@]}" --workspace --all-targets -- -D warnings || fail "clippy"

# The fuzz crate is excluded from the workspace (it runs on nightly with sanitizers), but it must keep
# compiling: `cargo check` works on stable (libfuzzer-sys's C++ part builds with the system compiler).
# Not --locked: fuzz/Cargo.lock follows pipeline-format's dependencies and may lag behind them.
if [[ -f fuzz/Cargo.toml ]]; then
    step "fuzz crate type-checks (cargo check --manifest-path fuzz/Cargo.toml)"
    cargo check --manifest-path fuzz/Cargo.toml --all-targets || fail "fuzz crate does not compile"
fi

# Doctests: only when some library doc comment has a code block that rustdoc would run.
if grep -rqE '^\s*//[/!] ```(rust|no_run|should_panic)?\s*$' crates/*/src 2>/dev/null; then
    step "doctests (cargo test --doc)"
    cargo test "${locked[@]}" --workspace --doc || fail "doctests"
fi

step "tests (cargo nextest run)"
cargo nextest run "${locked[@]}" "${profile[@]}" --workspace --all-targets || fail "tests"

step "web app type check (tsc)"
(cd web && npx tsc -p tsconfig.json --noEmit) || fail "TypeScript errors in web/"

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [[ ! -x "$chromium" ]]; then
    if [[ "${CI:-}" == "true" ]]; then
        fail "no Chromium at $chromium (apt-get install chromium)"
    fi
    printf '\n%sSKIPPED: browser tests (no Chromium at %s; apt-get install chromium)%s\n' "$red" "$chromium" "$plain"
    exit 0
fi
step "browser tests (Playwright, Chromium, the debug binary)"
cargo build "${locked[@]}" -p pipeline-editor || fail "building the binary for the browser tests"
(cd web && PIPELINE_EDITOR_BIN="$PWD/../target/debug/pipeline-editor" CHROMIUM_PATH="$chromium" npx playwright test) || fail "browser tests"
