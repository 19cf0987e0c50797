#!/usr/bin/env bash
# Newsroom admin benchmark: how fast signed-in pages answer in a large archive.
#
#   bash bench/admin.sh [--articles N] [--duration SECONDS]
#
# Seeds N synthetic stories (default 100,000) into a fresh SQLite data folder, adds an editor
# with `newsdesk user add`, signs in through /admin/login with curl, then measures with wrk (one
# connection, so the figures are latencies rather than a saturation test) the story list, the
# list filtered by section, by state and by a headline word, the editor of one story, and, in
# the same run for comparison, the public home page uncached. It also times one sign-in (the
# argon2id hash is deliberately slow). Uses NEWSDESK_BIN if set, else builds the release binary.
set -euo pipefail
cd "$(dirname "$0")/.."

ARTICLES=100000
DURATION=5
while [ $# -gt 0 ]; do
    case "$1" in
        --articles) ARTICLES=$2; shift 2 ;;
        --duration) DURATION=$2; shift 2 ;;
        *) echo "unknown option $1 (use --articles N, --duration SECONDS)" >&2; exit 2 ;;
    esac
done
command -v wrk >/dev/null 2>&1 || { echo "wrk is not installed: apt-get install -y wrk" >&2; exit 1; }
command -v curl >/dev/null 2>&1 || { echo "curl is not installed: apt-get install -y curl" >&2; exit 1; }

if [ -n "${NEWSDESK_BIN:-}" ]; then
    BIN=$NEWSDESK_BIN
else
    cargo build --release --locked >&2
    BIN=target/release/newsdesk
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/newsdesk-admin-bench.XXXXXX")
SERVER=
cleanup() {
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
DATA=$TMP/data
PORT=$(( 20000 + RANDOM % 20000 ))
BASE=http://127.0.0.1:$PORT
PASSWORD="quiet river at dawn"
NDENV=(env -u NEWSDESK_DATABASE_URL -u NEWSDESK_DATA NEWSDESK_LOG=warn)

COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || COMMIT="$COMMIT (with uncommitted changes)"
echo "date:     $(date -u +%Y-%m-%dT%H:%MZ)"
echo "commit:   $COMMIT"
echo "cpus:     $(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "stories:  $ARTICLES"

started=$(date +%s)
"${NDENV[@]}" "$BIN" seed --articles "$ARTICLES" --data "$DATA" >/dev/null
echo "seeded in $(( $(date +%s) - started )) s"
printf '%s\n' "$PASSWORD" | "${NDENV[@]}" "$BIN" user --data "$DATA" add --login bench-editor \
    --email bench@news.example --display-name "Bench Editor" --role editor >/dev/null

"${NDENV[@]}" "$BIN" serve --data "$DATA" --listen "127.0.0.1:$PORT" --no-page-cache >"$TMP/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 600); do curl -fs "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$BASE/healthz" >/dev/null || { cat "$TMP/serve.log" >&2; echo "the server did not start" >&2; exit 1; }

# Sign in as a browser does: the form's token, then the form.
TOKEN=$(curl -fs "$BASE/admin/login" | grep -o 'name="_csrf" value="[^"]*"' | sed 's/.*value="//; s/"$//')
SIGNIN=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -c "$TMP/jar" -H "Origin: $BASE" \
    --data-urlencode "_csrf=$TOKEN" --data-urlencode "login=bench-editor" \
    --data-urlencode "password=$PASSWORD" "$BASE/admin/login")
echo "sign-in:  HTTP ${SIGNIN% *} in $(awk "BEGIN { printf \"%.0f\", ${SIGNIN#* } * 1000 }") ms (argon2id, 19 MiB, 2 passes)"
COOKIE=$(awk '$6 == "newsdesk_session" { print "newsdesk_session=" $7 }' "$TMP/jar")
[ -n "$COOKIE" ] || { echo "sign-in failed" >&2; exit 1; }

SECTION=$(curl -fs -b "$COOKIE" "$BASE/admin/stories" | grep -o '<option value="[0-9]*"' | sed -n 2p | grep -o '[0-9]*')
STORY=$(curl -fs -b "$COOKIE" "$BASE/admin/stories" | grep -o 'href="/admin/stories/[0-9]*"' | head -1 | grep -o '[0-9]*')
WORD=$(curl -fs -b "$COOKIE" "$BASE/admin/stories/$STORY" | grep -o 'id="title" name="title" value="[^" ]*' | sed 's/.*value="//')

measure() {
    local label=$1 path=$2
    local status
    status=$(curl -s -o /dev/null -w '%{http_code}' -b "$COOKIE" "$BASE$path")
    [ "$status" = 200 ] || { echo "$label: $path answered $status" >&2; exit 1; }
    wrk -t1 -c1 -d1s -H "Cookie: $COOKIE" "$BASE$path" >/dev/null
    wrk -t1 -c1 -d"${DURATION}s" --latency -H "Cookie: $COOKIE" "$BASE$path" > "$TMP/wrk.txt"
    local rps p50 p99
    rps=$(awk '/Requests\/sec/ { print $2 }' "$TMP/wrk.txt")
    p50=$(awk '$1 == "50%" { print $2 }' "$TMP/wrk.txt")
    p99=$(awk '$1 == "99%" { print $2 }' "$TMP/wrk.txt")
    printf '%-34s %10s req/s  p50 %8s  p99 %8s   %s\n' "$label" "$rps" "$p50" "$p99" "$path"
}

echo
echo "one connection, ${DURATION} s each, rendered for every request:"
measure "public home page (for comparison)" "/"
measure "story list, all states" "/admin/stories"
measure "story list, one section" "/admin/stories?section=$SECTION"
measure "story list, published, page 100" "/admin/stories?status=published&page=100"
measure "story list, headline word" "/admin/stories?q=$WORD"
measure "story editor" "/admin/stories/$STORY"
measure "dashboard" "/admin/"
