#!/usr/bin/env python3
"""Render arshif's OCR-evaluation pages: the same kinds of municipal pages as
the search corpus, under the conditions a clerk's scanner produces.

    python3 samples/eval/make_ocr_eval.py OUT_DIR [PAGES_PER_CLASS]

writes OUT_DIR/pages/<class>-<n>.(png|jpg|pdf) and OUT_DIR/truth/<same>.txt.
Classes: clean, noisy, low-dpi (150 and 200 dpi), skewed (±1.5–5°), rotated
(90, 180, 270), born-digital PDF (cairo, through pango-view), and numbers.
PAGES_PER_CLASS is 8 unless given (`make ocr-eval` uses 8; a larger set
checks that the figures hold). Deterministic.

The scanned classes are paired: page k of clean, noisy, low-dpi, skewed and
rotated is the same document (template, names, numbers and font) under a
different condition, so a class's CER against the clean class's measures the
condition, not which fonts and templates happened to land in the class.
(Before pairing, 24 rotated pages read 2.1× worse than 24 clean ones while
each read exactly as well as itself turned upright.)

The numbers pages (`numbers`, clean at 300 dpi, in the five evaluation
fonts) are paired the same way with number pages under other conditions:
`numbers-noisy` (as the noisy class), `numbers-150dpi`, `numbers-blurred`
(Gaussian blur 1.4 at 300 dpi, make_eval's "blurred"), `numbers-rotated`
(90, 180, 270), and the same pages in font families the number reader was
not trained on (samples/numbers/render_lines.py's HELDOUT), clean and noisy:
`numbers-heldout`, `numbers-heldout-noisy`. The truth holds each number in
the digits printed: KacstOne draws Western digits after Arabic words as
Arabic-Indic ones, so its pages are written in Arabic-Indic digits.
"""
import os
import random
import subprocess
import sys
import tempfile

from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_eval as ev  # noqa: E402  (the search corpus's templates and fonts)

PER_CLASS = 8
# 2: the scanned classes are paired (see above)
# 3: numbers pages under more conditions and in held-out fonts
VERSION = 3

# Font families the number reader never saw in training (as in
# samples/numbers/render_lines.py; pango's names), at sizes whose digits
# stand as tall as the evaluation fonts' (Arabic-Indic 34-39 px at 300 dpi
# against 36-42). The flag: the font draws Western digits after Arabic
# words as Arabic-Indic ones (its `locl`), so they are printed, and written
# in the truth, as Arabic-Indic.
HELDOUT_FONTS = [("Scheherazade 19", False), ("Noto Kufi Arabic 13", False),
                 ("KacstOne 15", True), ("Harmattan 16", False), ("Granada 12", False)]


def render_in(text, font):
    """ev.render's page (same layout) in a font of our choosing."""
    fonts = ev.AR_FONTS
    ev.AR_FONTS = [font]
    try:
        return ev.render(text, True, 0)
    finally:
        ev.AR_FONTS = fonts


