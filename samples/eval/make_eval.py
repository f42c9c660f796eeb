#!/usr/bin/env python3
"""Render arshif's search-evaluation corpus.

A hundred municipal documents (licences, health certificates, violation reports,
letters; Arabic and English) are generated from templates with fields drawn
from pools, so that names, establishments and numbers are (mostly) unique to
one document, then twenty mixed-script ones: English memos that name people in
Arabic script, Arabic letters that name a company and its representative in
Latin script. Each is typeset with pango-view at 300 dpi and degraded the way
scanners degrade pages: clean, noisy, blurred, heavy JPEG, 150 dpi.

    python3 samples/eval/make_eval.py OUT_DIR

writes OUT_DIR/scans/scan-NNNN.(png|jpg), OUT_DIR/truth/scan-NNNN.<ext>.txt and
OUT_DIR/documents.tsv. The scans are named as a scanner names them, so that no
file name can answer a query; documents.tsv tells, for each file, its
template, language, condition and font, and the issue date and reference
number its text prints (as printed; `-` for none), for the metadata figures.
Deterministic: the same corpus every run (random.Random(1445)); the first
hundred documents are the ones the corpus held before the mixed-script ones
were added.

Needs pango-view (pango1.0-tools), fonts-hosny-amiri, fonts-noto-core,
fonts-dejavu-core and Pillow (python3-pil).
"""
import os
import random
import subprocess
import sys
import tempfile

from PIL import Image, ImageChops, ImageFilter

HERE = os.path.dirname(os.path.abspath(__file__))
DPI = 300
A4 = (2480, 3508)
AI = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

R = random.Random(1445)

FAMILY = """الدوسري القحطاني الشمري العتيبي المطيري الغامدي الزهراني الحربي السبيعي العنزي
الرشيدي البقمي الشهري العمري الأحمدي الإبراهيم الأنصاري الأيوبي الأمين الحسيني الخالدي
السالم العمران الملحم النعيم البراك الجبر الحمدان الخليفة السعدون الصالح العيسى المرتضى
المصطفى الموسى اليحيى الحمادة الشريدة البوعينين الجعفري المهنا الراشد الفارس العبدالكريم
الخميس الجمعة الطاهر الهاجري المري اليامي الأسمري الثقفي الظفيري الدخيل العجمي الرويلي
الشهراني القرني المالكي الزهيري الجهني البلوي الحازمي العسيري الفيفي النجار الحداد الصباغ
الخياط العطار السقاف الهاشمي الكعبي البدر الحسن الكثيري الغنام الوهيبي القاسم السويلم
المحيسن الضويان الطريفي الفوزان المبارك العثمان الدريس التويجري الربيعة الزامل الجاسر
البسام القصيبي العليان الموسوي الخنيزي المطلق الراجحي الفهيد الهويمل الشايع""".split()
FIRST = "محمد أحمد عبدالله فهد سعد خالد إبراهيم يوسف عمر علي ناصر سلطان مصطفى يحيى عيسى موسى أسامة حمزة".split()
SHOPS = """الأصالة الإتقان الآفاق الأنوار الإبداع الأمل الأندلس الإخلاص الأفق الريادة السنبلة الواحة
الندى الضحى الهدى المنى الربيع الفيروز الياسمين الزيتون الرمان الخزامى البستان الكرمة الجوهرة
اللؤلؤة المرجان الياقوت الزمرد السلام الوفاء الصفاء الرخاء الهناء الضياء البيان الإحسان الأمان
الإيمان البركة النعمة السعادة الراحة المودة الألفة الفخامة الأناقة الرقي المروة الصفوة
الشروق الغروب القمر النجمة السحاب المطر النسيم الشلال الجدول الينبوع الصخرة الجبل الوادي
الصحراء الغزال الصقر النسر الحمامة البلبل العندليب الفراشة النحلة السنديان الصنوبر الأرز
الليمون البرتقال التفاح العنب التين الخوخ المشمش الكرز الفستق اللوز البندق القرنفل الزعفران
الهيل القهوة الشاي الحليب العسل التمر الرطب السكر الملح الخبز الكعك الحلوى""".split()
SHOP_KIND = ["مطعم", "مخبز", "بقالة", "مطبخ", "ملحمة", "مقهى", "محل"]
DISTRICTS = """المزروعية الراشدية المحمدية الخالدية الفيصلية العزيزية النايفية الجامعيين الثليثية الرويضة
الصالحية المنصورة الشعبة القادسية الحزم الشروفية الكوت النعاثل الرفعة الفاضلية
السلمانية اليحيى الحمراء البساتين الملز الشفا الورود الياسمين المروج النخيل الربوة الزهور
العقيق الصفا المطار البحيرة الجوهرة الهدا الشرفية الروضة""".split()
BRANCHES = ["الهفوف", "المبرز", "العمران", "العيون"]
PLURALS = [l.split("\t") for l in open(os.path.join(HERE, "plurals.tsv"), encoding="utf-8")
           if l.strip() and not l.startswith("#")]
