//! Fuzz target: bytes → (if UTF-8) parse → validate at lint level (with and without test types) → write
//! back unchanged (must be byte-identical) → apply a small change derived from the input and check that
//! the writer's output re-parses to exactly the intended data. The check itself lives in
//! `crates/pipeline-format/tests/support/roundtrip_check.rs`, shared with the regression test that replays
//! `fuzz/regressions/` under `cargo test`.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/pipeline-format/tests/support/roundtrip_check.rs"]
mod roundtrip_check;

fuzz_target!(|data: &[u8]| {
    roundtrip_check::check(data);
});
