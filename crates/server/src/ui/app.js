// arshif — browser UI. Plain ES2020, no framework, no build step.
// Views are chosen by the URL's hash so that back/forward and reload work:
//   #/search?q=...&branch=...&type=...&from=DATE&to=DATE&calendar=gregorian&page=N
//        (from/to: the document's date, Hijri 1445-03-01h or Gregorian 2023-09-16,
//        or a month or a year; calendar: of the year counts, Hijri unless given)
//   #/doc/ID?q=...&page=N&hit=K      (page and hit are 1-based)
//   #/audit?user=...&doc=ID&since=YYYY-MM-DD&before=SEQ&limit=N   (admin, auditor)
//   #/password                        (change one's password)
// Accounts: on load /api/me says who is logged in (401: the login screen,
// the hash kept for after). The session is an HttpOnly cookie; its CSRF
// token is kept in memory only and sent on every POST and PATCH. Every request goes
// through api(), which turns 401 and 403 password_change_required into the
// login screen and the change-password form.
'use strict';

(() => {
  const PAGE_SIZE = 10;
  const MAX_IMAGE_WIDTH = 2400;
  const ZOOM_STEP = 1.25;
  const ZOOM_MIN = 0.25;
  const ZOOM_MAX = 5;
  const MIN_PASSWORD_CHARS = 10; // as the server requires
  const AUDIT_PAGE = 50;         // audit entries a page

  // ---------------------------------------------------------------- labels

  const I18N = {
    ar: {
      appTitle: 'أرشيف الوثائق البلدية',
      brand: 'أرشيف الوثائق البلدية',
      otherLang: 'English',
      searchLabel: 'البحث في الوثائق',
      searchPlaceholder: 'اكتب كلمة مكتوبة في الوثيقة، أو رقمًا، أو اسمًا',
      searchButton: 'بحث',
      branch: 'البلدية الفرعية',
      docType: 'نوع الوثيقة',
      all: 'الكل',
      facetCount: (label, n) => `${label} (${n})`,
      dateFrom: 'تاريخ الوثيقة من',
      dateTo: 'إلى',
      datePlaceholder: '1445-03-01هـ\u200e / 2023-09-16',
      dateHint: 'تاريخ الوثيقة هجريًا مثل \u20661445-03-01\u2069هـ أو ميلاديًا مثل \u20662023-09-16\u2069؛ يكفي الشهر (\u20661445-03\u2069هـ) أو السنة (2023).',
      // dates: a day in both calendars
      hijriMonths: ['محرم', 'صفر', 'ربيع الأول', 'ربيع الآخر', 'جمادى الأولى', 'جمادى الآخرة',
        'رجب', 'شعبان', 'رمضان', 'شوال', 'ذو القعدة', 'ذو الحجة'],
      gregorianMonths: ['يناير', 'فبراير', 'مارس', 'أبريل', 'مايو', 'يونيو',
        'يوليو', 'أغسطس', 'سبتمبر', 'أكتوبر', 'نوفمبر', 'ديسمبر'],
      hijriDay: (d, m, y) => `${d} ${m} ${y}هـ`,
      gregorianDay: (d, m, y) => `${d} ${m} ${y}م`,
      hijriYear: (y) => `${y}هـ`,
      gregorianYear: (y) => `${y}م`,
      hijriSuffix: 'هـ',
      // facets
      facetsTitle: 'تصنيف النتائج',
      facetsLabel: 'تصنيف النتائج حسب البلدية والنوع والسنة',
      facetBranch: 'البلدية الفرعية',
      facetType: 'نوع الوثيقة',
      facetYear: 'سنة الوثيقة',
      calendarLabel: 'التقويم',
      calendarHijri: 'هجري',
      calendarGregorian: 'ميلادي',
      facetUndated: 'بلا تاريخ',
      facetNoYears: 'لا توجد وثائق مؤرخة بين النتائج.',
      facetApply: (label, n) => `عرض ${label} فقط (${n})`,
      facetRemove: (label) => `إزالة التصفية: ${label}`,
      hitDated: 'بتاريخ',
      hitRefs: (n) => n === 1 ? 'الرقم المرجعي:' : 'الأرقام المرجعية:',
      clearFilters: 'مسح عوامل التصفية',
      searchHint: 'ابحث بكلمة مكتوبة في الوثيقة (اسم، رقم رخصة، حي، جهة…). لا حاجة إلى التشكيل أو الهمزات.',
      searching: 'جارٍ البحث…',
      loading: 'جارٍ التحميل…',
      resultCount: (n) => n === 0 ? 'لا توجد نتائج' : n === 1 ? 'نتيجة واحدة' : n === 2 ? 'نتيجتان' : `عدد النتائج: ${n}`,
      range: (a, b, n) => `النتائج ${a}–${b} من ${n}`,
      noResults: 'لم يُعثر على وثائق مطابقة. جرّب كلمة أخرى أو أزل بعض عوامل التصفية.',
      fuzzyNote: 'شمل البحث كلمات قريبة في الإملاء، لتجاوز أخطاء القراءة الآلية (OCR) في الوثائق الممسوحة.',
      prev: 'السابق',
      next: 'التالي',
      pagerInfo: (p, n) => `صفحة ${p} من ${n}`,
      matchedPages: 'الصفحات المطابقة:',
      untitled: (id) => `وثيقة بلا عنوان (${id})`,
      backToResults: 'العودة إلى النتائج',
      backToSearch: 'البحث',
      downloadOriginal: 'تنزيل الملف الأصلي',
      downloadPdf: 'تنزيل PDF قابل للبحث',
      sources: 'المصادر',
      metaBranch: 'البلدية الفرعية',
      metaType: 'نوع الوثيقة',
      metaSize: 'الحجم',
      metaPages: 'عدد الصفحات',
      metaMedia: 'نوع الملف',
      metaImported: 'تاريخ الاستيراد',
      metaSha: 'البصمة (SHA-256)',
      metaDate: 'تاريخ الوثيقة',
      metaRefs: 'الأرقام المرجعية',
      metaCorrected: 'آخر تصحيح',
      noDate: 'لم يُعرف',
      dateSource: { extracted: 'مقروء من النص', corrected: 'مصحَّح يدويًا' },
      typeSource: {
        import: 'أُدخل عند الاستيراد', guessed: 'مستنتج من النص', corrected: 'مصحَّح يدويًا',
      },
      typeGuessed: (pct) => `مستنتج من النص، بثقة ${pct}٪`,
      correctedBy: (who, when) => `${who}، ${when}`,
      datesFound: 'التواريخ الواردة في النص',
      datePage: (p) => `صفحة ${p}`,
      isDocDate: 'تاريخ الوثيقة',
      // corrections (administrators and clerks)
      correctTitle: 'تصحيح البيانات',
      correctIntro: 'صحّح ما قُرئ من الوثيقة خطأً أو لم يُقرأ. الحقل الفارغ يعني القيمة التلقائية: المقروءة من النص أو المُدخلة عند الاستيراد.',
      correctDate: 'تاريخ الوثيقة',
      correctDatePlaceholder: '1445-03-12هـ\u200e / 2023-09-27',
      correctType: 'نوع الوثيقة',
      correctTitleField: 'العنوان',
      correctAuto: 'تلقائي',
      correctDateReset: 'تلقائي: إلغاء تصحيح التاريخ',
      correctTypeReset: 'تلقائي: إلغاء تصحيح النوع',
      correctTitleReset: 'تلقائي: إلغاء تصحيح العنوان',
      correctAutoOption: (v) => v ? `تلقائي (${v})` : 'تلقائي',
      correctDateAuto: (v) => `فارغ = تلقائي: ${v}`,
      correctDateAutoNone: 'فارغ = تلقائي: لم يُقرأ تاريخ من النص.',
      correctDateAutoUnknown: 'فارغ = تلقائي: التاريخ المقروء من النص، إن وُجد.',
      correctDateFormat: 'يومٌ واحد: هجري مثل \u20661445-03-12\u2069هـ أو ميلادي مثل \u20662023-09-27\u2069.',
      correctTypeAuto: (v) => `تلقائي: ${v}`,
      correctTypeAutoUnknown: 'تلقائي: النوع المُدخل عند الاستيراد أو المستنتج من النص.',
      correctTitleAuto: (v) => `فارغ = تلقائي: ${v}`,
      correctTitleAutoUnknown: 'فارغ = تلقائي: العنوان المقروء من النص أو المُدخل عند الاستيراد.',
      correctSave: 'حفظ التصحيح',
      correctNothing: 'لم يتغير شيء لحفظه.',
      correctSaved: 'تم حفظ التصحيح.',
      correctNotIndexed: 'يجري الآن استيراد وثائق، فسيظهر التصحيح في نتائج البحث بعد انتهائه.',
      correctFailed: 'تعذّر حفظ التصحيح',
      sourceBatch: (b) => `دفعة ${b}`,
      prevPage: 'الصفحة السابقة',
      nextPage: 'الصفحة التالية',
      pageInfo: (p, n) => `صفحة ${p} من ${n}`,
      zoomIn: 'تكبير',
      zoomOut: 'تصغير',
      fitWidth: 'ملاءمة العرض',
      prevHit: 'المطابقة السابقة',
      nextHit: 'المطابقة التالية',
      hitInfo: (i, n) => `مطابقة ${i} من ${n}`,
      hitNone: (n) => `عدد المطابقات في الوثيقة: ${n}`,
      noHits: 'لا مواضع مظللة لهذا البحث',
      pageText: 'نص الصفحة المقروء',
      noText: '(لم يُقرأ نص من هذه الصفحة)',
      pageAlt: (p) => `صورة الصفحة ${p}`,
      thumbTitle: (p, k) => k ? `صفحة ${p} — ${k} مطابقة` : `صفحة ${p}`,
      confidence: 'دقة القراءة',
      language: 'اللغة',
      rotation: 'تدوير',
      pageSource: { 'ocr': 'قراءة آلية (OCR)', 'text-layer': 'طبقة نصية', 'pdf-text': 'نص PDF', 'pending': 'بانتظار القراءة الآلية' },
      languages: { ara: 'العربية', eng: 'الإنجليزية', 'ara+eng': 'العربية والإنجليزية' },
      bytes: (n) => n < 1024 ? `${n} بايت` : n < 1048576 ? `${(n / 1024).toFixed(1)} ك.ب` : `${(n / 1048576).toFixed(1)} م.ب`,
      searchFailed: 'تعذّر البحث',
      docFailed: 'تعذّر فتح الوثيقة',
      matchesFailed: 'تعذّر تحديد مواضع المطابقة',
      networkError: 'تعذّر الاتصال بالخادم. تحقق من الشبكة ثم أعد المحاولة.',
      errors: {
        empty_query: 'اكتب كلمة مكتوبة في الوثيقة، أو رقمًا، أو اسمًا.',
        only_stopwords: 'كل كلمات البحث شائعة جدًا. أضف اسمًا أو رقمًا أو مكانًا أو كلمة مميزة.',
        no_searchable_text: 'لا يحتوي البحث على حروف أو أرقام.',
        only_exclusions: 'البحث يحدد ما يُستبعد فقط. أضف كلمة للبحث عنها أو عامل تصفية.',
        bad_query: 'تعذّر فهم صيغة البحث.',
        bad_date: 'تعذّر فهم التاريخ. اكتبه هجريًا مثل \u20661445-03-01\u2069هـ أو ميلاديًا مثل \u20662023-09-16\u2069.',
        bad_correction: 'قيمة التصحيح غير صحيحة.',
        bad_calendar: 'التقويم غير معروف.',
        bad_branch: 'اسم البلدية الفرعية غير صحيح.',
        bad_type: 'نوع الوثيقة غير صحيح.',
        bad_id: 'رقم الوثيقة غير صحيح.',
        no_such_document: 'لا توجد وثيقة بهذا الرقم.',
        no_such_page: 'لا توجد صفحة بهذا الرقم في الوثيقة.',
        not_found: 'لم يُعثر على المطلوب.',
        archive_busy: 'الأرشيف مشغول باستيراد وثائق؛ أعد المحاولة بعد انتهائه.',
        internal: 'حدث خطأ في الخادم.',
        forbidden: 'لا يسمح دورك بهذا الإجراء.',
        not_logged_in: 'انتهت جلستك؛ سجّل الدخول مجددًا.',
        password_change_required: 'اختر كلمة مرور جديدة أولًا.',
        csrf_failed: 'انتهت صلاحية الصفحة؛ أعد تحميلها.',
        bad_parameter: 'قيمة غير صحيحة في عوامل التصفية.',
      },
      branches: { hofuf: 'الهفوف', mubarraz: 'المبرز', omran: 'العمران', oyun: 'العيون', ahsa: 'الأحساء' },
      docTypes: {
        licence: 'رخصة', 'building-licence': 'رخصة بناء', 'health-certificate': 'شهادة صحية',
        'violation-report': 'محضر مخالفة', letter: 'خطاب', contract: 'عقد', circular: 'تعميم', other: 'أخرى',
      },
      // accounts
      navLabel: 'الأقسام',
      navSearch: 'البحث',
      navAudit: 'سجل التدقيق',
      changePassword: 'تغيير كلمة المرور',
      logout: 'تسجيل الخروج',
      logoutFailed: 'تعذّر تسجيل الخروج. أعد المحاولة.',
      roles: { admin: 'مدير النظام', clerk: 'موظف إدخال', staff: 'موظف', auditor: 'مدقق' },
      loginTitle: 'تسجيل الدخول',
      loginPageTitle: 'تسجيل الدخول — أرشيف الوثائق البلدية',
      loginIntro: 'سجّل الدخول باسم المستخدم وكلمة المرور اللذين أعطاك إياهما مدير النظام.',
      userName: 'اسم المستخدم',
      password: 'كلمة المرور',
      loginButton: 'دخول',
      loggingIn: 'جارٍ الدخول…',
      loginMissing: 'اكتب اسم المستخدم وكلمة المرور.',
      loginBad: 'اسم المستخدم أو كلمة المرور غير صحيحة.',
      throttled: (s) => `محاولات خاطئة كثيرة. أعد المحاولة بعد ${s === 1 ? 'ثانية واحدة' : s === 2 ? 'ثانيتين' : s <= 10 ? `${s} ثوانٍ` : `${s} ثانية`}.`,
      throttledOver: 'يمكنك المحاولة الآن.',
      sessionExpired: 'انتهت جلستك. سجّل الدخول مجددًا لتعود إلى حيث كنت.',
      loggedOut: 'تم تسجيل الخروج.',
      passwordTitle: 'تغيير كلمة المرور',
      passwordPageTitle: 'تغيير كلمة المرور — أرشيف الوثائق البلدية',
      passwordForced: 'كلمة المرور التي دخلت بها صالحة لمرة واحدة فقط. اختر كلمة مرور جديدة للمتابعة.',
      currentPassword: 'كلمة المرور الحالية',
      newPassword: 'كلمة المرور الجديدة',
      repeatPassword: 'أعد كتابة كلمة المرور الجديدة',
      passwordRule: 'عشرة أحرف على الأقل.',
      savePassword: 'حفظ كلمة المرور',
      cancel: 'إلغاء',
      saving: 'جارٍ الحفظ…',
      passwordMissing: 'املأ الحقول الثلاثة.',
      passwordMismatch: 'كلمتا المرور الجديدتان غير متطابقتين.',
      passwordWeak: 'كلمة المرور الجديدة قصيرة: عشرة أحرف على الأقل.',
      passwordSame: 'كلمة المرور الجديدة هي الحالية نفسها؛ اختر كلمة مختلفة.',
      passwordWrong: 'كلمة المرور الحالية غير صحيحة.',
      passwordChanged: 'تم تغيير كلمة المرور.',
      // audit log
      auditTitle: 'سجل التدقيق',
      auditPageTitle: 'سجل التدقيق — أرشيف الوثائق البلدية',
      auditIntro: 'كل بحث واطلاع وتنزيل واستيراد ودخول إلى الأرشيف، الأحدث أولًا.',
      auditUser: 'المستخدم',
      auditDoc: 'رقم الوثيقة',
      auditSince: 'منذ تاريخ',
      auditApply: 'عرض',
      colTime: 'الوقت',
      colUser: 'المستخدم',
      colAddress: 'عنوان الجهاز',
      colAction: 'الإجراء',
      colDocs: 'الوثائق',
      colDetail: 'التفاصيل',
      auditOlder: 'الأقدم',
      auditNewest: 'الأحدث',
      auditShown: (n, more) => `${n === 1 ? 'مدخل واحد' : n === 2 ? 'مدخلان' : `${n} مدخلًا`}${more ? '، وهناك أقدم منها' : ''}`,
      auditBefore: (seq) => `المدخلات السابقة للمدخل رقم ${seq}`,
      auditEmpty: 'لا توجد مدخلات مطابقة.',
      auditFailed: 'تعذّر تحميل سجل التدقيق',
      auditFilterUser: (u) => `مدخلات ${u} فقط`,
      auditFilterDoc: (d) => `مدخلات الوثيقة ${d} فقط`,
      openDoc: (d) => `فتح الوثيقة ${d}`,
      quoteOpen: '«',
      quoteClose: '»',
      actions: {
        search: 'بحث', view: 'اطلاع على وثيقة', page_image: 'عرض صفحة', download: 'تنزيل', import: 'استيراد',
        login: 'تسجيل دخول', login_failed: 'دخول فاشل', logout: 'تسجيل خروج', password_change: 'تغيير كلمة المرور',
        user_change: 'تعديل مستخدم', permission_change: 'تعديل صلاحيات', token_change: 'تعديل رمز وصول',
        correct: 'تصحيح بيانات وثيقة',
      },
      detailKeys: {
        query: 'البحث', branch: 'الفرع', type: 'النوع', doc_type: 'النوع', from: 'من', to: 'إلى',
        total: 'النتائج', offset: 'بدءًا من', matches_of: 'مواضع', page: 'الصفحة', width: 'العرض',
        what: 'الملف', batch: 'الدفعة', ingested: 'مستوردة', duplicates: 'مكررة', failed: 'فاشلة',
        reason: 'السبب', change: 'التغيير', user: 'المستخدم', role: 'الدور', branches: 'الفروع',
        one_time_password: 'كلمة مرور لمرة واحدة', token: 'الرمز', label: 'الوصف',
        not_modified: 'دون تغيير', bag: 'الحزمة', since: 'منذ', documents: 'الوثائق',
        already_present: 'موجودة مسبقًا', date: 'التاريخ', title: 'العنوان',
        imported_from: 'مستوردة منذ', imported_to: 'مستوردة حتى', facets: 'التصنيف', calendar: 'التقويم',
      },
      changeArrow: ' ← ',
      auditAuto: 'تلقائي',
      detailValues: {
        original: 'الملف الأصلي', searchable_pdf: 'PDF قابل للبحث', bad_credentials: 'كلمة مرور أو اسم خاطئ',
        throttled: 'محاولات كثيرة', add: 'إضافة', grant: 'منح', revoke: 'سحب', create: 'إنشاء',
        true: 'نعم', false: 'لا', disable: 'تعطيل', enable: 'تفعيل', export: 'تصدير',
      },
      dateLocale: 'ar-SA-u-ca-gregory-nu-latn',
    },
    en: {
      appTitle: 'Municipal document archive',
      brand: 'Municipal document archive',
      otherLang: 'العربية',
      searchLabel: 'Search the documents',
      searchPlaceholder: 'Type a word printed on the document, a number or a name',
      searchButton: 'Search',
      branch: 'Branch',
      docType: 'Document type',
      all: 'All',
      facetCount: (label, n) => `${label} (${n})`,
      dateFrom: 'Document dated from',
      dateTo: 'to',
      datePlaceholder: '1445-03-01h / 2023-09-16',
      dateHint: 'The date on the document, Hijri as 1445-03-01h or Gregorian as 2023-09-16; a month (1445-03h) or a year (2023) will do.',
      // dates: a day in both calendars
      hijriMonths: ['Muharram', 'Safar', 'Rabi\u2018 al-Awwal', 'Rabi\u2018 al-Akhir', 'Jumada al-Ula', 'Jumada al-Akhirah',
        'Rajab', 'Sha\u2018ban', 'Ramadan', 'Shawwal', 'Dhu al-Qa\u2018dah', 'Dhu al-Hijjah'],
      gregorianMonths: ['January', 'February', 'March', 'April', 'May', 'June',
        'July', 'August', 'September', 'October', 'November', 'December'],
      hijriDay: (d, m, y) => `${d} ${m} ${y} AH`,
      gregorianDay: (d, m, y) => `${d} ${m} ${y}`,
      hijriYear: (y) => `${y} AH`,
      gregorianYear: (y) => `${y}`,
      hijriSuffix: 'h',
      // facets
      facetsTitle: 'Refine',
      facetsLabel: 'Results by branch, type and year',
      facetBranch: 'Branch',
      facetType: 'Document type',
      facetYear: 'Year of the document',
      calendarLabel: 'Calendar',
      calendarHijri: 'Hijri',
      calendarGregorian: 'Gregorian',
      facetUndated: 'Undated',
      facetNoYears: 'No dated documents among the results.',
      facetApply: (label, n) => `Show only ${label} (${n})`,
      facetRemove: (label) => `Remove the filter: ${label}`,
      hitDated: 'Dated',
      hitRefs: (n) => n === 1 ? 'Reference:' : 'References:',
      clearFilters: 'Clear filters',
      searchHint: 'Search for a word printed on the document (a name, a licence number, a district, an office…). Arabic may be typed without diacritics or hamza.',
      searching: 'Searching…',
      loading: 'Loading…',
      resultCount: (n) => n === 0 ? 'No results' : n === 1 ? '1 result' : `${n} results`,
      range: (a, b, n) => `Results ${a}–${b} of ${n}`,
      noResults: 'No matching documents. Try another word or remove some filters.',
      fuzzyNote: 'Close spellings were searched too, to allow for OCR misreadings in scanned documents.',
      prev: 'Previous',
      next: 'Next',
      pagerInfo: (p, n) => `Page ${p} of ${n}`,
      matchedPages: 'Matched pages:',
      untitled: (id) => `Untitled document (${id})`,
      backToResults: 'Back to results',
      backToSearch: 'Search',
      downloadOriginal: 'Download original',
      downloadPdf: 'Download searchable PDF',
      sources: 'Sources',
      metaBranch: 'Branch',
      metaType: 'Document type',
      metaSize: 'Size',
      metaPages: 'Pages',
      metaMedia: 'File type',
      metaImported: 'Imported',
      metaSha: 'Fingerprint (SHA-256)',
      metaDate: 'Document date',
      metaRefs: 'Reference numbers',
      metaCorrected: 'Last corrected',
      noDate: 'unknown',
      dateSource: { extracted: 'read from the text', corrected: 'corrected by hand' },
      typeSource: {
        import: 'given at import', guessed: 'guessed from the text', corrected: 'corrected by hand',
      },
      typeGuessed: (pct) => `guessed from the text, ${pct}% sure`,
      correctedBy: (who, when) => `${who}, ${when}`,
      datesFound: 'Dates found in the text',
      datePage: (p) => `page ${p}`,
      isDocDate: 'the document\'s date',
      // corrections (administrators and clerks)
      correctTitle: 'Correct the details',
      correctIntro: 'Correct what was misread from the document or not read at all. An empty field means the automatic value: read from the text or given at import.',
      correctDate: 'Document date',
      correctDatePlaceholder: '1445-03-12h / 2023-09-27',
      correctType: 'Document type',
      correctTitleField: 'Title',
      correctAuto: 'Auto',
      correctDateReset: 'Auto: drop the date correction',
      correctTypeReset: 'Auto: drop the type correction',
      correctTitleReset: 'Auto: drop the title correction',
      correctAutoOption: (v) => v ? `Auto (${v})` : 'Auto',
      correctDateAuto: (v) => `Empty = auto: ${v}`,
      correctDateAutoNone: 'Empty = auto: no date was read from the text.',
      correctDateAutoUnknown: 'Empty = auto: the date read from the text, if any.',
      correctDateFormat: 'One day: Hijri as 1445-03-12h or Gregorian as 2023-09-27.',
      correctTypeAuto: (v) => `Auto: ${v}`,
      correctTypeAutoUnknown: 'Auto: the type given at import or guessed from the text.',
      correctTitleAuto: (v) => `Empty = auto: ${v}`,
      correctTitleAutoUnknown: 'Empty = auto: the title read from the text or given at import.',
      correctSave: 'Save correction',
      correctNothing: 'Nothing has changed.',
      correctSaved: 'The correction has been saved.',
      correctNotIndexed: 'An import is running: search will show the correction when it finishes.',
      correctFailed: 'Could not save the correction',
      sourceBatch: (b) => `batch ${b}`,
      prevPage: 'Previous page',
      nextPage: 'Next page',
      pageInfo: (p, n) => `Page ${p} of ${n}`,
      zoomIn: 'Zoom in',
      zoomOut: 'Zoom out',
      fitWidth: 'Fit width',
      prevHit: 'Previous match',
      nextHit: 'Next match',
      hitInfo: (i, n) => `Match ${i} of ${n}`,
      hitNone: (n) => n === 1 ? '1 match in the document' : `${n} matches in the document`,
      noHits: 'No highlighted matches for this search',
      pageText: 'Text read from the page',
      noText: '(no text was read from this page)',
      pageAlt: (p) => `Image of page ${p}`,
      thumbTitle: (p, k) => k ? `Page ${p} — ${k} match${k === 1 ? '' : 'es'}` : `Page ${p}`,
      confidence: 'Reading confidence',
      language: 'Language',
      rotation: 'Rotated',
      pageSource: { 'ocr': 'OCR', 'text-layer': 'text layer', 'pdf-text': 'PDF text', 'pending': 'waiting for OCR' },
      languages: { ara: 'Arabic', eng: 'English', 'ara+eng': 'Arabic and English' },
      bytes: (n) => n < 1024 ? `${n} bytes` : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`,
      searchFailed: 'Search failed',
      docFailed: 'Could not open the document',
      matchesFailed: 'Could not locate the matches',
      networkError: 'Could not reach the server. Check the network and try again.',
      errors: {
        bad_date: 'The date could not be read.',
        bad_correction: 'The correction is not valid.',
        forbidden: 'Your role does not allow this.',
        not_logged_in: 'Your session has ended; log in again.',
        password_change_required: 'Choose a new password first.',
        csrf_failed: 'This page has expired; reload it.',
      },
      branches: { hofuf: 'Hofuf', mubarraz: 'Mubarraz', omran: 'Omran', oyun: 'Oyun', ahsa: 'Al-Ahsa' },
      docTypes: {
        licence: 'Licence', 'building-licence': 'Building licence', 'health-certificate': 'Health certificate',
        'violation-report': 'Violation report', letter: 'Letter', contract: 'Contract', circular: 'Circular', other: 'Other',
      },
      // accounts
      navLabel: 'Sections',
      navSearch: 'Search',
      navAudit: 'Audit log',
      changePassword: 'Change password',
      logout: 'Log out',
      logoutFailed: 'Could not log out. Try again.',
      roles: { admin: 'Administrator', clerk: 'Clerk', staff: 'Staff', auditor: 'Auditor' },
      loginTitle: 'Log in',
      loginPageTitle: 'Log in — Municipal document archive',
      loginIntro: 'Log in with the user name and password your administrator gave you.',
      userName: 'User name',
      password: 'Password',
      loginButton: 'Log in',
      loggingIn: 'Logging in…',
      loginMissing: 'Type your user name and password.',
      loginBad: 'Wrong user name or password.',
      throttled: (s) => `Too many failed attempts. Try again in ${s} second${s === 1 ? '' : 's'}.`,
      throttledOver: 'You may try again now.',
      sessionExpired: 'Your session has ended. Log in again to return to where you were.',
      loggedOut: 'You have logged out.',
      passwordTitle: 'Change your password',
      passwordPageTitle: 'Change your password — Municipal document archive',
      passwordForced: 'The password you logged in with works only once. Choose a new password to continue.',
      currentPassword: 'Current password',
      newPassword: 'New password',
      repeatPassword: 'Repeat the new password',
      passwordRule: 'At least 10 characters.',
      savePassword: 'Save password',
      cancel: 'Cancel',
      saving: 'Saving…',
      passwordMissing: 'Fill in all three fields.',
      passwordMismatch: 'The two new passwords differ.',
      passwordWeak: 'The new password is too short: use at least 10 characters.',
      passwordSame: 'The new password is the current one; choose another.',
      passwordWrong: 'The current password is wrong.',
      passwordChanged: 'Your password has been changed.',
      // audit log
      auditTitle: 'Audit log',
      auditPageTitle: 'Audit log — Municipal document archive',
      auditIntro: 'Every search, view, download, import and login, newest first.',
      auditUser: 'User',
      auditDoc: 'Document id',
      auditSince: 'Since',
      auditApply: 'Show',
      colTime: 'Time',
      colUser: 'User',
      colAddress: 'Address',
      colAction: 'Action',
      colDocs: 'Documents',
      colDetail: 'Details',
      auditOlder: 'Older',
      auditNewest: 'Newest',
      auditShown: (n, more) => `${n} entr${n === 1 ? 'y' : 'ies'}${more ? ', and older ones' : ''}`,
      auditBefore: (seq) => `Entries before #${seq}`,
      auditEmpty: 'No matching entries.',
      auditFailed: 'Could not load the audit log',
      auditFilterUser: (u) => `Only ${u}'s entries`,
      auditFilterDoc: (d) => `Only entries about document ${d}`,
      openDoc: (d) => `Open document ${d}`,
      quoteOpen: '“',
      quoteClose: '”',
      actions: {
        search: 'Search', view: 'Viewed document', page_image: 'Page image', download: 'Download', import: 'Import',
        login: 'Log in', login_failed: 'Failed login', logout: 'Log out', password_change: 'Password change',
        user_change: 'User change', permission_change: 'Permission change', token_change: 'API token change',
        correct: 'Metadata corrected',
      },
      detailKeys: {
        query: 'query', branch: 'branch', type: 'type', doc_type: 'type', from: 'from', to: 'to',
        total: 'results', offset: 'from result', matches_of: 'matches of', page: 'page', width: 'width',
        what: 'file', batch: 'batch', ingested: 'imported', duplicates: 'duplicates', failed: 'failed',
        reason: 'reason', change: 'change', user: 'user', role: 'role', branches: 'branches',
        one_time_password: 'one-time password', token: 'token', label: 'label',
        not_modified: 'unchanged', bag: 'bag', since: 'since', documents: 'documents',
        already_present: 'already present', date: 'date', title: 'title',
        imported_from: 'imported from', imported_to: 'imported to', facets: 'facets', calendar: 'calendar',
      },
      changeArrow: ' → ',
      auditAuto: 'automatic',
      detailValues: {
        original: 'original', searchable_pdf: 'searchable PDF', bad_credentials: 'wrong name or password',
        throttled: 'too many attempts', add: 'added', grant: 'granted', revoke: 'revoked', create: 'created',
        true: 'yes', false: 'no', disable: 'disabled', enable: 'enabled', export: 'export',
      },
      dateLocale: 'en-GB',
    },
  };

  const state = {
    lang: 'ar',
    facets: { branches: [], doc_types: [] },
    route: null,
    lastSearchHash: null,
    search: null,          // { params, data, page } of the results on screen
    searchSeq: 0,
    searchAbort: null,
    docSeq: 0,
    docCache: new Map(),
    matchCache: new Map(),
    doc: null,             // the document on screen
    q: '',
    hits: [],              // [{ page, box:[x,y,w,h] }] in page order
    hitIndex: -1,
    pageNo: 1,
    zoom: 1,               // 1 = fit width
    paneWidth: 0,
    imageWidth: 0,         // width requested of the current image
    // who is logged in: { user, role, branches, must_change_password } from
    // /api/me or /api/login; null on the login screen
    me: null,
    csrf: null,            // the session's CSRF token: in memory only, never stored
    screen: null,          // 'login' | 'password' | 'app'
    loginMsg: null,        // [key, ...args] shown on the login form (re-rendered on a language switch)
    loginNotice: null,     // key of the note above the login form
    passwordMsg: null,     // [key, ...args] shown on the password form
    appNotice: null,       // key of the note above the search (e.g. password changed)
    forcedPassword: false, // the password form is shown because the password was for one use
    throttleTimer: null,
    audit: null,           // { params, data, limit, hash, error } of the audit view on screen
    auditSeq: 0,
    facetsSeq: 0,
    navigatingTo: null,    // the hash just set, until its hashchange arrives
    correctFor: null,      // id of the document the correction form was filled for
    correctInit: null,     // { date, type, title }: the form's values as filled
    correctMsg: null,      // { kind: 'error'|'done', text: () => string } under the form
    lastAppHash: null,     // the last view of the archive shown (the password form returns to it)
    appNoticeFresh: false,
  };

  const $ = (sel) => document.querySelector(sel);
  const el = (tag, attrs = {}, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v == null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      // Through the CSSOM: the Content-Security-Policy allows no inline style attributes.
      else if (k === 'style') Object.assign(e.style, v);
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children) if (c != null) e.append(c);
    return e;
  };

  function t(key, ...args) {
    const v = I18N[state.lang][key] ?? I18N.en[key];
    return typeof v === 'function' ? v(...args) : v;
  }
  const listSep = () => (state.lang === 'ar' ? '، ' : ', ');
  const branchLabel = (b) => (b && (I18N[state.lang].branches[b] || b)) || '';
  const typeLabel = (d) => (d && (I18N[state.lang].docTypes[d] || d)) || '';

  function fmtDate(iso, seconds) {
    if (!iso) return '';
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return iso;
    try {
      return new Intl.DateTimeFormat(t('dateLocale'), { dateStyle: 'medium', timeStyle: seconds ? 'medium' : 'short' }).format(d);
    } catch (_) {
      return d.toISOString().slice(0, seconds ? 19 : 16).replace('T', ' ');
    }
  }

  // A document's day in both calendars, e.g. {hijri:'1445-03-12', gregorian:'2023-09-27'}:
  // "12 ربيع الأول 1445هـ — 27 سبتمبر 2023م" / "12 Rabi‘ al-Awwal 1445 AH — 27 September 2023".
  function dayParts(iso) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso || ''));
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
  }
  function hijriText(iso) {
    const p = dayParts(iso);
    const months = I18N[state.lang].hijriMonths;
    return p && months[p[1] - 1] ? t('hijriDay', p[2], months[p[1] - 1], p[0]) : String(iso || '');
  }
  function gregorianText(iso) {
    const p = dayParts(iso);
    const months = I18N[state.lang].gregorianMonths;
    return p && months[p[1] - 1] ? t('gregorianDay', p[2], months[p[1] - 1], p[0]) : String(iso || '');
  }
  const dayText = (day) => `${hijriText(day.hijri)} — ${gregorianText(day.gregorian)}`;
  // the same as an element, both days exact in its data (and the Gregorian as <time>)
  function dayNode(day, attrs = {}) {
    return el('span', {
      class: 'day', 'data-hijri': day.hijri, 'data-gregorian': day.gregorian,
      // isolated, so that an Arabic tooltip keeps each date's digits in order
      title: `\u2066${day.hijri}\u2069${t('hijriSuffix')} / \u2066${day.gregorian}\u2069`, ...attrs,
    },
    el('span', { class: 'hijri', text: hijriText(day.hijri) }),
    ' — ',
    el('time', { class: 'gregorian', datetime: day.gregorian, text: gregorianText(day.gregorian) }));
  }

  const roleLabel = (r) => (r && (I18N[state.lang].roles[r] || r)) || '';
  // what a role may do (the server decides; this only shapes the screens)
  const canSearch = () => Boolean(state.me && ['admin', 'clerk', 'staff'].includes(state.me.role));
  const canAudit = () => Boolean(state.me && ['admin', 'auditor'].includes(state.me.role));
  const canCorrect = () => Boolean(state.me && ['admin', 'clerk'].includes(state.me.role));

  // ------------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  // Every request to the API goes through here, so that what an answer
  // means for the session is decided in one place:
  //   401 not_logged_in           -> the login screen (the address is kept: after
  //                                  logging in, the user is back where they were)
  //   403 password_change_required -> the change-password form
  //   403 csrf_failed             -> the token is fetched again and the request retried once
  // Such errors are thrown with `handled` set; callers show the others.
  // opts: { method, json (a body to send as JSON), signal, retried }
  async function api(path, opts = {}) {
    const method = opts.method || 'GET';
    const headers = { Accept: 'application/json' };
    let body;
    if (opts.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.json);
    }
    // every state-changing request made with the session cookie carries its CSRF token
    if (method !== 'GET' && method !== 'HEAD' && state.csrf) headers['X-CSRF-Token'] = state.csrf;
    let res;
    try {
      res = await fetch(path, { method, headers, body, signal: opts.signal, credentials: 'same-origin', cache: 'no-store' });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ApiError(0, 'network', t('networkError'));
    }
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { /* not JSON */ }
    if (res.ok) return data;

    const e = data && data.error;
    const err = new ApiError(res.status, (e && e.code) || `http_${res.status}`,
      (e && e.message) || text.trim() || `${res.status} ${res.statusText}`);
    const wait = parseInt(res.headers.get('Retry-After'), 10);
    if (wait >= 0) err.retryAfter = wait;
    if (res.status === 401 && err.code === 'not_logged_in') {
      err.handled = true;
      sessionLost();
    } else if (res.status === 403 && err.code === 'password_change_required') {
      err.handled = true;
      if (state.me) state.me.must_change_password = true;
      showPasswordScreen(true);
    } else if (res.status === 403 && err.code === 'csrf_failed' && !opts.retried && state.me) {
      // the token in memory is stale (e.g. the session was renewed in another tab)
      const me = await api('/api/me');
      state.csrf = (me && me.csrf_token) || null;
      return api(path, { ...opts, retried: true });
    }
    throw err;
  }

  function showError(titleKey, err) {
    if (err && (err.name === 'AbortError' || err.handled)) return;
    console.warn(err);
    const box = $('#error');
    const known = err && err.code && I18N[state.lang].errors[err.code];
    $('#error-title').textContent = known || t(titleKey);
    $('#error-message').textContent = err && err.code === 'network' ? '' : (err ? err.message : '');
    box.hidden = false;
  }
  function clearError() {
    $('#error').hidden = true;
  }

  // --------------------------------------------------------------- routing

  function parseHash() {
    const h = location.hash.replace(/^#/, '');
    const i = h.indexOf('?');
    const path = i < 0 ? h : h.slice(0, i);
    const params = new URLSearchParams(i < 0 ? '' : h.slice(i + 1));
    const m = path.match(/^\/doc\/([^/]+)$/);
    if (m) return { view: 'doc', id: decodeURIComponent(m[1]), params };
    if (path === '/audit') return { view: 'audit', params };
    if (path === '/password') return { view: 'password', params };
    return { view: 'search', params };
  }

  function hashFor(view, params, id) {
    const clean = new URLSearchParams();
    for (const [k, v] of params) if (v !== '' && v != null) clean.set(k, v);
    const qs = clean.toString();
    const path = view === 'doc' ? `/doc/${encodeURIComponent(id)}` : `/${view}`;
    return `#${path}${qs ? `?${qs}` : ''}`;
  }

  // Show the view the address names. Nothing is shown to a visitor who is
  // not logged in (the login screen stays; the address is kept for after).
  function route() {
    state.navigatingTo = null;
    if (!state.me || state.me.must_change_password) return;
    let r = parseHash();
    // a view the role has no use for: go to the one it has
    if ((r.view === 'search' || r.view === 'doc') && !canSearch() && canAudit()) {
      history.replaceState(null, '', '#/audit');
      r = parseHash();
    } else if (r.view === 'audit' && !canAudit()) {
      history.replaceState(null, '', '#/');
      r = parseHash();
    }
    if (r.view === 'password') {
      showPasswordScreen(false);
      return;
    }
    state.route = r;
    state.lastAppHash = location.hash || null;
    clearError();
    showScreen('app');
    // a note (e.g. "password changed") stays for the view it was made on
    if (state.appNoticeFresh) state.appNoticeFresh = false;
    else state.appNotice = null;
    renderAppNotice();
    const searching = canSearch();
    $('#search-form').hidden = !searching || r.view === 'audit';
    $('#search-view').hidden = r.view !== 'search' || !searching;
    $('#doc-view').hidden = r.view !== 'doc';
    $('#audit-view').hidden = r.view !== 'audit';
    renderNav();
    if (r.view === 'doc') {
      showDoc(r.id, r.params);
    } else if (r.view === 'audit') {
      document.title = t('auditPageTitle');
      runAudit(r.params);
    } else if (searching) {
      state.lastSearchHash = location.hash || null;
      document.title = t('appTitle');
      runSearch(r.params);
    } else {
      // neither search nor audit (a role the UI does not know): nothing to show
      document.title = t('appTitle');
    }
  }

  // ---------------------------------------------------------------- search

  // The year counts' calendar: that of the search on screen (Hijri unless
  // the address says gregorian).
  function searchCalendar() {
    const r = state.route;
    return r && r.view === 'search' && r.params.get('calendar') === 'gregorian' ? 'gregorian' : 'hijri';
  }

  function formParams(page) {
    const p = new URLSearchParams();
    p.set('q', $('#q').value.trim());
    p.set('branch', $('#branch').value);
    p.set('type', $('#type').value);
    p.set('from', $('#from').value.trim());
    p.set('to', $('#to').value.trim());
    if (searchCalendar() === 'gregorian') p.set('calendar', 'gregorian');
    if (page > 1) p.set('page', String(page));
    return p;
  }

  function go(hash) {
    state.navigatingTo = hash;
    location.hash = hash;
  }

  function submitSearch(page = 1) {
    const hash = hashFor('search', formParams(page));
    if (hash !== location.hash) go(hash);
    // the same search again (the button pressed twice), unless it is the
    // address just set (a date field left, then the form submitted)
    else if (state.navigatingTo !== hash) route();
  }

  // The dates typed in the filters, once left: search if they differ from
  // those of the view on screen.
  function dateChanged() {
    const r = state.route;
    const shown = r && r.view === 'search' ? r.params : new URLSearchParams();
    const same = ['from', 'to'].every((k) => $(`#${k}`).value.trim() === (shown.get(k) || '').trim());
    if (same) return;
    const hash = hashFor('search', formParams(1));
    if (hash !== location.hash && hash !== state.navigatingTo) go(hash);
  }

  // values: [{ value, count }] from /api/facets; an option shows its count,
  // e.g. "الهفوف (12)". A value in the address that the facets lack (no
  // document, or outside the user's branches) is kept, without a count.
  function fillSelect(select, values, labelOf, current) {
    const list = values
      .map((v) => (typeof v === 'string' ? { value: v, count: null } : v))
      .filter((v) => v && v.value);
    if (current && !list.some((v) => v.value === current)) list.push({ value: current, count: null });
    select.replaceChildren(el('option', { value: '', text: t('all') }),
      ...list.map((v) => el('option', {
        value: v.value,
        'data-count': v.count != null ? String(v.count) : null,
        text: v.count != null ? t('facetCount', labelOf(v.value), v.count) : labelOf(v.value),
      })));
    select.value = current || '';
  }

  function fillFilters(params) {
    fillSelect($('#branch'), state.facets.branches || [], branchLabel, params.get('branch') || '');
    fillSelect($('#type'), state.facets.doc_types || [], typeLabel, params.get('type') || '');
  }

  async function runSearch(params) {
    const q = params.get('q') || '';
    const page = Math.max(1, parseInt(params.get('page'), 10) || 1);
    $('#q').value = q;
    fillFilters(params);
    $('#from').value = params.get('from') || '';
    $('#to').value = params.get('to') || '';
    markBadDate(null);

    const any = ['q', 'branch', 'type', 'from', 'to'].some((k) => params.get(k));
    if (state.searchAbort) state.searchAbort.abort();
    const seq = ++state.searchSeq;
    const hash = location.hash;
    if (!any) {
      state.search = null;
      $('#results').removeAttribute('aria-busy');
      renderResults();
      $('#results').dataset.for = hash;
      return;
    }
    const apiParams = new URLSearchParams();
    for (const k of ['q', 'branch', 'type', 'from', 'to']) if (params.get(k)) apiParams.set(k, params.get(k));
    // counts of all the results by branch, type and year, for the facet panel
    apiParams.set('facets', '1');
    if (params.get('calendar') === 'gregorian') apiParams.set('calendar', 'gregorian');
    apiParams.set('limit', String(PAGE_SIZE));
    apiParams.set('offset', String((page - 1) * PAGE_SIZE));

    const ctl = new AbortController();
    state.searchAbort = ctl;
    $('#results').setAttribute('aria-busy', 'true');
    $('#result-count').hidden = false;
    $('#result-count').textContent = t('searching');
    $('#search-hint').hidden = true;
    try {
      const data = await api(`/api/search?${apiParams}`, { signal: ctl.signal });
      if (seq !== state.searchSeq) return;
      state.search = { params, data, page, hash };
      renderResults();
    } catch (e) {
      if (seq !== state.searchSeq || e.name === 'AbortError') return;
      state.search = { params, data: null, page, error: e, hash };
      renderResults();
      showError('searchFailed', e);
      if (e.code === 'bad_date') markBadDate(e.message);
    } finally {
      if (seq === state.searchSeq) $('#results').removeAttribute('aria-busy');
    }
  }

  // A date the server could not read: its field is marked (the message,
  // shown above the results, begins with the parameter's name).
  function markBadDate(message) {
    const which = message == null ? null : /^\s*to\b/.test(message) ? '#to' : /^\s*from\b/.test(message) ? '#from' : null;
    for (const id of ['#from', '#to']) {
      if (id === which || (message != null && !which)) $(id).setAttribute('aria-invalid', 'true');
      else $(id).removeAttribute('aria-invalid');
    }
  }

  // Insert the server's snippet (already HTML-escaped, with <mark>) as HTML,
  // keeping nothing but text and <mark> elements.
  function snippetNode(html) {
    const tpl = document.createElement('template');
    tpl.innerHTML = html || '';
    const out = document.createDocumentFragment();
    for (const n of tpl.content.childNodes) {
      if (n.nodeType === Node.TEXT_NODE) out.append(n.textContent);
      else if (n.nodeName === 'MARK') out.append(el('mark', { text: n.textContent }));
      else out.append(n.textContent || '');
    }
    return out;
  }

  function renderResults() {
    const s = state.search;
    const list = $('#results');
    list.replaceChildren();
    // which search the list shows (tests wait for this to equal the URL's hash)
    if (s) list.dataset.for = s.hash;
    $('#fuzzy-note').hidden = true;
    $('#notices').hidden = true;
    $('#no-results').hidden = true;
    $('#pager').hidden = true;
    renderFacets();
    if (!s) {
      $('#result-count').hidden = true;
      $('#result-count').textContent = '';
      $('#search-hint').hidden = false;
      return;
    }
    $('#search-hint').hidden = true;
    if (!s.data) {
      $('#result-count').hidden = true;
      $('#result-count').textContent = '';
      return;
    }
    const { data, page, params } = s;
    const total = data.total || 0;
    const hits = data.hits || [];
    const first = (page - 1) * PAGE_SIZE + 1;
    $('#result-count').hidden = false;
    $('#result-count').textContent = hits.length && total > hits.length
      ? `${t('resultCount', total)} · ${t('range', first, first + hits.length - 1, total)}`
      : t('resultCount', total);
    $('#result-count').dataset.total = String(total);
    $('#fuzzy-note').hidden = !data.fuzzy;
    const notices = data.notices || [];
    $('#notices').replaceChildren(...notices.map((n) => el('li', { dir: 'auto', text: n })));
    $('#notices').hidden = notices.length === 0;
    if (!hits.length) {
      $('#no-results').hidden = false;
      $('#no-results').textContent = t('noResults');
    }
    const q = params.get('q') || '';
    for (const h of hits) list.append(resultItem(h, q));

    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    if (total > PAGE_SIZE || page > 1) {
      $('#pager').hidden = false;
      $('#pager-info').textContent = t('pagerInfo', page, pages);
      $('#pager-prev').disabled = page <= 1;
      $('#pager-next').disabled = (page - 1) * PAGE_SIZE + hits.length >= total;
    }
  }

  // The facet panel: the search's results counted by branch, type and year
  // (all of them, not only this page). A value is a link to the same search
  // narrowed to it; the value already filtered on links to the search without it.
  function renderFacets() {
    const s = state.search;
    const box = $('#facet-groups');
    const f = s && s.data && s.data.facets;
    const aside = $('#facets');
    if (!f || !(s.data.total > 0)) {
      aside.hidden = true;
      box.replaceChildren();
      return;
    }
    aside.hidden = false;
    const params = s.params;
    const cal = f.calendar === 'gregorian' ? 'gregorian' : 'hijri';
    const link = (changes) => {
      const p = new URLSearchParams(params);
      p.delete('page');
      for (const [k, v] of Object.entries(changes)) {
        if (v == null || v === '') p.delete(k); else p.set(k, v);
      }
      return hashFor('search', p);
    };
    const item = (kind, value, label, count, active, changes) => el('li', {},
      el('a', {
        href: link(changes),
        class: `facet-value${active ? ' active' : ''}`,
        'data-testid': 'facet-value',
        'data-facet': kind,
        'data-value': value,
        'data-count': String(count),
        'aria-current': active ? 'true' : null,
        title: active ? t('facetRemove', label) : t('facetApply', label, count),
      },
      el('bdi', { class: 'label', dir: 'auto', text: label }),
      el('span', { class: 'n', text: String(count) })));
    const group = (kind, titleKey, items, extra) => el('section', {
      class: 'facet-group', 'data-testid': `facet-${kind}`, 'aria-labelledby': `facet-title-${kind}`,
    },
    el('h3', { id: `facet-title-${kind}`, text: t(titleKey) }),
    extra || null,
    items.length ? el('ul', {}, ...items) : null);

    const groups = [];
    const branch = params.get('branch') || '';
    const branches = (f.branches || []).map((b) => item('branch', b.value, branchLabel(b.value), b.count,
      b.value === branch, { branch: b.value === branch ? '' : b.value }));
    if (branches.length) groups.push(group('branch', 'facetBranch', branches));
    const type = params.get('type') || '';
    const types = (f.doc_types || []).map((d) => item('type', d.value, typeLabel(d.value), d.count,
      d.value === type, { type: d.value === type ? '' : d.value }));
    if (types.length) groups.push(group('type', 'facetType', types));

    // years, in the calendar chosen beside them: from=1445h&to=1445h, or from=2023&to=2023
    const from = (params.get('from') || '').trim();
    const to = (params.get('to') || '').trim();
    const yearParam = (y) => (cal === 'hijri' ? `${y}h` : String(y));
    const years = (f.years || []).map((y) => {
      const v = yearParam(y.value);
      const active = from === v && to === v;
      return item('year', y.value, t(cal === 'hijri' ? 'hijriYear' : 'gregorianYear', y.value), y.count,
        active, active ? { from: '', to: '' } : { from: v, to: v });
    });
    const dated = (f.years || []).reduce((n, y) => n + (y.count || 0), 0);
    const undated = Math.max(0, (s.data.total || 0) - dated);
    if (undated && years.length) {
      years.push(el('li', { class: 'facet-undated', 'data-testid': 'facet-undated', 'data-count': String(undated) },
        el('span', { class: 'label', text: t('facetUndated') }), el('span', { class: 'n', text: String(undated) })));
    }
    const choice = el('fieldset', { class: 'calendar-choice', 'data-testid': 'calendar-choice' },
      el('legend', { class: 'visually-hidden', text: t('calendarLabel') }),
      ...['hijri', 'gregorian'].map((c) => el('label', {},
        el('input', {
          type: 'radio', name: 'calendar', value: c, checked: c === cal, 'data-testid': `calendar-${c}`,
          onchange: () => go(link({ calendar: c === 'gregorian' ? 'gregorian' : '' })),
        }),
        el('span', { text: t(c === 'hijri' ? 'calendarHijri' : 'calendarGregorian') }))));
    const yearGroup = group('year', 'facetYear', years, choice);
    if (!years.length) yearGroup.append(el('p', { class: 'hint', text: t('facetNoYears') }));
    groups.push(yearGroup);
    box.replaceChildren(...groups);
  }

  function docHash(id, q, page) {
    const p = new URLSearchParams();
    if (q) p.set('q', q);
    if (page) p.set('page', String(page));
    return hashFor('doc', p, id);
  }

  function fileName(path) {
    return String(path || '').split(/[\\/]/).pop();
  }

  function resultItem(h, q) {
    const pages = h.pages || [];
    const title = h.title || fileName((h.sources || [])[0]) || t('untitled', h.id);
    const meta = el('div', { class: 'result-meta' });
    if (h.branch) meta.append(el('span', { class: 'tag branch', text: branchLabel(h.branch) }));
    if (h.doc_type) meta.append(el('span', { class: 'tag type', text: typeLabel(h.doc_type) }));
    if (pages.length) {
      const span = el('span', { class: 'hit-pages' }, `${t('matchedPages')} `);
      pages.forEach((p, i) => {
        if (i) span.append(listSep());
        span.append(el('a', { href: docHash(h.id, q, p), text: String(p) }));
      });
      meta.append(span);
    }
    const src = (h.sources || [])[0];
    if (src) meta.append(el('bdi', { class: 'source', dir: 'auto', title: src, text: fileName(src) }));
    const about = el('div', { class: 'result-about' });
    if (h.document_date) {
      about.append(el('span', { class: 'hit-date', 'data-testid': 'hit-date' },
        el('span', { class: 'k', text: `${t('hitDated')} ` }), dayNode(h.document_date)));
    }
    const refs = h.reference_numbers || [];
    if (refs.length) about.append(refsNode(refs, 'hit-refs', t('hitRefs', refs.length)));
    return el('li', { class: 'result', 'data-testid': 'result', 'data-id': String(h.id) },
      el('h3', {}, el('a', {
        href: docHash(h.id, q, pages[0]), 'data-testid': 'result-link', dir: 'auto', text: title,
      })),
      meta,
      about.childNodes.length ? about : null,
      el('p', { class: 'snippet', 'data-testid': 'snippet', dir: 'auto' }, snippetNode(h.snippet)));
  }

  // Reference numbers, each kept left to right (1445/3217, MC-1445-0088).
  function refsNode(refs, testid, label) {
    const span = el('span', { class: 'refs', 'data-testid': testid });
    if (label) span.append(el('span', { class: 'k', text: `${label} ` }));
    refs.forEach((r, i) => {
      if (i) span.append(listSep());
      span.append(el('bdi', { class: 'ref', dir: 'ltr', 'data-testid': 'ref', text: r }));
    });
    return span;
  }

  // ---------------------------------------------------------------- viewer

  async function cached(map, key, load) {
    if (!map.has(key)) {
      const p = load();
      map.set(key, p);
      p.catch(() => map.delete(key));
    }
    return map.get(key);
  }

  async function showDoc(id, params) {
    const q = (params.get('q') || '').trim();
    const seq = ++state.docSeq;
    const sameDoc = state.doc && String(state.doc.id) === String(id);
    if (!sameDoc) {
      state.doc = null;
      state.metaKey = null;
      state.zoom = 1;
      $('#doc-title').textContent = t('loading');
      $('#doc-meta').replaceChildren();
      $('#sources-list').replaceChildren();
      $('#dates-list').replaceChildren();
      $('#doc-dates').hidden = true;
      $('#correct-panel').hidden = true;
      $('#page-text').textContent = '';
      $('#boxes').replaceChildren();
      $('#thumbs').replaceChildren();
      const img = $('#page-image');
      img.removeAttribute('src');
      delete img.dataset.loaded;
      delete img.dataset.page;
    }
    if (q) $('#q').value = q;
    const back = $('#back-link');
    back.href = state.lastSearchHash || (q ? hashFor('search', new URLSearchParams({ q })) : '#/');
    back.textContent = state.lastSearchHash || q ? t('backToResults') : t('backToSearch');

    let doc;
    try {
      // with a query, the word boxes too: they mark the matched words in the text
      const words = q ? '?words=1' : '';
      doc = await cached(state.docCache, `${id}${words}`, () => api(`/api/documents/${encodeURIComponent(id)}${words}`));
    } catch (e) {
      if (seq !== state.docSeq) return;
      state.doc = null;
      $('#doc-view').classList.add('failed');
      showError('docFailed', e);
      return;
    }
    $('#doc-view').classList.remove('failed');
    let matches = [];
    if (q) {
      try {
        const m = await cached(state.matchCache, `${id}\n${q}`,
          () => api(`/api/documents/${encodeURIComponent(id)}/matches?q=${encodeURIComponent(q)}`));
        matches = (m && m.matches) || [];
      } catch (e) {
        if (seq !== state.docSeq) return;
        showError('matchesFailed', e);
      }
    }
    if (seq !== state.docSeq) return;

    state.doc = doc;
    state.q = q;
    state.hits = [];
    matches.slice().sort((a, b) => a.page - b.page).forEach((m) => {
      for (const box of m.boxes || []) state.hits.push({ page: m.page, box });
    });
    const count = pageCount();
    let pageNo = parseInt(params.get('page'), 10);
    if (!(pageNo >= 1)) pageNo = state.hits.length ? state.hits[0].page : 1;
    state.pageNo = Math.min(Math.max(1, pageNo), Math.max(1, count));
    const hit = parseInt(params.get('hit'), 10);
    if (hit >= 1 && hit <= state.hits.length && state.hits[hit - 1].page === state.pageNo) {
      state.hitIndex = hit - 1;
    } else {
      state.hitIndex = state.hits.findIndex((h) => h.page === state.pageNo);
    }
    // the header and thumbnails change with the document, query or language
    const metaKey = `${doc.id}\n${q}\n${state.lang}`;
    if (state.metaKey !== metaKey) {
      state.metaKey = metaKey;
      renderDocMeta();
    }
    // the correction form is filled once a document (a user's edits survive a re-render)
    if (state.correctFor !== String(doc.id)) fillCorrectForm(true);
    renderPage(true);
  }

  function pageCount() {
    const d = state.doc;
    return (d && (d.page_count || (d.pages || []).length)) || 0;
  }

  function currentPage() {
    const d = state.doc;
    if (!d) return null;
    const pages = d.pages || [];
    return pages.find((p) => p.number === state.pageNo) || pages[state.pageNo - 1] || null;
  }

  function renderDocMeta() {
    const d = state.doc;
    if (!d) return;
    const title = d.title || fileName(((d.sources || [])[0] || {}).path) || t('untitled', d.id);
    $('#doc-title').textContent = title;
    document.title = `${title} — ${t('appTitle')}`;
    const base = `/api/documents/${encodeURIComponent(d.id)}`;
    $('#download-original').href = `${base}/original`;
    $('#download-pdf').href = `${base}/searchable.pdf`;

    // each row: [label key, text or node, testid]
    const rows = [];
    const branches = (d.branches && d.branches.length ? d.branches : [d.branch]).filter(Boolean);
    if (branches.length) rows.push(['metaBranch', branches.map(branchLabel).join(listSep())]);
    // the document's date, and whether it was read from the text or corrected
    const date = el('span', { 'data-source': d.document_date_source || '' });
    if (d.document_date) {
      date.append(dayNode(d.document_date));
      const src = I18N[state.lang].dateSource[d.document_date_source];
      if (src) date.append(' ', el('span', { class: 'source-note', 'data-testid': 'doc-date-source', text: `(${src})` }));
    } else {
      date.append(el('span', { class: 'muted', text: t('noDate') }));
    }
    rows.push(['metaDate', date, 'doc-date']);
    if (d.doc_type) {
      const type = el('span', { 'data-source': d.doc_type_source || '', 'data-type': d.doc_type }, typeLabel(d.doc_type));
      const how = d.doc_type_source === 'guessed' && d.doc_type_confidence != null
        ? t('typeGuessed', Math.round(d.doc_type_confidence * 100))
        : I18N[state.lang].typeSource[d.doc_type_source];
      if (how) type.append(' ', el('span', { class: 'source-note', 'data-testid': 'doc-type-source', text: `(${how})` }));
      rows.push(['metaType', type, 'doc-type']);
    }
    const refs = d.reference_numbers || [];
    if (refs.length) rows.push(['metaRefs', refsNode(refs, 'doc-refs-list'), 'doc-refs']);
    if (d.corrected && (d.corrected.by || d.corrected.at)) {
      rows.push(['metaCorrected', t('correctedBy', d.corrected.by || '?', fmtDate(d.corrected.at)), 'doc-corrected']);
    }
    if (d.size != null) rows.push(['metaSize', t('bytes', d.size)]);
    rows.push(['metaPages', String(pageCount())]);
    if (d.media_type) rows.push(['metaMedia', d.media_type]);
    if (d.created_at) rows.push(['metaImported', fmtDate(d.created_at)]);
    const dl = $('#doc-meta');
    dl.replaceChildren();
    for (const [k, v, id] of rows) {
      dl.append(el('div', { 'data-testid': id || null },
        el('dt', { text: t(k) }), typeof v === 'string' ? el('dd', { text: v }) : el('dd', {}, v)));
    }
    if (d.sha256) {
      dl.append(el('div', {}, el('dt', { text: t('metaSha') }),
        el('dd', {}, el('code', { dir: 'ltr', title: d.sha256, text: `${d.sha256.slice(0, 16)}…` }))));
    }

    const sources = d.sources || [];
    $('#sources-list').replaceChildren(...sources.map((s) => {
      const bits = [branchLabel(s.branch), typeLabel(s.doc_type),
        s.batch != null ? t('sourceBatch', s.batch) : '', fmtDate(s.imported_at)].filter(Boolean);
      return el('li', {}, el('bdi', { dir: 'auto', class: 'path', text: s.path }),
        el('span', { class: 'muted', text: ` — ${bits.join(' · ')}` }));
    }));
    $('#doc-sources').hidden = sources.length === 0;
    const summary = $('#doc-sources summary');
    summary.textContent = `${t('sources')} (${sources.length})`;

    // every date found in the text: as printed, where, and in both calendars
    const dates = d.dates || [];
    const docDay = d.document_date;
    $('#dates-list').replaceChildren(...dates.map((x) => {
      const isDoc = Boolean(docDay && d.document_date_source === 'extracted' && docDay.gregorian === x.gregorian);
      return el('li', {
        'data-testid': 'doc-date-found', 'data-calendar': x.calendar, 'data-page': String(x.page),
        class: isDoc ? 'is-doc-date' : null,
      },
      el('span', { class: 'printed' }, t('quoteOpen'), el('bdi', { dir: 'auto', text: x.text }), t('quoteClose')),
      ' · ', el('a', { href: pageHash(x.page), text: t('datePage', x.page) }),
      ' · ', dayNode(x),
      isDoc ? el('span', { class: 'source-note', text: ` (${t('isDocDate')})` }) : null);
    }));
    $('#doc-dates').hidden = dates.length === 0;
    $('#doc-dates summary').textContent = `${t('datesFound')} (${dates.length})`;

    renderThumbs();
    renderCorrectForm();
  }

  // ------------------------------------------------------------ corrections

  // The form's values for a document: its corrections (empty: automatic).
  function correctValues(d) {
    const c = d.corrected || {};
    return {
      date: c.date && c.date.hijri ? `${c.date.hijri}${t('hijriSuffix')}` : '',
      type: c.doc_type || '',
      title: c.title || '',
    };
  }

  // Fill the form from the document on screen (reset: forget the message).
  function fillCorrectForm(reset) {
    const d = state.doc;
    if (!d) return;
    state.correctFor = String(d.id);
    const v = correctValues(d);
    state.correctInit = v;
    $('#correct-type').replaceChildren(); // its choices are made afresh for this document
    $('#correct-date').value = v.date;
    $('#correct-title').value = v.title;
    $('#correct-date').removeAttribute('aria-invalid');
    if (reset) state.correctMsg = null;
    renderCorrectForm();
    $('#correct-type').value = v.type;
  }

  // Labels, the type's choices and the automatic values (the values typed stay).
  function renderCorrectForm() {
    const d = state.doc;
    const panel = $('#correct-panel');
    panel.hidden = !d || !canCorrect();
    if (panel.hidden) return;
    const c = d.corrected || {};
    // the date
    let dateAuto;
    if (c.date) dateAuto = t('correctDateAutoUnknown');
    else if (d.document_date) dateAuto = t('correctDateAuto', dayText(d.document_date));
    else dateAuto = t('correctDateAutoNone');
    $('#correct-date-auto').textContent = `${dateAuto} ${t('correctDateFormat')}`;
    // the type: the known ones, the archive's, and the document's own
    const select = $('#correct-type');
    const keep = select.options.length ? select.value : (state.correctInit ? state.correctInit.type : '');
    const known = ['licence', 'health-certificate', 'violation-report', 'letter', 'contract', 'other'];
    const types = [...new Set([...known, ...(state.facets.doc_types || []).map((x) => x.value),
      d.doc_type, c.doc_type, keep].filter(Boolean))];
    const autoType = !c.doc_type && d.doc_type ? typeLabel(d.doc_type) : '';
    select.replaceChildren(el('option', { value: '', text: t('correctAutoOption', autoType) }),
      ...types.map((x) => el('option', { value: x, text: typeLabel(x) })));
    select.value = keep;
    $('#correct-type-auto').textContent = autoType
      ? t('correctTypeAuto', `${autoType} (${I18N[state.lang].typeSource[d.doc_type_source] || ''})`.replace(' ()', ''))
      : t('correctTypeAutoUnknown');
    // the title
    const title = $('#correct-title');
    if (!c.title && d.title) {
      title.placeholder = d.title;
      $('#correct-title-auto').textContent = t('correctTitleAuto', d.title);
    } else {
      title.placeholder = '';
      $('#correct-title-auto').textContent = t('correctTitleAutoUnknown');
    }
    renderCorrectMsg();
  }

  function renderCorrectMsg() {
    const m = state.correctMsg;
    const err = $('#correct-error');
    const done = $('#correct-done');
    err.hidden = !m || m.kind !== 'error';
    done.hidden = !m || m.kind !== 'done';
    if (!m) return;
    const box = m.kind === 'error' ? err : done;
    box.replaceChildren(...m.parts());
  }

  function setCorrectMsg(kind, parts) {
    state.correctMsg = kind ? { kind, parts } : null;
    renderCorrectMsg();
  }

  // What changed since the form was filled: only that is sent; an emptied
  // field (automatic) is sent as null, which drops its correction.
  function correctChanges() {
    const init = state.correctInit || { date: '', type: '', title: '' };
    const now = {
      date: $('#correct-date').value.trim(),
      type: $('#correct-type').value,
      title: $('#correct-title').value.trim(),
    };
    const body = {};
    if (now.date !== init.date) body.date = now.date || null;
    if (now.type !== init.type) body.doc_type = now.type || null;
    if (now.title !== init.title) body.title = now.title || null;
    return body;
  }

  async function submitCorrection(ev) {
    ev.preventDefault();
    const d = state.doc;
    if (!d || !canCorrect()) return;
    const body = correctChanges();
    if (!Object.keys(body).length) {
      setCorrectMsg('done', () => [t('correctNothing')]);
      return;
    }
    const button = $('#correct-save');
    if (button.disabled) return;
    button.disabled = true;
    button.textContent = t('saving');
    setCorrectMsg(null);
    $('#correct-date').removeAttribute('aria-invalid');
    const id = d.id;
    let answer;
    try {
      answer = await api(`/api/documents/${encodeURIComponent(id)}`, { method: 'PATCH', json: body });
    } catch (e) {
      if (e.handled) return;
      const known = e.code && I18N[state.lang].errors[e.code];
      setCorrectMsg('error', () => [
        el('strong', { text: known || t('correctFailed') }),
        e.code === 'network' || !e.message ? '' : ' ',
        e.code === 'network' ? '' : el('bdi', { dir: 'auto', text: e.message || '' })]);
      if (e.code === 'bad_correction' && 'date' in body && !/type|title/i.test(e.message || '')) {
        $('#correct-date').setAttribute('aria-invalid', 'true');
      }
      return;
    } finally {
      button.disabled = false;
      button.textContent = t('correctSave');
    }
    if (!state.doc || String(state.doc.id) !== String(id)) return; // another document since
    // the answer is the document as it now is (without the words' boxes:
    // the pages on screen are kept)
    const { indexed, ...fresh } = answer || {};
    const doc = { ...state.doc, ...fresh, pages: state.doc.pages };
    state.doc = doc;
    for (const key of [...state.docCache.keys()]) {
      if (key === String(id) || key.startsWith(`${id}?`)) state.docCache.delete(key);
    }
    state.docCache.set(state.q ? `${id}?words=1` : String(id), Promise.resolve(doc));
    renderDocMeta();
    fillCorrectForm(false);
    setCorrectMsg('done', () => [t('correctSaved'), indexed === false ? ` ${t('correctNotIndexed')}` : '']);
  }

  function resetCorrectField(ev) {
    const field = ev.currentTarget.dataset.field;
    const input = $(`#correct-${field}`);
    input.value = '';
    input.removeAttribute('aria-invalid');
    input.focus();
  }

  function renderThumbs() {
    const d = state.doc;
    const strip = $('#thumbs');
    const n = pageCount();
    if (!d || n < 2) {
      strip.replaceChildren();
      strip.hidden = true;
      return;
    }
    strip.hidden = false;
    const perPage = new Map();
    for (const h of state.hits) perPage.set(h.page, (perPage.get(h.page) || 0) + 1);
    const items = [];
    for (let p = 1; p <= n; p++) {
      const k = perPage.get(p) || 0;
      items.push(el('a', {
        class: `thumb${p === state.pageNo ? ' active' : ''}${k ? ' has-hits' : ''}`,
        href: pageHash(p), title: t('thumbTitle', p, k), 'data-page': String(p),
        'aria-current': p === state.pageNo ? 'page' : null,
      },
      el('img', { src: `/api/documents/${encodeURIComponent(d.id)}/pages/${p}/thumbnail`, alt: '', loading: 'lazy' }),
      el('span', { class: 'num', text: String(p) }),
      k ? el('span', { class: 'badge', text: String(k) }) : null));
    }
    strip.replaceChildren(...items);
  }

  function pageHash(p, hitIndex) {
    const params = new URLSearchParams();
    if (state.q) params.set('q', state.q);
    params.set('page', String(p));
    if (hitIndex != null && hitIndex >= 0) params.set('hit', String(hitIndex + 1));
    return hashFor('doc', params, state.doc.id);
  }

  function renderPage(scroll) {
    const d = state.doc;
    if (!d) return;
    const n = pageCount();
    const page = currentPage();
    $('#page-info').textContent = t('pageInfo', state.pageNo, Math.max(n, 1));
    $('#page-prev').disabled = state.pageNo <= 1;
    $('#page-next').disabled = state.pageNo >= n;
    renderPageText(page);
    const details = [];
    if (page) {
      if (page.source) details.push((I18N[state.lang].pageSource[page.source]) || page.source);
      if (page.confidence != null) details.push(`${t('confidence')}: ${Math.round(page.confidence * (page.confidence <= 1 ? 100 : 1))}%`);
      if (page.language) details.push(`${t('language')}: ${I18N[state.lang].languages[page.language] || page.language}`);
      if (page.rotation) details.push(`${t('rotation')}: ${page.rotation}°`);
    }
    $('#page-details').textContent = details.join(' · ');
    for (const th of document.querySelectorAll('#thumbs .thumb')) {
      const on = Number(th.dataset.page) === state.pageNo;
      th.classList.toggle('active', on);
      if (on) th.setAttribute('aria-current', 'page'); else th.removeAttribute('aria-current');
    }
    const img = $('#page-image');
    img.alt = t('pageAlt', state.pageNo);
    layout(true);
    updateHitNav();
    if (scroll) scrollToCurrent();
  }

  // The page's text, with the words that carry a highlight box marked.
  function renderPageText(page) {
    const pre = $('#page-text');
    const text = page && page.text;
    if (!text) {
      pre.textContent = t('noText');
      return;
    }
    const marked = new Set();
    const boxes = new Set(state.hits.filter((h) => h.page === state.pageNo).map((h) => h.box.join(',')));
    for (const w of (page.words || [])) if (boxes.has(w.box.join(','))) marked.add(w.text);
    if (!marked.size) {
      pre.textContent = text;
      return;
    }
    const out = document.createDocumentFragment();
    for (const part of text.split(/(\s+)/)) {
      if (marked.has(part)) out.append(el('mark', { text: part }));
      else out.append(part);
    }
    pre.replaceChildren(out);
  }

  function fitWidth() {
    const pane = $('#page-pane');
    const cs = getComputedStyle(pane);
    return Math.max(120, pane.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight));
  }

  // Size the page, ask for an image of the right width and place the boxes.
  function layout(newPage) {
    const d = state.doc;
    const page = currentPage();
    if (!d || !page) return;
    const img = $('#page-image');
    const frame = $('#page-frame');
    const pw = page.width || img.naturalWidth || 1000;
    const ph = page.height || img.naturalHeight || Math.round(pw * 1.414);
    const dispW = Math.max(50, Math.round(fitWidth() * state.zoom));
    const dispH = dispW * ph / pw;
    frame.style.width = `${dispW}px`;
    frame.style.height = `${dispH}px`;
    $('#zoom-info').textContent = `${Math.round(state.zoom * 100)}%`;
    $('#zoom-out').disabled = state.zoom <= ZOOM_MIN + 1e-9;
    $('#zoom-in').disabled = state.zoom >= ZOOM_MAX - 1e-9;

    const dpr = window.devicePixelRatio || 1;
    const want = Math.min(MAX_IMAGE_WIDTH, Math.max(200, Math.ceil((dispW * dpr) / 200) * 200));
    const samePage = img.dataset.page === `${d.id}/${state.pageNo}`;
    if (newPage && !samePage) {
      delete img.dataset.loaded;
      img.dataset.page = `${d.id}/${state.pageNo}`;
      state.imageWidth = want;
      img.src = `/api/documents/${encodeURIComponent(d.id)}/pages/${state.pageNo}/image?width=${want}`;
    } else if (want > state.imageWidth) {
      // zoomed in (or the frame grew): fetch a sharper image and show it
      // once it has loaded; the old one stays shown meanwhile
      state.imageWidth = want;
      const url = `/api/documents/${encodeURIComponent(d.id)}/pages/${state.pageNo}/image?width=${want}`;
      const sharper = new Image();
      sharper.onload = () => {
        if (img.dataset.page === `${d.id}/${state.pageNo}` && state.imageWidth === want) img.src = url;
      };
      sharper.src = url;
    }
    placeBoxes(dispW / pw);
  }

  function placeBoxes(scale) {
    const layer = $('#boxes');
    layer.replaceChildren();
    state.hits.forEach((h, i) => {
      if (h.page !== state.pageNo) return;
      const [x, y, w, hh] = h.box;
      layer.append(el('div', {
        class: `hit-box${i === state.hitIndex ? ' current' : ''}`,
        'data-testid': 'hit-box',
        'data-box': `${x},${y},${w},${hh}`,
        'data-page': String(h.page),
        'data-index': String(i),
        'aria-current': i === state.hitIndex ? 'true' : null,
        style: { left: `${x * scale}px`, top: `${y * scale}px`, width: `${w * scale}px`, height: `${hh * scale}px` },
        onclick: () => gotoHit(i),
      }));
    });
  }

  function nextHitIndex(dir) {
    const hits = state.hits;
    if (!hits.length) return -1;
    if (state.hitIndex >= 0) {
      const i = state.hitIndex + dir;
      return i >= 0 && i < hits.length ? i : -1;
    }
    if (dir > 0) return hits.findIndex((h) => h.page > state.pageNo);
    for (let i = hits.length - 1; i >= 0; i--) if (hits[i].page < state.pageNo) return i;
    return -1;
  }

  function updateHitNav() {
    const n = state.hits.length;
    $('#hit-nav').hidden = !state.q;
    $('#hit-prev').disabled = nextHitIndex(-1) < 0;
    $('#hit-next').disabled = nextHitIndex(1) < 0;
    $('#hit-info').textContent = !n ? t('noHits')
      : state.hitIndex >= 0 ? t('hitInfo', state.hitIndex + 1, n) : t('hitNone', n);
  }

  // Bring the current box into view: scroll the page pane (not the window)
  // to centre it when it is hidden, then the window only if the box would
  // still be off screen.
  function scrollToCurrent() {
    const cur = document.querySelector('#boxes .hit-box.current');
    if (!cur) return;
    const behavior = window.matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth';
    const pane = $('#page-pane');
    const pr = pane.getBoundingClientRect();
    const br = cur.getBoundingClientRect();
    const top = pr.top + pane.clientTop;
    const left = pr.left + pane.clientLeft;
    const inPane = br.top >= top && br.bottom <= top + pane.clientHeight
      && br.left >= left && br.right <= left + pane.clientWidth;
    let dy = 0;
    if (!inPane) {
      dy = br.top + br.height / 2 - (top + pane.clientHeight / 2);
      const maxDown = pane.scrollHeight - pane.clientHeight - pane.scrollTop;
      dy = Math.max(-pane.scrollTop, Math.min(maxDown, dy));
      const dx = br.left + br.width / 2 - (left + pane.clientWidth / 2);
      pane.scrollBy({ top: dy, left: dx, behavior });
    }
    const toolbar = $('.toolbar').getBoundingClientRect().height;
    const boxTop = br.top - dy;
    if (boxTop < toolbar || boxTop + br.height > window.innerHeight) {
      window.scrollBy({ top: boxTop + br.height / 2 - (window.innerHeight + toolbar) / 2, behavior });
    }
  }

  function gotoHit(i) {
    const h = state.hits[i];
    if (!h) return;
    state.hitIndex = i;
    history.replaceState(null, '', pageHash(h.page, i));
    if (h.page !== state.pageNo) {
      state.pageNo = h.page;
      renderPage(false);
    } else {
      for (const b of document.querySelectorAll('#boxes .hit-box')) {
        const on = Number(b.dataset.index) === i;
        b.classList.toggle('current', on);
        if (on) b.setAttribute('aria-current', 'true'); else b.removeAttribute('aria-current');
      }
      updateHitNav();
    }
    scrollToCurrent();
  }

  function setZoom(z) {
    state.zoom = Math.min(ZOOM_MAX, Math.max(ZOOM_MIN, z));
    layout(false);
    scrollToCurrent();
  }

  // -------------------------------------------------------------- accounts

  // One of three screens at a time: the login form, the password form, or
  // the archive itself (search, viewer, audit log).
  function showScreen(name) {
    state.screen = name;
    $('#boot').hidden = true;
    $('#login-view').hidden = name !== 'login';
    $('#password-view').hidden = name !== 'password';
    $('#app-view').hidden = name !== 'app';
    if (name !== 'login' && name !== 'password') stopThrottleTimer();
    renderAccount();
    renderNav();
  }

  function renderAccount() {
    const me = state.me;
    $('#account').hidden = !me;
    if (!me) return;
    $('#user-name').textContent = me.user;
    $('#user-role').textContent = roleLabel(me.role);
    $('#user-role').dataset.role = me.role;
    // while a one-time password is replaced, the form is already on screen
    $('#change-password-link').hidden = Boolean(me.must_change_password);
  }

  // The sections link: for those who may read the audit log (an auditor has
  // only that; staff have only the search, which the brand links to).
  function renderNav() {
    const on = Boolean(state.me && !state.me.must_change_password && canAudit());
    $('#nav').hidden = !on;
    $('#nav-search').hidden = !canSearch();
    $('#nav-audit').hidden = !canAudit();
    const view = state.screen === 'app' && state.route ? state.route.view : null;
    const current = { '#nav-search': ['search', 'doc'], '#nav-audit': ['audit'] };
    for (const [sel, views] of Object.entries(current)) {
      if (views.includes(view)) $(sel).setAttribute('aria-current', 'page');
      else $(sel).removeAttribute('aria-current');
    }
  }

  function setSession(me) {
    const before = state.me && state.me.user;
    state.me = {
      user: me.user,
      role: me.role,
      branches: me.branches || [],
      must_change_password: Boolean(me.must_change_password),
    };
    state.csrf = me.csrf_token || null;
    if (before !== state.me.user) resetUserData();
  }

  // Forget what the previous user was shown (results, documents, filters).
  function resetUserData() {
    if (state.searchAbort) state.searchAbort.abort();
    state.searchSeq += 1;
    state.docSeq += 1;
    state.auditSeq += 1;
    state.facetsSeq += 1;
    state.facets = { branches: [], doc_types: [] };
    state.docCache.clear();
    state.matchCache.clear();
    state.search = null;
    state.lastSearchHash = null;
    state.lastAppHash = null;
    state.doc = null;
    state.metaKey = null;
    state.q = '';
    state.hits = [];
    state.audit = null;
    state.appNotice = null;
    state.navigatingTo = null;
    state.correctFor = null;
    state.correctInit = null;
    state.correctMsg = null;
    for (const id of ['#q', '#from', '#to', '#audit-user', '#audit-doc', '#audit-since',
      '#correct-date', '#correct-title']) $(id).value = '';
    markBadDate(null);
    $('#correct-type').replaceChildren();
    $('#correct-panel').hidden = true;
    $('#correct-panel').open = false;
    $('#facets').hidden = true;
    $('#facet-groups').replaceChildren();
    $('#dates-list').replaceChildren();
    fillFilters(new URLSearchParams());
    $('#results').replaceChildren();
    delete $('#results').dataset.for;
    $('#audit-rows').replaceChildren();
    delete $('#audit-table').dataset.for;
    $('#doc-title').textContent = '';
    $('#page-text').textContent = '';
    $('#boxes').replaceChildren();
    $('#thumbs').replaceChildren();
    const img = $('#page-image');
    img.removeAttribute('src');
    delete img.dataset.loaded;
    delete img.dataset.page;
  }

  function clearSession() {
    state.me = null;
    state.csrf = null;
    resetUserData();
  }

  // A 401 not_logged_in: the session expired or was ended elsewhere. The
  // address stays as it is, so that logging in again returns to it.
  function sessionLost() {
    if (!state.me && state.screen === 'login') return; // already there (several requests failed at once)
    const was = Boolean(state.me);
    clearSession();
    showLoginScreen(was ? 'sessionExpired' : null);
  }

  function signedIn(me) {
    setSession(me);
    if (state.me.must_change_password) {
      showPasswordScreen(true);
      return;
    }
    enterApp();
  }

  function enterApp() {
    if (canSearch()) loadFacets();
    route();
  }

  function showLoginScreen(noticeKey) {
    state.loginNotice = noticeKey || null;
    state.loginMsg = null;
    showScreen('login');
    renderLogin();
    document.title = t('loginPageTitle');
    $('#login-password').value = '';
    const user = $('#login-user');
    (user.value ? $('#login-password') : user).focus();
  }

  function renderLogin() {
    const notice = $('#login-notice');
    notice.hidden = !state.loginNotice;
    notice.textContent = state.loginNotice ? t(state.loginNotice) : '';
    const msg = $('#login-error');
    msg.hidden = !state.loginMsg;
    msg.textContent = state.loginMsg ? state.loginMsg() : '';
  }

  // Messages are kept as functions so that a language switch redraws them.
  function setLoginMsg(fn) {
    state.loginMsg = fn;
    renderLogin();
  }

  function setPasswordMsg(fn) {
    state.passwordMsg = fn;
    renderPasswordForm();
  }

  // An error's text for a form: the translated code, else the server's words.
  function errorText(err) {
    if (err && err.code === 'network') return t('networkError');
    return (err && err.code && I18N[state.lang].errors[err.code]) || (err && err.message) || t('errors').internal;
  }

  function stopThrottleTimer() {
    if (state.throttleTimer) clearInterval(state.throttleTimer);
    state.throttleTimer = null;
  }

  // 429: say how long to wait, counting down (Retry-After, in seconds).
  function startThrottle(set, seconds) {
    stopThrottleTimer();
    const until = Date.now() + Math.max(1, seconds || 1) * 1000;
    const tick = () => {
      const left = Math.ceil((until - Date.now()) / 1000);
      if (left <= 0) {
        stopThrottleTimer();
        set(() => t('throttledOver'));
      } else {
        set(() => t('throttled', left));
      }
    };
    tick();
    state.throttleTimer = setInterval(tick, 1000);
  }

  async function submitLogin(ev) {
    ev.preventDefault();
    const user = $('#login-user').value.trim();
    const password = $('#login-password').value;
    if (!user || !password) {
      setLoginMsg(() => t('loginMissing'));
      (user ? $('#login-password') : $('#login-user')).focus();
      return;
    }
    const button = $('#login-button');
    if (button.disabled) return;
    button.disabled = true;
    button.textContent = t('loggingIn');
    stopThrottleTimer();
    let me = null;
    try {
      me = await api('/api/login', { method: 'POST', json: { user, password } });
    } catch (e) {
      $('#login-password').value = '';
      if (e.code === 'too_many_attempts') startThrottle(setLoginMsg, e.retryAfter);
      else if (e.code === 'bad_credentials') setLoginMsg(() => t('loginBad'));
      else setLoginMsg(() => errorText(e));
      $('#login-password').focus();
      return;
    } finally {
      button.disabled = false;
      button.textContent = t('loginButton');
    }
    $('#login-password').value = '';
    state.loginMsg = null;
    state.loginNotice = null;
    renderLogin();
    signedIn(me);
  }

  async function logout() {
    const button = $('#logout');
    if (button.disabled) return;
    button.disabled = true;
    try {
      await api('/api/logout', { method: 'POST' });
    } catch (e) {
      // A session that had already ended (401) is logged out all the same;
      // otherwise it is still alive on the server: say so and stay.
      if (!e.handled) {
        showError('logoutFailed', e);
        return;
      }
    } finally {
      button.disabled = false;
    }
    clearSession();
    $('#login-user').value = '';
    // the next person to log in starts afresh
    history.replaceState(null, '', '#/');
    showLoginScreen('loggedOut');
  }

  function showPasswordScreen(forced) {
    const again = state.screen === 'password' && state.forcedPassword === forced;
    state.forcedPassword = forced;
    showScreen('password');
    if (!again) {
      stopThrottleTimer();
      state.passwordMsg = null;
      for (const id of ['#password-current', '#password-new', '#password-repeat']) $(id).value = '';
    }
    $('#password-user').value = state.me ? state.me.user : '';
    $('#password-forced').hidden = !forced;
    $('#password-cancel').hidden = forced;
    renderPasswordForm();
    document.title = t('passwordPageTitle');
    if (!again) $('#password-current').focus();
  }

  function renderPasswordForm() {
    const msg = $('#password-error');
    msg.hidden = !state.passwordMsg;
    msg.textContent = state.passwordMsg ? state.passwordMsg() : '';
  }

  // Back to the view the form was opened from.
  function leavePasswordForm() {
    history.replaceState(null, '', state.lastAppHash || '#/');
    route();
  }

  async function submitPassword(ev) {
    ev.preventDefault();
    const current = $('#password-current').value;
    const next = $('#password-new').value;
    const repeat = $('#password-repeat').value;
    let problem = null;
    if (!current || !next || !repeat) problem = 'passwordMissing';
    else if (next !== repeat) problem = 'passwordMismatch';
    else if ([...next].length < MIN_PASSWORD_CHARS) problem = 'passwordWeak';
    else if (next === current) problem = 'passwordSame';
    if (problem) {
      setPasswordMsg(() => t(problem));
      $(problem === 'passwordMissing' && !current ? '#password-current' : '#password-new').focus();
      return;
    }
    const button = $('#password-button');
    if (button.disabled) return;
    button.disabled = true;
    button.textContent = t('saving');
    stopThrottleTimer();
    let me = null;
    try {
      me = await api('/api/password', { method: 'POST', json: { current, new: next } });
    } catch (e) {
      if (e.handled) return;
      const known = { wrong_password: 'passwordWrong', weak_password: 'passwordWeak', same_password: 'passwordSame' }[e.code];
      if (e.code === 'too_many_attempts') startThrottle(setPasswordMsg, e.retryAfter);
      else if (known) setPasswordMsg(() => t(known));
      else setPasswordMsg(() => errorText(e));
      $(e.code === 'wrong_password' ? '#password-current' : '#password-new').focus();
      return;
    } finally {
      button.disabled = false;
      button.textContent = t('savePassword');
    }
    for (const id of ['#password-current', '#password-new', '#password-repeat']) $(id).value = '';
    state.passwordMsg = null;
    renderPasswordForm();
    const forced = state.forcedPassword;
    // the old session has ended: the answer carries the new one's CSRF token
    setSession(me);
    state.appNotice = 'passwordChanged';
    state.appNoticeFresh = true;
    if (forced) {
      if (parseHash().view === 'password') history.replaceState(null, '', '#/');
      enterApp();
    } else {
      leavePasswordForm();
    }
  }

  function renderAppNotice() {
    const n = $('#app-notice');
    n.hidden = !state.appNotice;
    n.textContent = state.appNotice ? t(state.appNotice) : '';
  }

  // An image failed to load: if the session ended, the login screen says so.
  async function checkSession() {
    if (!state.me) return;
    try {
      const me = await api('/api/me');
      if (me && me.csrf_token) state.csrf = me.csrf_token;
    } catch (_) { /* handled by api(), or a passing network error */ }
  }

  // ------------------------------------------------------------- audit log

  function auditHash(changes) {
    const p = new URLSearchParams(state.audit ? state.audit.params : '');
    p.delete('before');
    for (const [k, v] of Object.entries(changes)) {
      if (v == null || v === '') p.delete(k); else p.set(k, String(v));
    }
    return hashFor('audit', p);
  }

  async function runAudit(params) {
    const user = params.get('user') || '';
    const doc = params.get('doc') || '';
    const since = params.get('since') || '';
    const before = params.get('before') || '';
    const limit = Math.min(999, Math.max(1, parseInt(params.get('limit'), 10) || AUDIT_PAGE));
    $('#audit-user').value = user;
    $('#audit-doc').value = doc;
    $('#audit-since').value = since;
    const q = new URLSearchParams();
    if (user) q.set('user', user);
    if (doc) q.set('doc', doc);
    if (since) q.set('since', since);
    if (before) q.set('before', before);
    q.set('limit', String(limit + 1)); // one more than shown: are there older ones?
    const seq = ++state.auditSeq;
    const hash = location.hash;
    const table = $('#audit-table');
    table.setAttribute('aria-busy', 'true');
    $('#audit-status').textContent = t('loading');
    try {
      const data = await api(`/api/audit?${q}`);
      if (seq !== state.auditSeq) return;
      state.audit = { params, data, limit, hash };
      renderAudit();
    } catch (e) {
      if (seq !== state.auditSeq) return;
      state.audit = { params, data: null, limit, hash, error: e };
      renderAudit();
      showError('auditFailed', e);
    } finally {
      if (seq === state.auditSeq) table.removeAttribute('aria-busy');
    }
  }

  function renderAudit() {
    const a = state.audit;
    const rows = $('#audit-rows');
    rows.replaceChildren();
    $('#audit-pager').hidden = true;
    if (!a) {
      $('#audit-status').textContent = '';
      return;
    }
    // which address the table shows (tests wait for this to equal the URL's hash)
    $('#audit-table').dataset.for = a.hash;
    if (!a.data) {
      $('#audit-status').textContent = '';
      return;
    }
    const all = a.data.entries || [];
    const more = all.length > a.limit;
    const entries = all.slice(0, a.limit);
    const before = a.params.get('before');
    $('#audit-status').textContent = entries.length
      ? [before ? t('auditBefore', before) : '', t('auditShown', entries.length, more)].filter(Boolean).join(' · ')
      : t('auditEmpty');
    for (const e of entries) rows.append(auditRow(e));
    if (more || before) {
      $('#audit-pager').hidden = false;
      const newest = $('#audit-newest');
      newest.hidden = !before;
      newest.href = auditHash({});
      const older = $('#audit-older');
      older.disabled = !more;
      older.dataset.before = entries.length ? String(entries[entries.length - 1].seq) : '';
    }
  }

  const MAX_DOC_LINKS = 12;

  function auditRow(e) {
    const docs = e.documents || [];
    const query = e.action === 'search' && e.detail && typeof e.detail.query === 'string' ? e.detail.query : '';
    const docCell = el('td', { class: 'docs' });
    docs.slice(0, MAX_DOC_LINKS).forEach((id, i) => {
      if (i) docCell.append(listSep());
      // the viewer for those who may view; otherwise the log of that document
      docCell.append(canSearch()
        ? el('a', { href: docHash(id, query), 'data-testid': 'audit-doc-link', title: t('openDoc', id), text: String(id) })
        : el('a', { href: auditHash({ doc: id }), 'data-testid': 'audit-doc-filter', title: t('auditFilterDoc', id), text: String(id) }));
    });
    if (docs.length > MAX_DOC_LINKS) docCell.append(` … (+${docs.length - MAX_DOC_LINKS})`);
    return el('tr', { 'data-testid': 'audit-entry', 'data-seq': String(e.seq), 'data-action': e.action, 'data-actor': e.actor },
      el('td', { class: 'time' }, el('time', { datetime: e.at, title: e.at, text: fmtDate(e.at, true) })),
      el('td', { class: 'actor' }, el('a', { href: auditHash({ user: e.actor }), title: t('auditFilterUser', e.actor) },
        el('bdi', { dir: 'auto', text: e.actor }))),
      el('td', { class: 'address' }, el('bdi', { dir: 'ltr', text: e.address })),
      el('td', { class: 'action' }, el('span', { class: `action-tag action-${e.action}`, text: I18N[state.lang].actions[e.action] || e.action })),
      docCell,
      el('td', { class: 'detail', 'data-testid': 'audit-detail' }, auditDetail(e.detail || {})));
  }

  // The entry's detail in a line: the query first, as typed, then the rest
  // as "key: value", empty values left out.
  function auditDetail(d) {
    const parts = [];
    if (typeof d.query === 'string' && d.query) {
      parts.push(el('span', { class: 'query' }, t('quoteOpen'),
        el('bdi', { dir: 'auto', 'data-testid': 'audit-query', text: d.query }), t('quoteClose')));
    }
    for (const [k, v] of Object.entries(d)) {
      if (k === 'query' || v == null || v === '' || (Array.isArray(v) && !v.length)) continue;
      if (k === 'offset' && v === 0) continue;
      if (typeof v === 'object' && !Array.isArray(v) && ('from' in v || 'to' in v)) {
        // a correction: the value before and after (null: the automatic one)
        parts.push(el('span', { class: 'kv change', 'data-testid': 'audit-change', 'data-key': k },
          el('span', { class: 'k', text: `${I18N[state.lang].detailKeys[k] || k}: ` }),
          changeValue(k, v.from), t('changeArrow'), changeValue(k, v.to)));
        continue;
      }
      parts.push(el('span', { class: 'kv' },
        el('span', { class: 'k', text: `${I18N[state.lang].detailKeys[k] || k}: ` }),
        el('bdi', { dir: 'auto', text: detailValue(k, v) })));
    }
    const out = document.createDocumentFragment();
    parts.forEach((p, i) => {
      if (i) out.append(' · ');
      out.append(p);
    });
    return out;
  }

  function changeValue(k, v) {
    if (v == null || v === '') return el('span', { class: 'auto', text: t('auditAuto') });
    return el('bdi', { dir: k === 'date' ? 'ltr' : 'auto', text: detailValue(k, v) });
  }

  function detailValue(k, v) {
    if (Array.isArray(v)) return v.map((x) => detailValue(k, x)).join(listSep());
    if (v !== null && typeof v === 'object') return JSON.stringify(v);
    if (k === 'branch' || k === 'branches') return branchLabel(String(v));
    if (k === 'type' || k === 'doc_type') return typeLabel(String(v));
    if (k === 'role') return roleLabel(String(v));
    if (['what', 'reason', 'change', 'one_time_password'].includes(k)) {
      return I18N[state.lang].detailValues[String(v)] || String(v);
    }
    return String(v);
  }

  function submitAudit(ev) {
    if (ev) ev.preventDefault();
    const p = new URLSearchParams();
    p.set('user', $('#audit-user').value.trim());
    p.set('doc', $('#audit-doc').value.trim());
    p.set('since', $('#audit-since').value);
    const limit = state.audit && state.audit.params.get('limit');
    if (limit) p.set('limit', limit);
    const hash = hashFor('audit', p);
    if (hash === location.hash) route();
    else location.hash = hash;
  }

  // -------------------------------------------------------------- language

  function applyLang() {
    const lang = state.lang;
    document.documentElement.lang = lang;
    document.documentElement.dir = lang === 'ar' ? 'rtl' : 'ltr';
    for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
    for (const e of document.querySelectorAll('[data-i18n-placeholder]')) e.placeholder = t(e.dataset.i18nPlaceholder);
    for (const e of document.querySelectorAll('[data-i18n-title]')) e.title = t(e.dataset.i18nTitle);
    for (const e of document.querySelectorAll('[data-i18n-aria-label]')) e.setAttribute('aria-label', t(e.dataset.i18nAriaLabel));
    const sw = $('[data-testid="lang-switch"]');
    sw.textContent = t('otherLang');
    sw.lang = lang === 'ar' ? 'en' : 'ar';
    sw.dir = lang === 'ar' ? 'ltr' : 'rtl';
  }

  function setLang(lang) {
    state.lang = lang === 'en' ? 'en' : 'ar';
    try { localStorage.setItem('arshif.lang', state.lang); } catch (_) { /* private mode */ }
    applyLang();
    // re-render what is on screen with the new labels (no new requests)
    renderAccount();
    if (state.screen === 'login') {
      renderLogin();
      document.title = t('loginPageTitle');
      return;
    }
    if (state.screen === 'password') {
      renderPasswordForm();
      document.title = t('passwordPageTitle');
      return;
    }
    if (state.screen !== 'app') return;
    renderAppNotice();
    const r = state.route || parseHash();
    fillFilters(r.view === 'search' ? r.params : new URLSearchParams({
      branch: $('#branch').value, type: $('#type').value,
    }));
    if (r.view === 'search') {
      document.title = t('appTitle');
      renderResults();
      if (state.search && state.search.error) showError('searchFailed', state.search.error);
    } else if (r.view === 'audit') {
      document.title = t('auditPageTitle');
      renderAudit();
      if (state.audit && state.audit.error) showError('auditFailed', state.audit.error);
    } else if (state.doc) {
      const back = $('#back-link');
      back.textContent = state.lastSearchHash || state.q ? t('backToResults') : t('backToSearch');
      state.metaKey = `${state.doc.id}\n${state.q}\n${state.lang}`;
      renderDocMeta();
      renderPage(false);
    }
  }

  // ----------------------------------------------------------------- setup

  async function loadFacets() {
    const seq = state.facetsSeq;
    try {
      const f = await api('/api/facets');
      if (seq !== state.facetsSeq) return; // another user since
      state.facets = { branches: (f && f.branches) || [], doc_types: (f && f.doc_types) || [] };
    } catch (e) {
      if (!e.handled) console.warn('facets', e);
      return;
    }
    const r = state.route || parseHash();
    fillFilters(r.view === 'search' ? r.params : new URLSearchParams({
      branch: $('#branch').value, type: $('#type').value,
    }));
  }

  // Who is this? /api/me answers for a live session (with its CSRF token);
  // a 401 puts up the login screen (in api()).
  async function boot() {
    let me;
    try {
      me = await api('/api/me');
    } catch (e) {
      if (e.handled) return;
      showLoginScreen(null);
      setLoginMsg(() => errorText(e));
      return;
    }
    signedIn(me);
  }

  function init() {
    let lang = null;
    try { lang = localStorage.getItem('arshif.lang'); } catch (_) { /* private mode */ }
    state.lang = lang === 'en' ? 'en' : 'ar';
    applyLang();

    $('#login-form').addEventListener('submit', submitLogin);
    $('#password-form').addEventListener('submit', submitPassword);
    $('#password-cancel').addEventListener('click', leavePasswordForm);
    $('#logout').addEventListener('click', logout);

    $('#search-form').addEventListener('submit', (e) => {
      e.preventDefault();
      submitSearch(1);
    });
    for (const id of ['#branch', '#type']) {
      $(id).addEventListener('change', () => submitSearch(1));
    }
    // The dates are typed: searched for with Enter or the search button (the
    // form's submit), or on leaving the form (not while the form is being
    // filled in, nor when the window loses focus, which leaves them focused).
    for (const id of ['#from', '#to']) {
      $(id).addEventListener('focusout', (e) => {
        if (e.relatedTarget && $('#search-form').contains(e.relatedTarget)) return;
        const at = location.hash;
        setTimeout(() => {
          if (location.hash !== at) return; // gone elsewhere (a link was followed)
          if (!['from', 'to'].includes(document.activeElement && document.activeElement.id)) dateChanged();
        }, 0);
      });
      $(id).addEventListener('input', () => $(id).removeAttribute('aria-invalid'));
    }
    $('#clear-filters').addEventListener('click', () => {
      $('#branch').value = '';
      $('#type').value = '';
      $('#from').value = '';
      $('#to').value = '';
      submitSearch(1);
    });
    $('#correct-form').addEventListener('submit', submitCorrection);
    for (const b of document.querySelectorAll('#correct-form button[data-field]')) b.addEventListener('click', resetCorrectField);
    $('#correct-date').addEventListener('input', () => $('#correct-date').removeAttribute('aria-invalid'));
    $('#pager-prev').addEventListener('click', () => goSearchPage(-1));
    $('#pager-next').addEventListener('click', () => goSearchPage(1));
    $('[data-testid="lang-switch"]').addEventListener('click', () => setLang(state.lang === 'ar' ? 'en' : 'ar'));

    $('#audit-form').addEventListener('submit', submitAudit);
    $('#audit-since').addEventListener('change', () => submitAudit());
    $('#audit-clear').addEventListener('click', () => {
      $('#audit-user').value = '';
      $('#audit-doc').value = '';
      $('#audit-since').value = '';
      submitAudit();
    });
    $('#audit-older').addEventListener('click', () => {
      const before = $('#audit-older').dataset.before;
      if (!before || !state.audit) return;
      const p = new URLSearchParams(state.audit.params);
      p.set('before', before);
      location.hash = hashFor('audit', p);
      window.scrollTo(0, 0);
    });

    $('#page-prev').addEventListener('click', () => goPage(state.pageNo - 1));
    $('#page-next').addEventListener('click', () => goPage(state.pageNo + 1));
    $('#zoom-in').addEventListener('click', () => setZoom(state.zoom * ZOOM_STEP));
    $('#zoom-out').addEventListener('click', () => setZoom(state.zoom / ZOOM_STEP));
    $('#zoom-fit').addEventListener('click', () => setZoom(1));
    $('#hit-prev').addEventListener('click', () => gotoHit(nextHitIndex(-1)));
    $('#hit-next').addEventListener('click', () => gotoHit(nextHitIndex(1)));

    const img = $('#page-image');
    img.addEventListener('load', () => {
      img.dataset.loaded = '1';
      const page = currentPage();
      if (page && !page.width) layout(false); // size known only now
    });
    img.addEventListener('error', () => {
      if (!img.getAttribute('src')) return;
      img.dataset.loaded = 'error';
      checkSession(); // an ended session shows the login screen
    });

    // Re-fit when the pane changes width (window resize, layout change).
    const pane = $('#page-pane');
    const onResize = () => {
      const w = pane.clientWidth;
      if (w !== state.paneWidth) {
        state.paneWidth = w;
        if (state.doc && !$('#doc-view').hidden) layout(false);
      }
    };
    if (window.ResizeObserver) new ResizeObserver(onResize).observe(pane);
    else window.addEventListener('resize', onResize);

    document.addEventListener('keydown', (e) => {
      const typing = /^(INPUT|SELECT|TEXTAREA)$/.test((e.target && e.target.tagName) || '');
      if (typing || e.ctrlKey || e.metaKey || e.altKey || state.screen !== 'app') return;
      if (e.key === '/' && !$('#search-form').hidden) {
        e.preventDefault();
        $('#q').focus();
      } else if (!$('#doc-view').hidden && (e.key === 'n' || e.key === 'p')) {
        const i = nextHitIndex(e.key === 'n' ? 1 : -1);
        if (i >= 0) gotoHit(i);
      }
    });

    window.addEventListener('hashchange', route);
    boot();
  }

  function goSearchPage(dir) {
    const s = state.search;
    if (!s) return;
    const p = new URLSearchParams(s.params);
    const page = Math.max(1, s.page + dir);
    if (page > 1) p.set('page', String(page)); else p.delete('page');
    location.hash = hashFor('search', p);
    window.scrollTo(0, 0);
  }

  function goPage(p) {
    if (!state.doc || p < 1 || p > pageCount()) return;
    location.hash = pageHash(p);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
