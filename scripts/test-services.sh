#!/usr/bin/env bash
# Makes sure the servers that the backend and browser tests use are running, and exports their URLs:
#   TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test)
#   TEST_REDIS_URL    (default redis://127.0.0.1:6379)
#   WEBDRIVER_URL     (default http://127.0.0.1:9515: chromedriver driving Debian's Chromium)
#   TEST_DATABASE_TLS_URL, TEST_DATABASE_TLS_ADMIN_URL (with a command only: a throw-away
#                     PostgreSQL that takes TLS connections only, on a free port, with a
#                     certificate for "localhost" from a self-signed root; the store crate's TLS
#                     tests use it)
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
# A font with Traditional Chinese, or the zh-TW screenshots show empty boxes.
if ! fc-list :lang=zh-tw | grep -q .; then
  apt_install fonts-wqy-zenhei
fi
chromedriver_pid=
if ! curl -fsS "$WEBDRIVER_URL/status" >/dev/null 2>&1; then
  port=${WEBDRIVER_URL##*:}
  chromedriver --port="${port%%/*}" >/tmp/chromedriver.log 2>&1 &
  chromedriver_pid=$!
fi
wait_for "chromedriver at $WEBDRIVER_URL" curl -fsS "$WEBDRIVER_URL/status"

# The TLS-only PostgreSQL: a cluster of our own (not the shared one), stopped and removed on exit.
start_tls_postgres() {
  local bin port
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  tls_dir=$(mktemp -d /tmp/cvs-test-pg-tls.XXXXXX)
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # A self-signed root, and the server's certificate for "localhost" signed by it (a root cannot
  # serve as the server's own certificate: rustls refuses a CA as an end entity).
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=cvs-test-root \
    -keyout "$tls_dir/root.key" -out "$tls_dir/root.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj /CN=localhost \
    -keyout "$tls_dir/server.key" -out "$tls_dir/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n' >"$tls_dir/server.ext"
  openssl x509 -req -in "$tls_dir/server.csr" -CA "$tls_dir/root.crt" -CAkey "$tls_dir/root.key" \
    -CAcreateserial -days 2 -extfile "$tls_dir/server.ext" -out "$tls_dir/server.crt" 2>/dev/null
  chown -R postgres "$tls_dir" && chmod 600 "$tls_dir/server.key"
  runuser -u postgres -- "$bin/initdb" -D "$tls_dir/data" -U postgres --auth=trust >/dev/null
  cat >>"$tls_dir/data/postgresql.conf" <<CONF
port = $port
listen_addresses = 'localhost'
unix_socket_directories = '$tls_dir'
ssl = on
ssl_cert_file = '$tls_dir/server.crt'
ssl_key_file = '$tls_dir/server.key'
CONF
  printf 'local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n' \
    >"$tls_dir/data/pg_hba.conf"
  runuser -u postgres -- "$bin/pg_ctl" -D "$tls_dir/data" -l "$tls_dir/log" -w start >/dev/null
  tls_pg_ctl="$bin/pg_ctl"
  export TEST_DATABASE_TLS_URL="postgres://postgres@localhost:$port/postgres?sslmode=verify-full&sslrootcert=$tls_dir/root.crt"
  export TEST_DATABASE_TLS_ADMIN_URL="postgres://postgres@${tls_dir//\//%2F}:$port/postgres"
}

# What the tests leave behind: keys and schemas under the cvs_test_ prefix of services.rs, which
# a test that panicked or was killed may not have dropped, and the chromedriver started above.
clean_up() {
  set +e # a failed clean-up must not change the command's exit status
  [[ -n $chromedriver_pid ]] && kill "$chromedriver_pid" 2>/dev/null && wait "$chromedriver_pid" 2>/dev/null
  if [[ -n ${tls_dir:-} ]]; then
    runuser -u postgres -- "$tls_pg_ctl" -D "$tls_dir/data" -m immediate stop >/dev/null 2>&1
    rm -rf "$tls_dir"
  fi
  redis-cli -u "$TEST_REDIS_URL" --scan --pattern 'cvs_test_*' | xargs -r redis-cli -u "$TEST_REDIS_URL" del >/dev/null
  psql "$TEST_DATABASE_URL" -Atc "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'cvs\_test\_%'" |
    while read -r schema; do psql "$TEST_DATABASE_URL" -qc "DROP SCHEMA $schema CASCADE" >/dev/null; done
  return 0
}

if [[ $# -gt 0 ]]; then
  trap clean_up EXIT
  start_tls_postgres
  "$@"
fi