AR_PLURALS = [p for p in PLURALS if not p[0].isascii()]
EN_PLURALS = [p for p in PLURALS if p[0].isascii()]
EN_NAMES = """Al-Qahtani Al-Shammari Al-Otaibi Al-Mutairi Al-Ghamdi Al-Zahrani Al-Harbi Al-Subaie
Al-Anazi Al-Rashidi Al-Bugami Al-Shehri Al-Omari Al-Ahmadi Al-Ansari Al-Khalidi""".split()
EN_FIRST = "Fahad Saad Khalid Yousef Omar Nasser Sultan Hamza Ibrahim Mustafa".split()


def diacritize(word):
    """Vowel a name the way some printed records do (fatha, shadda)."""
    core, art = (word[2:], "ال") if word.startswith("ال") else (word, "")
    if len(core) < 3:
        return word
    return art + core[0] + "\u064e" + core[1] + "\u0651\u064e" + core[2:]

used = {"family": [], "shops": [], "districts": [], "ar_pl": [], "en_pl": [], "en_names": []}


def take(pool, key):
    left = [x for x in pool if x not in used[key]]
    if not left:
        used[key].clear()
        left = pool
    x = R.choice(left)
    used[key].append(x)
    return x


def number(n):
    return "".join(R.choice("0123456789") for _ in range(n)).lstrip("0") or "7"


def hijri():
    return "1445/%02d/%02d" % (R.randint(1, 12), R.randint(1, 29))


def person():
    return "%s %s %s" % (R.choice(FIRST), R.choice(FIRST), take(FAMILY, "family"))


def shop(i):
    name = take(SHOPS, "shops")
    return diacritize(name) if i % 3 == 1 else name


def licence(i):
    num, date = number(7), hijri()
    if i % 2 == 0:  # half print Arabic-Indic digits
        num, date = num.translate(AI), date.translate(AI)
    d = take(DISTRICTS, "districts")
    return "ar", f"""أمانة محافظة الأحساء
بلدية {R.choice(BRANCHES)}
رخصة محل تجاري
رقم الرخصة: {num}
تاريخ الإصدار: {date} هـ
اسم المالك: {person()}
النشاط: {R.choice(SHOP_KIND)} {shop(i)}
الموقع: حي {d}، شارع {take(DISTRICTS, "districts").replace("ال", "", 1)}
تعتبر هذه الرخصة سارية لمدة سنة من تاريخ إصدارها."""


def certificate(i):
    num = number(8)
    if i % 2 == 1:
        num = num.translate(AI)
    return "ar", f"""بلدية {R.choice(BRANCHES)}
شهادة صحية
رقم الشهادة: {num}
اسم العامل: {person()}
المهنة: عامل في {R.choice(SHOP_KIND)} {shop(i)}
تاريخ الانتهاء: {hijri()} هـ
تشهد البلدية بأن حامل هذه الشهادة لائق صحيا للعمل في محلات الأغذية."""


def violation(i):
    pl, sg = take(AR_PLURALS, "ar_pl")
    item = pl if i % 2 == 0 else sg
    return "ar", f"""بلدية {R.choice(BRANCHES)}
محضر ضبط مخالفة
رقم المحضر: 1445/{number(3)}
اسم المنشأة: {R.choice(SHOP_KIND)} {shop(i)}
المالك: {person()}
نوع المخالفة: وجود {item} مخالفة للاشتراطات في حي {take(DISTRICTS, "districts")}
الإجراء: غرامة مالية وإغلاق مؤقت
المراقب الصحي: {person()}"""


def letter_ar(i):
    return "ar", f"""أمانة محافظة الأحساء
الرقم: {number(4)}/{number(2)}
التاريخ: {hijri()} هـ
إلى سعادة مدير بلدية {R.choice(BRANCHES)}
الموضوع: متابعة أعمال الصيانة في حي {take(DISTRICTS, "districts")}
نفيدكم بأنه تم التنسيق مع مؤسسة {take(SHOPS, "shops")} للمقاولات لإصلاح الإنارة والأرصفة،
ونأمل التوجيه بتسهيل مهمة المهندس {person()}."""


