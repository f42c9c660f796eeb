// arshif UI: the document list, the home page when nothing is searched:
// every document in the user's branches, newest import first (or by date,
// title or number), with a thumbnail of its first page, ten to a page.
// Its address is the search view's with no query: #/search?sort=title&page=2.
// Also the administrators' trash and legal holds (#/trash, #/holds): the
// documents moved to the trash, each to restore, and those under a hold.

import {
  $,
  api,
  bidi,
  branchLabel,
  canManageRecords,
  dayNode,
  el,
  errorMessage,
  fmtDate,
  isolate,
  PAGE_SIZE,
  serverDetail,
  showError,
  state,
  t,
  typeLabel,
} from './core.js';
import { hashFor } from './search.js';
import { applyRecord, docHash, refsNode, scanTag, stampNodes } from './viewer.js';
import { renderBulk, selectBox } from './bulk.js';
import { renderViews } from './views.js';

export const SORTS = ['-imported', 'imported', '-date', 'date', 'title', 'number'];
export const REVIEWS = ['', 'pending', 'done'];
// The filters the list takes from the address (as GET /api/documents names them).
const LIST_FILTERS = ['branch', 'type', 'from', 'to', 'imported_from', 'imported_to', 'review'];

// Fetch and show the list the address asks for.
export async function runBrowse(params) {
  const sort = SORTS.includes(params.get('sort')) ? params.get('sort') : '-imported';
  const page = Math.max(1, parseInt(params.get('page'), 10) || 1);
  const seq = ++state.browseSeq;
  const q = new URLSearchParams({ sort, limit: String(PAGE_SIZE), offset: String((page - 1) * PAGE_SIZE) });
  for (const k of LIST_FILTERS) if (params.get(k)) q.set(k, params.get(k));
  const review = REVIEWS.includes(params.get('review')) ? params.get('review') || '' : '';
  $('#browse').hidden = false;
  $('#browse-list').setAttribute('aria-busy', 'true');
  try {
    const data = await api(`/api/documents?${q}`);
    if (seq !== state.browseSeq) return;
    state.browse = { sort, review, page, data, hash: location.hash, params };
    renderBrowse();
  } catch (e) {
    if (seq !== state.browseSeq) return;
    state.browse = null;
    renderBrowse();
    showError('browseFailed', e);
  } finally {
    if (seq === state.browseSeq) $('#browse-list').removeAttribute('aria-busy');
  }
}

// Hide the list (a search is shown instead, or the user left).
export function hideBrowse() {
  state.browseSeq += 1;
  state.browse = null;
  $('#browse').hidden = true;
  $('#browse-list').replaceChildren();
  delete $('#browse-list').dataset.for;
}

export function renderBrowse() {
  const b = state.browse;
  const list = $('#browse-list');
  list.replaceChildren();
  const sel = $('#browse-sort');
  sel.replaceChildren(...SORTS.map((s) => el('option', { value: s, text: t(`sort_${s}`) })));
  const rev = $('#browse-review');
  rev.replaceChildren(...REVIEWS.map((r) => el('option', { value: r, text: t(`review_${r || 'all'}`) })));
  renderViews();
  renderBulk();
  if (!b) {
    $('#browse-count').textContent = '';
    $('#browse-pager').hidden = true;
    return;
  }
  sel.value = b.sort;
  rev.value = b.review;
  list.dataset.for = b.hash;
  const total = b.data.total || 0;
  const docs = b.data.documents || [];
  $('#browse-count').textContent = t('browseCount', total);
  for (const d of docs) list.append(entry(d));
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  $('#browse-pager').hidden = pages <= 1;
  $('#browse-pager-info').textContent = t('pagerInfo', b.page, pages);
  $('#browse-prev').disabled = b.page <= 1;
  $('#browse-next').disabled = b.page >= pages;
}

