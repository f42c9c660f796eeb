#!/usr/bin/env python3
"""Render number lines for arshif's number reader (`make train-numbers`).

    /usr/bin/python3 samples/numbers/render_lines.py OUT_DIR SPLIT COUNT SEED

SPLIT is `train` (the training fonts) or `heldout` (whole font families kept
out of training). Writes OUT_DIR/NNNNNN.png and OUT_DIR/lines.tsv, one line
per image:

    file  kind  logical-text  visual-labels  context  font  dpi  condition

`kind` is `number` (a number, a date or a reference as printed, each glyph
one class) or `reject` (words: every connected piece of ink is "not a
number"). `visual-labels` are the glyph classes of a number from left to
right on the page, one character each (see `ocr::digits::CLASSES`); for a
reject line it is `#`. `context` is `ar` when Arabic text comes before the
number on its line, else `-`.

The reading order of digits is worked out here as the Unicode bidi algorithm
lays them out (and the renderer, libraqm, does): Arabic-Indic digit groups
joined by `-` run right to left, and so do Western ones after Arabic letters
on the same line (rule W2 makes them Arabic numbers); `هـ` after a number
stands to its left. Each line is rendered in its paragraph direction, after
an invisible Arabic letter mark (U+061C) when the number follows Arabic text.

Conditions vary as a scanner varies them: resolution 150-400 dpi, blur,
Gaussian noise and specks, JPEG artefacts, binarisation, slight skew, faint
or heavy ink (font weights). Deterministic for a given SEED.

Needs Debian's Pillow with libraqm (python3-pil, libraqm0) and the font
packages `scripts/install-deps.sh numbers` installs.
"""
import io
import os
import random
import subprocess
import sys

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

AI = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
EXT = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
# Extended Arabic-Indic digits have shapes of their own only for 4, 5, 6;
# the others are drawn as the Arabic-Indic ones and share their class.
EXT_CLASS = str.maketrans("۰۱۲۳۷۸۹", "٠١٢٣٧٨٩")

# Whole families never used for training: the held-out accuracy is measured
# on them.
HELDOUT = ["Scheherazade", "NotoKufiArabic", "KacstOne", "Harmattan", "ae_Granada"]
# Display and calligraphic faces no office prints a form in.
SKIP = ["KacstArt", "KacstDecorative", "KacstDigital", "KacstPoster", "KacstQurn", "KacstPen",
        "AmiriQuran", "NastaliqUrdu", "ae_Shado", "ae_Tholoth", "ae_Ostorah", "ae_Metal",
        "ae_Electron", "ae_Mashq", "ae_Jet", "ae_Japan", "ae_Haramain", "DejaVuSansMono",
        "FreeMono", "titr"]
NEEDED = "30 31 32 33 34 35 36 37 38 39 2f 2d 2e 3a 660 661 662 663 664 665 666 667 668 669 647 640 60c"
NEEDED_EXT = "6f4 6f5 6f6"

LABELS_AR = ["رقم الرخصة", "رقم الشهادة", "رقم المحضر", "الرقم", "رقم الصادر", "رقم العقد",
             "تاريخ الإصدار", "تاريخ الانتهاء", "التاريخ", "تعميم رقم", "رقم القرار",
             "بلدية المبرز", "محافظة الأحساء", "مؤسسة", "شارع الملك فهد", "حي المزروعية",
             "مطعم الواحة", "مخبز الريادة", "المهندس", "صاحب الرخصة", "نشاط تجاري",
             "محضر ضبط مخالفة", "شهادة صحية", "رخصة بناء", "وكيل الأمين", "للخدمات"]
LABELS_EN = ["Ref", "Date", "No", "Licence", "Contract reference", "Municipality", "Omran",
             "Hofuf", "Mubarraz", "Certificate", "Subject", "Permit", "Circular", "Memo"]


