#!/usr/bin/env bash
# Newsdesk discovery benchmark: how feeds and sitemaps hold up in a large archive.
# Seeds N synthetic stories (default 1,000,000) into a fresh SQLite data folder, serves them with
# the page cache off (every request does its full work), and measures:
#   - /sitemap.xml (the index; its story ranges are summed once and kept while nothing is
#     written, so wrk mostly measures the rest of it) and /feed/ with wrk;
#   - one full 50,000-address story sitemap file, downloaded whole with curl (time and size),
#     and the same file answered 304 to a crawler that already has it;
#   - the Google News sitemap.
#
# Usage: bash bench/discovery.sh [--articles N] [--duration SECONDS]
# Set NEWSDESK_BIN to an existing newsdesk binary to skip the release build; set
# NEWSDESK_BENCH_DATA to a folder to keep (and on later runs reuse) the seeded data.
set -euo pipefail

ARTICLES=1000000
DURATION=10
while [ $# -gt 0 ]; do
    case "$1" in
        --articles) ARTICLES=${2:?--articles needs a number}; shift 2 ;;
        --duration) DURATION=${2:?--duration needs a number}; shift 2 ;;
        -h | --help) echo "usage: bash bench/discovery.sh [--articles N] [--duration SECONDS]"; exit 0 ;;
        *) echo "error: unknown argument '$1'" >&2; exit 1 ;;
    esac
done
case "$ARTICLES$DURATION" in *[!0-9]*) echo "error: --articles and --duration take whole numbers" >&2; exit 1 ;; esac
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 1; }
CURL=(curl --noproxy '*' --silent --show-error --max-time 120)

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${NEWSDESK_BIN:-}
if [ -z "$BIN" ]; then
    (cd "$REPO" && cargo build --release --locked)
    BIN="$REPO/target/release/newsdesk"
fi

DATA=${NEWSDESK_BENCH_DATA:-}
CLEAN=""
if [ -z "$DATA" ]; then
    DATA=$(mktemp -d)
    CLEAN=$DATA
fi
SERVER=""
cleanup() {
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
    [ -n "$CLEAN" ] && rm -rf "$CLEAN"
}
trap cleanup EXIT

echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "commit:  $(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src themes migrations Cargo.toml || echo ' (+ uncommitted changes)')"
echo "cpus:    $(nproc)"
echo "stories: $ARTICLES"
if [ ! -s "$DATA/newsdesk.db" ]; then
    start=$(date +%s)
    "$BIN" seed --articles "$ARTICLES" --data "$DATA" >/dev/null
    echo "seeded in $(($(date +%s) - start)) s"
else
    echo "reusing the stories seeded in $DATA"
fi

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --data "$DATA" --listen "127.0.0.1:$PORT" --no-page-cache 2>/dev/null &
SERVER=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do "${CURL[@]}" -o /dev/null "$BASE/healthz" 2>/dev/null && break; sleep 0.2; done

measure() {
    local label=$1 path=$2
    wrk -t2 -c10 -d2s "$BASE$path" >/dev/null
    wrk -t2 -c10 -d"${DURATION}s" --latency "$BASE$path" | awk -v l="$label" '
        /Requests\/sec/ {rps=$2}
        /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
        END {printf "%-28s %10s req/s   p50 %8s   p99 %8s\n", l, rps, p50, p99}'
}

echo
echo "== wrk, 10 connections, ${DURATION} s each, page cache off"
measure "sitemap index" /sitemap.xml
measure "site feed (RSS)" /feed/
measure "news sitemap" /news-sitemap.xml

echo
echo "== one story sitemap file, downloaded whole (5 runs)"
FILE=$("${CURL[@]}" "$BASE/sitemap.xml" | grep -o '<loc>[^<]*stories-[0-9]*\.xml</loc>' | tail -n 2 | head -n 1 | sed 's/<[^>]*>//g')
echo "file: ${FILE#"$BASE"}"
for _ in 1 2 3 4 5; do
    "${CURL[@]}" -o /dev/null -w "  %{time_total} s  %{size_download} bytes  HTTP %{http_code}\n" "$FILE"
done
ETAG=$("${CURL[@]}" -D - -o /dev/null "$FILE" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag" {print $2}')
echo "== the same file with If-None-Match (5 runs)"
for _ in 1 2 3 4 5; do
    "${CURL[@]}" -o /dev/null -H "If-None-Match: $ETAG" -w "  %{time_total} s  HTTP %{http_code}\n" "$FILE"
done
RSS=$(ps -o rss= -p "$SERVER")
echo
echo "server resident memory after the run: $((RSS / 1024)) MiB"
