//! The driver every target shares: replay the committed corpus, then generate (proptest
//! strategies) and mutate (byte-level changes to the seeds) inputs until the time budget runs
//! out; a failing input is shrunk, saved and reported.

use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};

/// The time each target generates inputs for, after its corpus: `NEWSDESK_FUZZ_SECONDS`
/// (CI sets 30), 2 seconds by default so a plain `cargo test` stays quick.
pub fn budget() -> Duration {
    let secs = std::env::var("NEWSDESK_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(2.0);
    Duration::from_secs_f64(secs)
}

/// The committed seeds of a target, by file name, in name order.
pub fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz/corpus")
        .join(target);
    let mut seeds: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read the corpus {}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("corpus entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).expect("corpus file"))
        })
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "the corpus {} is empty", dir.display());
    seeds
}

/// One target: its name (the corpus folder), seeds made at run time besides the committed
/// ones, tokens the mutator inserts, and the strategy that generates new inputs.
pub struct Target<S> {
    pub name: &'static str,
    pub extra_seeds: Vec<Vec<u8>>,
    pub tokens: &'static [&'static str],
    pub generate: S,
}

/// What a run did.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub seeds: usize,
    pub cases: u64,
}

impl<S: Strategy<Value = Vec<u8>>> Target<S> {
    /// Runs the target: panics with the (shrunk, saved) input that breaks `check`.
    pub fn run(self, check: impl Fn(&[u8]) -> Result<(), String>) -> Stats {
        let started = Instant::now();
        let committed = corpus(self.name);
        for (file, bytes) in &committed {
            if let Err(e) = attempt(&check, bytes) {
                fail(
                    self.name,
                    &format!("on corpus file {file}"),
                    bytes,
                    &e,
                    &check,
                );
            }
        }
        for bytes in &self.extra_seeds {
            if let Err(e) = attempt(&check, bytes) {
                fail(self.name, "on a built-in seed", bytes, &e, &check);
            }
        }
        let seeds: Vec<Vec<u8>> = committed
            .into_iter()
            .map(|(_, b)| b)
            .chain(self.extra_seeds)
            .collect();
        let deadline = Instant::now() + budget();
        let mut runner = TestRunner::new(Config::default());
        let mut cases = 0u64;
        while Instant::now() < deadline {
            let input = if runner.rng().random_bool(0.5) {
                self.generate
                    .new_tree(&mut runner)
                    .expect("the strategy generates")
                    .current()
            } else {
                mutate(&mut runner, &seeds, self.tokens)
            };
            cases += 1;
            if let Err(e) = attempt(&check, &input) {
                fail(self.name, "on a generated input", &input, &e, &check);
            }
        }
        let stats = Stats {
            seeds: seeds.len(),
            cases,
        };
        // Past libtest's capture, so the figures show in CI logs.
        let _ = writeln!(
            std::io::stderr(),
            "fuzz {}: {} seeds replayed, {} generated cases, 0 failures, {:.1} s",
            self.name,
            stats.seeds,
            stats.cases,
            started.elapsed().as_secs_f64()
        );
        stats
    }
}

/// Runs `check` on `input`, a panic counting as a failure.
pub fn attempt(check: &impl Fn(&[u8]) -> Result<(), String>, input: &[u8]) -> Result<(), String> {
    match catch_unwind(AssertUnwindSafe(|| check(input))) {
        Ok(result) => result,
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)");
            Err(format!("panicked: {message}"))
        }
    }
}

fn fail(
    target: &str,
    origin: &str,
    input: &[u8],
    error: &str,
    check: &impl Fn(&[u8]) -> Result<(), String>,
) -> ! {
    let small = shrink(check, input);
    let saved = save(target, &small);
    let preview: String = String::from_utf8_lossy(&small).chars().take(600).collect();
    panic!(
        "fuzz target `{target}` failed {origin}: {error}\n\
         shrunk input ({} bytes, from {}) saved to {}\n\
         preview: {preview:?}\n\
         once fixed, copy it into tests/fuzz/corpus/{target}/ (see docs/FUZZING.md)",
        small.len(),
        input.len(),
        saved.display()
    );
}

