// arshif UI: the document viewer: page image, highlights, thumbnails,
// corrections, and the records lifecycle (the trash, legal holds, a better
// scan and the earlier originals it replaced).
import { selectBox } from './bulk.js';
import {
  $,
  api,
  canManageRecords,
  canRescan,
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
import {
  sessionLost,
} from './session.js';


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
    $('#doc-versions').hidden = true;
    $('#versions-list').replaceChildren();
    for (const id of ['#doc-trashed', '#doc-held', '#doc-actions']) $(id).hidden = true;
    $('#page-text').textContent = '';
    $('#boxes').replaceChildren();
    $('#thumbs').replaceChildren();
    const img = $('#page-image');
    img.removeAttribute('src');
    delete img.dataset.loaded;
    delete img.dataset.page;
  }
  if (state.recordsMsg && String(state.recordsMsg.id) !== String(id)) state.recordsMsg = null;
  renderRecordsMsg();
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
  } else {
    // the trash and holds may have changed since (restored from the trash page)
    renderRecords();
    renderVersions();
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
  renderRecords();
  renderVersions();
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
    el('img', { src: `/api/documents/${encodeURIComponent(d.id)}/pages/${p}/thumbnail${scanTag(d)}`, alt: '', loading: 'lazy' }),
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
  const pageKey = `${d.id}/${state.pageNo}${scanTag(d)}`;
  const samePage = img.dataset.page === pageKey;
  if (newPage && !samePage) {
    delete img.dataset.loaded;
    img.dataset.page = pageKey;
    state.imageWidth = want;
    img.src = `/api/documents/${encodeURIComponent(d.id)}/pages/${state.pageNo}/image?width=${want}${scanTag(d, '&')}`;
  } else if (want > state.imageWidth) {
    // zoomed in (or the frame grew): fetch a sharper image and show it
    // once it has loaded; the old one stays shown meanwhile
    state.imageWidth = want;
    const url = `/api/documents/${encodeURIComponent(d.id)}/pages/${state.pageNo}/image?width=${want}${scanTag(d, '&')}`;
    const sharper = new Image();
    sharper.onload = () => {
      if (img.dataset.page === pageKey && state.imageWidth === want) img.src = url;
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

// ------------------------------------------------------ records lifecycle

// A page image's address names the original it was made from (its
// fingerprint's start): after a rescan the browser asks for the new
// pictures instead of showing those it holds for the same address.
export function scanTag(d, sep = '?') {
  return d && d.sha256 ? `${sep}v=${String(d.sha256).slice(0, 12)}` : '';
}

// "by NAME, on DATE" of a stamp ({ at, by, reason }) and its reason, as nodes.
export function stampNodes(key, st) {
  return [t(key, isolate(st.by || '?'), fmtDate(st.at)), ' ',
    el('span', { class: 'reason', 'data-testid': 'stamp-reason' },
      `${t('reasonIs')} `, t('quoteOpen'), bidi(st.reason || ''), t('quoteClose'))];
}

// Where the document stands (in the trash, on a legal hold) and the
// buttons for what this user may do about it.
export function renderRecords() {
  const d = state.doc;
  if (!d) return;
  const admin = canManageRecords();
  const trashed = d.deleted || null;
  const held = d.hold || null;
  $('#doc-view').dataset.trashed = trashed ? '1' : '';
  $('#doc-view').dataset.held = held ? '1' : '';
  $('#doc-trashed').hidden = !trashed;
  if (trashed) {
    $('#doc-trashed-text').replaceChildren(el('strong', { text: t('trashedBanner') }), ' ', ...stampNodes('trashedBy', trashed));
  }
  $('#doc-restore').hidden = !trashed || !admin;
  $('#doc-held').hidden = !held;
  if (held) {
    $('#doc-held-text').replaceChildren(el('strong', { text: t('heldBanner') }), ' ', ...stampNodes('heldBy', held));
  }
  $('#doc-release').hidden = !held || !admin;
  const busy = Boolean(state.rescanning && String(state.rescanning.id) === String(d.id));
  const rescan = $('#doc-rescan');
  rescan.hidden = !canRescan() || Boolean(trashed);
  rescan.disabled = busy;
  $('#doc-hold').hidden = !admin || Boolean(held);
  // a held document stays: the button says why it cannot be pressed
  const trash = $('#doc-trash');
  trash.hidden = !admin || Boolean(trashed);
  trash.disabled = Boolean(held);
  if (held) trash.setAttribute('aria-describedby', 'doc-trash-note');
  else trash.removeAttribute('aria-describedby');
  $('#doc-trash-note').hidden = trash.hidden || !held;
  $('#doc-actions').hidden = rescan.hidden && $('#doc-hold').hidden && trash.hidden;
  renderRescanStatus();
  renderRecordsMsg();
}

// The earlier originals a rescan replaced, each to download.
export function renderVersions() {
  const d = state.doc;
  if (!d) return;
  const versions = d.versions || [];
  $('#doc-versions').hidden = !versions.length;
  $('#doc-versions summary').textContent = `${t('versions')} (${versions.length})`;
  const ext = (m) => ({
    'application/pdf': 'pdf', 'image/png': 'png', 'image/jpeg': 'jpg', 'image/tiff': 'tif',
  })[m] || 'bin';
  $('#versions-list').replaceChildren(...versions.slice().reverse().map((v) => el('li', {
    'data-testid': 'doc-version', 'data-number': String(v.number),
  },
  el('a', {
    href: `/api/documents/${encodeURIComponent(d.id)}/versions/${v.number}`,
    download: `document-${d.id}-v${v.number}.${ext(v.media_type)}`,
    'data-testid': 'doc-version-link', text: t('versionLabel', v.number),
  }),
  el('span', { class: 'muted' }, ` — ${t('versionReplaced', isolate(v.replaced_by || '?'), fmtDate(v.replaced_at))}`,
    ` · ${t('bytes', v.size)} · ${t('pageCount', v.page_count)}`))));
}

export function renderRecordsMsg() {
  const m = state.recordsMsg;
  const d = state.doc;
  const on = m && (!d || String(m.id) === String(d.id)) ? m : null;
  const done = $('#doc-records-msg');
  const err = $('#doc-records-error');
  done.hidden = !on || on.kind !== 'done';
  err.hidden = !on || on.kind !== 'error';
  if (!on) return;
  (on.kind === 'done' ? done : err).replaceChildren(...on.parts());
}

export function setRecordsMsg(id, kind, parts) {
  state.recordsMsg = kind ? { id, kind, parts } : null;
  renderRecordsMsg();
}

const failedParts = (key, e) => () => [
  el('strong', { text: t(key) }), ' ', el('span', { text: errorMessage(e) }), serverDetail(e) || ''];

// The document's record after a lifecycle step ({ deleted, hold, … }):
// the viewer and its cache take it in.
export function applyRecord(id, rec) {
  const keys = [...state.docCache.keys()].filter((k) => k === String(id) || k.startsWith(`${id}?`));
  for (const k of keys) {
    state.docCache.set(k, state.docCache.get(k).then((d) => ({ ...d, deleted: rec.deleted, hold: rec.hold })));
  }
  if (state.doc && String(state.doc.id) === String(id)) {
    state.doc = { ...state.doc, deleted: rec.deleted, hold: rec.hold };
    renderRecords();
  }
}

// ------------------------------------------------------ the reason dialog

let reasonAsk = null;    // { run, opener, after, done } while the dialog is open
let reasonBusy = false;

// Ask why (required, 500 characters at most), then run(reason); an error
// of the server is shown in the dialog, which stays open to try again.
export function askReason({ title, intro, ok, doc, run, opener, after }) {
  const dlg = $('#reason-dialog');
  if (dlg.open) return;
  reasonAsk = { run, opener, after, title, intro, ok, done: false };
  $('#reason-text').value = '';
  $('#reason-text').removeAttribute('aria-invalid');
  $('#reason-error').hidden = true;
  $('#reason-doc').replaceChildren(...(doc ? [bidi(doc)] : []));
  renderReasonDialog();
  dlg.showModal();
  $('#reason-text').focus();
}

export function renderReasonDialog() {
  if (!reasonAsk) return;
  $('#reason-title').textContent = t(reasonAsk.title);
  $('#reason-intro').textContent = t(reasonAsk.intro);
  $('#reason-ok').textContent = reasonBusy ? t('saving') : t(reasonAsk.ok);
}

function reasonError(parts) {
  const box = $('#reason-error');
  box.hidden = !parts;
  if (parts) box.replaceChildren(...parts);
}

async function submitReason(ev) {
  ev.preventDefault();
  if (!reasonAsk || reasonBusy) return;
  const text = $('#reason-text');
  const reason = text.value.trim();
  if (!reason) {
    text.setAttribute('aria-invalid', 'true');
    reasonError([t('reasonNeeded')]);
    text.focus();
    return;
  }
  text.removeAttribute('aria-invalid');
  reasonError(null);
  reasonBusy = true;
  for (const b of ['#reason-ok', '#reason-cancel']) $(b).disabled = true;
  renderReasonDialog();
  try {
    await reasonAsk.run(reason);
  } catch (e) {
    if (e.handled) { closeReason(); return; }
    reasonError([el('strong', { text: t('actionFailed') }), ' ', el('span', { text: errorMessage(e) }), serverDetail(e) || '']);
    return;
  } finally {
    reasonBusy = false;
    for (const b of ['#reason-ok', '#reason-cancel']) $(b).disabled = false;
    renderReasonDialog();
  }
  if (reasonAsk) reasonAsk.done = true;
  closeReason();
}

function closeReason() {
  const dlg = $('#reason-dialog');
  if (dlg.open) dlg.close();
}

// ---------------------------------------------------- trash, hold, restore

const docPath = (id) => `/api/documents/${encodeURIComponent(id)}`;

function docTitle(d) {
  return d.title || fileName(((d.sources || [])[0] || {}).path) || t('untitled', d.id);
}

function askTrash() {
  const d = state.doc;
  if (!d || !canManageRecords()) return;
  const id = d.id;
  askReason({
    title: 'trashDialogTitle', intro: 'trashDialogIntro', ok: 'moveToTrash', doc: docTitle(d),
    opener: $('#doc-trash'), after: '#doc-restore',
    run: async (reason) => {
      const rec = await api(docPath(id), { method: 'DELETE', json: { reason } });
      applyRecord(id, rec);
      setRecordsMsg(id, 'done', () => [t('trashedDone')]);
    },
  });
}

function askHold() {
  const d = state.doc;
  if (!d || !canManageRecords()) return;
  const id = d.id;
  askReason({
    title: 'holdDialogTitle', intro: 'holdDialogIntro', ok: 'putHold', doc: docTitle(d),
    opener: $('#doc-hold'), after: '#doc-release',
    run: async (reason) => {
      const rec = await api(`${docPath(id)}/hold`, { method: 'POST', json: { reason } });
      applyRecord(id, rec);
      setRecordsMsg(id, 'done', () => [t('heldDone')]);
    },
  });
}

// Restore and release ask nothing: each undoes a step and is audited.
async function recordStep(button, path, method, doneKey, failKey, focusAfter) {
  const d = state.doc;
  if (!d || !canManageRecords() || button.disabled) return;
  const id = d.id;
  button.disabled = true;
  setRecordsMsg(null);
  try {
    const rec = await api(path(id), { method });
    applyRecord(id, rec);
    setRecordsMsg(id, 'done', () => [t(doneKey)]);
    const next = $(focusAfter);
    if (next && !next.hidden) next.focus(); else $('#doc-title').focus();
  } catch (e) {
    if (e.handled) return;
    setRecordsMsg(id, 'error', failedParts(failKey, e));
  } finally {
    button.disabled = false;
  }
}

// ------------------------------------------------------------- a rescan

// The phase shown while a better scan is sent and read.
export function renderRescanStatus() {
  const r = state.rescanning;
  const on = Boolean(r && state.doc && String(r.id) === String(state.doc.id));
  const box = $('#doc-rescan-status');
  box.hidden = !on;
  if (on) $('#doc-view').setAttribute('aria-busy', 'true'); else $('#doc-view').removeAttribute('aria-busy');
  if (!on) return;
  const bar = $('#doc-rescan-progress');
  if (r.reading || !r.total) {
    bar.removeAttribute('value'); // indeterminate: the server reads the scan
    $('#doc-rescan-phase').textContent = r.reading ? t('rescanReading') : t('rescanSending', 0);
  } else {
    bar.max = r.total;
    bar.value = r.sent;
    $('#doc-rescan-phase').textContent = t('rescanSending', Math.round((100 * r.sent) / r.total));
  }
}

// Send the file as the request's body (XMLHttpRequest, for the bytes sent).
function sendRescan(id, file, retried) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${docPath(id)}/rescan`);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    if (state.csrf) xhr.setRequestHeader('X-CSRF-Token', state.csrf);
    xhr.upload.addEventListener('progress', (e) => {
      if (!state.rescanning || !e.lengthComputable) return;
      state.rescanning.sent = e.loaded;
      state.rescanning.total = e.total;
      renderRescanStatus();
    });
    xhr.upload.addEventListener('load', () => {
      if (!state.rescanning) return;
      state.rescanning.reading = true;
      renderRescanStatus();
    });
    xhr.addEventListener('load', async () => {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) { resolve(data); return; }
      const e = (data && data.error) || {};
      const code = e.code || (xhr.status === 413 ? 'upload_too_large' : `http_${xhr.status}`);
      const err = Object.assign(new Error(e.message || xhr.statusText), { status: xhr.status, code });
      if (xhr.status === 403 && code === 'csrf_failed' && !retried) {
        try {
          const me = await api('/api/me');
          state.csrf = (me && me.csrf_token) || null;
          resolve(await sendRescan(id, file, true));
        } catch (e2) { reject(e2); }
        return;
      }
      if (xhr.status === 401) {
        err.handled = true;
        sessionLost();
      }
      reject(err);
    });
    xhr.addEventListener('error', () => reject(Object.assign(new Error(t('networkError')), { code: 'network' })));
    xhr.send(file);
  });
}

async function rescan(file) {
  const d = state.doc;
  if (!d || !file || !canRescan() || state.rescanning) return;
  const id = d.id;
  const before = (d.versions || []).length;
  state.rescanning = { id, sent: 0, total: file.size, reading: false };
  setRecordsMsg(null);
  renderRecords();
  let fresh;
  try {
    fresh = await sendRescan(id, file, false);
  } catch (e) {
    state.rescanning = null;
    renderRecords();
    if (e.handled) return;
    setRecordsMsg(id, 'error', failedParts('rescanFailed', e));
    return;
  }
  state.rescanning = null;
  // the document as it now is: pages, text and fingerprint anew
  for (const k of [...state.docCache.keys()]) if (k === String(id) || k.startsWith(`${id}?`)) state.docCache.delete(k);
  for (const k of [...state.matchCache.keys()]) if (k.startsWith(`${id}\n`)) state.matchCache.delete(k);
  const n = ((fresh && fresh.versions) || []).length || before + 1;
  setRecordsMsg(id, 'done', () => [t('rescanDone', n)]);
  if (!state.doc || String(state.doc.id) !== String(id)) return; // another document since
  state.doc = null; // shown afresh, as a document just opened
  state.metaKey = null;
  const r = state.route;
  await showDoc(id, r && r.view === 'doc' ? r.params : new URLSearchParams());
  $('#doc-versions').open = true;
  $('#doc-rescan').focus();
}

export function initRecords() {
  $('#doc-trash').addEventListener('click', askTrash);
  $('#doc-hold').addEventListener('click', askHold);
  $('#doc-restore').addEventListener('click', (e) => recordStep(e.currentTarget, (id) => `${docPath(id)}/restore`,
    'POST', 'restoredDone', 'restoreFailed', '#doc-trash'));
  $('#doc-release').addEventListener('click', (e) => recordStep(e.currentTarget, (id) => `${docPath(id)}/hold`,
    'DELETE', 'releasedDone', 'releaseFailed', '#doc-hold'));
  $('#doc-rescan').addEventListener('click', () => $('#doc-rescan-file').click());
  $('#doc-rescan-file').addEventListener('change', (e) => {
    const file = e.target.files && e.target.files[0];
    e.target.value = '';
    if (file) rescan(file);
  });
  const dlg = $('#reason-dialog');
  $('#reason-form').addEventListener('submit', submitReason);
  $('#reason-cancel').addEventListener('click', closeReason);
  $('#reason-text').addEventListener('input', () => {
    $('#reason-text').removeAttribute('aria-invalid');
    reasonError(null);
  });
  // Escape closes it, but not while the server is answering
  dlg.addEventListener('cancel', (e) => { if (reasonBusy) e.preventDefault(); });
  dlg.addEventListener('close', () => {
    const ask = reasonAsk;
    reasonAsk = null;
    if (!ask || $('#doc-view').hidden) return;
    // focus returns to the button that opened it; once done, to the one
    // that undoes it (the opener is gone), else to the title
    const next = [ask.done ? $(ask.after) : ask.opener, $('#doc-title')].find((b) => b && !b.hidden && !b.disabled);
    next.focus();
  });
}
