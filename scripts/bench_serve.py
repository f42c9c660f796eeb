#!/usr/bin/env python3
"""HTTP speed of `arshif serve` (`make bench-serve`).

    python3 scripts/bench_serve.py [--docs N] [--seconds S] [--connections C,C2,...]

1. Builds (once, kept in target/bench-serve/) an archive of N generated
   documents (default 100,000) with `examples/bench_archive.rs`, through the
   archive's own store, catalog and indexer, and imports the real sample
   scans (samples/scans) into it with `arshif ingest` for page images.
2. Starts the release `arshif serve` on a loopback port. Every request
   carries an administrator's API token, so each is authenticated and each
   search and page image is written to the audit log, as in real use.
3. Runs wrk (one thread, S seconds, at each number of connections C: how
   many searches are in flight at once) against /api/search with a
   rotating list of 1,000 queries (40% one word, 20% two words, 20% quoted
   phrases of two common words, 20% a word with one letter misread, which
   takes the fuzzy path): requests/s and latency percentiles.
4. Serves a sample's page image once (rendered), then measures it cached:
   100 sequential requests (p50/p99) and wrk for S/3 seconds.

Prints a Markdown table of what it measured. Needs wrk (scripts/install-deps.sh bench).
"""
import argparse
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "arshif")
GEN = os.path.join(ROOT, "target", "release", "examples", "bench_archive")
WORK = os.path.join(ROOT, "target", "bench-serve")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def build_archive(n):
    archive = os.path.join(WORK, f"archive-{n}-v2")
    queries = os.path.join(WORK, f"queries-{n}.txt")
    done = os.path.join(WORK, f"archive-{n}-v2.done")
    if os.path.exists(done):
        return archive, queries
    shutil.rmtree(archive, ignore_errors=True)
    os.makedirs(WORK, exist_ok=True)
    t = time.monotonic()
    subprocess.run([GEN, archive, str(n), queries], check=True)
    subprocess.run([BIN, "--archive", archive, "ingest", "--progress", "none",
                    "--branch", "hofuf", os.path.join(ROOT, "samples", "scans")],
                   check=True, stdout=subprocess.DEVNULL)
    print(f"built the {n:,}-document archive in {time.monotonic() - t:.0f} s", file=sys.stderr)
    open(done, "w").close()
    return archive, queries


def bench_token(archive):
    """An administrator's API token (user `bench`, created once)."""
    users = json.loads(subprocess.run([BIN, "--archive", archive, "user", "list", "--json"],
                                      check=True, capture_output=True, text=True).stdout)
    if not any(u["name"] == "bench" for u in users):
        subprocess.run([BIN, "--archive", archive, "user", "add", "bench", "--role", "admin",
                        "--password-stdin"], input="bench-password-1\n", check=True, text=True,
                       stdout=subprocess.DEVNULL)
    return subprocess.run([BIN, "--archive", archive, "token", "create", "bench", "--label", "bench"],
                          check=True, capture_output=True, text=True).stdout.strip()


TOKEN = None


