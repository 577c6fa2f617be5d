#!/usr/bin/env bash
# The benchmark: our counters beside our stateless page and beside three peers, in one run: the Django
# peer, and the two Rust stacks a developer would otherwise pick (axum + tower-sessions on SQLite,
# actix-web + actix-session-sqlx-postgres). Rewrites docs/benchmarks.md, targets of issue 12 at the
# top. See the README's "Benchmark" section; in short:
#
#   bench/run.sh                             # everything that can run here
#   scripts/test-services.sh bench/run.sh    # start PostgreSQL and Redis first
#
# Environment (all optional):
#   BENCH_CONNECTIONS=16 BENCH_THREADS=2 BENCH_DURATION=10 BENCH_WARMUP=3   wrk settings (seconds)
#   BENCH_VISITORS=2000        visitors pre-created per server, each with its own cookies
#   BENCH_BACKENDS="signed-cookie sqlite postgres redis cached-db cached-db-redis"   in this order,
#                              signed-cookie right before SQLite: a target compares the two
#   BENCH_PEER=../shared/peers/django-rango/run.sh   the Django peer (skipped if absent; "" skips)
#   BENCH_TOWER_PEER=../shared/peers/tower-sessions-sqlite/run.sh   axum + tower-sessions 0.14, sqlx
#                              SQLite store, measured right after our SQLite backend ("" skips)
#   BENCH_ACTIX_PEER=../shared/peers/actix-sqlx-postgres/run.sh     actix-session 0.10 +
#                              actix-session-sqlx-postgres 0.3, measured right after our PostgreSQL
#                              backend, in a database of its own on the same server ("" skips)
#   BENCH_PEER_TIMEOUT=600     seconds a peer may take to install or build and start (the Rust peers
#                              build in release mode under ${PEER_BUILD:-/tmp/peer-build} on first use)
#   BENCH_PURGE_EXPIRED=1000000 BENCH_PURGE_LIVE=100000   the purge case (BENCH_PURGE_EXPIRED=0 skips)
#   BENCH_PURGE_WINDOW=30      the /session/ run during the background purge (seconds)
#   BENCH_POSTGRES_URL (else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test)
#   BENCH_REDIS_URL    (else TEST_REDIS_URL, else redis://127.0.0.1:6379)
#   BENCH_PORT=18080 BENCH_PEER_PORT=18081 BENCH_TOWER_PORT=18082 BENCH_ACTIX_PORT=18083
#   BENCH_OUTPUT=docs/benchmarks.md
#   BENCH_KEEP=1               keep the work directory (databases, logs, raw results)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