function entry(d) {
  const title = d.title || t('untitled', d.id);
  const meta = el('div', { class: 'result-meta' });
  if (d.branch) meta.append(el('span', { class: 'tag branch', text: branchLabel(d.branch) }));
  if (d.doc_type) meta.append(el('span', { class: 'tag type', text: typeLabel(d.doc_type) }));
  if (d.review === 'pending') {
    meta.append(el('span', { class: 'tag pending', 'data-testid': 'entry-pending', text: t('reviewPending') }));
  }
  meta.append(el('span', { class: 'entry-pages', text: t('pageCount', d.pages) }));
  const about = el('div', { class: 'result-about' });
  if (d.document_date) {
    about.append(el('span', { class: 'hit-date' }, el('span', { class: 'k', text: `${t('hitDated')} ` }), dayNode(d.document_date)));
  }
  const refs = d.reference_numbers || [];
  if (refs.length) about.append(refsNode(refs, 'entry-refs', t('hitRefs', refs.length)));
  if (d.imported_at) {
    about.append(el('span', { class: 'imported' }, `${t('importedAt')} `, bidi(fmtDate(d.imported_at))));
  }
  const thumb = el('img', {
    class: 'thumb', 'data-testid': 'entry-thumb', alt: '', loading: 'lazy', decoding: 'async',
    width: '80', src: `/api/documents/${encodeURIComponent(d.id)}/pages/1/thumbnail${scanTag(d)}`,
  });
  return el('li', { class: 'entry', 'data-testid': 'doc-entry', 'data-id': String(d.id) },
    el('a', { href: docHash(d.id, '', 1), class: 'thumb-link', tabindex: '-1', 'aria-hidden': 'true' }, thumb),
    el('div', { class: 'entry-body' },
      el('h3', {}, el('a', { href: docHash(d.id, '', 1), 'data-testid': 'entry-link', dir: 'auto' }, bidi(title))),
      meta,
      about.childNodes.length ? about : null),
    selectBox(d.id, title));
}

// The list's address with one thing changed (the filters stay; page 1).
function listHash(change) {
  const b = state.browse;
  const p = new URLSearchParams();
  if (b) for (const k of LIST_FILTERS) if (b.params.get(k)) p.set(k, b.params.get(k));
  p.set('sort', b ? b.sort : '-imported');
  for (const [k, v] of Object.entries(change)) {
    if (v) p.set(k, v); else p.delete(k);
  }
  return hashFor('search', p);
}

// Controls: the order, the review state, and the pager.
export function initBrowse() {
  $('#browse-sort').addEventListener('change', () => {
    location.hash = listHash({ sort: $('#browse-sort').value });
  });
  $('#browse-review').addEventListener('change', () => {
    location.hash = listHash({ review: $('#browse-review').value });
  });
  const go = (dir) => {
    const b = state.browse;
    if (!b) return;
    const p = new URLSearchParams();
    for (const k of LIST_FILTERS) if (b.params.get(k)) p.set(k, b.params.get(k));
    if (b.sort !== '-imported' || p.toString()) p.set('sort', b.sort);
    const page = Math.max(1, b.page + dir);
    if (page > 1) p.set('page', String(page));
    location.hash = hashFor('search', p);
    window.scrollTo(0, 0);
  };
  $('#browse-prev').addEventListener('click', () => go(-1));
  $('#browse-next').addEventListener('click', () => go(1));
}

// ------------------------------------------------- the trash and holds

// Fetch both lists (#/trash; #/holds shows the same page at its holds).
export async function runTrash(r) {
  const seq = ++state.trashSeq;
  const hash = location.hash;
  const lists = $('#trash-lists');
  lists.setAttribute('aria-busy', 'true');
  if (!state.trash) {
    $('#trash-status').textContent = t('loading');
    $('#trash-status').hidden = false;
  }
  try {
    const [trash, holds] = await Promise.all([api('/api/trash'), api('/api/holds')]);
    if (seq !== state.trashSeq) return;
    state.trash = { trash: (trash && trash.documents) || [], holds: (holds && holds.documents) || [], hash };
    renderTrash();
  } catch (e) {
    if (seq !== state.trashSeq) return;
    state.trash = { trash: null, holds: null, hash, error: e };
    renderTrash();
    showError('trashFailed', e);
  } finally {
    if (seq === state.trashSeq) lists.removeAttribute('aria-busy');
  }
  if (seq === state.trashSeq && r && r.holds) {
    $('#holds-title').scrollIntoView({ block: 'start' });
    $('#holds-title').focus({ preventScroll: true });
  }
}

