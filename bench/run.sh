#!/usr/bin/env bash
# Newsdesk HTTP benchmark: seeds N synthetic stories into a fresh SQLite data folder, serves them
# on a free loopback port and measures the home page, a section archive, a story page and three
# searches (a common word, a rare word, a phrase) with wrk.
# If nginx is installed, the story page's HTML is also served as a static file for reference.
# At the end it prints each server's resident memory (VmRSS).
#
# Usage: bash bench/run.sh [--backend sqlite|postgres] [--articles N] [--duration SECONDS]
#                          [--connections C] [--threads T] [--pin]
# --pin runs the servers (and nginx, with one worker) on one CPU and wrk on another (taskset), so
# that they do not compete for a core (a PostgreSQL server is not pinned).
# Set NEWSDESK_BIN to an existing newsdesk binary to skip the release build.
# --backend postgres seeds and serves a throwaway PostgreSQL database, newsdesk_bench_run, created
# (and, unless kept, dropped afterwards) with psql on the server named by NEWSDESK_BENCH_POSTGRES,
# an admin URL such as postgres://postgres@127.0.0.1:5432/postgres.
# Set NEWSDESK_BENCH_DATA to a folder to keep the seeded stories there and reuse them on later runs
# with the same --backend and --articles (on PostgreSQL the database it names, newsdesk_bench_N_…,
# is kept too).
# All traffic goes to 127.0.0.1 only. See bench/README.md.

set -euo pipefail

BACKEND=sqlite
ARTICLES=10000
DURATION=10
CONNECTIONS=50
THREADS=2
WARMUP=2
PIN=""

usage() {
    echo "usage: bash bench/run.sh [--backend sqlite|postgres] [--articles N] [--duration SECONDS] [--connections C] [--threads T] [--pin]"
}

die() {
    echo "error: $*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case "$1" in
        --backend)
            [ $# -ge 2 ] || die "$1 needs a value ($(usage))"
            case "$2" in
                sqlite | postgres) BACKEND=$2 ;;
                *) die "--backend takes sqlite or postgres, not '$2'" ;;
            esac
            shift 2
            ;;
        --articles | --duration | --connections | --threads)
            [ $# -ge 2 ] || die "$1 needs a value ($(usage))"
            case "$2" in
                '' | *[!0-9]*) die "$1 needs a positive whole number, not '$2'" ;;
            esac
            [ "$2" -ge 1 ] || die "$1 needs a positive whole number, not '$2'"
            case "$1" in
                --articles) ARTICLES=$2 ;;
                --duration) DURATION=$2 ;;
                --connections) CONNECTIONS=$2 ;;
                --threads) THREADS=$2 ;;
            esac
            shift 2
            ;;
        --backend=* | --articles=* | --duration=* | --connections=* | --threads=*)
            set -- "${1%%=*}" "${1#*=}" "${@:2}"
            ;;
        --pin)
            PIN=1
            shift
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        *) die "unknown argument '$1' ($(usage))" ;;
    esac
done
[ "$THREADS" -le "$CONNECTIONS" ] || die "--threads ($THREADS) cannot exceed --connections ($CONNECTIONS) (wrk needs at least one connection per thread)"

# PostgreSQL: the throwaway database's name, the admin URL it is created and dropped through, and
# the URL the servers are given (the admin URL with its database name replaced).
PG_DB=newsdesk_bench_run
# NEWSDESK_BENCH_DATA: a data folder (and, on PostgreSQL, a database) kept after the run and reused
# by later runs with the same backend and number of stories; seeding a million takes many minutes.
KEEP=${NEWSDESK_BENCH_DATA:-}
if [ -n "$KEEP" ]; then
    KEEP=$(realpath -m -- "$KEEP")
    # One kept database per folder and number of stories.
    PG_DB=newsdesk_bench_${ARTICLES}_$(printf '%s' "$KEEP" | cksum | cut -d ' ' -f 1)
