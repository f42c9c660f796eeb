#!/usr/bin/env python3
"""Render arshif's sample scans and record each document's true text.

Pages are typeset with pango-view (which shapes Arabic correctly) at 300 dpi,
placed on A4 paper with Pillow and saved in the formats clerks feed arshif:
PNG, JPEG, a multi-page CCITT Group 4 TIFF, a scanned PDF and a born-digital
PDF, under samples/scans/. The true text of every page goes to
samples/truth/<file>.txt, pages separated by a form feed (\\f).

Needs: pango1.0-tools, fonts-hosny-amiri, fonts-noto-core, fonts-dejavu-core,
and Pillow + pypdf from PyPI. Run from anywhere:

    python3 samples/make_samples.py
"""
import io
import os
import subprocess
import tempfile

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DPI = 300
A4 = (2480, 3508)  # pixels at 300 dpi

DOCS = []


def doc(path, fmt, pages):
    DOCS.append((path, fmt, pages))


def render(text, font, rtl, width_pt=480):
    """Typeset one block of text with pango-view; returns a greyscale image."""
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "t.txt")
        out = os.path.join(d, "t.png")
        with open(src, "w", encoding="utf-8") as f:
            f.write(text)
        cmd = [
            "pango-view", "-q", "--dpi=%d" % DPI, "--font=%s" % font,
            "--width=%d" % width_pt, "--wrap=word", "--margin=0",
            "--line-spacing=1.5", "--hinting=full", "--antialias=gray",
            "--align=left", "-o", out, src,  # left = the start side: right for RTL
        ]
        if rtl:
            cmd.insert(2, "--rtl")
        subprocess.run(cmd, check=True)
        return Image.open(out).convert("L")


def page_image(text, font, rtl):
    block = render(text, font, rtl)
    page = Image.new("L", A4, 255)
    left = (A4[0] - block.width) // 2
    page.paste(block, (left, 260))
    return page


# ---------------------------------------------------------------- documents

doc("ar/رخصة بناء 4451234.png", "png", [(
    "Amiri 15", True,
    """أمانة محافظة الأحساء
بلدية الهفوف
رخصة بناء
رقم الرخصة: ٤٤٥١٢٣٤
تاريخ الإصدار: ١٤٤٥/٠٣/١٢ هـ
اسم المالك: عبدالله بن إبراهيم العمران
نوع البناء: إنشاء مبنى سكني من دورين
موقع العقار: حي المزروعية، شارع الأمير سلطان
مساحة الأرض: ٦٢٥ مترا مربعا
يسمح للمالك بالبناء وفق المخططات المعتمدة لدى البلدية، وتعد هذه الرخصة سارية لمدة ثلاث سنوات من تاريخ إصدارها.
مدير إدارة رخص البناء""")])

doc("ar/شهادة صحية 27507976.jpg", "jpeg", [(
    "Noto Naskh Arabic 14", True,
    """بلدية المبرز
شهادة صحية
رقم الشهادة: 27507976
اسم العامل: محمد أحمد السالم
الجنسية: سعودي
المهنة: عامل في مطعم
تاريخ الإصدار: 1445/07/12 هـ
تاريخ الانتهاء: 1446/07/12 هـ
تشهد البلدية بأن حامل هذه الشهادة لائق صحيا للعمل في محلات الأغذية والمطاعم.""")])

doc("en/inspection letter OMR-2024-0917.png", "png", [(
    "DejaVu Serif 12", False,
    """Al-Ahsa Municipality, Omran Branch
Ref: OMR/2024/0917
Date: 15 September 2024
To: Director of the Public Health Department
Subject: Inspection of food establishments

Dear Sir,
Following the inspection campaign carried out in the Omran district, we enclose the list of restaurants and bakeries that received violation notices. Three establishments were closed until the kitchens are cleaned and the workers obtain valid health certificates.
Yours sincerely,
Head of Municipal Inspection""")])

doc("mixed/عقد صيانة MC-1445-0088.tif", "tiff-g4", [
    ("Amiri 15", True,
     """عقد صيانة
رقم العقد: MC-1445-0088
الطرف الأول: بلدية العمران
الطرف الثاني: مؤسسة النخيل للمقاولات
موضوع العقد: صيانة الإنارة العامة والحدائق في حي الراشدية
مدة العقد: سنة واحدة تبدأ من تاريخ التوقيع"""),
    ("DejaVu Sans 12", False,
     """MAINTENANCE CONTRACT
Contract reference: MC-1445-0088
First party: Omran Municipality
Second party: Al Nakheel Contracting Establishment
Scope: maintenance of street lighting and public gardens in the Rashidiya district.
Duration: one year from the date of signature.
Value: 480,000 Saudi riyals, paid in four quarterly instalments."""),
    ("Amiri 15", True,
     """توقيع الطرف الأول
رئيس بلدية العمران
توقيع الطرف الثاني
مدير مؤسسة النخيل للمقاولات
الشهود: إدارة العقود والمشتريات"""),
])