def letter_en(i):
    pl, sg = take(EN_PLURALS, "en_pl")
    item = pl if i % 2 == 0 else sg
    name = "%s %s" % (R.choice(EN_FIRST), take(EN_NAMES, "en_names"))
    return "en", f"""Al-Ahsa Municipality
Ref: {R.choice(['OMR', 'HOF', 'MUB', 'OYU'])}/2024/{number(4)}
Date: {R.randint(1, 28)} September 2024
Subject: Inspection report on {item.upper() if i % 3 == 0 else item}
Dear Sir,
Inspector {name} visited the district and found {item} that do not meet the municipal
requirements. The owners were given fourteen days to correct the Violations."""


# Mixed-script documents. Their own pools, so that the other-script names
# are unique to one document and no template above draws differently.
MIXED_FIRST = "ماجد هدى ريم نورة سلمان بدر منيرة عبير تركي لطيفة وليد جواهر".split()
MIXED_FAMILY = """الغدير الحميدي السحيمي الدغيثر العصيمي الفريح المقبل الهزاع الرميح الشثري
الخضيري الحقيل العيدان البواردي الجريسي المنيف الصقعبي الخريجي العمار الدوغان
السياري الماضي البابطين الحصيني""".split()
COMPANY = """Northwind Bluegate Crestline Kestrel Ironbridge Silverleaf Stonehaven Brightwater
Oakridge Pinecrest Clearview Goldcrest Harborline Redstone Larkspur""".split()
COMPANY_KIND = ["Facilities", "Contracting", "Engineering", "Trading", "Systems"]
WEST_FIRST = "Daniel Thomas Michael Andrew Peter Richard George Simon".split()
WEST_FAMILY = """Whitaker Thornton Ashford Pemberton Holloway Fairbanks Lockwood Kensington
Blackwell Harrington Wexford Aldridge""".split()
MEMO_ISSUES = ["blocked drainage", "damaged pavement", "an unlicensed signboard",
               "broken street lights", "construction waste", "a leaking water main"]
used.update(mixed_family=[], company=[], west_family=[])


def arabic_name():
    return "%s %s %s" % (*R.sample(MIXED_FIRST, 2), take(MIXED_FAMILY, "mixed_family"))


def memo_en_mixed(i):
    """An English memo naming a complainant and an inspector in Arabic script."""
    date = hijri()
    return "en", f"""Al-Ahsa Municipality
Internal Memo
Ref: {R.choice(['OMR', 'HOF', 'MUB', 'OYU'])}/1445/{number(4)}
Date: {date} AH
To: Director of Public Services
Subject: Complaint about {R.choice(MEMO_ISSUES)}
Complainant: {arabic_name()}
Inspector: {arabic_name()}
The inspector visited the site with the complainant and recorded the
problem. The contractor was given seven days to respond."""


def letter_ar_mixed(i):
    """An Arabic letter naming a company and its representative in Latin script."""
    ref, date = "%s/%s" % (number(4), number(2)), hijri()
    if i % 2 == 0:  # half print Arabic-Indic digits
        ref, date = ref.translate(AI), date.translate(AI)
    company = "%s %s" % (take(COMPANY, "company"), R.choice(COMPANY_KIND))
    rep = "%s %s" % (R.choice(WEST_FIRST), take(WEST_FAMILY, "west_family"))
    return "ar", f"""أمانة محافظة الأحساء
الرقم: {ref}
التاريخ: {date} هـ
إلى سعادة مدير إدارة العقود
الموضوع: عقد صيانة الحدائق في حي {take(DISTRICTS, "districts")}
نفيدكم بأن شركة {company} تقدمت بعرض لصيانة الحدائق العامة،
وقد حضر ممثل الشركة السيد {rep} اجتماع اللجنة الفنية.
نأمل التوجيه باستكمال إجراءات التعاقد."""


TEMPLATES = [licence, certificate, violation, letter_ar, letter_en]
MIXED_TEMPLATES = [memo_en_mixed, letter_ar_mixed]
CONDITIONS = ["clean", "noisy", "blurred", "jpeg", "lowdpi"]
N_SINGLE = 100  # from TEMPLATES, then the rest from MIXED_TEMPLATES
N_DOCS = 120


AR_FONTS = ["Amiri 15", "Noto Naskh Arabic 14", "Noto Sans Arabic 13", "KacstOffice 16", "DejaVu Sans 13"]
EN_FONTS = ["DejaVu Serif 12", "DejaVu Sans 11", "Noto Sans 12"]


