#!/usr/bin/env bash
# The benchmark: our counters beside our stateless page and beside the Django peer, in one run.
# Rewrites docs/benchmarks.md. See the README's "Benchmark" section; in short:
#
#   bench/run.sh                             # everything that can run here
#   scripts/test-services.sh bench/run.sh    # start PostgreSQL and Redis first
#
# Environment (all optional):
#   BENCH_CONNECTIONS=16 BENCH_THREADS=2 BENCH_DURATION=10 BENCH_WARMUP=3   wrk settings (seconds)
#   BENCH_VISITORS=2000        visitors pre-created per server, each with its own cookies
#   BENCH_BACKENDS="sqlite postgres redis cached-db cached-db-redis signed-cookie"
#   BENCH_PEER=../shared/peers/django-rango/run.sh   the Django peer (skipped if absent; "" skips)
#   BENCH_PURGE_EXPIRED=1000000 BENCH_PURGE_LIVE=100000   the purge case (BENCH_PURGE_EXPIRED=0 skips)
#   BENCH_PURGE_WINDOW=30      the /session/ run during the background purge (seconds)
#   BENCH_POSTGRES_URL (else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test)
#   BENCH_REDIS_URL    (else TEST_REDIS_URL, else redis://127.0.0.1:6379)
#   BENCH_PORT=18080 BENCH_PEER_PORT=18081   BENCH_OUTPUT=docs/benchmarks.md
#   BENCH_KEEP=1               keep the work directory (databases, logs, raw results)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