def wrk(url, seconds, connections, script=None):
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s",
           "-H", f"Authorization: Bearer {TOKEN}"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [url], check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    pct = {}
    for p, v, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M):
        pct[p] = float(v) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, pct, int(errors.group(1)) if errors else 0, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--connections", default="4,8")
    a = ap.parse_args()
    for tool in (BIN, GEN):
        if not os.path.exists(tool):
            sys.exit(f"missing {tool}: run `make bench-serve` (it builds them)")
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: scripts/install-deps.sh bench")
    archive, queries = build_archive(a.docs)
    global TOKEN
    TOKEN = bench_token(archive)
    # Bring the index level with this build (a newer index schema rebuilds
    # it from the catalog) before the clock starts.
    subprocess.run([BIN, "--archive", archive, "search", "--limit", "1", "رخصة"], check=True,
                   stdout=subprocess.DEVNULL)
    auth = {"Authorization": f"Bearer {TOKEN}"}

    # Page images are rendered afresh: the first request below is a real render.
    shutil.rmtree(os.path.join(archive, "cache"), ignore_errors=True)
    port = free_port()
    server = subprocess.Popen([BIN, "--archive", archive, "serve", "--addr", f"127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(1200):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/api/facets", headers=auth)
                c.getresponse().read()
                break
            except OSError:
                time.sleep(0.1)
        rows = []

        lua = os.path.join(WORK, "rotate.lua")
        with open(lua, "w") as f:
            f.write(
                "local qs = {}\n"
                f"for line in io.lines({json.dumps(queries)}) do qs[#qs + 1] = line end\n"
                "local i = 0\n"
                "request = function()\n"
                "  i = i + 1\n"
                "  return wrk.format('GET', '/api/search?q=' .. qs[(i % #qs) + 1], "
                f"{{Authorization = 'Bearer {TOKEN}'}})\n"
                "end\n")
        levels = [int(c) for c in a.connections.split(",")]
        # One short warm-up pass so the page cache holds the index.
        wrk(base + "/", 5, levels[-1], lua)
        searches = []
        for conns in levels:
            rps, pct, errors, _ = wrk(base + "/", a.seconds, conns, lua)
            searches.append((conns, rps, pct))
            rows.append((f"search, {a.docs:,} documents, {conns} in flight (1,000 rotating queries)",
                         f"{rps:.0f} searches/s",
                         f"p50 {pct['50']:.1f} ms, p90 {pct['90']:.1f} ms, p99 {pct['99']:.1f} ms, "
                         f"{errors} non-2xx"))

        # A real scanned page, rendered once, then from the cache.
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("GET", "/api/search?q=" + urllib.parse.quote("رخصة بناء") + "&branch=hofuf",
                  headers=auth)
        hits = json.loads(c.getresponse().read())["hits"]
        scan = next(h for h in hits if h["sources"][0].endswith(".png"))
        path = f"/api/documents/{scan['id']}/pages/1/image?width=1200"
        t = time.monotonic()
        c.request("GET", path, headers=auth)
        r = c.getresponse()
        body = r.read()
        first = (time.monotonic() - t) * 1e3
        assert r.status == 200 and len(body) > 1000, r.status
        times = []
        for _ in range(100):
            t = time.monotonic()
            c.request("GET", path, headers=auth)
            c.getresponse().read()
            times.append((time.monotonic() - t) * 1e3)
        times.sort()
        rows.append(("page image, 1200 px wide, first request (rendered and cached)",
                     f"{first:.0f} ms", f"{len(body) // 1024} KiB JPEG"))
        rows.append(("page image, cached, 100 requests one after another",
                     f"p50 {times[49]:.1f} ms", f"p99 {times[98]:.1f} ms, max {times[-1]:.1f} ms"))
        rps_i, pct_i, errors_i, _ = wrk(base + path, max(5, a.seconds // 3), levels[-1])
        rows.append((f"page image, cached, {levels[-1]} in flight",
                     f"{rps_i:.0f} images/s",
                     f"p50 {pct_i['50']:.1f} ms, p99 {pct_i['99']:.1f} ms, {errors_i} non-2xx"))
    finally:
        server.terminate()
        server.wait()

    print(f"\n`arshif serve` on this machine ({os.cpu_count()} cores; wrk on the same cores):\n")
    print("| measure | rate | detail |\n|---|---:|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} |")
    print()
    for conns, rps, pct in searches:
        print(f"- {conns} in flight: {rps:.0f} searches/s (target ≥ 200), "
              f"p99 {pct['99']:.1f} ms (target < 100 ms)")
    print(f"- cached page image p99: {times[98]:.1f} ms sequential, {pct_i['99']:.1f} ms under load "
          "(target < 150 ms)")


if __name__ == "__main__":
    main()
