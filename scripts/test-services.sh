#!/usr/bin/env bash
# Makes sure the servers that the backend and browser tests use are running, and exports their URLs:
#   TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test)
#   TEST_REDIS_URL    (default redis://127.0.0.1:6379)
#   WEBDRIVER_URL     (default http://127.0.0.1:9515: chromedriver driving Debian's Chromium)
# Installs them from Debian's packages if missing and starts them if down; fails if they cannot
# be reached. Run a command under it, for example every test including those that need these
# servers (plain `cargo test` reports them as ignored):
#   scripts/test-services.sh cargo test -- --include-ignored
# When the command ends, it stops the chromedriver it started and deletes what the tests left in
# Redis and PostgreSQL (keys and schemas named cvs_test_*). Sourced (`. scripts/test-services.sh`),
# it only starts the servers and sets the URLs.
set -euo pipefail

export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
export TEST_REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379}
export WEBDRIVER_URL=${WEBDRIVER_URL:-http://127.0.0.1:9515}

apt_install() {
  echo "test-services: installing $*" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

wait_for() { # what, command…
  local what=$1; shift
  for _ in $(seq 60); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "test-services: $what cannot be reached" >&2
  return 1
}

if ! command -v pg_ctlcluster >/dev/null; then
  apt_install postgresql
  # A fresh cluster asks for passwords on TCP: let local test connections in, as this machine's does.
  hba=$(ls /etc/postgresql/*/main/pg_hba.conf)
  sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
fi
wait_for PostgreSQL pg_isready -h 127.0.0.1 -p 5432
if ! psql "${TEST_DATABASE_URL}" -Atc 'SELECT 1' >/dev/null 2>&1; then
  psql "${TEST_DATABASE_URL%/*}/postgres" -c "CREATE DATABASE ${TEST_DATABASE_URL##*/}" >/dev/null
fi
wait_for "PostgreSQL at $TEST_DATABASE_URL" psql "$TEST_DATABASE_URL" -Atc 'SELECT 1'

if ! command -v redis-server >/dev/null; then
  apt_install redis-server
fi
if ! redis-cli -u "$TEST_REDIS_URL" ping >/dev/null 2>&1; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
wait_for "Redis at $TEST_REDIS_URL" redis-cli -u "$TEST_REDIS_URL" ping

if ! command -v chromedriver >/dev/null || [[ ! -x /usr/bin/chromium ]]; then
  apt_install chromium chromium-driver
fi
chromedriver_pid=
if ! curl -fsS "$WEBDRIVER_URL/status" >/dev/null 2>&1; then
  port=${WEBDRIVER_URL##*:}
  chromedriver --port="${port%%/*}" >/tmp/chromedriver.log 2>&1 &
  chromedriver_pid=$!
fi
wait_for "chromedriver at $WEBDRIVER_URL" curl -fsS "$WEBDRIVER_URL/status"

# What the tests leave behind: keys and schemas under the cvs_test_ prefix of services.rs, which
# a test that panicked or was killed may not have dropped, and the chromedriver started above.
clean_up() {
  set +e # a failed clean-up must not change the command's exit status
  [[ -n $chromedriver_pid ]] && kill "$chromedriver_pid" 2>/dev/null && wait "$chromedriver_pid" 2>/dev/null
  redis-cli -u "$TEST_REDIS_URL" --scan --pattern 'cvs_test_*' | xargs -r redis-cli -u "$TEST_REDIS_URL" del >/dev/null
  psql "$TEST_DATABASE_URL" -Atc "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'cvs\_test\_%'" |
    while read -r schema; do psql "$TEST_DATABASE_URL" -qc "DROP SCHEMA $schema CASCADE" >/dev/null; done
  return 0
}

if [[ $# -gt 0 ]]; then
  trap clean_up EXIT
  "$@"
fi