def fonts(split):
    """(path, has extended digits) of every usable face of the split."""
    def listing(charset):
        out = subprocess.run(["fc-list", ":charset=" + charset, "file"], capture_output=True,
                             text=True, check=True).stdout
        return sorted({l.split(":")[0] for l in out.splitlines() if l.strip()})
    with_ext = set(listing(NEEDED + " " + NEEDED_EXT))
    found = []
    for path in listing(NEEDED):
        base = os.path.basename(path)
        if any(s in base for s in SKIP):
            continue
        held = any(base.startswith(h) for h in HELDOUT)
        if held == (split == "heldout"):
            found.append((path, path in with_ext))
    if not found:
        sys.exit("no fonts for split %s: run scripts/install-deps.sh numbers" % split)
    return found


def digits(rng, n):
    return "".join(rng.choice("0123456789") for _ in range(n))


def number_text(rng):
    """A number as forms print it, in ASCII digits (logical order)."""
    r = rng.random()
    if r < 0.30:  # a date
        hijri = rng.random() < 0.7
        y = rng.randint(1380, 1460) if hijri else rng.randint(1960, 2035)
        m, d = rng.randint(1, 12), rng.randint(1, 30 if hijri else 31)
        fm = "%02d" if rng.random() < 0.7 else "%d"
        sep = rng.choice("/////-.")
        parts = [str(y), fm % m, fm % d]
        if rng.random() < 0.35:
            parts.reverse()
        return sep.join(parts), hijri
    if r < 0.50:  # a slashed or dashed reference
        sep = rng.choice("///-")
        groups = [str(rng.randint(1380, 1460)), digits(rng, rng.randint(1, 6))]
        if rng.random() < 0.3:
            groups.append(digits(rng, rng.randint(1, 4)))
        if rng.random() < 0.4:
            groups.reverse()
        return sep.join(groups), False
    if r < 0.85:  # a long licence or certificate number
        return digits(rng, rng.randint(4, 11)), False
    if r < 0.92:  # a short number or a time
        if rng.random() < 0.5:
            return "%d:%02d" % (rng.randint(1, 12), rng.randint(0, 59)), False
        return digits(rng, rng.randint(1, 3)), False
    # a list or a decimal
    if rng.random() < 0.5:
        return "%s،%s" % (digits(rng, rng.randint(1, 3)), digits(rng, rng.randint(1, 3))), False
    return "%s.%s" % (digits(rng, rng.randint(1, 4)), digits(rng, rng.randint(1, 2))), False


def visual_groups(chars, reversed_dash):
    """Left-to-right order of a number's characters (logical order given)."""
    if not reversed_dash or "-" not in chars:
        return list(chars)
    groups, cur = [], []
    for c in chars:
        if c == "-":
            groups.append(cur)
            groups.append(["-"])
            cur = []
        else:
            cur.append(c)
    groups.append(cur)
    return [c for g in reversed(groups) for c in g]


def make_number(rng, has_ext):
    """(logical string, visual class labels, paragraph rtl, arabic before)."""
    ascii_num, hijri = number_text(rng)
    system = rng.random()
    if system < 0.62:
        script, num = "ai", ascii_num.translate(AI)
    elif system < 0.70 and has_ext:
        script, num = "ext", ascii_num.translate(EXT)
    else:
        script, num = "latin", ascii_num
    rtl = script != "latin" or rng.random() < 0.6
    arabic_before = rtl and rng.random() < 0.6
    prefix_colon = rtl and rng.random() < 0.12
    suffix = ""
    if rtl and (hijri or rng.random() < 0.05) and rng.random() < 0.6:
        suffix = rng.choice(["هـ", "هـ", "ه"])
    logical = (":" if prefix_colon else "") + num + suffix
    # bidi: Arabic-Indic digits are Arabic numbers; Western ones become
    # Arabic numbers after an Arabic letter (W2). Groups of Arabic numbers
    # joined by '-' (ES, not turned into a number separator) run RTL.
    an = script != "latin" or arabic_before
    core = visual_groups(list(num), an)
    labels = [c.translate(EXT_CLASS) for c in core]
    if suffix:
        labels = ["ه"] + labels  # it stands left of the number
    if prefix_colon:
        labels = labels + [":"]  # logically first, so rightmost
    return logical, "".join(labels), rtl, arabic_before


