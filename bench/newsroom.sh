#!/usr/bin/env bash
# A working newsroom under load: readers (wrk, weighted like news traffic: stories most, then
# the front page and sections) while five editors autosave every 3 s and one story is
# published a minute, and readers' apps post 10 comments a second (a fifth of them spam),
# all through the WordPress REST API. Prints the readers' req/s, p50/p99, the page cache's hit
# ratio over the run (from /metrics), what the writers got, and each node's memory.
#
# Usage: bash bench/newsroom.sh [--backend sqlite|postgres] [--articles N] [--duration SECONDS]
#                               [--connections C]
#   sqlite:   one node on an embedded database (the default).
#   postgres: two nodes on one PostgreSQL database, `newsdesk_bench` at
#             postgres://postgres@127.0.0.1:5432 (created, and dropped afterwards); readers are
#             split between the nodes and the writers alternate between them.
# Set NEWSDESK_BIN to an existing release binary to skip the build. Loopback only; needs wrk,
# curl and python3 (and psql for postgres). See bench/README.md.

set -euo pipefail

BACKEND=sqlite
ARTICLES=10000
DURATION=60
CONNECTIONS=32
PG_ADMIN_URL=${NEWSDESK_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
PG_DB=newsdesk_bench

die() {
    echo "error: $*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case "$1" in
        --backend) BACKEND=${2:-}; shift 2 ;;
        --articles) ARTICLES=${2:-}; shift 2 ;;
        --duration) DURATION=${2:-}; shift 2 ;;
        --connections) CONNECTIONS=${2:-}; shift 2 ;;
        -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done
case "$BACKEND" in sqlite | postgres) ;; *) die "--backend is sqlite or postgres, not '$BACKEND'" ;; esac
for n in "$ARTICLES" "$DURATION" "$CONNECTIONS"; do
    case "$n" in '' | *[!0-9]*) die "--articles, --duration and --connections take whole numbers" ;; esac
done
[ "$CONNECTIONS" -ge 2 ] || die "--connections needs at least 2"

for tool in wrk curl python3; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed (Debian package '$tool')"
done
[ "$BACKEND" = sqlite ] || command -v psql >/dev/null 2>&1 || die "psql is not installed (Debian package 'postgresql-client')"

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CURL=(curl --noproxy '*' --silent --show-error --max-time 30)
NDENV=(env -u NEWSDESK_DATA -u NEWSDESK_DATABASE_URL -u NEWSDESK_LISTEN -u NEWSDESK_THEME -u NEWSDESK_DEMO -u NEWSDESK_NO_PAGE_CACHE)

if [ -n "${NEWSDESK_BIN:-}" ] && [ -x "$NEWSDESK_BIN" ]; then
    BIN=$(cd "$(dirname "$NEWSDESK_BIN")" && pwd)/$(basename "$NEWSDESK_BIN")
else
    echo "Building the release binary (cargo build --release)..."
    (cd "$REPO" && cargo build --release --locked) || die "the release build failed"
    BIN="$REPO/target/release/newsdesk"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/newsdesk-newsroom.XXXXXX")
PIDS=()
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ "$BACKEND" = postgres ]; then
        psql "$PG_ADMIN_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1 || true
    fi
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

DATA="$TMP/data"
mkdir -p "$DATA"
SITE=(--data "$DATA")
if [ "$BACKEND" = postgres ]; then
    psql "$PG_ADMIN_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null
    psql "$PG_ADMIN_URL/postgres" -qc "CREATE DATABASE $PG_DB" >/dev/null
    SITE=(--data "$DATA" --database "$PG_ADMIN_URL/$PG_DB")
fi

echo "== Newsdesk newsroom benchmark =="
echo "date:      $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "commit:    $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "machine:   $(nproc) CPUs"
echo "backend:   $BACKEND ($([ "$BACKEND" = postgres ] && echo "two nodes" || echo "one node"))"
echo "stories:   $ARTICLES; readers: wrk, $CONNECTIONS connections, ${DURATION} s"
echo

echo "Seeding $ARTICLES stories..."
"${NDENV[@]}" "$BIN" seed --articles "$ARTICLES" "${SITE[@]}" >"$TMP/seed.log" 2>&1 || { cat "$TMP/seed.log" >&2; die "seed failed"; }
# The comment rules of a busy site that trusts its readers: comments appear at once unless
# the spam rules catch them; no per-address limit, since every request here comes from one.
"${NDENV[@]}" "$BIN" settings "${SITE[@]}" --set api_comments=on --set comment_moderation=none \
    --set comment_rate_limit=10000 --set comment_min_seconds=0 --set comment_max_links=5 \
    --set comment_block_words=casino >/dev/null
