#!/usr/bin/env bash
# The browser UI's end-to-end test (`make test-ui`), from a clean clone:
# installs what is missing (Chromium, Arabic fonts, playwright-core, axe-core), builds
# arshif, imports a few sample scans into a temporary archive, serves it on a
# free local port before any user exists (so the first serve creates `admin`
# with a one-time password, read here from the server's log), adds a staff
# user of each of two branches, an auditor and a clerk with the CLI, writes a
# batch scan for the clerk scenario (tests/ui/make_batch.py), and drives the UI
# with tests/ui/ui.test.mjs (names and passwords go to it in ARSHIF_* variables).
# Screenshots (and the server's log) are kept in target/ui-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."

ARTIFACTS="$PWD/target/ui-artifacts"
# Tesseract's OpenMP must be limited before the library loads (see Makefile).
export OMP_THREAD_LIMIT=1

# ---- system packages: a browser and the fonts the Arabic pages need
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
# python3-pil: tests/ui/make_batch.py writes the clerk scenario's batch scan
for p in fonts-hosny-amiri fonts-noto-core python3-pil; do installed "$p" || missing+=("$p"); done
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# what building arshif needs (Tesseract, Leptonica, …); installs only what is missing
./scripts/install-deps.sh

# ---- the test's npm packages (playwright-core, axe-core), as locked: installed
# again when one is missing or the lock file changed since the last install
LOCK_STAMP=tests/ui/node_modules/.arshif-package-lock.json
if [ ! -d tests/ui/node_modules/playwright-core ] || [ ! -d tests/ui/node_modules/axe-core ] \
   || ! cmp -s tests/ui/package-lock.json "$LOCK_STAMP"; then
  npm ci --prefix tests/ui --no-audit --no-fund
  cp tests/ui/package-lock.json "$LOCK_STAMP"
fi

# ---- build
cargo build --locked
BIN="$PWD/target/debug/arshif"

# ---- a temporary archive with a few samples: in branch hofuf two Arabic
# scans, an English letter and a three-page Arabic/English contract; in
# branch omran an Arabic circular (a few seconds to import)
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ -f "$WORK/server.log" ]; then cp "$WORK/server.log" "$ARTIFACTS/server.log" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$ARTIFACTS"
rm -f "$ARTIFACTS"/*.png "$ARTIFACTS/server.log"

ARCHIVE="$WORK/archive"
"$BIN" --archive "$ARCHIVE" init
"$BIN" --archive "$ARCHIVE" ingest --branch hofuf --doc-type licence --progress none \
  "samples/scans/ar/رخصة بناء 4451234.png" \
  "samples/scans/ar/شهادة صحية 27507976.jpg" \
  "samples/scans/en/inspection letter OMR-2024-0917.png" \
  "samples/scans/mixed/عقد صيانة MC-1445-0088.tif"
"$BIN" --archive "$ARCHIVE" ingest --branch omran --doc-type circular --progress none \
  "samples/scans/pdf/تعميم 14-1445 نظافة الأسواق.pdf"

# ---- serve it on a free local port; no user exists yet
PORT="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
URL="http://127.0.0.1:$PORT"
"$BIN" --archive "$ARCHIVE" serve --addr "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

ready=""
for _ in $(seq 1 300); do  # up to 60 s
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "arshif serve exited before answering:" >&2
    cat "$WORK/server.log" >&2
    exit 1
  fi
  # any answer proves the server is up (this one is 401: nobody is logged in)
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$URL/api/search?q=x" || true)"
  if [ -n "$code" ] && [ "$code" != "000" ]; then ready=1; break; fi
  sleep 0.2
done
if [ -z "$ready" ]; then
  echo "arshif serve did not answer on $URL within 60 s:" >&2
  cat "$WORK/server.log" >&2
  exit 1
fi
echo "arshif serving $ARCHIVE on $URL"

# ---- accounts. The first serve of an archive without an administrator
# created one and wrote its one-time password to a 0600 file in the
# archive (before the "serving on" line, so it is there by now):
#     user: admin
#     password: xxxxx-xxxxx-xxxxx-xxxxx
ADMIN_USER="$(sed -n 's/^user: *//p' "$ARCHIVE/initial-admin-password" 2>/dev/null | head -n 1)"
ADMIN_OTP="$(sed -n 's/^password: *//p' "$ARCHIVE/initial-admin-password" 2>/dev/null | head -n 1)"
if [ -z "$ADMIN_USER" ] || [ -z "$ADMIN_OTP" ]; then
  echo "arshif serve wrote no one-time administrator password to $ARCHIVE/initial-admin-password:" >&2
  cat "$WORK/server.log" >&2
  exit 1
fi
# The other users, added with the CLI while the server runs (it reads users
# on every request). Passwords are random, 16 characters.
new_password() { node -e 'console.log(require("crypto").randomBytes(12).toString("base64url"))'; }
add_user() { # NAME PASSWORD ROLE [--branch SLUG]...
  local name="$1" password="$2"
  shift 2
  printf '%s\n' "$password" | "$BIN" --archive "$ARCHIVE" user add "$name" --role "$@" --password-stdin
}
STAFF_USER="sara.hofuf"; STAFF_PASSWORD="$(new_password)"
OTHER_USER="omar.omran"; OTHER_PASSWORD="$(new_password)"
AUDITOR_USER="maha.audit"; AUDITOR_PASSWORD="$(new_password)"
add_user "$STAFF_USER" "$STAFF_PASSWORD" staff --branch hofuf
add_user "$OTHER_USER" "$OTHER_PASSWORD" staff --branch omran
add_user "$AUDITOR_USER" "$AUDITOR_PASSWORD" auditor
CLERK_USER="nora.clerk"; CLERK_PASSWORD="$(new_password)"
add_user "$CLERK_USER" "$CLERK_PASSWORD" clerk --branch hofuf

# ---- the clerk scenario's batch scan: 12 pages, four documents divided by
# three separator sheets (tests/ui/make_batch.py)
BATCH_PDF="$WORK/batch/scan-0001.pdf"
mkdir -p "$WORK/batch"
/usr/bin/python3 tests/ui/make_batch.py "$BIN" "$BATCH_PDF"

# ---- the test (it takes about 15 s; the timeout only stops a hung browser)
status=0
ARSHIF_URL="$URL" ARSHIF_ARTIFACTS="$ARTIFACTS" CHROMIUM="${CHROMIUM:-/usr/bin/chromium}" \
  ARSHIF_ADMIN_USER="$ADMIN_USER" ARSHIF_ADMIN_OTP="$ADMIN_OTP" \
  ARSHIF_STAFF_USER="$STAFF_USER" ARSHIF_STAFF_PASSWORD="$STAFF_PASSWORD" \
  ARSHIF_OTHER_USER="$OTHER_USER" ARSHIF_OTHER_PASSWORD="$OTHER_PASSWORD" ARSHIF_OTHER_BRANCH=omran \
  ARSHIF_AUDITOR_USER="$AUDITOR_USER" ARSHIF_AUDITOR_PASSWORD="$AUDITOR_PASSWORD" \
  ARSHIF_CLERK_USER="$CLERK_USER" ARSHIF_CLERK_PASSWORD="$CLERK_PASSWORD" ARSHIF_BATCH_PDF="$BATCH_PDF" \
  timeout 600 node --test tests/ui/ui.test.mjs || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- the server's log (last lines):" >&2
  tail -n 40 "$WORK/server.log" >&2 || true
fi
echo "Screenshots: $ARTIFACTS"
exit "$status"