CONNECTIONS=${BENCH_CONNECTIONS:-16}
THREADS=${BENCH_THREADS:-2}
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-3}
VISITORS=${BENCH_VISITORS:-2000}
BACKENDS=${BENCH_BACKENDS:-signed-cookie sqlite postgres redis cached-db cached-db-redis}
PEER=${BENCH_PEER-../shared/peers/django-rango/run.sh}
TOWER_PEER=${BENCH_TOWER_PEER-../shared/peers/tower-sessions-sqlite/run.sh}
ACTIX_PEER=${BENCH_ACTIX_PEER-../shared/peers/actix-sqlx-postgres/run.sh}
PEER_TIMEOUT=${BENCH_PEER_TIMEOUT:-600}
PURGE_EXPIRED=${BENCH_PURGE_EXPIRED:-1000000}
PURGE_LIVE=${BENCH_PURGE_LIVE:-100000}
POSTGRES_URL=${BENCH_POSTGRES_URL:-${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}}
REDIS_URL=${BENCH_REDIS_URL:-${TEST_REDIS_URL:-redis://127.0.0.1:6379}}
PORT=${BENCH_PORT:-18080}
PEER_PORT=${BENCH_PEER_PORT:-18081}
TOWER_PORT=${BENCH_TOWER_PORT:-18082}
ACTIX_PORT=${BENCH_ACTIX_PORT:-18083}
OUTPUT=${BENCH_OUTPUT:-docs/benchmarks.md}

BIN=$root/target/release/cookies-vs-sessions
BASE=http://127.0.0.1:$PORT
# A fixed key, so a visitor's signed cookie stays valid across the restarts of one backend.
SECRET_KEY=bench-only-secret-key-bench-only-secret-key-bench-only-secret-key-0123456789
RUN_ID=$(date +%s)_$$
PG_SCHEMA=bench_$RUN_ID
# The actix-session-sqlx-postgres peer's own database, beside the one of $POSTGRES_URL.
PEER_PG_DB=bench_peer_$RUN_ID
REDIS_PREFIX=bench:$RUN_ID:

work=$(mktemp -d "${TMPDIR:-/tmp}/cvs-bench.XXXXXX")
results=$work/results.jsonl
notes=$work/notes.txt
: >"$results"
: >"$notes"
server_pid=
peer_pid=
peer_base=
pg_schema_made=
peer_pg_db_made=

# The peers: django, tower, actix. A peer that cannot be installed, built or started is skipped with a
# note; the run goes on.
declare -A PEER_SCRIPT=([django]=$PEER [tower]=$TOWER_PEER [actix]=$ACTIX_PEER)
declare -A PEER_VAR=([django]=BENCH_PEER [tower]=BENCH_TOWER_PEER [actix]=BENCH_ACTIX_PEER)
declare -A PEER_PORTS=([django]=$PEER_PORT [tower]=$TOWER_PORT [actix]=$ACTIX_PORT)
declare -A PEER_TITLE=([django]="Django peer" [tower]="tower-sessions peer (axum, SQLite)"
  [actix]="actix-session-sqlx-postgres peer")
declare -A peer_skipped=()

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
note() { log "note: $*"; printf '%s\n' "$*" >>"$notes"; }

cleanup() {
  local status=$?
  [[ -n $server_pid ]] && stop_pid "$server_pid"
  [[ -n $peer_pid ]] && stop_group "$peer_pid"
  if [[ -n $pg_schema_made ]]; then
    psql "$POSTGRES_URL" -qc "DROP SCHEMA IF EXISTS $PG_SCHEMA CASCADE" >/dev/null 2>&1 || true
  fi
  if [[ -n $peer_pg_db_made ]]; then
    psql "$POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $PEER_PG_DB WITH (FORCE)" >/dev/null 2>&1 ||
      psql "$POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $PEER_PG_DB" >/dev/null 2>&1 ||
      log "could not drop the peer's database $PEER_PG_DB"
  fi
  if command -v redis-cli >/dev/null; then
    redis-cli -u "$REDIS_URL" --scan --pattern "${REDIS_PREFIX}*" 2>/dev/null |
      xargs -r -n 500 redis-cli -u "$REDIS_URL" del >/dev/null 2>&1 || true
  fi
  if [[ -n ${BENCH_KEEP:-} ]]; then log "work directory kept: $work"; else rm -rf "$work"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_pid() { # pid: TERM, then KILL after 10 s; only the process this script started
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

stop_group() { # pid of a process started under setsid: TERM its process group (the server, or a
  # build its run.sh started), KILL what is left after 10 s, then reap it. The group is this script's
  # own: the pid stays reserved until it is reaped, so its number cannot name anyone else's group.
  local pid=$1 state
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    state=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1 || true)
    [[ -z $state || $state == Z ]] && break
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

wait_http() { # url pid seconds: until the URL answers 200, while pid lives
  local url=$1 pid=$2 seconds=$3
  for _ in $(seq $((seconds * 10))); do
    kill -0 "$pid" 2>/dev/null || return 1
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$url" || true) == 200 ]] && return 0
    sleep 0.1
  done
  return 1
}

peak_rss_kb() { # pid and its children: sum of VmHWM (gunicorn's master and workers)
  local total=0 pid kb
  for pid in "$1" $(pgrep -P "$1" || true); do
    kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}

cpu_ticks() { # pid and its children: user + system CPU so far, in clock ticks
  local total=0 pid t
  for pid in "$1" $(pgrep -P "$1" || true); do
    t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
    total=$((total + ${t:-0}))
  done
  echo "$total"
}

json_str() { python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }
calc() { python3 -c "import math; print($1)"; }
now() { date +%s.%N; }

# ---------------------------------------------------------------------------------------------
# Tools and build
# ---------------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
  log "installing wrk (Debian package)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } >/dev/null
fi
for tool in wrk curl python3 cargo; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is needed" >&2; exit 1; }
done

log "building in release mode"
cargo build --release --quiet --bin cookies-vs-sessions
# What the binary was built from, read now: an edit during the run does not change what is measured.
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=false
if [[ -n $(git status --porcelain -- src crates migrations templates locales Cargo.toml Cargo.lock 2>/dev/null) ]]; then
  dirty=true
fi

# ---------------------------------------------------------------------------------------------
# One case: a warm-up, then the measured run; one JSON line in $results
# ---------------------------------------------------------------------------------------------
current_instance=

run_case() { # server backend page visitors cookie_file|- [close]
  local server=$1 backend=$2 page=$3 visitors=$4 cookies=$5 variant=${6:-}
  local base=$BASE pid=$server_pid
  if [[ $server != ours ]]; then base=$peer_base; pid=$peer_pid; fi
  local args=("$cookies" "$THREADS")
  if [[ $variant == close ]]; then args+=(close); fi
  log "$server $backend $page ($visitors${variant:+, $variant})"
  wrk -t "$THREADS" -c "$CONNECTIONS" -d "${WARMUP}s" -s bench/wrk.lua "$base$page" -- "${args[@]}" \
    >/dev/null
  local out line cpu_before cpu_after
  cpu_before=$(cpu_ticks "$pid")
  out=$(wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --timeout 10s --latency \
    -s bench/wrk.lua "$base$page" -- "${args[@]}")
  cpu_after=$(cpu_ticks "$pid")
  line=$(grep '^BENCH_RESULT' <<<"$out") || { echo "$out" >&2; return 1; }
  local kv fields=",\"cpu_seconds\":$(calc "($cpu_after - $cpu_before) / $(getconf CLK_TCK)")"
  for kv in ${line#BENCH_RESULT }; do fields+=",\"${kv%%=*}\":${kv#*=}"; done
  printf '{"type":"case","server":"%s","backend":"%s","page":"%s","visitors":"%s","variant":"%s","instance":"%s"%s}\n' \
    "$server" "$backend" "$page" "$visitors" "$variant" "$current_instance" "$fields" >>"$results"
  log "  -> $(awk '{for (i = 2; i <= NF; i++) printf "%s ", $i}' <<<"$line")"
}

record_rss() { # instance pid
  local kb
  kb=$(peak_rss_kb "$2")
  printf '{"type":"rss","instance":"%s","peak_rss_kb":%s}\n' "$1" "$kb" >>"$results"
  log "  peak RSS of $1: $((kb / 1024)) MB"
}

start_ours() { # instance, then serve flags
  local instance=$1; shift
  current_instance=$instance
  launch_time=$(now)
  # Only the flags below count: none of the site's own environment variables is passed on.
  env -u BIND -u VISIT_PERIOD -u COOKIE_AGE -u DATABASE_URL -u DATABASE_POOL_SIZE \
    -u PURGE_INTERVAL -u SESSION_COOKIE_AGE -u SESSION_COOKIE_SECURE \
    -u SESSION_EXPIRE_AT_BROWSER_CLOSE -u SESSION_SAVE_EVERY_REQUEST -u SESSION_BACKEND \
    -u REDIS_URL -u REDIS_KEY_PREFIX -u SECRET_KEY \
    RUST_LOG="${BENCH_RUST_LOG:-warn}" NO_COLOR=1 "$BIN" serve --bind "127.0.0.1:$PORT" \
    --secret-key "$SECRET_KEY" "$@" >"$work/$instance.log" 2>&1 &
  server_pid=$!
  if ! wait_http "$BASE/hello/" "$server_pid" 60; then
    cat "$work/$instance.log" >&2
    stop_pid "$server_pid"; server_pid=
    return 1
  fi
}

stop_ours() {
  record_rss "$current_instance" "$server_pid"
  stop_pid "$server_pid"; server_pid=
}

# Session rows and the newest expiry, from the database behind a backend: a page that writes
# nothing leaves both unchanged.
db_fingerprint() { # sqlite-path | postgres
  if [[ $1 == postgres ]]; then
    psql "$pg_url" -Atc "SELECT count(*), coalesce(max(expire_date)::text, '') FROM sessions"
  else
    python3 - "$1" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30)
print("%s|%s" % db.execute("SELECT count(*), coalesce(max(expire_date), '') FROM sessions").fetchone())
EOF
  fi
}

# The cases every backend of ours runs. $1: instance label; $2: database to fingerprint, or "".
bench_our_backend() {
  local backend=$1 database=$2
  local cookies=$work/$backend.cookies hot=$work/$backend.hot
  run_case ours "$backend" /hello/ none -
  if [[ $backend == sqlite ]]; then
    python3 bench/visitors.py "$BASE" "$VISITORS" /cookie/ >"$work/cookie.cookies"
    run_case ours "$backend" /cookie/ jar "$work/cookie.cookies"
  fi
  # New visitors first: they leave tens of thousands of sessions in the table for the rest.
  run_case ours "$backend" /session/ new -
  # Each visitor has seen /session/ and /session/about/ once: the test cookie is confirmed, so a
  # revisit of /session/about/ within the visit period changes nothing.
  python3 bench/visitors.py "$BASE" "$VISITORS" /session/ /session/about/ >"$cookies"
  head -n 1 "$cookies" >"$hot"
  run_case ours "$backend" /session/ jar "$cookies"
  local before after
  [[ -n $database ]] && before=$(db_fingerprint "$database")
  run_case ours "$backend" /session/about/ jar "$cookies"
  if [[ -n $database ]]; then
    after=$(db_fingerprint "$database")
    local wrote=true
    [[ $before == "$after" ]] && wrote=false
    printf '{"type":"about_write_check","instance":"%s","before":%s,"after":%s,"wrote":%s}\n' \
      "$backend" "$(json_str "$before")" "$(json_str "$after")" "$wrote" >>"$results"
    log "  /session/about/ write check: rows|newest expiry $before -> $after (wrote: $wrote)"
  fi
  run_case ours "$backend" /session/ hot "$hot"
  if [[ $backend == sqlite ]]; then
    # gunicorn's sync workers close every connection: the same pages of ours, without keep-alive.
    run_case ours "$backend" /hello/ none - close
    run_case ours "$backend" /session/ jar "$cookies" close
  fi
  # The ceiling again, at the end: the ratios use the mean of the two, so that a burst of other work
  # on this shared machine during one of them shows as a spread rather than a skewed ratio.
  run_case ours "$backend" /hello/ none - again
  if [[ -n $database ]]; then
    printf '{"type":"rows","instance":"%s","fingerprint":%s}\n' "$backend" \
      "$(json_str "$(db_fingerprint "$database")")" >>"$results"
  fi
}

# ---------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------
pg_ok=
if command -v psql >/dev/null && timeout 5 psql "$POSTGRES_URL" -Atc 'SELECT 1' >/dev/null 2>&1; then
  pg_ok=1
fi
# The actix peer's database: $POSTGRES_URL with its database name replaced (the query kept).
peer_pg_url=$(python3 -c '
import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1])
print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$POSTGRES_URL" "$PEER_PG_DB")
redis_ok=
if command -v redis-cli >/dev/null && [[ $(timeout 5 redis-cli -u "$REDIS_URL" ping 2>/dev/null) == PONG ]]; then
  redis_ok=1
fi

# ---------------------------------------------------------------------------------------------
# Our server, one fresh instance per backend
# ---------------------------------------------------------------------------------------------
run_backend() {
  local backend=$1
  case $backend in
    sqlite)
      start_ours sqlite --database-url "sqlite://$work/sqlite.sqlite3"
      bench_our_backend sqlite "$work/sqlite.sqlite3"
      ;;
    postgres)
      [[ -n $pg_ok ]] || { note "PostgreSQL skipped: cannot reach $POSTGRES_URL"; return 0; }
      psql "$POSTGRES_URL" -qc "CREATE SCHEMA $PG_SCHEMA" >/dev/null
      pg_schema_made=1
      # Plain text, as the actix-sqlx-postgres peer talks (its sqlx is built without TLS): our
      # default, sslmode=prefer, encrypts even on loopback, which cost about 50 us of CPU per
      # /session/ request between the two processes (notes, fifth pass).
      pg_url="$POSTGRES_URL?options=-c%20search_path%3D$PG_SCHEMA&sslmode=disable"
      start_ours postgres --database-url "$pg_url"
      bench_our_backend postgres postgres
      ;;
    redis)
      [[ -n $redis_ok ]] || { note "Redis skipped: cannot reach $REDIS_URL"; return 0; }
      start_ours redis --session-backend redis --redis-url "$REDIS_URL" \
        --redis-key-prefix "${REDIS_PREFIX}redis:"
      bench_our_backend redis ""
      ;;
    cached-db)
      start_ours cached-db --session-backend cached-db \
        --database-url "sqlite://$work/cached-db.sqlite3"
      bench_our_backend cached-db "$work/cached-db.sqlite3"
      ;;
    cached-db-redis)
      [[ -n $redis_ok ]] || { note "cached-db with a Redis cache skipped: cannot reach $REDIS_URL"; return 0; }
      start_ours cached-db-redis --session-backend cached-db --redis-url "$REDIS_URL" \
        --redis-key-prefix "${REDIS_PREFIX}cdb:" --database-url "sqlite://$work/cached-db-redis.sqlite3"
      bench_our_backend cached-db-redis "$work/cached-db-redis.sqlite3"
      ;;
    signed-cookie)
      start_ours signed-cookie --session-backend signed-cookie \
        --database-url "sqlite://$work/unused.sqlite3"
      bench_our_backend signed-cookie ""
      ;;
    *) echo "bench: unknown backend $backend" >&2; exit 2 ;;
  esac
  stop_ours
}