def render(text, rtl, i):
    font = AR_FONTS[i % len(AR_FONTS)] if rtl else EN_FONTS[i % len(EN_FONTS)]
    with tempfile.TemporaryDirectory() as d:
        src, out = os.path.join(d, "t.txt"), os.path.join(d, "t.png")
        open(src, "w", encoding="utf-8").write(text)
        cmd = ["pango-view", "-q", "--dpi=%d" % DPI, "--font=%s" % font, "--width=480",
               "--wrap=word", "--margin=0", "--line-spacing=1.5", "--hinting=full",
               "--align=left", "-o", out, src]
        if rtl:
            cmd.insert(2, "--rtl")
        subprocess.run(cmd, check=True)
        block = Image.open(out).convert("L")
    page = Image.new("L", A4, 255)
    page.paste(block, ((A4[0] - block.width) // 2, 260))
    return page


def degrade(page, condition, rng):
    if condition == "noisy":
        # Gaussian sensor noise (sigma 28) plus dust specks.
        noise = Image.effect_noise(page.size, 28)
        noisy = ImageChops.add(page, noise, 1.0, -128)
        for _ in range(3000):
            x, y = rng.randrange(page.size[0] - 3), rng.randrange(page.size[1] - 3)
            noisy.paste(0 if rng.random() < 0.5 else 255, (x, y, x + rng.randint(1, 3), y + rng.randint(1, 3)))
        return noisy, "png", DPI
    if condition == "blurred":
        return page.filter(ImageFilter.GaussianBlur(1.4)), "png", DPI
    if condition == "jpeg":
        return page, "jpg", DPI
    if condition == "lowdpi":
        return page.resize((A4[0] // 2, A4[1] // 2), Image.LANCZOS), "png", 150
    return page, "png", DPI


REFERENCE_LABELS = {"رقم الرخصة", "رقم الشهادة", "رقم المحضر", "الرقم", "Ref"}
ISSUE_DATE_LABELS = {"تاريخ الإصدار", "التاريخ", "Date"}  # not تاريخ الانتهاء (expiry)
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
WESTERN = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")


def facts(text):
    """The issue date and reference number a document's text prints:
    (issue date as ISO, `1445-03-12h` for Hijri; as printed; reference as
    printed), `-` for what it does not print."""
    date, printed, ref = "-", "-", "-"
    for line in text.splitlines():
        label, sep, value = line.partition(": ")
        if not sep:
            continue
        value = value.strip()
        if label in REFERENCE_LABELS and ref == "-":
            ref = value
        elif label in ISSUE_DATE_LABELS and date == "-":
            printed = value.replace("هـ", "").replace("AH", "").strip()
            plain = printed.translate(WESTERN)
            parts = plain.split("/")
            if len(parts) == 3:
                date = "%s-%s-%sh" % tuple(parts)
            else:
                d, month, y = plain.split()
                date = "%s-%02d-%02d" % (y, MONTHS.index(month) + 1, int(d))
    return date, printed, ref


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "target", "eval")
    scans, truth = os.path.join(out, "scans"), os.path.join(out, "truth")
    os.makedirs(scans, exist_ok=True)
    os.makedirs(truth, exist_ok=True)
    rows = ["\t".join(["file", "template", "language", "condition", "font",
                       "issue_date", "issue_date_printed", "reference"])]
    for i in range(N_DOCS):
        if i < N_SINGLE:
            templates, j = TEMPLATES, i
        else:
            templates, j = MIXED_TEMPLATES, i - N_SINGLE
        template = templates[j % len(templates)]
        lang, text = template(j // len(templates))
        condition = CONDITIONS[(j // len(templates) + j) % len(CONDITIONS)]
        page = render(text, lang == "ar", j // len(templates))
        fonts = AR_FONTS if lang == "ar" else EN_FONTS
        font = fonts[(j // len(templates)) % len(fonts)]
        img, ext, dpi = degrade(page, condition, random.Random(i))
        name = "scan-%04d.%s" % (i + 1, ext)
        path = os.path.join(scans, name)
        if ext == "jpg":
            img.save(path, quality=22, dpi=(dpi, dpi))
        else:
            img.save(path, dpi=(dpi, dpi))
        open(os.path.join(truth, name + ".txt"), "w", encoding="utf-8").write(text + "\n")
        rows.append("\t".join([name, template.__name__, lang, condition, font, *facts(text)]))
    open(os.path.join(out, "documents.tsv"), "w", encoding="utf-8").write("\n".join(rows) + "\n")
    print("wrote %d documents to" % N_DOCS, os.path.abspath(out))


if __name__ == "__main__":
    main()
