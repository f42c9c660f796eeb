// arshif — browser UI. Plain ES2020, no framework, no build step.
// Views are chosen by the URL's hash so that back/forward and reload work:
//   #/search?q=...&branch=...&type=...&from=YYYY-MM-DD&to=YYYY-MM-DD&page=N
//   #/doc/ID?q=...&page=N&hit=K      (page and hit are 1-based)
'use strict';

(() => {
  const PAGE_SIZE = 10;
  const MAX_IMAGE_WIDTH = 2400;
  const ZOOM_STEP = 1.25;
  const ZOOM_MIN = 0.25;
  const ZOOM_MAX = 5;

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
      dateFrom: 'تاريخ الاستيراد من',
      dateTo: 'إلى',
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
      pageSource: { 'ocr': 'قراءة آلية (OCR)', 'text-layer': 'طبقة نصية', 'pdf-text': 'نص PDF' },
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
        bad_date: 'التاريخ غير صحيح؛ استخدم الصيغة سنة-شهر-يوم.',
        bad_branch: 'اسم البلدية الفرعية غير صحيح.',
        bad_type: 'نوع الوثيقة غير صحيح.',
        bad_id: 'رقم الوثيقة غير صحيح.',
        no_such_document: 'لا توجد وثيقة بهذا الرقم.',
        no_such_page: 'لا توجد صفحة بهذا الرقم في الوثيقة.',
        not_found: 'لم يُعثر على المطلوب.',
        archive_busy: 'الأرشيف مشغول باستيراد وثائق؛ أعد المحاولة بعد انتهائه.',
        internal: 'حدث خطأ في الخادم.',
      },
      branches: { hofuf: 'الهفوف', mubarraz: 'المبرز', omran: 'العمران', oyun: 'العيون', ahsa: 'الأحساء' },
      docTypes: {
        licence: 'رخصة', 'building-licence': 'رخصة بناء', 'health-certificate': 'شهادة صحية',
        'violation-report': 'محضر مخالفة', letter: 'خطاب', contract: 'عقد', circular: 'تعميم',
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
      dateFrom: 'Imported from',
      dateTo: 'to',
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
      pageSource: { 'ocr': 'OCR', 'text-layer': 'text layer', 'pdf-text': 'PDF text' },
      languages: { ara: 'Arabic', eng: 'English', 'ara+eng': 'Arabic and English' },
      bytes: (n) => n < 1024 ? `${n} bytes` : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`,
      searchFailed: 'Search failed',
      docFailed: 'Could not open the document',
      matchesFailed: 'Could not locate the matches',
      networkError: 'Could not reach the server. Check the network and try again.',
      errors: {},
      branches: { hofuf: 'Hofuf', mubarraz: 'Mubarraz', omran: 'Omran', oyun: 'Oyun', ahsa: 'Al-Ahsa' },
      docTypes: {
        licence: 'Licence', 'building-licence': 'Building licence', 'health-certificate': 'Health certificate',
        'violation-report': 'Violation report', letter: 'Letter', contract: 'Contract', circular: 'Circular',
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
  };

  const $ = (sel) => document.querySelector(sel);
  const el = (tag, attrs = {}, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v == null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
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

  function fmtDate(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return iso;
    try {
      return new Intl.DateTimeFormat(t('dateLocale'), { dateStyle: 'medium', timeStyle: 'short' }).format(d);
    } catch (_) {
      return d.toISOString().slice(0, 16).replace('T', ' ');
    }
  }

  // ------------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  async function api(path, signal) {
    let res;
    try {
      res = await fetch(path, { headers: { Accept: 'application/json' }, signal });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ApiError(0, 'network', t('networkError'));
    }
    const text = await res.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch (_) { /* not JSON */ }
    if (!res.ok) {
      const err = body && body.error;
      throw new ApiError(res.status, (err && err.code) || `http_${res.status}`,
        (err && err.message) || text.trim() || `${res.status} ${res.statusText}`);
    }
    return body;
  }

  function showError(titleKey, err) {
    if (err && err.name === 'AbortError') return;
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
    return { view: 'search', params };
  }

  function hashFor(view, params, id) {
    const clean = new URLSearchParams();
    for (const [k, v] of params) if (v !== '' && v != null) clean.set(k, v);
    const qs = clean.toString();
    const path = view === 'doc' ? `/doc/${encodeURIComponent(id)}` : '/search';
    return `#${path}${qs ? `?${qs}` : ''}`;
  }

  function route() {
    state.route = parseHash();
    clearError();
    if (state.route.view === 'doc') {
      $('#search-view').hidden = true;
      $('#doc-view').hidden = false;
      showDoc(state.route.id, state.route.params);
    } else {
      $('#doc-view').hidden = true;
      $('#search-view').hidden = false;
      state.lastSearchHash = location.hash || null;
      document.title = t('appTitle');
      runSearch(state.route.params);
    }
  }

  // ---------------------------------------------------------------- search

  function formParams(page) {
    const p = new URLSearchParams();
    p.set('q', $('#q').value.trim());
    p.set('branch', $('#branch').value);
    p.set('type', $('#type').value);
    p.set('from', $('#from').value);
    p.set('to', $('#to').value);
    if (page > 1) p.set('page', String(page));
    return p;
  }

  function submitSearch(page = 1) {
    const hash = hashFor('search', formParams(page));
    if (hash === location.hash) route(); // search again on the same query
    else location.hash = hash;
  }

  function fillSelect(select, values, labelOf, current) {
    const list = values.slice();
    if (current && !list.includes(current)) list.push(current);
    select.replaceChildren(el('option', { value: '', text: t('all') }),
      ...list.map((v) => el('option', { value: v, text: labelOf(v) })));
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
    apiParams.set('limit', String(PAGE_SIZE));
    apiParams.set('offset', String((page - 1) * PAGE_SIZE));

    const ctl = new AbortController();
    state.searchAbort = ctl;
    $('#results').setAttribute('aria-busy', 'true');
    $('#result-count').hidden = false;
    $('#result-count').textContent = t('searching');
    $('#search-hint').hidden = true;
    try {
      const data = await api(`/api/search?${apiParams}`, ctl.signal);
      if (seq !== state.searchSeq) return;
      state.search = { params, data, page, hash };
      renderResults();
    } catch (e) {
      if (seq !== state.searchSeq || e.name === 'AbortError') return;
      state.search = { params, data: null, page, error: e, hash };
      renderResults();
      showError('searchFailed', e);
    } finally {
      if (seq === state.searchSeq) $('#results').removeAttribute('aria-busy');
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
    return el('li', { class: 'result', 'data-testid': 'result', 'data-id': String(h.id) },
      el('h3', {}, el('a', {
        href: docHash(h.id, q, pages[0]), 'data-testid': 'result-link', dir: 'auto', text: title,
      })),
      meta,
      el('p', { class: 'snippet', 'data-testid': 'snippet', dir: 'auto' }, snippetNode(h.snippet)));
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

    const rows = [];
    const branches = (d.branches && d.branches.length ? d.branches : [d.branch]).filter(Boolean);
    if (branches.length) rows.push(['metaBranch', branches.map(branchLabel).join(listSep())]);
    if (d.doc_type) rows.push(['metaType', typeLabel(d.doc_type)]);
    if (d.size != null) rows.push(['metaSize', t('bytes', d.size)]);
    rows.push(['metaPages', String(pageCount())]);
    if (d.media_type) rows.push(['metaMedia', d.media_type]);
    if (d.created_at) rows.push(['metaImported', fmtDate(d.created_at)]);
    const dl = $('#doc-meta');
    dl.replaceChildren();
    for (const [k, v] of rows) dl.append(el('div', {}, el('dt', { text: t(k) }), el('dd', { text: v })));
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

    renderThumbs();
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
      // zoomed in: fetch a sharper image; the old one stays shown meanwhile
      delete img.dataset.loaded;
      state.imageWidth = want;
      img.src = `/api/documents/${encodeURIComponent(d.id)}/pages/${state.pageNo}/image?width=${want}`;
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
        style: `left:${x * scale}px;top:${y * scale}px;width:${w * scale}px;height:${hh * scale}px`,
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
    const r = state.route || parseHash();
    fillFilters(r.view === 'search' ? r.params : new URLSearchParams({
      branch: $('#branch').value, type: $('#type').value,
    }));
    if (r.view === 'search') {
      document.title = t('appTitle');
      renderResults();
      if (state.search && state.search.error) showError('searchFailed', state.search.error);
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
    try {
      const f = await api('/api/facets');
      state.facets = { branches: (f && f.branches) || [], doc_types: (f && f.doc_types) || [] };
    } catch (e) {
      console.warn('facets', e);
      return;
    }
    const r = state.route || parseHash();
    fillFilters(r.view === 'search' ? r.params : new URLSearchParams({
      branch: $('#branch').value, type: $('#type').value,
    }));
  }

  function init() {
    let lang = null;
    try { lang = localStorage.getItem('arshif.lang'); } catch (_) { /* private mode */ }
    state.lang = lang === 'en' ? 'en' : 'ar';
    applyLang();

    $('#search-form').addEventListener('submit', (e) => {
      e.preventDefault();
      submitSearch(1);
    });
    for (const id of ['#branch', '#type', '#from', '#to']) {
      $(id).addEventListener('change', () => submitSearch(1));
    }
    $('#clear-filters').addEventListener('click', () => {
      $('#branch').value = '';
      $('#type').value = '';
      $('#from').value = '';
      $('#to').value = '';
      submitSearch(1);
    });
    $('#pager-prev').addEventListener('click', () => goSearchPage(-1));
    $('#pager-next').addEventListener('click', () => goSearchPage(1));
    $('[data-testid="lang-switch"]').addEventListener('click', () => setLang(state.lang === 'ar' ? 'en' : 'ar'));

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
      if (img.getAttribute('src')) img.dataset.loaded = 'error';
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
      if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === '/') {
        e.preventDefault();
        $('#q').focus();
      } else if (!$('#doc-view').hidden && (e.key === 'n' || e.key === 'p')) {
        const i = nextHitIndex(e.key === 'n' ? 1 : -1);
        if (i >= 0) gotoHit(i);
      }
    });

    window.addEventListener('hashchange', route);
    loadFacets();
    route();
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
