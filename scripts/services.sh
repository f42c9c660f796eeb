#!/usr/bin/env bash
# Start (or find running) the shared-archive services the tests use: a real
# PostgreSQL (Debian's package) and a real Garage S3 node, both on loopback,
# with their data under $ARSHIF_SERVICES (default: target/services).
#
#   scripts/services.sh start    start what is not running; print the settings
#   scripts/services.sh env      print the settings (as shell assignments)
#   scripts/services.sh stop     stop both
#   scripts/services.sh stop-garage | start-garage | stop-pg | start-pg   (outage tests)
#
# Settings printed: ARSHIF_TEST_PG (a postgres:// URL), ARSHIF_TEST_PG_CA
# (the root certificate of the server's TLS certificate: PostgreSQL runs
# with ssl=on, and a URL with sslmode=verify-full&sslrootcert=THAT reaches it
# over TLS; without sslmode the connection stays plain), AWS_ENDPOINT_URL,
# AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, ARSHIF_TEST_BUCKET.
# Garage's binary comes from scripts/install-garage.sh (built once, cached).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${ARSHIF_SERVICES:-$ROOT/target/services}"
# Ports derived from the checkout's path, so two checkouts (a CI clone
# beside a working copy) never collide.
OFF=$(( $(printf '%s' "$ROOT" | cksum | cut -d' ' -f1) % 500 ))
PG_PORT="${ARSHIF_PG_PORT:-$((54000 + OFF))}"
S3_PORT="${ARSHIF_S3_PORT:-$((40000 + OFF * 4))}"
RPC_PORT="${ARSHIF_GARAGE_RPC_PORT:-$((40001 + OFF * 4))}"
ADMIN_PORT="${ARSHIF_GARAGE_ADMIN_PORT:-$((40003 + OFF * 4))}"
PGBIN="$( (ls -d /usr/lib/postgresql/*/bin 2>/dev/null || true) | sort -V | tail -1)"
BUCKET=arshif-test
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"

as_pg() {
  # PostgreSQL refuses to run as root: run its tools as the postgres user.
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# As root, PostgreSQL runs as the postgres user, who may not be able to
# reach the checkout: its data then lives under /tmp.
if [ "$(id -u)" -eq 0 ]; then
  PGDATA_DIR="${ARSHIF_PG_DATA:-/tmp/arshif-pg-$OFF-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)}"
else
  PGDATA_DIR="${ARSHIF_PG_DATA:-$DIR/pg}"
fi

# A test CA and a server certificate it signs (for 127.0.0.1 and
# localhost), in the data directory, made once.
pg_certs() {
  local data="$PGDATA_DIR"
  [ -f "$data/server.crt" ] && [ -f "$data/arshif-ca.crt" ] && return 0
  local tmp
  tmp="$(mktemp -d)"
  openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -days 3650 \
    -subj "/CN=arshif test CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$tmp/ca.key" -out "$tmp/ca.crt" 2>/dev/null
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -subj "/CN=127.0.0.1" -keyout "$tmp/server.key" -out "$tmp/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' >"$tmp/ext"
  openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" \
    -CAcreateserial -days 3650 -extfile "$tmp/ext" -out "$tmp/server.crt" 2>/dev/null
  install -m 600 "$tmp/server.key" "$data/server.key"
  install -m 644 "$tmp/server.crt" "$data/server.crt"
  install -m 644 "$tmp/ca.crt" "$data/arshif-ca.crt"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$data/server.key" "$data/server.crt" "$data/arshif-ca.crt"; fi
  rm -rf "$tmp"
}

pg_start() {
  local data="$PGDATA_DIR"
  if [ ! -f "$data/PG_VERSION" ]; then
    rm -rf "$data"; mkdir -p "$data"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$data"; chmod 700 "$data"; fi
    as_pg "$PGBIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/pg-initdb.log"
  fi
  pg_certs
  # A server started before it had TLS is started again with it.
  if as_pg "$PGBIN/pg_ctl" -D "$data" status >/dev/null 2>&1 \
      && ! grep -q "ssl=on" "$data/postmaster.opts" 2>/dev/null; then
    as_pg "$PGBIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null
  fi
  if ! as_pg "$PGBIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_pg "$PGBIN/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
      -o "-p $PG_PORT -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300 -c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key" start >/dev/null
  fi
}

garage_bin() {
  "$ROOT/scripts/install-garage.sh" path
}

garage_conf() {
  local d="$DIR/garage"
  mkdir -p "$d/meta" "$d/data"
  if [ ! -f "$d/garage.toml" ]; then
    cat >"$d/garage.toml" <<EOF
metadata_dir = "$d/meta"
data_dir = "$d/data"
db_engine = "sqlite"
replication_factor = 1
rpc_bind_addr = "127.0.0.1:$RPC_PORT"
rpc_public_addr = "127.0.0.1:$RPC_PORT"
rpc_secret = "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"

[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:$S3_PORT"

[admin]
api_bind_addr = "127.0.0.1:$ADMIN_PORT"
EOF
  fi
}

garage() { "$(garage_bin)" -c "$DIR/garage/garage.toml" "$@"; }

garage_running() {
  [ -f "$DIR/garage/pid" ] && kill -0 "$(cat "$DIR/garage/pid")" 2>/dev/null
}

garage_start() {
  garage_conf
  if ! garage_running; then
    nohup "$(garage_bin)" -c "$DIR/garage/garage.toml" server >>"$DIR/garage/server.log" 2>&1 &
    echo $! >"$DIR/garage/pid"
  fi
  for _ in $(seq 1 100); do
    garage status >/dev/null 2>&1 && break
    sleep 0.2
  done
  if [ ! -f "$DIR/garage/keys.env" ]; then
    local node
    node="$(garage node id -q | cut -d@ -f1)"
    garage layout assign -z dc1 -c 1G "$node" >/dev/null
    garage layout apply --version 1 >/dev/null
    garage bucket create "$BUCKET" >/dev/null
    local out
    out="$(garage key create arshif-test)"
    local id secret
    id="$(echo "$out" | awk '/Key ID:/ {print $3}')"
    secret="$(echo "$out" | awk '/Secret key:/ {print $3}')"
    garage bucket allow --read --write --owner "$BUCKET" --key arshif-test >/dev/null
    printf 'AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n' "$id" "$secret" >"$DIR/garage/keys.env"
  fi
  # wait until the S3 endpoint answers
  for _ in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/$S3_PORT) 2>/dev/null && break
    sleep 0.1
  done
}

garage_stop() {
  if garage_running; then
    kill "$(cat "$DIR/garage/pid")" 2>/dev/null || true
    for _ in $(seq 1 100); do garage_running || break; sleep 0.1; done
  fi
  rm -f "$DIR/garage/pid"
}

print_env() {
  echo "ARSHIF_TEST_PG=postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  echo "ARSHIF_TEST_PG_CA=$PGDATA_DIR/arshif-ca.crt"
  echo "AWS_ENDPOINT_URL=http://127.0.0.1:$S3_PORT"
  cat "$DIR/garage/keys.env" 2>/dev/null || true
  echo "AWS_REGION=garage"
  echo "ARSHIF_TEST_BUCKET=$BUCKET"
}

case "${1:-start}" in
  start)
    pg_start
    garage_start
    print_env
    ;;
  start-pg) pg_start ;;
  stop-pg) as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null ;;
  start-garage) garage_start ;;
  stop-garage) garage_stop ;;
  env) print_env ;;
  stop)
    garage_stop
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m fast stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|env|stop|start-pg|start-garage|stop-garage" >&2; exit 2 ;;
esac