# ---------------------------------------------------------------------------------------------
# The peers, one at a time on their own ports
# ---------------------------------------------------------------------------------------------
skip_peer() { # name reason: noted once; the peer is not started again in this run
  [[ -n ${peer_skipped[$1]:-} ]] && return 0
  peer_skipped[$1]=1
  note "${PEER_TITLE[$1]} skipped: $2"
}

# name label: start the peer's run.sh in a process group of its own (a build it runs first is
# stopped with it); 0 once it answers /hello/, else a note and 1.
start_peer() {
  local name=$1 label=$2
  local script=${PEER_SCRIPT[$name]} port=${PEER_PORTS[$name]}
  [[ -n ${peer_skipped[$name]:-} ]] && return 1
  if [[ -z $script ]]; then skip_peer "$name" "${PEER_VAR[$name]} is empty"; return 1; fi
  if [[ ! -x $script ]]; then skip_peer "$name" "$script is not there"; return 1; fi
  if [[ $name == actix ]]; then
    [[ -n $pg_ok ]] || { skip_peer actix "cannot reach PostgreSQL at $POSTGRES_URL"; return 1; }
    if [[ -z $peer_pg_db_made ]]; then
      if ! psql "$POSTGRES_URL" -qc "CREATE DATABASE $PEER_PG_DB" >/dev/null 2>"$work/actix-createdb.log"; then
        skip_peer actix "cannot create its database $PEER_PG_DB: $(head -c 200 "$work/actix-createdb.log" | tr '\n`|' " '/")"
        return 1
      fi
      peer_pg_db_made=1
    fi
  fi
  peer_base=http://127.0.0.1:$port
  if curl -s --max-time 2 -o /dev/null "$peer_base/"; then
    skip_peer "$name" "something already listens on port $port"
    return 1
  fi
  log "$label the ${PEER_TITLE[$name]} (it may install or build itself first: up to ${PEER_TIMEOUT} s)"
  printf '\n--- %s %s\n' "$label" "$(date +%T)" >>"$work/$name.log"
  local environment=(PORT="$port")
  case $name in
    django | tower) environment+=(PEER_DB="$work/$name.sqlite3") ;;
    actix) environment+=(PEER_DATABASE_URL="$peer_pg_url") ;;
  esac
  env "${environment[@]}" setsid "$script" >>"$work/$name.log" 2>&1 &
  peer_pid=$!
  local started
  started=$(now)
  if ! wait_http "$peer_base/hello/" "$peer_pid" "$PEER_TIMEOUT"; then
    local last
    last=$(grep -av '^\s*$' "$work/$name.log" | tail -n 1 | cut -c1-200 | tr '`|' "'/")
    tail -n 30 "$work/$name.log" >&2
    if kill -0 "$peer_pid" 2>/dev/null; then
      skip_peer "$name" "it did not answer /hello/ within ${PEER_TIMEOUT} s (last line of its log: \`$last\`)"
    else
      skip_peer "$name" "it did not build or start (last line of its log: \`$last\`)"
    fi
    stop_group "$peer_pid"; peer_pid=
    return 1
  fi
  log "  up after $(calc "round($(now) - $started, 1)") s"
}