def save(page, dpi, pages, truth, name, text):
    page.save(os.path.join(pages, name + ".png"), dpi=(dpi, dpi))
    open(os.path.join(truth, name + ".png.txt"), "w", encoding="utf-8").write(text + "\n")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "target/ocr-eval"
    per_class = int(sys.argv[2]) if len(sys.argv) > 2 else PER_CLASS
    pages, truth = os.path.join(out, "pages"), os.path.join(out, "truth")
    os.makedirs(pages, exist_ok=True)
    os.makedirs(truth, exist_ok=True)
    rng = random.Random(2024)
    documents = {}  # page number → (language, text) of the scanned classes
    n = 0
    classes = ["clean", "noisy", "low-dpi", "skewed", "rotated", "born-digital"]
    for cls in classes:
        for k in range(per_class):
            if cls == "born-digital":
                seed = n + k
                template = ev.TEMPLATES[seed % len(ev.TEMPLATES)]
                if template is ev.letter_en:
                    template = ev.letter_ar
            else:
                # the same document in every scanned class (the templates
                # draw names and numbers from one random stream: render each
                # once); the font turns one further every len(TEMPLATES)
                # pages, so 25 pages give 25 template-and-font pairs
                seed = k
                template = ev.TEMPLATES[k % len(ev.TEMPLATES)]
            if cls == "born-digital":
                lang, text = template(seed)
            else:
                if k not in documents:
                    documents[k] = template(seed)
                lang, text = documents[k]
            name = "%s-%02d-%s" % (cls, k + 1, lang)
            n += 1
            if cls == "born-digital":
                font = ev.AR_FONTS[k % len(ev.AR_FONTS)] if lang == "ar" else ev.EN_FONTS[k % 3]
                with tempfile.TemporaryDirectory() as d:
                    src = os.path.join(d, "t.txt")
                    open(src, "w", encoding="utf-8").write(text)
                    cmd = ["pango-view", "-q", "--font=%s" % font, "--width=480", "--wrap=word",
                           "--margin=56", "--line-spacing=1.4", "--align=left",
                           "-o", os.path.join(pages, name + ".pdf"), src]
                    if lang == "ar":
                        cmd.insert(2, "--rtl")
                    subprocess.run(cmd, check=True)
                open(os.path.join(truth, name + ".pdf.txt"), "w", encoding="utf-8").write(text + "\n")
                continue
            page = ev.render(text, lang == "ar", k + k // len(ev.TEMPLATES))
            dpi = ev.DPI
            if cls == "noisy":
                page, _, _ = ev.degrade(page, "noisy", random.Random(n))
            elif cls == "low-dpi":
                dpi = 150 if k % 2 == 0 else 200
                page = page.resize((page.width * dpi // 300, page.height * dpi // 300), Image.LANCZOS)
            elif cls == "skewed":
                angle = rng.choice([-1, 1]) * rng.uniform(1.5, 5.0)
                page = page.rotate(angle, resample=Image.BICUBIC, fillcolor=255)
                name += "-%+.1fdeg" % angle
            elif cls == "rotated":
                turn = [90, 180, 270][k % 3]
                page = page.rotate(turn, expand=True)
                name += "-%d" % turn
            path = os.path.join(pages, name + ".png")
            page.save(path, dpi=(dpi, dpi))
            open(os.path.join(truth, name + ".png.txt"), "w", encoding="utf-8").write(text + "\n")
    # Numbers: licence, certificate and report numbers and Hijri dates as
    # offices print them, mostly in Arabic-Indic digits, one field per line.
    labels = ["رقم الرخصة", "رقم الشهادة", "رقم المحضر", "الرقم", "تاريخ الإصدار", "تاريخ الانتهاء"]
    numbers = []  # (text, clean page) of every numbers page
    for k in range(per_class):
        lines = []
        for j in range(14):
            label = labels[(k + j) % len(labels)]
            if label.startswith("تاريخ"):
                value = "1445/%02d/%02d" % (rng.randint(1, 12), rng.randint(1, 29))
                tail = " هـ"
            elif label == "رقم المحضر":
                value, tail = "1445/%d" % rng.randint(100, 999), ""
            else:
                value, tail = ev.number(rng.choice([6, 7, 8])), ""
            if (j + k) % 4 != 3:  # three in four in Arabic-Indic digits
                value = value.translate(ev.AI)
            lines.append("%s: %s%s" % (label, value, tail))
        text = "\n".join(lines)
        name = "numbers-%02d-ar" % (k + 1)
        page = ev.render(text, True, k)
        save(page, 300, pages, truth, name, text)
        n += 1
        numbers.append((text, page))
    # The same number pages under the other conditions (no draw from `rng`:
    # the pages above stay as they were).
    for k, (text, page) in enumerate(numbers):
        tag = "%02d-ar" % (k + 1)
        noisy, _, _ = ev.degrade(page, "noisy", random.Random(n))
        save(noisy, 300, pages, truth, "numbers-noisy-" + tag, text)
        low, _, dpi = ev.degrade(page, "lowdpi", None)
        save(low, dpi, pages, truth, "numbers-150dpi-" + tag, text)
        blurred, _, _ = ev.degrade(page, "blurred", None)
        save(blurred, 300, pages, truth, "numbers-blurred-" + tag, text)
        turn = [90, 180, 270][k % 3]
        save(page.rotate(turn, expand=True), 300, pages, truth,
             "numbers-rotated-%s-%d" % (tag, turn), text)
        font, indic = HELDOUT_FONTS[k % len(HELDOUT_FONTS)]
        printed = text.translate(ev.AI) if indic else text
        held = render_in(printed, font)
        family = font.rsplit(" ", 1)[0].replace(" ", "")
        save(held, 300, pages, truth, "numbers-heldout-%s-%s" % (tag, family), printed)
        noisy, _, _ = ev.degrade(held, "noisy", random.Random(n + 1))
        save(noisy, 300, pages, truth, "numbers-heldout-noisy-%s-%s" % (tag, family), printed)
        n += 6
    # `make ocr-eval` renders again when either changes
    open(os.path.join(out, "VERSION"), "w").write("%d %d\n" % (VERSION, per_class))
    print("wrote %d pages to %s" % (n, os.path.abspath(out)))


if __name__ == "__main__":
    main()
