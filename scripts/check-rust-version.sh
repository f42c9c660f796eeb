#!/usr/bin/env bash
# `make lint`: every package of the workspace declares the workspace's
# rust-version (Cargo.toml, [workspace.package]), and the compiler in use is
# at least that version. Cargo refuses an older compiler on its own; this
# also catches a package that forgot the declaration, or a declaration that
# promises more than is tested.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo metadata --no-deps --format-version 1 --locked | python3 -c '
import json, subprocess, sys
meta = json.load(sys.stdin)
versions = {p["name"]: p.get("rust_version") for p in meta["packages"]}
missing = [n for n, v in versions.items() if not v]
if missing:
    sys.exit("rust-version not declared by: " + ", ".join(sorted(missing)))
if len(set(versions.values())) != 1:
    sys.exit("packages declare different rust-versions: %s" % versions)
want = next(iter(versions.values()))
have = subprocess.run(["rustc", "--version"], capture_output=True, text=True, check=True).stdout.split()[1]
num = lambda v: tuple(int(x) for x in v.split("-")[0].split("."))
w, h = num(want), num(have)
if h[:len(w)] < w:
    sys.exit("rustc %s is older than the declared rust-version %s" % (have, want))
print("rust-version %s declared by all %d packages; rustc %s" % (want, len(versions), have))
'
