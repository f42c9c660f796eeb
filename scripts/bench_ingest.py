#!/usr/bin/env python3
"""Import throughput, side by side in one run on the same pages (`make bench-ingest`).

    python3 scripts/bench_ingest.py [--pages N] [--workers W] [--rss-files F] [--only-mixed]

Measures, on generated scans (the search-evaluation corpus, rendered by
samples/eval/make_eval.py: clean, noisy, blurred, JPEG and 150 dpi pages;
every fifth page wrapped in a PDF, every fifth stored as an uncompressed TIFF):

1. `arshif ingest` end to end (hash, store, decode, OCR, catalog, index):
   pages/s over the wall time;
2. the one-reading limit: every OCR'd page of that import recognised
   exactly once, upright, in the language arshif settled on for it, by W
   engines at once, only the recognition timed (`examples/one_reading.rs`).
   No import of these pages on these threads can be faster. Beside it,
   arshif's own recognition calls (pages / (`tesseract_seconds` / W)) and
   where their time went (`tesseract_seconds_by_kind`: the page's reading
   and each kind of second look); and the same for the mixed-script pages
   alone (imported again into an archive of their own), in readings of a
   page;
3. a plain pipeline with the same parallelism: `tesseract PAGE out -l
   ara+eng` per page (`pdftoppm -r 300` first for PDFs), W at a time;
4. re-importing the same files from other paths (every one skipped by
   hash, its new path recorded) against `sha256sum` over the same files;
5. peak memory (RSS summed over arshif and its reading processes) while
   importing F files (text-layer PDFs and scans).

Prints a Markdown table of what it measured. Needs the `arshif` release
binary (make build), tesseract, pdftoppm, sha256sum and Pillow.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time

from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "arshif")
ONE_READING = os.path.join(ROOT, "target", "release", "examples", "one_reading")
WORK = os.path.join(ROOT, "target", "bench-ingest")
EVAL = os.path.join(ROOT, "target", "eval")


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def tree_rss_kib(root_pid):
    """RSS of a process and all its descendants, in KiB."""
    children = {}
    rss = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss[int(pid)] = int(line.split()[1])
                        break
            children.setdefault(ppid, []).append(int(pid))
        except (OSError, ValueError):
            continue
    total, todo = 0, [root_pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


def run_sampled(cmd, env=None):
    """Run cmd; return (wall seconds, peak tree RSS KiB, stdout)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env)
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_kib(proc.pid))
            time.sleep(0.05)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    out, _ = proc.communicate()
    wall = time.monotonic() - t0
    done.set()
    t.join()
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} exited with {proc.returncode}")
    return wall, peak[0], out


def make_corpus(n):
    if not os.path.isdir(os.path.join(EVAL, "scans")):
        sh([sys.executable, os.path.join(ROOT, "samples/eval/make_eval.py"), EVAL])
    src = sorted(os.listdir(os.path.join(EVAL, "scans")))[:n]
    corpus = os.path.join(WORK, "corpus")
    shutil.rmtree(corpus, ignore_errors=True)
    os.makedirs(corpus)
    pages = 0
    for i, name in enumerate(src):
        path = os.path.join(EVAL, "scans", name)
        stem = os.path.splitext(name)[0]
        if i % 5 == 0:
            im = Image.open(path)
            dpi = im.info.get("dpi", (300, 300))[0]
            im.convert("L").save(os.path.join(corpus, stem + ".pdf"), resolution=dpi)
        elif i % 5 == 1:
            im = Image.open(path)
            im.save(os.path.join(corpus, stem + ".tif"), dpi=im.info.get("dpi", (300, 300)))
        else:
            shutil.copy(path, corpus)
        pages += 1
    return corpus, pages


def mixed_pages():
    """A folder holding the evaluation corpus's mixed-script pages (by its
    documents.tsv; they are not among the first 100), or None if none."""
    templates = {}
    with open(os.path.join(EVAL, "documents.tsv"), encoding="utf-8") as f:
        for line in f.read().splitlines()[1:]:
            cols = line.split("\t")
            templates[cols[0]] = cols[1]
    out = os.path.join(WORK, "mixed")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    n = 0
    for name in sorted(os.listdir(os.path.join(EVAL, "scans"))):
        if templates.get(name, "").endswith("_mixed"):
            shutil.copy(os.path.join(EVAL, "scans", name), out)
            n += 1
    return out if n else None