for i in 1 2 3 4 5; do
    echo "press room lamp $i sunrise" | "${NDENV[@]}" "$BIN" user add --login "editor$i" \
        --email "editor$i@bench.invalid" --display-name "Editor $i" --role editor "${SITE[@]}" >/dev/null 2>&1 \
        || die "adding editor$i failed"
    "${NDENV[@]}" "$BIN" user app-password add "editor$i" bench "${SITE[@]}" >"$TMP/editor$i.key" 2>/dev/null \
        || die "making editor$i's application password failed"
done

NODES=1
[ "$BACKEND" = postgres ] && NODES=2
BASES=()
for n in $(seq 1 "$NODES"); do
    port=$(free_port)
    "${NDENV[@]}" "$BIN" serve "${SITE[@]}" --listen "127.0.0.1:$port" >"$TMP/node$n.log" 2>&1 &
    PIDS+=($!)
    BASES+=("http://127.0.0.1:$port")
done
NODE_PIDS=("${PIDS[@]}")
for b in "${BASES[@]}"; do
    for _ in $(seq 1 300); do
        [ "$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$b/healthz" 2>/dev/null)" = 200 ] && break
        sleep 0.1
    done
    [ "$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$b/healthz" 2>/dev/null)" = 200 ] || { cat "$TMP"/node*.log >&2; die "$b did not start"; }
done

# What readers read: the 200 newest stories (most traffic), older ones, the front page, the
# sections; weighted by repetition in the list wrk draws from.
B0=${BASES[0]}
python3 - "$B0" >"$TMP/paths.txt" <<'EOF'
import json, random, sys, urllib.parse, urllib.request
base = sys.argv[1]
def get(path):
    return json.load(urllib.request.urlopen(base + path, timeout=30))
path = lambda link: urllib.parse.urlsplit(link).path
newest = [path(p["link"]) for page in (1, 2) for p in get(f"/wp-json/wp/v2/posts?per_page=100&page={page}&_fields=link")]
older = [path(p["link"]) for p in get("/wp-json/wp/v2/posts?per_page=100&offset=1000&_fields=link")] or newest
sections = [path(c["link"]) for c in get("/wp-json/wp/v2/categories?per_page=100&_fields=link")]
random.seed(7)
lines = []
for _ in range(1000):
    r = random.random()
    if r < 0.55:
        lines.append(random.choice(newest[:50]) if random.random() < 0.7 else random.choice(newest))
    elif r < 0.65:
        lines.append(random.choice(older))
    elif r < 0.85:
        lines.append("/")
    else:
        lines.append(random.choice(sections))
print("\n".join(lines))
EOF
python3 - "$B0" >"$TMP/story_ids.txt" <<'EOF'
import json, sys, urllib.request
print("\n".join(str(p["id"]) for p in json.load(urllib.request.urlopen(sys.argv[1] + "/wp-json/wp/v2/posts?per_page=50&_fields=id", timeout=30))))
EOF
cat >"$TMP/readers.lua" <<EOF
local paths = {}
for line in io.lines("$TMP/paths.txt") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], { ["Accept-Encoding"] = "gzip, br" })
end
EOF

metric() { # base name
    "${CURL[@]}" "$1/metrics" | awk -v m="$2" '$1 == m { print $2 }'
}
declare -A HITS0 MISSES0 STALE0
for b in "${BASES[@]}"; do
    HITS0[$b]=$(metric "$b" newsdesk_page_cache_hits_total)
    MISSES0[$b]=$(metric "$b" newsdesk_page_cache_misses_total)
    STALE0[$b]=$(metric "$b" newsdesk_page_cache_stale_total)
done