export function renderTrash() {
  const s = state.trash;
  renderTrashMsg();
  const list = $('#trash-list');
  const holds = $('#holds-list');
  list.replaceChildren();
  holds.replaceChildren();
  if (!s) return;
  // which address the lists show (tests wait for this to equal the URL's hash)
  $('#trash-lists').dataset.for = s.hash;
  const trash = s.trash || [];
  const held = s.holds || [];
  $('#trash-status').textContent = s.trash ? t('trashCount', trash.length) : '';
  $('#trash-status').hidden = !$('#trash-status').textContent;
  $('#trash-empty').hidden = !s.trash || trash.length > 0;
  $('#holds-status').textContent = s.holds ? t('holdsCount', held.length) : '';
  $('#holds-status').hidden = !$('#holds-status').textContent;
  $('#holds-empty').hidden = !s.holds || held.length > 0;
  for (const d of trash) list.append(recordEntry(d, 'trash'));
  for (const d of held) holds.append(recordEntry(d, 'hold'));
}

// One document of either list: its title (to the viewer), branch and
// type, who moved it there (or held it), when and why.
function recordEntry(d, which) {
  const title = d.title || t('untitled', d.id);
  const meta = el('div', { class: 'result-meta' });
  if (d.branch) meta.append(el('span', { class: 'tag branch', text: branchLabel(d.branch) }));
  if (d.doc_type) meta.append(el('span', { class: 'tag type', text: typeLabel(d.doc_type) }));
  if (d.page_count) meta.append(el('span', { class: 'entry-pages', text: t('pageCount', d.page_count) }));
  meta.append(el('bdi', { class: 'muted', dir: 'ltr', text: `#${d.id}` }));
  const about = el('div', { class: 'record-about' });
  if (which === 'trash' && d.deleted) {
    about.append(el('p', { 'data-testid': 'trash-stamp' }, ...stampNodes('trashedBy', d.deleted)));
  }
  if (d.hold) {
    about.append(el('p', { class: 'held-note', 'data-testid': 'hold-stamp' },
      which === 'trash' ? el('span', { class: 'tag held', text: t('heldTag') }) : null,
      which === 'trash' ? ' ' : null, ...stampNodes('heldBy', d.hold)));
  }
  const li = el('li', { class: 'result record-entry', 'data-testid': which === 'trash' ? 'trash-entry' : 'hold-entry', 'data-id': String(d.id) },
    el('h3', {}, el('a', { href: docHash(d.id, '', 1), 'data-testid': 'record-link', dir: 'auto' }, bidi(title))),
    meta, about);
  if (which === 'trash' && canManageRecords()) {
    li.append(el('div', { class: 'record-actions' }, el('button', {
      type: 'button', 'data-testid': 'trash-restore', text: t('restore'),
      // the visible word first: the name a voice user says
      'aria-label': `${t('restore')}: ${isolate(title)}`,
      onclick: (e) => restoreFromTrash(d, e.currentTarget),
    })));
  }
  return li;
}

function renderTrashMsg() {
  const m = state.trashMsg;
  const box = $('#trash-msg');
  box.hidden = !m;
  box.classList.toggle('form-error', Boolean(m && m.kind === 'error'));
  box.classList.toggle('notice', !m || m.kind !== 'error');
  box.setAttribute('role', m && m.kind === 'error' ? 'alert' : 'status');
  if (m) box.replaceChildren(...m.parts());
}

async function restoreFromTrash(d, button) {
  if (button.disabled) return;
  button.disabled = true;
  const title = d.title || t('untitled', d.id);
  let rec;
  try {
    rec = await api(`/api/documents/${encodeURIComponent(d.id)}/restore`, { method: 'POST' });
  } catch (e) {
    button.disabled = false;
    if (e.handled) return;
    state.trashMsg = { kind: 'error', parts: () => [el('strong', { text: t('restoreFailed') }), ' ', el('span', { text: errorMessage(e) }), serverDetail(e) || ''] };
    renderTrashMsg();
    return;
  }
  if (rec) applyRecord(d.id, rec); // the viewer's copy of it too
  state.trashMsg = {
    kind: 'done',
    parts: () => [t('restoredOne'), ' ', el('a', { href: docHash(d.id, '', 1), 'data-testid': 'restored-link', dir: 'auto' }, bidi(title))],
  };
  await runTrash(null);
  // the focus stays in the list: on the next document's button, else the heading
  const next = $('#trash-list [data-testid="trash-restore"]');
  (next || $('#trash-title')).focus();
}