doc("pdf/محضر مخالفة 1445-552.pdf", "pdf-scan", [
    ("Noto Naskh Arabic 14", True,
     """بلدية العيون
محضر ضبط مخالفة
رقم المحضر: 1445/552
اسم المنشأة: مخبز الواحة
نوع المخالفة: عدم نظافة أدوات العمل وانتهاء صلاحية الشهادات الصحية للعاملين
الإجراء: غرامة مالية وإغلاق مؤقت لمدة ثلاثة أيام"""),
    ("Noto Naskh Arabic 14", True,
     """إفادة صاحب المنشأة
أقر بأنني اطلعت على المخالفة وسأقوم بتصحيحها خلال المهلة المحددة.
المراقب الصحي: فهد الدوسري"""),
])

doc("pdf/circular 12-1445 opening hours.pdf", "pdf-text", [
    ("DejaVu Sans 11", False,
     """Al-Ahsa Municipality
Circular No. 12/1445
Subject: Opening hours of branch municipalities during Ramadan
All branch municipalities, including Hofuf, Mubarraz, Omran and Oyun, will receive citizens from ten in the morning until three in the afternoon. Electronic services remain available around the clock through the municipal portal."""),
])

doc("pdf/تعميم 14-1445 نظافة الأسواق.pdf", "pdf-text", [
    ("Amiri 14", True,
     """أمانة محافظة الأحساء
تعميم رقم 14/1445
بشأن نظافة الأسواق الشعبية
على جميع البلديات الفرعية في الهفوف والمبرز والعمران والعيون متابعة نظافة الأسواق يوميًّا، وإزالة المخلفات قبل السّاعة السادسة صباحًا.
يُعمَلُ بهذا التعميم اعتبارًا من تاريخه."""),
])


# ------------------------------------------------------------------ writers

def write_truth(rel, pages):
    path = os.path.join(HERE, "truth", rel + ".txt")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\f".join(text.strip() + "\n" for _, _, text in pages))


def main():
    for rel, fmt, pages in DOCS:
        out = os.path.join(HERE, "scans", rel)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        write_truth(rel, pages)
        if fmt == "pdf-text":
            # Born-digital: cairo's PDF surface through pango-view.
            font, rtl, text = pages[0]
            with tempfile.TemporaryDirectory() as d:
                src = os.path.join(d, "t.txt")
                with open(src, "w", encoding="utf-8") as f:
                    f.write(text)
                subprocess.run(
                    ["pango-view", "-q", "--font=%s" % font, "--width=480",
                     "--wrap=word", "--margin=56", "--line-spacing=1.4",
                     "-o", out, src], check=True)
            continue
        images = [page_image(text, font, rtl) for font, rtl, text in pages]
        if fmt == "png":
            images[0].save(out, dpi=(DPI, DPI), optimize=True)
        elif fmt == "jpeg":
            images[0].save(out, dpi=(DPI, DPI), quality=85)
        elif fmt == "tiff-g4":
            bw = [im.point(lambda v: 255 if v > 160 else 0).convert("1") for im in images]
            bw[0].save(out, compression="group4", dpi=(DPI, DPI),
                       save_all=True, append_images=bw[1:])
        elif fmt == "pdf-scan":
            # Page 1 as a JPEG (DCTDecode), page 2 bilevel (CCITT G4),
            # the two encodings scanners put in PDFs.
            first = images[0]
            rest = [im.point(lambda v: 255 if v > 160 else 0).convert("1") for im in images[1:]]
            first.save(out, save_all=True, append_images=rest, resolution=DPI,
                       title="scan", creationDate=None, modDate=None)
        print("wrote", os.path.relpath(out, ROOT))

    # Bad-input fixture for the tests: a password-protected PDF.
    from pypdf import PdfWriter
    w = PdfWriter()
    w.add_blank_page(width=595, height=842)
    w.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    enc = os.path.join(ROOT, "tests", "data", "encrypted.pdf")
    os.makedirs(os.path.dirname(enc), exist_ok=True)
    with open(enc, "wb") as f:
        w.write(f)
    print("wrote", os.path.relpath(enc, ROOT))


if __name__ == "__main__":
    main()