# --- Writers -----------------------------------------------------------------------------------
: >"$TMP/writes.log"
END=$(($(date +%s) + DURATION))
node_for() { echo "${BASES[$(($1 % NODES))]}"; }
for i in 1 2 3 4 5; do
    (
        key=$(cat "$TMP/editor$i.key")
        b=$(node_for "$i")
        draft=$("${CURL[@]}" -u "editor$i:$key" -H 'Content-Type: application/json' \
            -d "{\"title\":\"Developing story $i\",\"content\":\"<p>First paragraph.</p>\",\"status\":\"draft\"}" \
            "$b/wp-json/wp/v2/posts" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
        n=0
        while [ "$(date +%s)" -lt "$END" ]; do
            n=$((n + 1))
            code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' -u "editor$i:$key" -H 'Content-Type: application/json' \
                -d "{\"title\":\"Developing story $i\",\"content\":\"<p>Paragraph $n of the developing story.</p>\"}" \
                "$b/wp-json/wp/v2/posts/$draft/autosaves")
            echo "autosave $code" >>"$TMP/writes.log"
            sleep 3
        done
    ) &
    PIDS+=($!)
done
(
    key=$(cat "$TMP/editor1.key")
    n=0
    while [ "$(date +%s)" -lt "$END" ]; do
        n=$((n + 1))
        b=$(node_for "$n")
        code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' -u "editor1:$key" -H 'Content-Type: application/json' \
            -d "{\"title\":\"Breaking: bulletin $n\",\"content\":\"<p>Filed under load.</p>\",\"status\":\"publish\"}" \
            "$b/wp-json/wp/v2/posts")
        echo "publish $code" >>"$TMP/writes.log"
        sleep 60
    done
) &
PIDS+=($!)
(
    mapfile -t ids <"$TMP/story_ids.txt"
    n=0
    while [ "$(date +%s)" -lt "$END" ]; do
        n=$((n + 1))
        id=${ids[$((RANDOM % ${#ids[@]}))]}
        b=$(node_for "$n")
        text="Reader comment number $n on this story."
        [ $((n % 5)) -eq 0 ] && text="Win at the casino tonight, visit now ($n)"
        ("${CURL[@]}" -o /dev/null -w 'comment %{http_code}\n' -H 'Content-Type: application/json' \
            -d "{\"post\":$id,\"content\":\"$text\",\"author_name\":\"Reader $((n % 37))\",\"author_email\":\"reader$((n % 37))@bench.invalid\"}" \
            "$b/wp-json/wp/v2/comments" >>"$TMP/writes.log" 2>/dev/null || echo "comment failed" >>"$TMP/writes.log") &
        sleep 0.1
    done
    wait
) &
PIDS+=($!)

# --- Readers -----------------------------------------------------------------------------------
PER_NODE=$((CONNECTIONS / NODES))
WRK_PIDS=()
for n in $(seq 1 "$NODES"); do
    wrk -t 1 -c "$PER_NODE" -d "${DURATION}s" --latency -s "$TMP/readers.lua" "${BASES[$((n - 1))]}" >"$TMP/wrk$n.txt" 2>&1 &
    WRK_PIDS+=($!)
done
for pid in "${WRK_PIDS[@]}"; do wait "$pid"; done
sleep 1

# --- Report ------------------------------------------------------------------------------------
echo
# Hit ratio: answers from the cache (hits, and a purged page's previous version served while
# its successor renders: "stale") over all answers the cache saw (those and the renders).
printf '%-8s %10s %9s %9s %10s %8s %8s %9s\n' node "req/s" p50 p99 "hit ratio" stale "RSS MB" errors
for n in $(seq 1 "$NODES"); do
    b=${BASES[$((n - 1))]}
    f="$TMP/wrk$n.txt"
    rps=$(awk '/Requests\/sec/ { print $2 }' "$f")
    p50=$(awk '$1 == "50%" { print $2 }' "$f")
    p99=$(awk '$1 == "99%" { print $2 }' "$f")
    errs=$(awk '/Non-2xx or 3xx/ { print $5 } /Socket errors/ { print "sock" }' "$f" | tr '\n' ' ')
    hits=$(($(metric "$b" newsdesk_page_cache_hits_total) - HITS0[$b]))
    misses=$(($(metric "$b" newsdesk_page_cache_misses_total) - MISSES0[$b]))
    stale_now=$(metric "$b" newsdesk_page_cache_stale_total)
    stale=$((${stale_now:-0} - ${STALE0[$b]:-0}))
    ratio=$(awk -v h="$((hits + stale))" -v m="$misses" 'BEGIN { if (h + m == 0) print "n/a"; else printf "%.2f %%", 100 * h / (h + m) }')
    rss=$(awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/${NODE_PIDS[$((n - 1))]}/status")
    printf '%-8s %10s %9s %9s %10s %8s %8s %9s\n' "node$n" "$rps" "$p50" "$p99" "$ratio" "$stale" "$rss" "${errs:-0}"
done
echo
echo "Writes during the run (kind, HTTP status, count):"
sort "$TMP/writes.log" | uniq -c | awk '{ printf "  %-9s %s %6d\n", $2, $3, $1 }'