stop_peer() {
  [[ -n $peer_pid ]] || return 0
  stop_group "$peer_pid"; peer_pid=
}

# Each peer is built (Rust) or installed (Django) and started once before any measurement, so that a
# first build of several minutes does not come between our backend and its peer.
prepare_peer() {
  start_peer "$1" "building and starting" || return 0
  stop_peer
}

# The cases of one peer: the Django peer's as before, the Rust peers' the same minus /cookie/ (they
# have none). Returns 1 at the first case that fails.
peer_cases() {
  local name=$1 backend=sqlite
  [[ $name == actix ]] && backend=postgres
  run_case "$name" "$backend" /hello/ none - || return 1
  if [[ $name == django ]]; then
    python3 bench/visitors.py "$peer_base" "$VISITORS" /cookie/ >"$work/$name-cookie.cookies" || return 1
    run_case "$name" "$backend" /cookie/ jar "$work/$name-cookie.cookies" || return 1
  fi
  run_case "$name" "$backend" /session/ new - || return 1
  python3 bench/visitors.py "$peer_base" "$VISITORS" /session/ >"$work/$name.cookies" || return 1
  head -n 1 "$work/$name.cookies" >"$work/$name.hot"
  run_case "$name" "$backend" /session/ jar "$work/$name.cookies" || return 1
  run_case "$name" "$backend" /session/ hot "$work/$name.hot" || return 1
}

