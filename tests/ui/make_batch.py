#!/usr/bin/python3
"""A clerk's batch scan for the UI test: one 12-page PDF, as a scanner
makes it (every page an image), holding four documents divided by three
arshif separator sheets.

    make_batch.py ARSHIF_BINARY OUT.pdf

The documents' pages are the sample scans (samples/scans); the separator
sheet is printed by `arshif separator`, rendered at 200 dpi by pdftoppm
and turned 1.5 degrees, as a sheet fed slightly askew. Pillow (Debian's
python3-pil) writes the PDF.
"""
import os
import subprocess
import sys
import tempfile

from PIL import Image, ImageSequence

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCANS = os.path.join(ROOT, "samples", "scans")


def pages(rel):
    with Image.open(os.path.join(SCANS, rel)) as im:
        return [p.convert("L").copy() for p in ImageSequence.Iterator(im)]


def main():
    binary, out = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        sheet_pdf = os.path.join(tmp, "sheet.pdf")
        subprocess.run([binary, "separator", "-o", sheet_pdf], check=True, stdout=subprocess.DEVNULL)
        prefix = os.path.join(tmp, "sheet")
        subprocess.run(["pdftoppm", "-r", "200", "-gray", "-png", "-singlefile", sheet_pdf, prefix], check=True)
        sheet = Image.open(prefix + ".png").convert("L")
        sheet = sheet.rotate(1.5, resample=Image.BICUBIC, fillcolor=255)

    licence = pages("ar/رخصة بناء 4451234.png")
    cert = pages("ar/شهادة صحية 27507976.jpg")
    letter = pages("en/inspection letter OMR-2024-0917.png")
    contract = pages("mixed/عقد صيانة MC-1445-0088.tif")
    assert len(contract) == 3, len(contract)
    documents = [
        licence + cert,                # 2 pages
        letter + contract[:2],         # 3 pages
        contract[2:] + licence,        # 2 pages
        cert + letter,                 # 2 pages
    ]
    sequence = []
    for i, doc in enumerate(documents):
        if i:
            sequence.append(sheet)
        sequence.extend(doc)
    assert len(sequence) == 12, len(sequence)
    first, rest = sequence[0], sequence[1:]
    first.save(out, "PDF", save_all=True, append_images=rest, resolution=300.0)


if __name__ == "__main__":
    main()
