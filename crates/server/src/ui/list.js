// arshif UI: the document list, the home page when nothing is searched:
// every document in the user's branches, newest import first (or by date,
// title or number), with a thumbnail of its first page, ten to a page.
// Its address is the search view's with no query: #/search?sort=title&page=2.

import {
  $,
  api,
  bidi,
  branchLabel,
  dayNode,
  el,
  fmtDate,
  PAGE_SIZE,
  showError,
  state,
  t,
  typeLabel,
} from './core.js';
import { hashFor } from './search.js';
import { docHash, refsNode } from './viewer.js';
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
    width: '80', src: `/api/documents/${encodeURIComponent(d.id)}/pages/1/thumbnail`,
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
