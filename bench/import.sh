#!/usr/bin/env bash
# Imports a generated WordPress export (bench/wxr_gen.py) into a fresh SQLite site, and into a
# fresh PostgreSQL database when NEWSDESK_BENCH_POSTGRES names a server (e.g.
# postgres://postgres@127.0.0.1:5432/postgres; a throwaway database newsdesk_bench_import is
# created and dropped), and prints posts per second and peak resident memory for each.
#
#   bash bench/import.sh                      # 100,000 posts, 500,000 comments
#   bash bench/import.sh --posts 10000 --comments 50000
set -euo pipefail
cd "$(dirname "$0")/.."

posts=100000
comments=500000
while [ $# -gt 0 ]; do
  case "$1" in
    --posts) posts=$2; shift 2 ;;
    --comments) comments=$2; shift 2 ;;
    *) echo "unknown option $1 (use --posts N --comments M)" >&2; exit 2 ;;
  esac
done

bin=${NEWSDESK_BIN:-target/release/newsdesk}
if [ -z "${NEWSDESK_BIN:-}" ]; then
  cargo build --release --locked --quiet
fi
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
file="$work/export.xml"
echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "commit:  $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (uncommitted changes)')"
echo "cpus:    $(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "binary:  $bin"
python3 bench/wxr_gen.py "$file" "$posts" "$comments"
echo "export:  $posts posts, $comments comments, $(du -h "$file" | cut -f1)"
echo

run() { # name, database args...
  local name=$1; shift
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$work/rss" "$bin" import wordpress "$file" "$@" >"$work/out" 2>"$work/err" \
    || { cat "$work/err" >&2; exit 1; }
  end=$(date +%s.%N)
  python3 - "$name" "$posts" "$start" "$end" "$(cat "$work/rss")" <<'PY'
import sys
name, posts, start, end, rss = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
secs = end - start
print(f"{name:<11} {secs:8.1f} s   {posts / secs:8.0f} posts/s   peak RSS {rss / 1024:6.1f} MB")
PY
}

run "SQLite" --data "$work/site"
if [ -n "${NEWSDESK_BENCH_POSTGRES:-}" ]; then
  admin=$NEWSDESK_BENCH_POSTGRES
  psql "$admin" -qc "DROP DATABASE IF EXISTS newsdesk_bench_import" -c "CREATE DATABASE newsdesk_bench_import"
  run "PostgreSQL" --database "${admin%/*}/newsdesk_bench_import"
  psql "$admin" -qc "DROP DATABASE newsdesk_bench_import"
fi
