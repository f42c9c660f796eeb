#!/usr/bin/env bash
# The HTTP API fuzzed against its own description (`make test-api`):
# schemathesis (from PyPI, installed here in a virtualenv under target/)
# generates valid and invalid requests for every operation in
# /api/openapi.json and checks every answer: no 5xx, status codes, content
# types, headers and bodies as documented, invalid input rejected.
# It runs with an administrator's API token on a temporary archive holding
# two documents in two branches. Reports go to target/schemathesis/.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
OUT="$PWD/target/schemathesis"
VENV="$PWD/target/schemathesis-venv"
export OMP_THREAD_LIMIT=1

# ---- what building needs, python3 with venv and curl (installs only what is
# missing), then schemathesis as pinned
./scripts/install-deps.sh api
if ! "$VENV/bin/st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

cargo build --locked
BIN="$PWD/target/debug/arshif"

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  mkdir -p "$OUT"
  cp "$WORK/server.log" "$OUT/server.log" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ARCHIVE="$WORK/archive"
"$BIN" --archive "$ARCHIVE" init >/dev/null
"$BIN" --archive "$ARCHIVE" ingest --branch hofuf --doc-type circular --progress none \
  "samples/scans/pdf/circular 12-1445 opening hours.pdf" >/dev/null
"$BIN" --archive "$ARCHIVE" ingest --branch omran --doc-type violation-report --progress none \
  "samples/scans/pdf/محضر مخالفة 1445-552.pdf" >/dev/null
echo "schemathesis-admin-pw" | "$BIN" --archive "$ARCHIVE" user add fuzzer --role admin --password-stdin >/dev/null
TOKEN="$("$BIN" --archive "$ARCHIVE" token create fuzzer --label schemathesis 2>/dev/null)"

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
URL="http://127.0.0.1:$PORT"
# Small uploads keep generated bodies quick to refuse.
"$BIN" --archive "$ARCHIVE" serve --addr "127.0.0.1:$PORT" --max-upload-mib 4 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$URL/api/openapi.json" || true)"
  [ "$code" = "200" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
  sleep 0.2
done

mkdir -p "$OUT"
status=0
"$VENV/bin/st" --config-file tests/api/schemathesis.toml run "$URL/api/openapi.json" \
  --url "$URL" \
  --header "Authorization: Bearer $TOKEN" \
  --checks all \
  --max-examples "${ARSHIF_FUZZ_EXAMPLES:-60}" \
  --seed "${ARSHIF_FUZZ_SEED:-1445}" \
  --generation-database none \
  --request-timeout 60 \
  --report junit --report-dir "$OUT" \
  --no-color || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- the server's log (last lines):" >&2
  tail -n 40 "$WORK/server.log" >&2 || true
fi
exit "$status"
