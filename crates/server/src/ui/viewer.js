// arshif UI: the document viewer: page image, highlights, thumbnails, corrections.
import { selectBox } from './bulk.js';
import {
  $,
  api,
  bidi,
  bidiNodes,
  bidiPath,
  branchLabel,
  errorMessage,
  isolate,
  serverDetail,
  canCorrect,
  dayNode,
  dayText,
  el,
  fmtDate,
  listSep,
  MAX_IMAGE_WIDTH,
  showError,
  state,
  t,
  typeLabel,
  ZOOM_MAX,
  ZOOM_MIN,
} from './core.js';
import {
  I18N,
} from './i18n.js';
import {
  hashFor,
  snippetNode,
} from './search.js';
import {
  init,
} from './app.js';


export function docHash(id, q, page) {
  const p = new URLSearchParams();
  if (q) p.set('q', q);
  if (page) p.set('page', String(page));
  return hashFor('doc', p, id);
}

export function fileName(path) {
  return String(path || '').split(/[\\/]/).pop();
}

export function resultItem(h, q) {
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
  if (src) meta.append(bidi(fileName(src), { class: 'source', 'data-testid': 'result-source', title: isolate(src) }));
  const about = el('div', { class: 'result-about' });
  if (h.document_date) {
    about.append(el('span', { class: 'hit-date', 'data-testid': 'hit-date' },
      el('span', { class: 'k', text: `${t('hitDated')} ` }), dayNode(h.document_date)));
  }
  const refs = h.reference_numbers || [];
  if (refs.length) about.append(refsNode(refs, 'hit-refs', t('hitRefs', refs.length)));
  return el('li', { class: 'result', 'data-testid': 'result', 'data-id': String(h.id) },
    el('h3', {}, el('a', {
      href: docHash(h.id, q, pages[0]), 'data-testid': 'result-link', dir: 'auto',
    }, ...bidiNodes(title))),
    meta,
    about.childNodes.length ? about : null,
    el('p', { class: 'snippet', 'data-testid': 'snippet', dir: 'auto' }, snippetNode(h.snippet)),
    selectBox(h.id, title));
}

// Reference numbers, each kept left to right (1445/3217, MC-1445-0088).
export function refsNode(refs, testid, label) {
  const span = el('span', { class: 'refs', 'data-testid': testid });
  if (label) span.append(el('span', { class: 'k', text: `${label} ` }));
  refs.forEach((r, i) => {
    if (i) span.append(listSep());
    span.append(el('bdi', { class: 'ref', dir: 'ltr', 'data-testid': 'ref', text: r }));
  });
  return span;
}

// ---------------------------------------------------------------- viewer

export async function cached(map, key, load) {
  if (!map.has(key)) {
    const p = load();
    map.set(key, p);
    p.catch(() => map.delete(key));
  }
  return map.get(key);
}

export async function showDoc(id, params) {
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
  // a document just opened (route() says so): focus on its title
  if (state.focusDocTitle) {
    state.focusDocTitle = false;
    $('#doc-title').focus({ preventScroll: true });
  }
}

export function pageCount() {
  const d = state.doc;
  return (d && (d.page_count || (d.pages || []).length)) || 0;
}

export function currentPage() {
  const d = state.doc;
  if (!d) return null;
  const pages = d.pages || [];
  return pages.find((p) => p.number === state.pageNo) || pages[state.pageNo - 1] || null;
}

