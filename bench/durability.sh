#!/usr/bin/env bash
# What `synchronous=FULL` (the default) costs against `synchronous=NORMAL` for saves: 500
# comments inserted one transaction each (as the site saves them: BEGIN IMMEDIATE, INSERT,
# COMMIT) into a real Newsdesk schema in WAL mode, on the disk the data folder is on, timed
# for each setting and printed side by side.
#
#   bash bench/durability.sh                 # in a temporary folder under ./target
#   BENCH_DIR=/var/lib/newsdesk-bench bash bench/durability.sh   # on the disk you will use
#   N=2000 bash bench/durability.sh
#
# Needs python3 (its sqlite3 module) and a newsdesk binary (NEWSDESK_BIN, default: built with
# cargo build --release).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-500}"
BIN="${NEWSDESK_BIN:-}"
if [[ -z "$BIN" ]]; then
  cargo build --release --locked --quiet
  BIN=target/release/newsdesk
fi
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 1; }
mkdir -p "${BENCH_DIR:-target}"
DIR="$(mktemp -d -p "${BENCH_DIR:-target}" durability.XXXXXX)"
trap 'rm -rf "$DIR"' EXIT

echo "date:   $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "disk:   $(df -P "$DIR" | awk 'NR==2 {print $1}') ($DIR)"
echo "saves:  $N comments, one transaction each"
"$BIN" seed --data "$DIR" --articles 1 >/dev/null

python3 - "$DIR/newsdesk.db" "$N" <<'PY'
import sqlite3, sys, time
path, n = sys.argv[1], int(sys.argv[2])
results = {}
for mode in ("NORMAL", "FULL"):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={mode}")
    db.execute("PRAGMA foreign_keys=ON")
    article = db.execute("SELECT id FROM articles LIMIT 1").fetchone()[0]
    start = time.perf_counter()
    for i in range(n):
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            "INSERT INTO comments (article_id, author_name, author_email, body, created_at) "
            "VALUES (?, 'Bench', 'bench@example.org', ?, '2026-01-01T00:00:00Z')",
            (article, f"Comment {mode} {i}: a sentence of ordinary length for a reader's reply."),
        )
        db.execute("COMMIT")
    results[mode] = time.perf_counter() - start
    db.close()
print()
print(f"{'synchronous':<12} {'total':>10} {'per save':>10} {'saves/s':>9}")
for mode, secs in results.items():
    print(f"{mode.lower():<12} {secs*1000:>8.0f} ms {secs*1000/n:>7.2f} ms {n/secs:>9.0f}")
print(f"\nfull costs {results['FULL']/results['NORMAL']:.1f}x normal "
      f"(+{(results['FULL']-results['NORMAL'])*1000/n:.2f} ms per save)")
PY
