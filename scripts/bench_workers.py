#!/usr/bin/env python3
"""OCR throughput of a shared archive: pages/s with one worker process and
with two, on this machine, against the real PostgreSQL and Garage that
scripts/services.sh starts. Also the per-page costs the README's capacity
model is built from: import time per file (store upload, catalog), worker
CPU per page, catalog bytes per page, store bytes per page.

    make bench-workers            (builds the release binary first)
    BENCH_COPIES=4 make bench-workers

The corpus: every image sample in samples/scans (and the scanned PDF),
copied BENCH_COPIES times, each copy made distinct (a few bytes appended
after the image data, which decoders ignore) so that each is its own
document to read.
"""
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target/release/arshif")
COPIES = int(os.environ.get("BENCH_COPIES", "3"))


def services():
    out = subprocess.run([os.path.join(ROOT, "scripts/services.sh"), "start"],
                         check=True, capture_output=True, text=True).stdout
    return dict(l.split("=", 1) for l in out.splitlines() if "=" in l)


def psql(url, sql):
    return subprocess.run(["psql", url, "-Atc", sql], check=True,
                          capture_output=True, text=True).stdout.strip()


def corpus(dest):
    src = os.path.join(ROOT, "samples/scans")
    files = []
    for d, _, names in os.walk(src):
        for n in sorted(names):
            if n.endswith((".png", ".jpg", ".tif")) or n.startswith("محضر"):
                files.append(os.path.join(d, n))
    out = []
    for i in range(COPIES):
        for f in files:
            base, ext = os.path.splitext(os.path.basename(f))
            p = os.path.join(dest, f"{base}-{i}{ext}")
            with open(f, "rb") as r, open(p, "wb") as w:
                w.write(r.read())
                if not f.endswith(".pdf"):
                    w.write(f"\0arshif-bench-{i}".encode())
                else:
                    w.write(f"\n%arshif-bench-{i}\n".encode())
            out.append(p)
    return out


def run_case(env, workers, files, tmp):
    admin = env["ARSHIF_TEST_PG"]
    db = f"bench_{workers}_{os.getpid()}_{int(time.time())}"
    psql(admin, f"CREATE DATABASE {db}")
    catalog = admin.rsplit("/", 1)[0] + "/" + db
    store = f"s3://{env['ARSHIF_TEST_BUCKET']}/{db}"
    penv = dict(os.environ, **env, OMP_THREAD_LIMIT="1")
    nodes = [os.path.join(tmp, f"{db}-{k}") for k in range(max(workers, 1))]
    for n in nodes:
        subprocess.run([BIN, "--archive", n, "init", "--catalog", catalog, "--store", store],
                       check=True, env=penv, capture_output=True)
    empty_db = int(psql(admin, f"SELECT pg_database_size('{db}')"))
    t0 = time.monotonic()
    r = subprocess.run([BIN, "--archive", nodes[0], "ingest", "--queue", "--json",
                        "--progress", "none"] + files, check=True, env=penv,
                       capture_output=True, text=True)
    t_ingest = time.monotonic() - t0
    report = json.loads(r.stdout)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    procs = [subprocess.Popen([BIN, "--archive", n, "worker", "--until-idle", "--json"],
                              env=penv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for n in nodes[:workers]]
    reports = []
    for p in procs:
        out, err = p.communicate()
        if p.returncode != 0:
            sys.exit(f"worker failed: {err}")
        reports.append(json.loads(out))
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    pages = sum(x["pages"] for x in reports)
    # Bytes of the rows a page adds (pg_column_size: the page with its text
    # and word boxes, its job, its share of the document, source and
    # node_index rows), and the database's growth from empty (at this small
    # size dominated by the 8 KiB minimum of each table and index).
    row_bytes = int(psql(catalog, "SELECT (SELECT coalesce(sum(pg_column_size(t.*)),0) FROM pages t)"
                                  " + (SELECT coalesce(sum(pg_column_size(t.*)),0) FROM documents t)"
                                  " + (SELECT coalesce(sum(pg_column_size(t.*)),0) FROM sources t)"
                                  " + (SELECT coalesce(sum(pg_column_size(t.*)),0) FROM page_jobs t)"
                                  " + (SELECT coalesce(sum(pg_column_size(t.*)),0) FROM node_index t)"))
    words_bytes = int(psql(catalog, "SELECT coalesce(sum(pg_column_size(words)),0) FROM pages"))
    db_bytes = int(psql(admin, f"SELECT pg_database_size('{db}')"))
    stored = sum(os.path.getsize(f) for f in files)
    return {
        "workers": workers, "files": len(files), "pages": pages,
        "ingest_s": t_ingest, "ingest_files_per_s": len(files) / t_ingest,
        "worker_wall_s": wall, "pages_per_s": pages / wall,
        "cpu_s_per_page": cpu / pages, "lost_leases": sum(x["lost_leases"] for x in reports),
        "catalog_row_bytes_per_page": row_bytes / max(report["pages"], 1),
        "word_box_bytes_per_page": words_bytes / max(report["pages"], 1),
        "catalog_growth_bytes_per_page": (db_bytes - empty_db) / max(report["pages"], 1),
        "store_bytes_per_file": stored / len(files),
    }


def main():
    if not os.path.exists(BIN):
        sys.exit("build first: cargo build --release")
    env = services()
    tmp = tempfile.mkdtemp(prefix="arshif-bench-workers-")
    try:
        files = corpus(tmp)
        rows = [run_case(env, 1, files, tmp), run_case(env, 2, files, tmp)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{'workers':>7} {'pages':>5} {'pages/s':>8} {'CPU s/page':>10} "
          f"{'import files/s':>14} {'row B/page':>10} {'boxes B/page':>12} "
          f"{'db growth B/page':>16} {'store B/file':>12} {'lost':>4}")
    for r in rows:
        print(f"{r['workers']:>7} {r['pages']:>5} {r['pages_per_s']:>8.2f} "
              f"{r['cpu_s_per_page']:>10.2f} {r['ingest_files_per_s']:>14.1f} "
              f"{r['catalog_row_bytes_per_page']:>10.0f} {r['word_box_bytes_per_page']:>12.0f} "
              f"{r['catalog_growth_bytes_per_page']:>16.0f} {r['store_bytes_per_file']:>12.0f} "
              f"{r['lost_leases']:>4}")
    print(f"two workers / one: {rows[1]['pages_per_s'] / rows[0]['pages_per_s']:.2f}x")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