def mixed_readings(workers):
    """The mixed-script pages (an English memo naming Arabic people, an
    Arabic letter naming English companies) imported alone: what reading
    one costs, in readings of its own area. Returns (pages, readings, by
    kind in readings) or None."""
    folder = mixed_pages()
    if folder is None:
        return None
    w = str(workers)
    archive = fresh_archive("archive-mixed")
    _, _, out = run_sampled(
        arshif(archive, "ingest", "--json", "--progress", "none", "--workers", w, folder))
    report = json.loads(out)
    one = json.loads(subprocess.run([ONE_READING, archive, w], check=True,
                                    capture_output=True, text=True).stdout)
    reading = one["seconds"] * workers
    by_kind = {k: v / reading for k, v in report["tesseract_seconds_by_kind"].items()}
    return report["pages"], report["tesseract_seconds"] / reading, by_kind


def print_mixed(mixed):
    n, readings, by_kind = mixed
    print(f"Mixed-script pages alone ({n} pages, `letter_ar_mixed` and `memo_en_mixed`): "
          f"{readings:.2f} readings of a page (target ≤ 1.30); by kind: "
          + ", ".join(f"{k} {v:.2f}" for k, v in by_kind.items() if v > 0))
    print()


def arshif(archive, *args):
    return [BIN, "--archive", archive, *args]


def fresh_archive(name):
    a = os.path.join(WORK, name)
    shutil.rmtree(a, ignore_errors=True)
    sh(arshif(a, "init"), stdout=subprocess.DEVNULL)
    return a


def plain_pipeline(corpus, workers):
    out = os.path.join(WORK, "plain")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    script = r'''
f="$1"; out="$2"; b="$out/$(basename "$f")"
case "$f" in
  *.pdf) pdftoppm -r 300 -png "$f" "$b"
         for p in "$b"*.png; do tesseract "$p" "${p%.png}" -l ara+eng >/dev/null 2>&1; done ;;
  *) tesseract "$f" "$b" -l ara+eng >/dev/null 2>&1 ;;
esac
'''
    files = "\0".join(os.path.join(corpus, f) for f in sorted(os.listdir(corpus)))
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    t0 = time.monotonic()
    subprocess.run(
        ["xargs", "-0", "-P", str(workers), "-I{}", "sh", "-c", script, "sh", "{}", out],
        input=files.encode(), check=True, env=env,
    )
    return time.monotonic() - t0