fi
PG_ADMIN=""
PG_URL=""
PG_SHOWN=""
if [ "$BACKEND" = postgres ]; then
    PG_ADMIN=${NEWSDESK_BENCH_POSTGRES:-}
    [ -n "$PG_ADMIN" ] || die "--backend postgres needs NEWSDESK_BENCH_POSTGRES set to an admin URL of the PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres (the database $PG_DB is created there)"
    case "$PG_ADMIN" in
        postgres://* | postgresql://*) ;;
        *) die "NEWSDESK_BENCH_POSTGRES must be a postgres://USER[:PASSWORD]@HOST[:PORT]/DB URL" ;;
    esac
    pg_base=${PG_ADMIN%%\?*}
    pg_query=${PG_ADMIN#"$pg_base"}
    pg_rest=${pg_base#*://}
    PG_URL="${pg_base%%://*}://${pg_rest%%/*}/$PG_DB$pg_query"
    # For printing: without the user name and password.
    pg_host=${pg_rest%%/*}
    PG_SHOWN="${pg_base%%://*}://${pg_host##*@}/$PG_DB"
fi

# --- Tools -------------------------------------------------------------------------------------
# With --pin: the servers and nginx on CPU 0, wrk on CPU 1.
ON_SERVER_CPU=()
ON_WRK_CPU=()
NGINX_WORKERS=auto
if [ -n "$PIN" ]; then
    command -v taskset >/dev/null 2>&1 || die "--pin needs taskset (Debian package util-linux)"
    # The first two CPUs this process may run on (not always 0 and 1 in a container).
    read -r -a ALLOWED <<<"$(taskset -pc $$ | sed 's/.*: //' | tr ',' '\n' |
        awk -F- '{ for (c = $1; c <= ($2 == "" ? $1 : $2); c++) printf "%d ", c }')"
    [ "${#ALLOWED[@]}" -ge 2 ] || die "--pin needs at least 2 CPUs (this process may use ${#ALLOWED[@]})"
    ON_SERVER_CPU=(taskset -c "${ALLOWED[0]}")
    ON_WRK_CPU=(taskset -c "${ALLOWED[1]}")
    NGINX_WORKERS=1
fi
command -v wrk >/dev/null 2>&1 || { echo "wrk is not installed: install the Debian package 'wrk' (apt-get install -y wrk)" >&2; exit 1; }
command -v curl >/dev/null 2>&1 || { echo "curl is not installed: install the Debian package 'curl' (apt-get install -y curl)" >&2; exit 1; }
if [ "$BACKEND" = postgres ]; then
    command -v psql >/dev/null 2>&1 || { echo "psql is not installed: install the Debian package 'postgresql-client' (apt-get install -y postgresql-client)" >&2; exit 1; }
fi

# curl must never go through a proxy: every request is for 127.0.0.1.
CURL=(curl --noproxy '*' --silent --show-error --max-time 30)

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# --- Binary ------------------------------------------------------------------------------------
BIN=""
if [ -n "${NEWSDESK_BIN:-}" ]; then
    if [ -f "$NEWSDESK_BIN" ] && [ -x "$NEWSDESK_BIN" ]; then
        BIN=$(cd "$(dirname "$NEWSDESK_BIN")" && pwd)/$(basename "$NEWSDESK_BIN")
    else
        echo "note: NEWSDESK_BIN=$NEWSDESK_BIN is not an executable file; building the release binary instead" >&2
    fi
fi
if [ -z "$BIN" ]; then
    command -v cargo >/dev/null 2>&1 || die "cargo is not installed and NEWSDESK_BIN is not set to a newsdesk binary"
    echo "Building the release binary (cargo build --release)..."
    LOCKED=()
    [ -f "$REPO/Cargo.lock" ] && LOCKED=(--locked)
    (cd "$REPO" && cargo build --release "${LOCKED[@]}") || die "the release build failed"
    BIN="$REPO/target/release/newsdesk"
    [ -x "$BIN" ] || die "the build did not produce $BIN"
fi

# --- Temp dir, cleanup -------------------------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/newsdesk-bench.XXXXXX")
SERVER_PID=""
NGINX_PID=""
CACHED_PID=""
WRK_PID=""
PG_CREATED=""

stop_pid() {
    local pid=$1
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# psql on the PostgreSQL admin database, quietly (errors only) and without the user's ~/.psqlrc.
pg_admin() {
    PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$PG_ADMIN" "$@"
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pid "$WRK_PID"
    stop_pid "$SERVER_PID"
    stop_pid "$CACHED_PID"
    stop_pid "$NGINX_PID"
    if [ -n "$PG_CREATED" ]; then
        # The servers are stopped; WITH (FORCE) (PostgreSQL 13+) also ends any connection left.
        pg_admin -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 ||
            pg_admin -c "DROP DATABASE IF EXISTS $PG_DB" >/dev/null ||
            echo "warning: could not drop the PostgreSQL database $PG_DB; drop it by hand" >&2
    fi
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'echo; echo "interrupted" >&2; exit 130' INT
trap 'exit 143' TERM

# Only the command line decides where the data lives and where the server listens.
NDENV=(env -u NEWSDESK_DATA -u NEWSDESK_DATABASE_URL -u NEWSDESK_LISTEN -u NEWSDESK_THEME -u NEWSDESK_DEMO -u NEWSDESK_NO_PAGE_CACHE)

# A free TCP port on 127.0.0.1.
free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
        return
    fi
    local p
    for p in $(seq 18080 18180); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return
        fi
    done
    die "no free port found in 18080-18180"
}

# Waits until URL answers 200 (or the process PID dies); $3 = seconds.
wait_ready() {
    local url=$1 pid=$2 secs=$3 i
    for i in $(seq 1 $((secs * 10))); do
        kill -0 "$pid" 2>/dev/null || return 1
        if [ "$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$url" 2>/dev/null)" = 200 ]; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# --- Header ------------------------------------------------------------------------------------
CPU_MODEL=$(grep -m1 -E '^(model name|Model|cpu model|Hardware)[[:space:]]*:' /proc/cpuinfo 2>/dev/null | sed 's/^[^:]*:[[:space:]]*//' || true)
COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=""
if [ "$COMMIT" != unknown ] && [ -n "$(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    DIRTY=" (working tree has uncommitted changes)"
fi
echo "== Newsdesk benchmark =="
echo "date:        $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "commit:      $COMMIT$DIRTY"
echo "machine:     $(nproc) CPUs, ${CPU_MODEL:-unknown CPU model}"
echo "binary:      $BIN (modified $(date -u -r "$BIN" '+%Y-%m-%d %H:%M UTC'))"
STALE=$(cd "$REPO" && find src themes migrations Cargo.toml Cargo.lock -newer "$BIN" -print 2>/dev/null | head -n1 || true)
if [ -n "$STALE" ]; then
    echo "WARNING:     $STALE is newer than the binary: the binary may not match commit $COMMIT (unset NEWSDESK_BIN to rebuild)"
fi
if [ "$BACKEND" = postgres ] && [ -n "$KEEP" ]; then
    echo "backend:     postgres ($PG_SHOWN, kept for later runs: NEWSDESK_BENCH_DATA)"
elif [ "$BACKEND" = postgres ]; then
    echo "backend:     postgres ($PG_SHOWN, a throwaway database dropped afterwards)"
elif [ -n "$KEEP" ]; then
    echo "backend:     sqlite (the data folder $KEEP, kept for later runs: NEWSDESK_BENCH_DATA)"
else
    echo "backend:     sqlite (a fresh data folder)"
fi
echo "articles:    $ARTICLES"
echo "wrk:         -t $THREADS -c $CONNECTIONS -d ${DURATION}s --latency (after ${WARMUP}s warm-up per page)"
if [ -n "$PIN" ]; then
    echo "pinning:     servers and nginx (one worker) on CPU 0, wrk on CPU 1 (--pin)"
else
    echo "pinning:     none: servers, nginx and wrk share every CPU (--pin to separate them)"
fi
echo

# --- Seed --------------------------------------------------------------------------------------
DATA="$TMP/data"
# What a kept folder was seeded with: the backend, the number of stories and, on PostgreSQL,
# the database.
SEEDED_AS="$BACKEND $ARTICLES"
[ "$BACKEND" = sqlite ] || SEEDED_AS="$SEEDED_AS $PG_DB"
REUSE=""
if [ -n "$KEEP" ]; then
    mkdir -p "$KEEP" || die "cannot create NEWSDESK_BENCH_DATA=$KEEP"
    DATA=$KEEP
    if [ -f "$DATA/bench-seeded" ]; then
        [ "$(cat "$DATA/bench-seeded")" = "$SEEDED_AS" ] ||
            die "NEWSDESK_BENCH_DATA=$KEEP holds a run seeded as '$(cat "$DATA/bench-seeded")', not '$SEEDED_AS'; use another folder"
        if [ "$BACKEND" = postgres ] && [ -z "$(pg_admin -tA -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" ]; then
            die "NEWSDESK_BENCH_DATA=$KEEP was seeded into the database $PG_DB, which is gone; empty the folder to seed again"
        fi
        REUSE=1
    elif [ -f "$DATA/bench-seeding" ]; then
        die "seeding into NEWSDESK_BENCH_DATA=$KEEP did not finish in an earlier run; empty the folder to seed again"
    elif [ -n "$(ls -A "$DATA")" ]; then
        die "NEWSDESK_BENCH_DATA=$KEEP is not empty and was not seeded by this script; use an empty or new folder"
    fi
fi
mkdir -p "$DATA"
# Where the database is: the SQLite file in $DATA, or the throwaway PostgreSQL database (seeding
# and both servers are also given $DATA, so that they all share one data folder either way).
DBARGS=()
if [ -n "$REUSE" ]; then
    [ "$BACKEND" = sqlite ] || DBARGS=(--database "$PG_URL")
    echo "Reusing the $ARTICLES stories seeded in $DATA${PG_URL:+ and $PG_SHOWN} (NEWSDESK_BENCH_DATA)."
elif [ "$BACKEND" = postgres ]; then
    pg_admin -c "DROP DATABASE IF EXISTS $PG_DB" >/dev/null ||
        die "cannot drop an old $PG_DB through NEWSDESK_BENCH_POSTGRES (is the server up, and may this user drop and create databases?)"
    [ -n "$KEEP" ] || PG_CREATED=1
    pg_admin -c "CREATE DATABASE $PG_DB" >/dev/null || die "cannot create the database $PG_DB"
    DBARGS=(--database "$PG_URL")
    echo "Seeding $ARTICLES synthetic stories into $PG_SHOWN (data folder $DATA) ..."
else
    echo "Seeding $ARTICLES synthetic stories into $DATA ..."
fi
if [ -n "$REUSE" ]; then
    SEED_SECS="reused"
else
    [ -z "$KEEP" ] || : >"$DATA/bench-seeding"
    t0=$(date +%s.%N)
    "${NDENV[@]}" "$BIN" seed --articles "$ARTICLES" --data "$DATA" "${DBARGS[@]}" >"$TMP/seed.log" 2>&1 || {
        cat "$TMP/seed.log" >&2
        die "newsdesk seed failed"
    }
    t1=$(date +%s.%N)
    sed 's/^/  newsdesk: /' "$TMP/seed.log"
    SEED_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f s", b - a }')
    echo "Seeding took ${SEED_SECS} (wall clock, including schema creation)."
    if [ -n "$KEEP" ]; then
        echo "$SEEDED_AS" >"$DATA/bench-seeded"
        rm -f "$DATA/bench-seeding"
    fi
fi
echo

# --- Serve -------------------------------------------------------------------------------------
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
# The pages are measured uncached (every request renders the page from the database) on one
# server, and the story also through the page cache on a second server over the same data.
"${ON_SERVER_CPU[@]}" "${NDENV[@]}" "$BIN" serve --data "$DATA" "${DBARGS[@]}" --listen "127.0.0.1:$PORT" --no-page-cache >"$TMP/serve.log" 2>&1 &
SERVER_PID=$!
if ! wait_ready "$BASE/healthz" "$SERVER_PID" 60; then
    echo "--- server log ---" >&2
    cat "$TMP/serve.log" >&2
    die "newsdesk serve did not answer 200 on $BASE/healthz within 60 s"
fi
echo "Server (no page cache) is up at $BASE (pid $SERVER_PID)."
CPORT=$(free_port)
CBASE="http://127.0.0.1:$CPORT"
"${ON_SERVER_CPU[@]}" "${NDENV[@]}" "$BIN" serve --data "$DATA" "${DBARGS[@]}" --listen "127.0.0.1:$CPORT" >"$TMP/serve-cached.log" 2>&1 &
CACHED_PID=$!
wait_ready "$CBASE/healthz" "$CACHED_PID" 60 || die "the cached newsdesk serve did not answer on $CBASE/healthz"
echo "Server (page cache) is up at $CBASE (pid $CACHED_PID)."

# The newsdesk process started as PID (its own PID: env execs the binary, but a wrapper's child is
# looked for too), so that its memory, not a wrapper's, is read.
newsdesk_pid() {
    local pid=$1 exe child
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
    exe=${exe% (deleted)}
    if [ -n "$exe" ] && [ "$exe" = "$BIN_REAL" ]; then
        echo "$pid"
        return 0
    fi
    for child in $(cat "/proc/$pid/task/"*/children 2>/dev/null || true); do
        newsdesk_pid "$child" && return 0
    done
    return 1
}

# "MB (pid P)": the resident memory (VmRSS) of the newsdesk process started as PID, in MB of
# 1,024 kB with one decimal, and the PID it was read from; "?" if it cannot be read.
rss_of() {
    local pid mb
    pid=$(newsdesk_pid "$1") || {
        echo "warning: no newsdesk process found at or under pid $1; its memory is not shown" >&2
        echo "?"
        return 0
    }
    mb=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024; exit }' "/proc/$pid/status" 2>/dev/null || true)
    echo "${mb:-?} MB (pid $pid)"
}
BIN_REAL=$(readlink -f "$BIN")

# A site-relative path taken from a Location header or an href; only its path is kept, so that
# nothing is ever requested from another host.
to_path() {
    local u=$1
    case "$u" in
        http://* | https://*) u="/${u#*://*/}" ;;
        //*) u="/${u#//*/}" ;;
    esac
    case "$u" in
        /*) printf '%s' "$u" ;;
        *) return 1 ;;
    esac
}

# Story: /?p=<N/2> redirects to the canonical URL.
STORY_ID=$((ARTICLES / 2))
[ "$STORY_ID" -ge 1 ] || STORY_ID=1
HEADERS=$("${CURL[@]}" -o /dev/null -D - "$BASE/?p=$STORY_ID" | tr -d '\r') || die "request for $BASE/?p=$STORY_ID failed"
STATUS=$(printf '%s\n' "$HEADERS" | awk 'NR == 1 { print $2 }')
LOCATION=$(printf '%s\n' "$HEADERS" | awk 'tolower($1) == "location:" { print $2; exit }')
[ -n "$LOCATION" ] || die "$BASE/?p=$STORY_ID answered $STATUS without a Location header; cannot find a story URL"
STORY_PATH=$(to_path "$LOCATION") || die "unexpected Location header '$LOCATION' for /?p=$STORY_ID"
echo "Story URL: /?p=$STORY_ID answered $STATUS -> $STORY_PATH"
case "$STATUS" in
    301 | 308) ;;
    *) echo "warning: /?p=$STORY_ID answered $STATUS, expected a permanent redirect (301)" ;;
esac

# Section archive: the first /category/…/ link on the home page.
"${CURL[@]}" -o "$TMP/home.html" "$BASE/" || die "cannot fetch the home page"
SECTION_HREF=$(grep -o 'href="[^"]*/category/[^"]*"' "$TMP/home.html" | head -n1 | sed 's/^href="//; s/"$//' || true)
[ -n "$SECTION_HREF" ] || die "the home page has no /category/…/ link"
SECTION_HREF=${SECTION_HREF//&amp;/&}
SECTION_PATH=$(to_path "$SECTION_HREF") || die "unexpected section link '$SECTION_HREF'"
echo "Section URL: $SECTION_PATH (first /category/ link on the home page)"

PAGES=(home section story cached api api-cach)
declare -A URL
URL[home]="$BASE/"
URL[section]="$BASE$SECTION_PATH"
URL[story]="$BASE$STORY_PATH"
URL[cached]="$CBASE$STORY_PATH"
# The WordPress REST API's busiest read (apps and headless front ends list the latest stories
# with their bylines, sections and images): uncached, and through the page cache.
URL[api]="$BASE/wp-json/wp/v2/posts?per_page=10&_embed"
URL[api-cach]="$CBASE/wp-json/wp/v2/posts?per_page=10&_embed"

# Searches, uncached: a common word (a topic named in about a third of the synthetic stories), a
# rare word (a coined surname found in a handful of stories per 100,000; see src/demo/mod.rs) and
# a quoted phrase of two common words.
PAGES+=(q-common q-rare q-phrase)
URL[q-common]="$BASE/search?q=housing"
URL[q-rare]="$BASE/search?q=hamene"
URL[q-phrase]="$BASE/search?q=%22city+council%22"

for p in "${PAGES[@]}"; do
    code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' "${URL[$p]}") || die "cannot fetch ${URL[$p]}"
    [ "$code" = 200 ] || die "$p page ${URL[$p]} answered $code, expected 200"
done
for p in q-common q-rare q-phrase; do
    MATCHES=$("${CURL[@]}" "${URL[$p]}" | grep -o 'class="search-count"[^<]*' | sed 's/.*>//' || true)
    echo "Search $p: ${MATCHES:-no results}"
done

# --- Static reference (nginx, only if installed) ----------------------------------------------
NGINX=$(command -v nginx 2>/dev/null || true)
[ -n "$NGINX" ] || { [ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx; } || true
STATIC_NOTE=""
if [ -n "$NGINX" ]; then
    NGX="$TMP/nginx"
    mkdir -p "$NGX/www" "$NGX/logs" "$NGX/tmp"
    "${CURL[@]}" -o "$NGX/www/story.html" "${URL[story]}" || die "cannot save the story page"
    # nginx workers may run as an unprivileged user: let them reach the file.
    chmod 755 "$TMP" "$NGX" "$NGX/www"
    chmod 644 "$NGX/www/story.html"
    SPORT=$(free_port)
    USER_LINE=""
    [ "$(id -u)" = 0 ] && USER_LINE="user root;"
    cat >"$NGX/nginx.conf" <<EOF
$USER_LINE
worker_processes $NGINX_WORKERS;
daemon off;
pid $NGX/nginx.pid;
error_log $NGX/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $NGX/tmp/body;
    proxy_temp_path $NGX/tmp/proxy;
    fastcgi_temp_path $NGX/tmp/fastcgi;
    uwsgi_temp_path $NGX/tmp/uwsgi;
    scgi_temp_path $NGX/tmp/scgi;
    types { text/html html; }
    default_type text/html;
    sendfile on;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$SPORT;
        root $NGX/www;
        location = /story { try_files /story.html =404; }
    }
}
EOF
    NGINX_ARGS=(-p "$NGX/" -c "$NGX/nginx.conf")
    # nginx >= 1.19.5 can be told where to log before it reads the config.
    if "$NGINX" -h 2>&1 | grep -q -- ' -e '; then NGINX_ARGS+=(-e "$NGX/logs/error.log"); fi
    "${ON_SERVER_CPU[@]}" "$NGINX" "${NGINX_ARGS[@]}" >"$NGX/logs/stdout.log" 2>&1 &
    NGINX_PID=$!
    if wait_ready "http://127.0.0.1:$SPORT/story" "$NGINX_PID" 10; then
        PAGES+=(static)
        URL[static]="http://127.0.0.1:$SPORT/story"
    else
        cat "$NGX/logs/stdout.log" "$NGX/logs/error.log" 2>/dev/null >&2 || true
        STATIC_NOTE="nginx is installed but did not start; static reference skipped."
        stop_pid "$NGINX_PID"
        NGINX_PID=""
    fi
else
    STATIC_NOTE="nginx is not installed; static-file reference skipped (the script never installs it)."
fi

# --- Measure -----------------------------------------------------------------------------------
# Latency as printed by wrk (e.g. 812.00us, 1.53ms, 2.01s) converted to milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
        else if (u != "ms") { print "?"; exit }
        printf "%.2f", n
    }'
}

# wrk stops cleanly on SIGINT and exits 0, so bash would not run its INT trap and the script
# would carry on; running wrk in the background and waiting for it lets Ctrl-C end the script.
# $1 = output file, then wrk's arguments.
run_wrk() {
    local out=$1 rc
    shift
    "${ON_WRK_CPU[@]}" wrk "$@" >"$out" 2>&1 &
    WRK_PID=$!
    rc=0
    wait "$WRK_PID" || rc=$?
    WRK_PID=""
    return "$rc"
}

declare -A RPS P50 P99 SIZE REQS NON2XX SOCKERR
echo
for p in "${PAGES[@]}"; do
    url=${URL[$p]}
    SIZE[$p]=$("${CURL[@]}" -o /dev/null -w '%{size_download}' "$url")
    run_wrk /dev/null -t "$THREADS" -c "$CONNECTIONS" -d "${WARMUP}s" "$url" || true
    run_wrk "$TMP/wrk-$p.txt" --latency -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" "$url" || {
        cat "$TMP/wrk-$p.txt" >&2
        die "wrk failed on $url"
    }
    out=$(cat "$TMP/wrk-$p.txt")
    RPS[$p]=$(printf '%s\n' "$out" | awk '/^Requests\/sec:/ { print $2 }')
    P50[$p]=$(to_ms "$(printf '%s\n' "$out" | awk '/Latency Distribution/ { d = 1 } d && $1 == "50%" { print $2; exit }')")
    P99[$p]=$(to_ms "$(printf '%s\n' "$out" | awk '/Latency Distribution/ { d = 1 } d && $1 == "99%" { print $2; exit }')")
    REQS[$p]=$(printf '%s\n' "$out" | awk '/requests in/ { print $1; exit }')
    NON2XX[$p]=$(printf '%s\n' "$out" | awk -F': *' '/Non-2xx or 3xx responses/ { print $2; exit }')
    NON2XX[$p]=${NON2XX[$p]:-0}
    SOCKERR[$p]=$(printf '%s\n' "$out" | sed -n 's/^ *Socket errors: *//p' | head -n1)
    [ -n "${RPS[$p]}" ] || { echo "$out" >&2; die "could not parse wrk's output for $url"; }
    printf '%-8s %-60s %10s req/s  p50 %8s ms  p99 %8s ms  %7s bytes' \
        "$p" "$url" "${RPS[$p]}" "${P50[$p]}" "${P99[$p]}" "${SIZE[$p]}"
    [ "${NON2XX[$p]}" = 0 ] || printf '  NON-2xx: %s' "${NON2XX[$p]}"
    [ -z "${SOCKERR[$p]}" ] || printf '  socket errors: %s' "${SOCKERR[$p]}"
    echo
done

# --- Summary -----------------------------------------------------------------------------------
kill -0 "$SERVER_PID" 2>/dev/null || die "the newsdesk server exited during the run (see the errors above)"
kill -0 "$CACHED_PID" 2>/dev/null || die "the cached newsdesk server exited during the run"
# Read after every measurement, before anything else runs against the servers.
RSS_SERVER=$(rss_of "$SERVER_PID")
RSS_CACHED=$(rss_of "$CACHED_PID")

echo
BACKEND_NOTE=""
[ "$BACKEND" = sqlite ] || BACKEND_NOTE=", PostgreSQL"
echo "== Results: commit $COMMIT$DIRTY$BACKEND_NOTE, $ARTICLES articles, $(nproc) CPUs, wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s${PIN:+, pinned} =="
printf '%-8s %12s %10s %10s %10s %10s  %s\n' page req/s p50_ms p99_ms bytes non-2xx url
for p in "${PAGES[@]}"; do
    printf '%-8s %12s %10s %10s %10s %10s  %s\n' \
        "$p" "${RPS[$p]}" "${P50[$p]}" "${P99[$p]}" "${SIZE[$p]}" "${NON2XX[$p]}" "${URL[$p]}"
done
if [ -n "${RPS[static]:-}" ]; then
    RATIO=$(awk -v a="${RPS[story]}" -v b="${RPS[static]}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
    echo "story vs static: Newsdesk ${RPS[story]} req/s / nginx static ${RPS[static]} req/s = $RATIO"
    RATIO=$(awk -v a="${RPS[cached]}" -v b="${RPS[static]}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
    echo "cached story vs static: Newsdesk ${RPS[cached]} req/s / nginx static ${RPS[static]} req/s = $RATIO"
else
    echo "$STATIC_NOTE"
fi
echo "seeding: ${SEED_SECS} for $ARTICLES articles"
echo "memory: resident (VmRSS) after the run: no page cache $RSS_SERVER, page cache $RSS_CACHED"
for p in "${PAGES[@]}"; do
    if [ "${NON2XX[$p]}" != 0 ] || [ -n "${SOCKERR[$p]}" ]; then
        echo "WARNING: $p had non-2xx responses (${NON2XX[$p]}) or socket errors (${SOCKERR[$p]:-none}); its figures are suspect."
    fi
done
