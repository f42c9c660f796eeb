#!/usr/bin/env bash
# Install the Debian packages arshif needs, only those that are missing.
# Uses sudo when not run as root. Safe to run again.
#
#   scripts/install-deps.sh          what building, running and testing need
#   scripts/install-deps.sh eval     also what rendering the evaluation corpus needs
#   scripts/install-deps.sh numbers  also what training the number reader needs (fonts)
#   scripts/install-deps.sh ui       also what the browser test of the web UI needs
#   scripts/install-deps.sh bench    also what the HTTP benchmark needs (wrk)
#   scripts/install-deps.sh api      also what the API fuzzing needs (curl)
#   scripts/install-deps.sh test     also what the tests need: PostgreSQL, Garage
set -euo pipefail

PACKAGES=(
  # OCR: libtesseract (linked by the tesseract-rs crate) and its models
  tesseract-ocr tesseract-ocr-ara tesseract-ocr-eng tesseract-ocr-osd
  tesseract-ocr-script-arab libtesseract-dev libleptonica-dev pkg-config
  # PDF pages that are neither text nor one image are rendered with pdftoppm
  poppler-utils
  # C toolchain for the bundled SQLite and sha2's assembly
  build-essential
  # the tests validate exported bags with bagit.py (PyPI, in a virtualenv)
  python3 python3-venv
)
if [ "${1:-}" = "test" ]; then
  # the shared-archive tests run a real PostgreSQL server (on loopback),
  # with TLS on a certificate openssl makes
  PACKAGES+=(postgresql openssl)
fi
if [ "${1:-}" = "eval" ]; then
  # pango-view shapes Arabic; Pillow (Debian's, for /usr/bin/python3) degrades pages
  PACKAGES+=(pango1.0-tools fonts-hosny-amiri fonts-noto-core fonts-dejavu-core fonts-kacst python3-pil)
fi
if [ "${1:-}" = "numbers" ]; then
  # training the number reader: Pillow with libraqm (shaping, bidi) and
  # every Arabic font family Debian packages
  PACKAGES+=(python3-pil libraqm0 fonts-hosny-amiri fonts-noto-core fonts-noto-extra fonts-dejavu-core
    fonts-kacst fonts-kacst-one fonts-arabeyes fonts-sil-scheherazade fonts-sil-lateef
    fonts-sil-harmattan fonts-hosny-thabit fonts-freefont-ttf fonts-farsiweb fonts-lemonada)
fi
if [ "${1:-}" = "ui" ]; then
  # headless Chromium driven by playwright-core (from npm), Arabic fonts
  # (and Pillow, which writes the clerk scenario's batch scan)
  PACKAGES+=(chromium fonts-hosny-amiri fonts-noto-core fonts-kacst python3-pil)
  command -v node >/dev/null || PACKAGES+=(nodejs)
  command -v npm >/dev/null || PACKAGES+=(npm)
fi
if [ "${1:-}" = "api" ]; then
  PACKAGES+=(curl)
fi
if [ "${1:-}" = "bench" ]; then
  PACKAGES+=(wrk python3-pil)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  if ! command -v apt-get >/dev/null; then
    echo "apt-get not found: install these packages by hand: ${missing[*]}" >&2
    exit 1
  fi
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# bagit.py, the Library of Congress's BagIt validator, for the export tests
# (pinned; installed once into target/bagit-venv).
BAGIT_VERSION=1.9.0
VENV="$(cd "$(dirname "$0")/.." && pwd)/target/bagit-venv"
if ! "$VENV/bin/python" -c "import bagit, sys; sys.exit(bagit.VERSION != '$BAGIT_VERSION')" 2>/dev/null; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "bagit==$BAGIT_VERSION"
fi

if ! command -v cargo >/dev/null; then
  echo "cargo not found: install Rust (stable) with rustup, https://rustup.rs" >&2
  exit 1
fi

# Garage, the S3 object store of the shared-archive tests (built once from
# crates.io, cached in ~/.cache/arshif).
if [ "${1:-}" = "test" ]; then
  "$(dirname "$0")/install-garage.sh"
fi