def make_reject(rng):
    """Words that are not numbers: labels, names, Latin words."""
    if rng.random() < 0.75:
        return " ".join(rng.choice(LABELS_AR) for _ in range(rng.randint(1, 2))), True
    return rng.choice(LABELS_EN) + rng.choice(["", ":", "."]), False


def ink_box(img):
    inv = ImageChops.invert(img)
    return inv.getbbox()


def render(text, font_path, px, rtl, arabic_before):
    font = ImageFont.truetype(font_path, px, layout_engine=ImageFont.Layout.RAQM)
    s = ("\u061c" if arabic_before else "") + text
    w = int(px * (len(text) + 4) * 1.2) + 40
    h = int(px * 3)
    img = Image.new("L", (w, h), 255)
    d = ImageDraw.Draw(img)
    d.text((20, px // 2), s, font=font, fill=0, direction="rtl" if rtl else "ltr",
           language="ar" if rtl else "en")
    box = ink_box(img)
    if box is None:
        return None
    # a margin of about one glyph height around the ink
    m = max(6, px // 2)
    x0, y0 = max(0, box[0] - m), max(0, box[1] - m)
    return img.crop((x0, y0, min(w, box[2] + m), min(h, box[3] + m)))


CONDITIONS = ["clean", "clean", "noisy", "blurred", "jpeg", "binary", "faint", "skewed"]


def degrade(img, cond, rng):
    if cond == "noisy":
        sigma = rng.uniform(10, 32)
        noise = Image.effect_noise(img.size, sigma)
        img = ImageChops.add(img, noise, 1.0, -128)
        for _ in range(int(img.size[0] * img.size[1] / 2500)):
            x, y = rng.randrange(max(1, img.size[0] - 3)), rng.randrange(max(1, img.size[1] - 3))
            img.paste(0 if rng.random() < 0.5 else 255, (x, y, x + rng.randint(1, 2), y + rng.randint(1, 2)))
    elif cond == "blurred":
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.6)))
    elif cond == "jpeg":
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=rng.randint(15, 50))
        img = Image.open(io.BytesIO(buf.getvalue())).convert("L")
    elif cond == "binary":
        t = rng.randint(100, 170)
        img = img.point(lambda v: 0 if v < t else 255)
    elif cond == "faint":
        lo = rng.randint(60, 140)
        img = img.point(lambda v: lo + v * (255 - lo) // 255)
    elif cond == "skewed":
        img = img.rotate(rng.uniform(-2.0, 2.0), resample=Image.BICUBIC, fillcolor=255, expand=True)
    return img


def main():
    out, split, count, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    os.makedirs(out, exist_ok=True)
    rng = random.Random(seed)
    faces = fonts(split)
    rows = []
    for i in range(count):
        path, has_ext = faces[i % len(faces)] if i < len(faces) else rng.choice(faces)
        dpi = rng.choice([150, 200, 200, 300, 300, 300, 400])
        pt = rng.uniform(10, 18)
        px = max(10, int(round(pt * dpi / 72)))
        if rng.random() < 0.82:
            kind = "number"
            logical, labels, rtl, before = make_number(rng, has_ext)
        else:
            kind = "reject"
            logical, rtl = make_reject(rng)
            labels, before = "#", False
        img = render(logical, path, px, rtl, before)
        if img is None:
            continue
        cond = rng.choice(CONDITIONS)
        img = degrade(img, cond, rng)
        name = "%06d.png" % i
        img.save(os.path.join(out, name), dpi=(dpi, dpi))
        rows.append("\t".join([name, kind, logical, labels, "ar" if before else "-",
                                os.path.basename(path), str(dpi), cond]))
    with open(os.path.join(out, "lines.tsv"), "w", encoding="utf-8") as f:
        f.write("\n".join(rows) + "\n")
    print("wrote %d lines to %s (%d fonts)" % (len(rows), out, len(faces)))


if __name__ == "__main__":
    main()
