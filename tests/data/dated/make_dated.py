#!/usr/bin/env python3
"""Make the born-digital PDF fixtures for date, reference-number and
document-type extraction, and record each fixture's true text.

Every fixture is one page of text typeset by pango-view onto cairo's PDF
surface, so the PDF carries a real text layer (no OCR involved), exactly as
samples/make_samples.py makes its "pdf-text" documents. Arabic fixtures are
set right-to-left in Amiri 14, English ones in DejaVu Sans 11. The true text
of <name>.pdf is written next to it as <name>.pdf.txt (UTF-8, logical order,
one trailing newline).

The fixtures cover: a Hijri date and reference number written only in
Arabic-Indic digits; the same reference number in Western digits with a
month-name Hijri date and its Gregorian equivalent; an English letter; a
contract mixing Latin reference letters with dd/mm/yyyy and ISO dates; and
day/month/year Hijri dates without the هـ suffix.

Needs: python3 (standard library only), pango1.0-tools (pango-view),
fonts-hosny-amiri and fonts-dejavu-core. Run from anywhere:

    python3 tests/data/dated/make_dated.py

SOURCE_DATE_EPOCH=0 and TZ=UTC are set for pango-view. Cairo before 1.18
ignores SOURCE_DATE_EPOCH, so the script then overwrites the creation date in
place with the same-length D:19700101000000Z (byte offsets, hence the xref
table, stay valid). Rerunning with the same pango, cairo and fonts gives
byte-identical files.
"""
import os
import re
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

ARABIC = "Amiri 14"
ENGLISH = "DejaVu Sans 11"

# (file name, font, right-to-left, text)
FIXTURES = [
    ("omran-violation-indic.pdf", ARABIC, True,
     """بلدية العمران
إدارة الرقابة الصحية
محضر ضبط مخالفة
رقم المحضر: ١٤٤٥/٣٢١٧
التاريخ: ١٤٤٥/٠٣/١٢ هـ
اسم المنشأة: مطعم الضيافة الشعبي
وصف المخالفة: تخزين المواد الغذائية على الأرض مباشرة، وعدم وجود شهادات صحية سارية لبعض العاملين في المطبخ.
الإجراء: غرامة مالية وإنذار بالإغلاق عند تكرار المخالفة.
المراقب الصحي: سعد بن محمد القحطاني
توقيع صاحب المنشأة بالعلم"""),

    ("hofuf-licence-3217.pdf", ARABIC, True,
     """بلدية الهفوف
إدارة الرخص التجارية
رخصة محل تجاري
رقم الرخصة: 1445/3217
اسم المالك: عبدالله بن أحمد الملحم
الاسم التجاري: بقالة النخلة الذهبية
النشاط: بيع المواد الغذائية والمنظفات بالتجزئة
الموقع: حي الكوت، شارع الملك عبدالعزيز
تاريخ الإصدار: 12 ربيع الأول 1445هـ
الموافق: 27 سبتمبر 2023م
تاريخ الانتهاء: 11 ربيع الأول 1446هـ
يجب تجديد الرخصة قبل انتهائها، ووضعها في مكان ظاهر داخل المحل.
مدير إدارة الرخص التجارية"""),

    ("mubarraz-letter-en.pdf", ENGLISH, False,
     """Al-Ahsa Municipality, Mubarraz Branch
Ref: MUB/2024/118
Date: Sep 15, 2024
To: The Manager, Al-Noor Trading Establishment, Mubarraz
Subject: Renewal of your commercial licence
Dear Sir,
With reference to your application for the renewal of the commercial licence of your shop on King Khalid Road, we would like to inform you that the application has been reviewed and approved, subject to the payment of the renewal fees and the completion of the fire safety inspection within thirty days of the date of this letter.
Please visit the licensing office at the branch or use the municipal portal to complete these steps.
Yours sincerely,
Head of the Licensing Department
Mubarraz Branch Municipality"""),

    ("oyun-contract-mixed.pdf", ARABIC, True,
     """بلدية العيون
عقد نظافة
رقم العقد: CN-2024-77
تاريخ العقد: 15/09/2024
الطرف الأول: بلدية العيون، ويمثلها رئيس البلدية.
الطرف الثاني: شركة الأفق لخدمات النظافة المحدودة، ويمثلها مديرها العام.
موضوع العقد: تنفيذ أعمال النظافة العامة وجمع النفايات ونقلها من أحياء مدينة العيون والقرى التابعة لها.
يبدأ العمل بتاريخ 2024-10-01 ولمدة سنة ميلادية واحدة.
يلتزم الطرف الثاني بتوفير العمالة والمعدات اللازمة، ويحق للطرف الأول فرض غرامات عند التقصير.
توقيع الطرف الأول
توقيع الطرف الثاني"""),

    ("hofuf-certificate-dmy.pdf", ARABIC, True,
     """بلدية الهفوف
إدارة صحة البيئة
شهادة صحية
رقم الشهادة: 88120045
الاسم: محمد بن علي العبدالله
المهنة: عامل في محل بيع الأغذية
اسم المنشأة: مطعم الأحساء للمأكولات الشعبية
تاريخ الإصدار: 12/3/1445
تاريخ الانتهاء: 12/3/1446
يجب إبراز هذه الشهادة عند طلب المراقب الصحي، وتجديدها قبل انتهائها.
مدير إدارة صحة البيئة"""),
]


FIXED_DATE = b"/CreationDate (D:19700101000000Z)"


def pin_creation_date(path):
    """Replace cairo's wall-clock creation date with the epoch, same length."""
    with open(path, "rb") as f:
        data = f.read()
    data, n = re.subn(rb"/CreationDate \(D:\d{14}Z\)", FIXED_DATE, data)
    if n != 1:
        raise SystemExit("%s: expected one UTC CreationDate, found %d" % (path, n))
    with open(path, "wb") as f:
        f.write(data)


def main():
    env = dict(os.environ, SOURCE_DATE_EPOCH="0", TZ="UTC")
    for name, font, rtl, text in FIXTURES:
        out = os.path.join(HERE, name)
        text = text.strip() + "\n"
        with open(out + ".txt", "w", encoding="utf-8") as f:
            f.write(text)
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "t.txt")
            with open(src, "w", encoding="utf-8") as f:
                f.write(text)
            cmd = ["pango-view", "-q", "--font=%s" % font, "--width=480",
                   "--wrap=word", "--margin=56", "--line-spacing=1.4"]
            if rtl:
                cmd.append("--rtl")
            cmd += ["-o", out, src]
            subprocess.run(cmd, check=True, env=env)
        pin_creation_date(out)
        print("wrote %s (%d bytes)" % (os.path.relpath(out), os.path.getsize(out)))


if __name__ == "__main__":
    main()