CONNECTIONS=${BENCH_CONNECTIONS:-16}
THREADS=${BENCH_THREADS:-2}
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-3}
VISITORS=${BENCH_VISITORS:-2000}
BACKENDS=${BENCH_BACKENDS:-sqlite postgres redis cached-db cached-db-redis signed-cookie}
PEER=${BENCH_PEER-../shared/peers/django-rango/run.sh}
PURGE_EXPIRED=${BENCH_PURGE_EXPIRED:-1000000}
PURGE_LIVE=${BENCH_PURGE_LIVE:-100000}
POSTGRES_URL=${BENCH_POSTGRES_URL:-${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}}
REDIS_URL=${BENCH_REDIS_URL:-${TEST_REDIS_URL:-redis://127.0.0.1:6379}}
PORT=${BENCH_PORT:-18080}
PEER_PORT=${BENCH_PEER_PORT:-18081}
OUTPUT=${BENCH_OUTPUT:-docs/benchmarks.md}

BIN=$root/target/release/cookies-vs-sessions
BASE=http://127.0.0.1:$PORT
PEER_BASE=http://127.0.0.1:$PEER_PORT
# A fixed key, so a visitor's signed cookie stays valid across the restarts of one backend.
SECRET_KEY=bench-only-secret-key-bench-only-secret-key-bench-only-secret-key-0123456789
RUN_ID=$(date +%s)_$$
PG_SCHEMA=bench_$RUN_ID
REDIS_PREFIX=bench:$RUN_ID:

work=$(mktemp -d "${TMPDIR:-/tmp}/cvs-bench.XXXXXX")
results=$work/results.jsonl
notes=$work/notes.txt
: >"$results"
: >"$notes"
server_pid=
peer_pid=
pg_schema_made=

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
note() { log "note: $*"; printf '%s\n' "$*" >>"$notes"; }

cleanup() {
  local status=$?
  [[ -n $server_pid ]] && stop_pid "$server_pid"
  [[ -n $peer_pid ]] && stop_pid "$peer_pid"
  if [[ -n $pg_schema_made ]]; then
    psql "$POSTGRES_URL" -qc "DROP SCHEMA IF EXISTS $PG_SCHEMA CASCADE" >/dev/null 2>&1 || true
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

# ---------------------------------------------------------------------------------------------
# One case: a warm-up, then the measured run; one JSON line in $results
# ---------------------------------------------------------------------------------------------
current_instance=

run_case() { # server backend page visitors cookie_file|- [close]
  local server=$1 backend=$2 page=$3 visitors=$4 cookies=$5 variant=${6:-}
  local base=$BASE pid=$server_pid
  if [[ $server == django ]]; then base=$PEER_BASE; pid=$peer_pid; fi
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
      pg_url="$POSTGRES_URL?options=-c%20search_path%3D$PG_SCHEMA"
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

run_peer() {
  if [[ -z $PEER ]]; then
    note "Django peer skipped: BENCH_PEER is empty"
    return 0
  elif [[ ! -x $PEER ]]; then
    note "Django peer skipped: $PEER is not there"
    return 0
  fi
  log "starting the Django peer (installs Django and gunicorn on first use)"
  PORT=$PEER_PORT PEER_DB=$work/peer.sqlite3 "$PEER" >"$work/peer.log" 2>&1 &
  peer_pid=$!
  if ! wait_http "$PEER_BASE/hello/" "$peer_pid" 600; then
    cat "$work/peer.log" >&2
    note "Django peer skipped: it did not start (see its log)"
    stop_pid "$peer_pid"; peer_pid=
    return 0
  fi
  current_instance=django
  run_case django sqlite /hello/ none -
  python3 bench/visitors.py "$PEER_BASE" "$VISITORS" /cookie/ >"$work/peer-cookie.cookies"
  run_case django sqlite /cookie/ jar "$work/peer-cookie.cookies"
  run_case django sqlite /session/ new -
  python3 bench/visitors.py "$PEER_BASE" "$VISITORS" /session/ >"$work/peer.cookies"
  head -n 1 "$work/peer.cookies" >"$work/peer.hot"
  run_case django sqlite /session/ jar "$work/peer.cookies"
  run_case django sqlite /session/ hot "$work/peer.hot"
  record_rss django "$peer_pid"
  stop_pid "$peer_pid"; peer_pid=
}

# ---------------------------------------------------------------------------------------------
# The purge case (SQLite)
# ---------------------------------------------------------------------------------------------
# fill DB LIVE EXPIRED EXPIRE_SQL: live rows (64-character random alphanumeric keys, two weeks
# ahead) and rows expiring at EXPIRE_SQL (an SQLite expression). Prints the seconds it took.
fill_sessions() {
  python3 - "$@" <<'EOF'
import sqlite3, sys, time
path, live, expired, expire_sql = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
data = '{"last_visit":"\\"2026-03-01T09:30:00Z\\"","num_visits":"3","visits":"2"}'
started = time.monotonic()
db = sqlite3.connect(path, timeout=60)
insert = """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
            INSERT OR IGNORE INTO sessions (session_key, session_data, expire_date)
            SELECT lower(hex(randomblob(32))), ?, %s FROM n"""
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
for backend in $BACKENDS; do
  run_backend "$backend"
  # The Django peer right after our SQLite server, so the two are measured close together.
  if [[ $backend == sqlite ]]; then run_peer; fi
done
if [[ " $BACKENDS " != *" sqlite "* ]]; then run_peer; fi
run_purge

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=false
if [[ -n $(git status --porcelain -- src migrations templates Cargo.toml Cargo.lock 2>/dev/null) ]]; then
  dirty=true
fi
django_version=
if [[ -n $PEER && -x $(dirname "$PEER")/.venv/bin/python ]]; then
  django_version=$("$(dirname "$PEER")/.venv/bin/python" -c 'import django; print(django.get_version())' 2>/dev/null || true)
fi
cat >"$work/meta.json" <<EOF
{"started_at": "$started_at", "finished_at": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
 "commit": "$commit", "dirty": $dirty,
 "cores": $(nproc), "cpu": $(json_str "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"),
 "memory_kb": $(awk '/^MemTotal:/ {print $2}' /proc/meminfo), "kernel": "$(uname -r)",
 "loadavg_start": "$loadavg_start", "loadavg_end": "$(cut -d' ' -f1-3 /proc/loadavg)",
 "connections": $CONNECTIONS, "threads": $THREADS, "duration": $DURATION, "warmup": $WARMUP,
 "visitors": $VISITORS, "wrk": $(json_str "$(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2)"),
 "django": "$django_version"}
EOF
python3 bench/report.py "$work/meta.json" "$results" "$notes" bench/notes.md >"$OUTPUT"
log "wrote $OUTPUT"