run_peer() { # name
  local name=$1
  start_peer "$name" starting || return 0
  current_instance=$name
  if ! peer_cases "$name"; then
    note "${PEER_TITLE[$name]}: a case failed, so its remaining cases were not run (see the bench log)"
  fi
  record_rss "$name" "$peer_pid"
  stop_peer
}

# ---------------------------------------------------------------------------------------------
# The purge case (SQLite)
# ---------------------------------------------------------------------------------------------
# fill DB LIVE EXPIRED EXPIRE_SQL: live rows (64-character random alphanumeric keys, two weeks
# ahead) and rows expiring at EXPIRE_SQL (an SQLite expression), with `purge_after` a minute
# later, as the store writes it. Prints the seconds it took.
fill_sessions() {
  python3 - "$@" <<'EOF'
import sqlite3, sys, time
path, live, expired, expire_sql = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
data = '{"last_visit":"\\"2026-03-01T09:30:00Z\\"","num_visits":"3","visits":"2"}'
started = time.monotonic()
db = sqlite3.connect(path, timeout=60)
insert = """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
            INSERT OR IGNORE INTO sessions (session_key, session_data, expire_date, purge_after)
            SELECT lower(hex(randomblob(32))), ?, e, datetime(e, '+1 minute')
            FROM (SELECT %s AS e FROM n)"""
if live:
    db.execute(insert % "datetime('now', '+14 days')", (live, data))
if expired:
    db.execute(insert % expire_sql, (expired, data))
db.commit()
print("%.2f" % (time.monotonic() - started))
EOF
}