export function renderDocMeta() {
  const d = state.doc;
  if (!d) return;
  const title = d.title || fileName(((d.sources || [])[0] || {}).path) || t('untitled', d.id);
  $('#doc-title').replaceChildren(...bidiNodes(title));
  document.title = `${isolate(title)} — ${t('appTitle')}`;
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
    rows.push(['metaCorrected', t('correctedBy', isolate(d.corrected.by || '?'), fmtDate(d.corrected.at)), 'doc-corrected']);
  }
  if (d.size != null) rows.push(['metaSize', t('bytes', d.size)]);
  rows.push(['metaPages', String(pageCount())]);
  if (d.media_type) rows.push(['metaMedia', el('bdi', { dir: 'ltr', text: d.media_type })]);
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
    return el('li', {}, bidiPath(s.path, { class: 'path', 'data-testid': 'source-path' }),
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
    el('span', { class: 'printed' }, t('quoteOpen'), bidi(x.text), t('quoteClose')),
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
export function correctValues(d) {
  const c = d.corrected || {};
  return {
    date: c.date && c.date.hijri ? `${c.date.hijri}${t('hijriSuffix')}` : '',
    type: c.doc_type || '',
    title: c.title || '',
  };
}

// Fill the form from the document on screen (reset: forget the message).
export function fillCorrectForm(reset) {
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
export function renderCorrectForm() {
  const d = state.doc;
  const panel = $('#correct-panel');
  panel.hidden = !d || !canCorrect();
  if (panel.hidden) return;
  const c = d.corrected || {};
  // the date
  let dateAuto;
  if (c.date) dateAuto = t('correctDateAutoUnknown');
  else if (d.document_date) dateAuto = t('correctDateAuto', isolate(dayText(d.document_date)));
  else dateAuto = t('correctDateAutoNone');
  $('#correct-date-auto').textContent = `${dateAuto} ${t('correctDateFormat')}`;
  // the type: the known ones, the archive's, and the document's own
  const select = $('#correct-type');
  const keep = select.options.length ? select.value : (state.correctInit ? state.correctInit.type : '');
  const known = ['licence', 'health-certificate', 'violation-report', 'letter', 'contract', 'circular',
    'memo', 'decision', 'permit', 'other'];
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
    $('#correct-title-auto').textContent = t('correctTitleAuto', isolate(d.title));
  } else {
    title.placeholder = '';
    $('#correct-title-auto').textContent = t('correctTitleAutoUnknown');
  }
  renderCorrectMsg();
}

export function renderCorrectMsg() {
  const m = state.correctMsg;
  const err = $('#correct-error');
  const done = $('#correct-done');
  err.hidden = !m || m.kind !== 'error';
  done.hidden = !m || m.kind !== 'done';
  if (!m) return;
  const box = m.kind === 'error' ? err : done;
  box.replaceChildren(...m.parts());
}

export function setCorrectMsg(kind, parts) {
  state.correctMsg = kind ? { kind, parts } : null;
  renderCorrectMsg();
}

// What changed since the form was filled: only that is sent; an emptied
// field (automatic) is sent as null, which drops its correction.
export function correctChanges() {
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

export async function submitCorrection(ev) {
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
    // the message in the UI's language, the server's words folded under it
    setCorrectMsg('error', () => [
      el('strong', { text: t('correctFailed') }), ' ',
      el('span', { text: errorMessage(e) }),
      serverDetail(e) || '']);
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

export function resetCorrectField(ev) {
  const field = ev.currentTarget.dataset.field;
  const input = $(`#correct-${field}`);
  input.value = '';
  input.removeAttribute('aria-invalid');
  input.focus();
}

export function renderThumbs() {
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

export function pageHash(p, hitIndex) {
  const params = new URLSearchParams();
  if (state.q) params.set('q', state.q);
  params.set('page', String(p));
  if (hitIndex != null && hitIndex >= 0) params.set('hit', String(hitIndex + 1));
  return hashFor('doc', params, state.doc.id);
}

export function renderPage(scroll) {
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
// Each line is its own paragraph in its own direction (dir="auto": an
// English line in an Arabic page reads left to right), and inside a line
// runs of digits and Latin ("0088-1445-7/10") read left to right.
export function renderPageText(page) {
  const box = $('#page-text');
  const text = page && page.text;
  if (!text) {
    box.replaceChildren(el('span', { class: 'line', text: t('noText') }));
    return;
  }
  const marked = new Set();
  const boxes = new Set(state.hits.filter((h) => h.page === state.pageNo).map((h) => h.box.join(',')));
  for (const w of (page.words || [])) if (boxes.has(w.box.join(','))) marked.add(w.text);
  const lines = text.replace(/\n$/, '').split('\n').map((line) => {
    const out = el('span', { class: 'line', dir: 'auto', 'data-testid': 'page-line' });
    if (!marked.size) {
      out.append(...bidiNodes(line), '\n');
      return out;
    }
    let plain = '';
    const flush = () => { if (plain) out.append(...bidiNodes(plain)); plain = ''; };
    for (const part of line.split(/(\s+)/)) {
      if (marked.has(part)) {
        flush();
        out.append(el('mark', {}, ...bidiNodes(part)));
      } else {
        plain += part;
      }
    }
    flush();
    out.append('\n');
    return out;
  });
  box.replaceChildren(...lines);
}

export function fitWidth() {
  const pane = $('#page-pane');
  const cs = getComputedStyle(pane);
  return Math.max(120, pane.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight));
}

// Size the page, ask for an image of the right width and place the boxes.
export function layout(newPage) {
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

export function placeBoxes(scale) {
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

export function nextHitIndex(dir) {
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

export function updateHitNav() {
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
export function scrollToCurrent() {
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

export function gotoHit(i) {
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

export function setZoom(z) {
  state.zoom = Math.min(ZOOM_MAX, Math.max(ZOOM_MIN, z));
  layout(false);
  scrollToCurrent();
}
