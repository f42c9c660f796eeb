#!/usr/bin/env bash
# The HTTP API fuzzed against its own description (`make test-api`):
# schemathesis (from PyPI, installed here in a virtualenv under target/)
# generates valid and invalid requests for every operation in
# /api/openapi.json and checks every answer: no 5xx, status codes, content
# types, headers and bodies as documented, invalid input rejected.
# It runs three times on a temporary archive holding two documents in two
# branches: with an administrator's API token, a clerk's (branch hofuf) and
# a staff member's (branch omran), so that the answers a narrower role gets
# (403 for what the role may not do, 404 for another branch's documents)
# are checked against the description too. Reports go to
# target/schemathesis/ROLE/.
#
# ARSHIF_FUZZ_EXAMPLES (default 60) is the administrator's number of
# examples per operation; the clerk and the staff member get
# ARSHIF_FUZZ_EXAMPLES_OTHERS (default 25: their runs mostly meet the same
# code behind a different answer, and CI's time is short).
# ARSHIF_FUZZ_ROLES (default "admin clerk staff") picks the runs. The
# clerk's and the staff member's runs warn that some operations answered
# only 403 (the audit log, /metrics; uploads for staff): that is what they
# must get.
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
BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/arshif"

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
# One account and one API token per role fuzzed.
declare -A TOKENS
add_account() { # NAME ROLE [--branch B]...
  local name="$1" role="$2"
  shift 2
  echo "schemathesis-$role-pw" | "$BIN" --archive "$ARCHIVE" user add "$name" --role "$role" "$@" --password-stdin >/dev/null
  TOKENS[$role]="$("$BIN" --archive "$ARCHIVE" token create "$name" --label schemathesis 2>/dev/null)"
}
add_account fuzzer admin
add_account fuzz-clerk clerk --branch hofuf
add_account fuzz-staff staff --branch omran

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

status=0
failed=()
timings=()
for role in ${ARSHIF_FUZZ_ROLES:-admin clerk staff}; do
  [ -n "${TOKENS[$role]:-}" ] || { echo "no account for role $role (admin, clerk or staff)" >&2; exit 2; }
  if [ "$role" = admin ]; then
    examples="${ARSHIF_FUZZ_EXAMPLES:-60}"
  else
    examples="${ARSHIF_FUZZ_EXAMPLES_OTHERS:-25}"
  fi
  echo "=== schemathesis as $role ($examples examples per operation)"
  mkdir -p "$OUT/$role"
  started=$SECONDS
  run_status=0
  "$VENV/bin/st" --config-file tests/api/schemathesis.toml run "$URL/api/openapi.json" \
    --url "$URL" \
    --header "Authorization: Bearer ${TOKENS[$role]}" \
    --checks all \
    --max-examples "$examples" \
    --seed "${ARSHIF_FUZZ_SEED:-1445}" \
    --generation-database none \
    --request-timeout 60 \
    --report junit --report-dir "$OUT/$role" \
    --no-color || run_status=$?
  timings+=("$role $((SECONDS - started))s")
  if [ "$run_status" -ne 0 ]; then
    status=$run_status
    failed+=("$role")
  fi
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "the server stopped during the $role run" >&2; status=1; break; }
done
echo "=== schemathesis time per role: ${timings[*]}"
if [ "$status" -ne 0 ]; then
  echo "=== failed as: ${failed[*]:-(server stopped)}" >&2
  echo "--- the server's log (last lines):" >&2
  tail -n 40 "$WORK/server.log" >&2 || true
fi
exit "$status"