run_purge() {
  [[ $PURGE_EXPIRED -gt 0 ]] || { note "purge case skipped (BENCH_PURGE_EXPIRED=0)"; return 0; }
  local db=$work/purge.sqlite3 out started elapsed fill deleted remaining
  log "purge: filling $db with $PURGE_LIVE live and $PURGE_EXPIRED expired sessions"
  "$BIN" migrate --database-url "sqlite://$work/purge-clear.sqlite3" >/dev/null
  # Expired over the last two weeks, in random order, as a site's would be.
  fill=$(fill_sessions "$work/purge-clear.sqlite3" "$PURGE_LIVE" "$PURGE_EXPIRED" \
    "datetime('now', printf('-%d seconds', 1 + abs(random()) % 1209600))")
  log "purge: filled in ${fill}s; clearsessions"
  started=$(now)
  out=$("$BIN" clearsessions --database-url "sqlite://$work/purge-clear.sqlite3")
  elapsed=$(calc "round($(now) - $started, 3)")
  deleted=$(sed -n 's/^Deleted \([0-9]*\) expired sessions\.$/\1/p' <<<"$out")
  remaining=$(db_fingerprint "$work/purge-clear.sqlite3" | cut -d'|' -f1)
  printf '{"type":"clearsessions","live":%s,"expired":%s,"fill_seconds":%s,"seconds":%s,"deleted":%s,"remaining":%s}\n' \
    "$PURGE_LIVE" "$PURGE_EXPIRED" "$fill" "$elapsed" "${deleted:-0}" "$remaining" >>"$results"
  log "purge: clearsessions deleted $deleted in ${elapsed}s, $remaining left"

  # /session/ under load while the server's background purge deletes the same amount. The
  # purge's first run is at start, so the expired rows are filled to expire a little after the
  # start, and the second run (after --purge-interval) finds them: warm-up and a baseline run
  # come before it, the measured run starts with it.
  "$BIN" migrate --database-url "sqlite://$db" >/dev/null
  fill_sessions "$db" "$PURGE_LIVE" 0 "" >/dev/null
  start_ours purge-setup --database-url "sqlite://$db"
  python3 bench/visitors.py "$BASE" "$VISITORS" /session/ /session/about/ >"$work/purge.cookies"
  stop_ours
  local lead expires_in interval window budget
  # Time for the fill, the start, the warm-up and a baseline run, with some room.
  budget=$(calc "math.ceil(1.3 * $fill) + $WARMUP + $DURATION + 10")
  expires_in=$budget
  # All expire within one second, in random order (random fractions, as diesel writes them), so
  # that the purge meets them in an order unrelated to where they sit in the table.
  fill=$(fill_sessions "$db" 0 "$PURGE_EXPIRED" \
    "printf('%s.%09d', datetime('now', '+$expires_in seconds'), abs(random()) % 1000000000)")
  lead=$(calc "math.floor($expires_in - $fill)")
  if ((lead < WARMUP + DURATION + 3)); then
    note "purge under load skipped: filling took ${fill}s, longer than planned"
    return 0
  fi
  interval=$((lead + 2))
  # The background purge rests between batches, so it takes longer than clearsessions: watch a
  # fixed window of it.
  window=${BENCH_PURGE_WINDOW:-30}
  BENCH_RUST_LOG=warn,actix_session_diesel::purge=info \
    start_ours purge --database-url "sqlite://$db" --purge-interval "${interval}s"
  local t0 until_purge launched=$launch_time
  t0=$(now)
  current_instance=purge
  run_case ours purge-baseline /session/ jar "$work/purge.cookies"
  until_purge=$(calc "max(0, round($t0 + $interval - 0.3 - $(now), 3))")
  sleep "$until_purge"
  log "purge: /session/ for ${window}s while the background purge runs"
  local cpu_before cpu_after
  cpu_before=$(cpu_ticks "$server_pid")
  out=$(wrk -t "$THREADS" -c "$CONNECTIONS" -d "${window}s" --timeout 10s -s bench/wrk.lua \
    "$BASE/session/" -- "$work/purge.cookies" "$THREADS")
  cpu_after=$(cpu_ticks "$server_pid")
  local line kv fields=",\"cpu_seconds\":$(calc "($cpu_after - $cpu_before) / $(getconf CLK_TCK)")"
  line=$(grep '^BENCH_RESULT' <<<"$out")
  for kv in ${line#BENCH_RESULT }; do fields+=",\"${kv%%=*}\":${kv#*=}"; done
  printf '{"type":"case","server":"ours","backend":"purge-during","page":"/session/","visitors":"jar","variant":"","instance":"purge"%s}\n' \
    "$fields" >>"$results"
  log "  -> ${line#BENCH_RESULT }"
  # How far the purge got in the window; its end, if it ended, from its log line (its start is
  # the interval after the server's start).
  local expired_left purge_log
  expired_left=$(python3 - "$db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=60)
print(db.execute("SELECT count(*) FROM sessions WHERE expire_date <= datetime('now')").fetchone()[0])
PY
)
  purge_log=$(grep -a 'expired sessions deleted' "$work/purge.log" | tail -n 1 || true)
  log "purge: $expired_left expired sessions left after the window"
  stop_ours
  printf '{"type":"purge_under_load","launched":%s,"ready":%s,"interval":%s,"window":%s,"expired":%s,"expired_left":%s,"log":%s}\n' \
    "$launched" "$t0" "$interval" "$window" "$PURGE_EXPIRED" "$expired_left" "$(json_str "$purge_log")" >>"$results"
}

# ---------------------------------------------------------------------------------------------
started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)
for name in tower actix django; do prepare_peer "$name"; done
for backend in $BACKENDS; do
  run_backend "$backend"
  # Each peer right after our server on the same kind of store, so that the two are measured close
  # together: tower-sessions (then Django) after our SQLite, actix-session-sqlx-postgres after our
  # PostgreSQL.
  case $backend in
    sqlite) run_peer tower; run_peer django ;;
    postgres) run_peer actix ;;
  esac