/// Removes chunks of a failing input while it still fails, within a bounded number of tries.
fn shrink(check: &impl Fn(&[u8]) -> Result<(), String>, input: &[u8]) -> Vec<u8> {
    const TRIES: u32 = 400;
    let mut best = input.to_vec();
    let mut chunk = (best.len() / 2).max(1);
    let mut tries = 0;
    while tries < TRIES && !best.is_empty() {
        let mut i = 0;
        let mut progressed = false;
        while i < best.len() && tries < TRIES {
            let mut candidate = best.clone();
            candidate.drain(i..(i + chunk).min(best.len()));
            tries += 1;
            if attempt(check, &candidate).is_err() {
                best = candidate;
                progressed = true;
            } else {
                i += chunk;
            }
        }
        if !progressed {
            if chunk == 1 {
                break;
            }
            chunk /= 2;
        }
    }
    best
}

/// Saves a failing input as `target/fuzz-failures/<target>/<sha256 prefix>`.
fn save(target: &str, input: &[u8]) -> PathBuf {
    use sha2::{Digest, Sha256};
    let base = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = base.join("fuzz-failures").join(target);
    let hash = Sha256::digest(input);
    let name: String = hash[..8].iter().map(|b| format!("{b:02x}")).collect();
    let path = dir.join(name);
    if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, input)) {
        let _ = writeln!(std::io::stderr(), "cannot save {}: {e}", path.display());
    }
    path
}

/// The largest input the mutator makes.
const MAX_MUTATED: usize = 256 * 1024;

/// A seed changed by one to eight byte-level edits: flipped bits, random bytes inserted or
/// overwritten, ranges deleted or repeated, a token inserted, another seed spliced in, a cut.
fn mutate(runner: &mut TestRunner, seeds: &[Vec<u8>], tokens: &[&str]) -> Vec<u8> {
    let rng = runner.rng();
    let mut data = seeds[rng.random_range(0..seeds.len())].clone();
    for _ in 0..rng.random_range(1..=8) {
        let len = data.len();
        let at = rng.random_range(0..=len);
        match rng.random_range(0..8) {
            0 if at < len => data[at] ^= 1 << rng.random_range(0..8),
            1 if at < len => data[at] = rng.random(),
            2 => data.insert(at, rng.random()),
            3 if at < len => {
                let end = (at + rng.random_range(1..=32)).min(len);
                data.drain(at..end);
            }
            4 if at < len => {
                let end = (at + rng.random_range(1..=64)).min(len);
                let copy = data[at..end].to_vec();
                let times = rng.random_range(1..=8);
                for _ in 0..times {
                    data.splice(at..at, copy.iter().copied());
                }
            }
            5 if !tokens.is_empty() => {
                let token = tokens[rng.random_range(0..tokens.len())];
                data.splice(at..at, token.bytes());
            }
            6 => {
                let other = &seeds[rng.random_range(0..seeds.len())];
                let from = rng.random_range(0..=other.len());
                data.truncate(at);
                data.extend_from_slice(&other[from..]);
            }
            7 => data.truncate(at),
            _ => {}
        }
        data.truncate(MAX_MUTATED);
    }
    data
}

/// Text made of `tokens` (mostly), arbitrary Unicode, printable ASCII and control characters.
pub fn soup(tokens: &'static [&'static str], max_parts: usize) -> BoxedStrategy<String> {
    prop::collection::vec(
        prop_oneof![
            6 => prop::sample::select(tokens).prop_map(str::to_owned),
            2 => "[ -~]{0,12}",
            1 => any::<String>(),
            1 => prop::char::range('\0', '\u{1f}').prop_map(String::from),
            1 => prop::sample::select(&[" ", "\n", "\r\n", "\n\n", "\t", "\u{a0}", "\u{2028}"][..])
                .prop_map(str::to_owned),
        ],
        0..max_parts,
    )
    .prop_map(|parts| parts.concat())
    .boxed()
}

/// [`soup`] as bytes, for targets that read bytes.
pub fn soup_bytes(tokens: &'static [&'static str], max_parts: usize) -> BoxedStrategy<Vec<u8>> {
    soup(tokens, max_parts).prop_map(String::into_bytes).boxed()
}