def minimal_pdf(text):
    """A one-page PDF with a text layer (Helvetica), xref offsets exact."""
    content = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def make_many(corpus, n):
    many = os.path.join(WORK, "many")
    shutil.rmtree(many, ignore_errors=True)
    scans = sorted(os.listdir(corpus))
    n_scans = max(1, n // 100)
    for i in range(n):
        d = os.path.join(many, f"{i // 500:03d}")
        os.makedirs(d, exist_ok=True)
        if i < n_scans:
            name = scans[i % len(scans)]
            with open(os.path.join(corpus, name), "rb") as f:
                data = f.read()
            # distinct bytes after the end: a new document, the same page
            with open(os.path.join(d, f"{i:05d}-{name}"), "wb") as f:
                f.write(data + b"%d" % i)
        else:
            with open(os.path.join(d, f"{i:05d}.pdf"), "wb") as f:
                f.write(minimal_pdf(f"Municipal licence number {100000 + i} issued in Hofuf"))
    return many, n_scans


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--rss-files", type=int, default=10000)
    ap.add_argument("--only-mixed", action="store_true",
                    help="measure only the mixed-script pages' readings")
    a = ap.parse_args()
    if not os.path.exists(BIN) or not os.path.exists(ONE_READING):
        sys.exit("build first: make build && cargo build --release --example one_reading")
    os.makedirs(WORK, exist_ok=True)
    if a.only_mixed:
        mixed = mixed_readings(a.workers)
        if mixed:
            print_mixed(mixed)
        return
    corpus, pages = make_corpus(a.pages)
    size = sum(os.path.getsize(os.path.join(corpus, f)) for f in os.listdir(corpus))
    w = str(a.workers)
    rows = []

    # 1 + 2: arshif end to end, and the recognition time inside it
    archive = fresh_archive("archive")
    wall, peak, out = run_sampled(
        arshif(archive, "ingest", "--json", "--progress", "none", "--workers", w, corpus))
    report = json.loads(out)
    assert report["pages"] == pages, report
    e2e = pages / wall
    own = pages / (report["tesseract_seconds"] / a.workers)
    one = json.loads(subprocess.run([ONE_READING, archive, w], check=True,
                                    capture_output=True, text=True).stdout)
    limit = one["pages_per_second"]
    rows.append(("arshif ingest, end to end", f"{e2e:.2f} pages/s", f"{wall:.1f} s wall"))
    rows.append(("one-reading limit: each page recognised once, upright, in its language, "
                 "same threads", f"{limit:.2f} pages/s",
                 f"{one['pages']} pages in {one['seconds']:.1f} s of recognition"))
    # the same limit with Tesseract's layout analysis (PSM 3) instead of
    # one block: how the two ways of reading a page compare in time
    laid_out = json.loads(subprocess.run([ONE_READING, archive, w, "layout"], check=True,
                                         capture_output=True, text=True).stdout)
    rows.append(("the same, each page read with layout analysis (PSM 3) instead of as "
                 "one block", f"{laid_out['pages_per_second']:.2f} pages/s",
                 f"{laid_out['pages']} pages in {laid_out['seconds']:.1f} s of recognition"))
    rows.append(("arshif's own recognition calls (pages / (tesseract_seconds / threads))",
                 f"{own:.2f} pages/s",
                 f"{report['tesseract_seconds']:.1f} s inside recognition calls"))
    by_kind = report["tesseract_seconds_by_kind"]

    # 2b: the mixed-script pages alone
    mixed = mixed_readings(a.workers)

    # 3: the plain pipeline
    plain_wall = plain_pipeline(corpus, a.workers)
    plain = pages / plain_wall
    rows.append(("plain pipeline: tesseract -l ara+eng per page (pdftoppm for PDFs)",
                 f"{plain:.2f} pages/s", f"{plain_wall:.1f} s wall"))

    # 4: re-import from other paths vs sha256sum
    again = os.path.join(WORK, "corpus-again")
    shutil.rmtree(again, ignore_errors=True)
    shutil.copytree(corpus, again)
    files = [os.path.join(again, f) for f in sorted(os.listdir(again))]
    sh(["sha256sum", *files], stdout=subprocess.DEVNULL)  # warm the page cache
    t0 = time.monotonic()
    sh(["sha256sum", *files], stdout=subprocess.DEVNULL)
    sha_wall = time.monotonic() - t0
    re_wall, _, out = run_sampled(
        arshif(archive, "ingest", "--json", "--progress", "none", "--workers", w, again))
    re = json.loads(out)
    assert re["duplicates"] == pages and re["ingested"] == 0, re
    mb = size / 1e6
    rows.append(("re-import of the same files from other paths",
                 f"{mb / re_wall:.0f} MB/s", f"{re_wall:.2f} s for {mb:.0f} MB"))
    rows.append(("sha256sum over the same files", f"{mb / sha_wall:.0f} MB/s",
                 f"{sha_wall:.2f} s"))

    # 5: peak RSS over many files
    if a.rss_files > 0:
        many, n_scans = make_many(corpus, a.rss_files)
        big = fresh_archive("archive-many")
        many_wall, many_peak, out = run_sampled(
            arshif(big, "ingest", "--json", "--progress", "none", "--workers", w, many))
        r = json.loads(out)
        rows.append((f"importing {a.rss_files:,} files ({a.rss_files - n_scans:,} text PDFs, "
                     f"{n_scans} scans)", f"peak RSS {many_peak / 1024:.0f} MiB",
                     f"{many_wall:.0f} s wall, {r['ingested']} imported, {r['failed']} failed"))

    print(f"\n{pages} pages ({size / 1e6:.1f} MB), {a.workers} threads, one run:\n")
    print("| measure | rate | detail |\n|---|---:|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} |")
    print()
    print("\nWhere arshif's recognition time went (`tesseract_seconds_by_kind`):\n")
    print("| kind | seconds | share | readings of a page (÷ one reading's time) |")
    print("|---|---:|---:|---:|")
    one_page = one["seconds"] * a.workers / max(one["pages"], 1)
    total = report["tesseract_seconds"]
    for kind in ["main", "orientation", "other_language", "unsure_lines", "unfiltered",
                 "dropped_lines"]:
        sec = by_kind[kind]
        print(f"| {kind} | {sec:.1f} | {sec / total:.3f} | {sec / pages / one_page:.2f} |")
    print(f"| all | {total:.1f} | 1.000 | {total / pages / one_page:.2f} |")
    print()
    if mixed:
        print_mixed(mixed)
    print(f"- arshif end to end / one-reading limit: {e2e / limit:.3f} (target ≥ 0.80)")
    print(f"- arshif end to end / the limit read with layout analysis: "
          f"{e2e / laid_out['pages_per_second']:.3f}")
    print(f"- arshif end to end / its own recognition calls: {e2e / own:.3f}")
    print(f"- arshif / plain pipeline: {e2e / plain:.2f}× (target ≥ 5×)")
    print(f"- re-import / sha256sum speed: {sha_wall / re_wall:.2f} (target ≥ 0.80)")
    if a.rss_files > 0:
        print(f"- peak RSS importing {a.rss_files:,} files: {many_peak / 1024:.0f} MiB "
              "(target < 1536 MiB)")


if __name__ == "__main__":
    main()
