#!/usr/bin/env bash
# The project's test command (README: "bash scripts/test.sh"). Runs, in order and stopping at the first
# failure: formatting, clippy with warnings as errors, the fuzz crate's type check, doctests, then every
# test with nextest. Needs only the Rust toolchain (rustfmt, clippy) and cargo-nextest.
#
# Environment: CI=true makes Cargo refuse to touch Cargo.lock (--locked), makes nextest run every test
# instead of stopping at the first failure (profile `ci` in .config/nextest.toml), and makes the corpus
# tests fail, not skip, when ../shared/corpus is missing.
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
