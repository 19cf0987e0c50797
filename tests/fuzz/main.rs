//! Time-bounded fuzzing of everything that parses what a stranger sends: each target replays
//! its committed corpus (`tests/fuzz/corpus/<target>/`), then generates and mutates inputs
//! until `NEWSDESK_FUZZ_SECONDS` (default 2) run out, checking its properties on every input.
//! A failing input is shrunk, saved under `target/fuzz-failures/<target>/` and reported.
//! See `docs/FUZZING.md`.

mod alloc;
mod driver;
mod safe_html;

#[macro_use]
#[allow(dead_code, unused_macros)]
#[path = "../site/support.rs"]
mod support;

mod comments;
mod cookies;
mod html;
mod markdown;
mod media;
mod search;
mod slug;
mod upload;
mod wxr;

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;
