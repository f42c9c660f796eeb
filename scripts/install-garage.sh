#!/usr/bin/env bash
# Garage, the S3-compatible object store the shared-archive tests run
# against. There is no Debian package; it is built from crates.io once
# (about 10 minutes on 2 cores) and cached in ~/.cache/arshif.
#
#   scripts/install-garage.sh        build it unless cached
#   scripts/install-garage.sh path   print the binary's path (building it if needed)
set -euo pipefail
VERSION=2.5.0
CACHE="${ARSHIF_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/arshif}"
ROOT="$CACHE/garage-$VERSION"
BIN="$ROOT/bin/garage"
if [ ! -x "$BIN" ] || ! "$BIN" --version 2>/dev/null | grep -q "$VERSION"; then
  echo "Building Garage $VERSION (once; cached in $ROOT)..." >&2
  # Only what the tests use: the SQLite metadata engine, no metrics or K2V;
  # lightly optimised (a test server, built once, faster to build).
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=0 \
  cargo install --locked garage --version "$VERSION" --no-default-features \
    --features bundled-libs,sqlite --root "$ROOT" --target-dir "$CACHE/garage-build" >&2
  rm -rf "$CACHE/garage-build"
fi
if [ "${1:-}" = "path" ]; then echo "$BIN"; fi