done
if [[ " $BACKENDS " != *" sqlite "* ]]; then run_peer tower; run_peer django; fi
if [[ " $BACKENDS " != *" postgres "* ]]; then run_peer actix; fi
run_purge

django_version=
if [[ -n $PEER && -x $(dirname "$PEER")/.venv/bin/python ]]; then
  django_version=$("$(dirname "$PEER")/.venv/bin/python" -c 'import django; print(django.get_version())' 2>/dev/null || true)
fi
lock_versions() { # run.sh crate...: "crate version" of each, from the Cargo.lock beside the run.sh
  local lock
  [[ -n $1 ]] || { echo '""'; return 0; }
  lock=$(dirname "$1")/Cargo.lock; shift
  [[ -r $lock ]] || { echo '""'; return 0; }
  python3 - "$lock" "$@" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
found = dict(re.findall(r'\[\[package\]\]\nname = "([^"]+)"\nversion = "([^"]+)"', text))
print(json.dumps(", ".join(f"{name} {found[name]}" for name in sys.argv[2:] if name in found)))
PY
}
tower_versions=$(lock_versions "${TOWER_PEER:-}" axum tower-sessions tower-sessions-sqlx-store sqlx)
actix_versions=$(lock_versions "${ACTIX_PEER:-}" actix-web actix-session actix-session-sqlx-postgres sqlx)
cat >"$work/meta.json" <<EOF
{"started_at": "$started_at", "finished_at": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
 "commit": "$commit", "dirty": $dirty,
 "cores": $(nproc), "cpu": $(json_str "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"),
 "memory_kb": $(awk '/^MemTotal:/ {print $2}' /proc/meminfo), "kernel": "$(uname -r)",
 "loadavg_start": "$loadavg_start", "loadavg_end": "$(cut -d' ' -f1-3 /proc/loadavg)",
 "connections": $CONNECTIONS, "threads": $THREADS, "duration": $DURATION, "warmup": $WARMUP,
 "visitors": $VISITORS, "wrk": $(json_str "$(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2)"),
 "django": "$django_version", "tower": $tower_versions, "actix": $actix_versions}
EOF
python3 bench/report.py "$work/meta.json" "$results" "$notes" bench/notes.md >"$OUTPUT"
log "wrote $OUTPUT"
