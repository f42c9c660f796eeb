// arshif UI: the review screen. One document at a time, its page image
// beside the fields that were read or guessed (title, type, branch, date,
// reference numbers), the uncertain ones marked. Enter confirms (the
// changed fields are saved and the document is marked reviewed) and the
// next document awaiting review opens; a page read sideways is rotated and
// read again. Everything is reachable from the keyboard.
//   #/review          the oldest import awaiting review
//   #/review/ID       that document
//   #/review?ids=1,2  of those documents (e.g. a batch just imported), the
//                     first awaiting review
import {
  $,
  api,
  bidi,
  branchLabel,
  canCorrect,
  dayText,
  el,
  errorMessage,
  isolate,
  serverDetail,
  state,
  t,
  typeLabel,
  typeSlugs,
} from './core.js';
import { docHash } from './viewer.js';
import { renderNav } from './session.js';

const REVIEW_WIDTH = 900; // the page image's width asked of the server

// The fields' values as the document has them (what Enter confirms).
function values(d) {
  return {
    title: d.title || '',
    type: d.doc_type || '',
    branch: d.branch || '',
    date: d.document_date && d.document_date.hijri ? `${d.document_date.hijri}${t('hijriSuffix')}` : '',
    refs: (d.reference_numbers || []).join(listJoin()),
  };
}
const listJoin = () => (state.lang === 'ar' ? '، ' : ', ');
export const splitRefs = (s) => s.split(/[,،؛;\n]+/).map((x) => x.trim()).filter(Boolean);

// What the reading is unsure of, field by field.
function uncertain(d) {
  const u = new Set();
  if (d.doc_type_source === 'guessed' && (d.doc_type_confidence == null || d.doc_type_confidence < 0.6)) u.add('type');
  if (!d.doc_type || d.doc_type === 'other') u.add('type');
  if (!d.document_date) u.add('date');
  else if (d.document_date_source !== 'corrected' && (d.dates || []).length > 1) u.add('date');
  const numbers = (d.pages || []).flatMap((p) => p.numbers || []);
  if (!(d.reference_numbers || []).length) u.add('refs');
  else if (numbers.some((n) => n.confidence < 0.8 || (n.alternatives || []).length)) u.add('refs');
  const low = (d.pages || []).some((p) => p.confidence < 0.7);
  if (low) u.add('title');
  return u;
}

// Open what the address names: a document, or the first awaiting review.
export async function runReview(params, id) {
  const seq = ++state.reviewSeq;
  $('#review-status').textContent = t('loading');
  try {
    const skipped = state.reviewSkipped || new Set();
    let d = null;
    const chosen = (params.get('ids') || '').split(',').map((x) => x.trim()).filter((x) => /^\d+$/.test(x));
    if (chosen.length) {
      // a set of documents (those just imported): the first of them still
      // awaiting review
      let left = 0;
      for (const x of chosen) {
        const doc = await api(`/api/documents/${encodeURIComponent(x)}`);
        if (seq !== state.reviewSeq) return;
        if (doc.review !== 'pending') continue;
        left += 1;
        if (!d && (x === id || (!id && !skipped.has(x)))) d = doc;
      }
      state.reviewQueue = { ...(state.reviewQueue || {}), of: left };
      if (id && !d) d = await api(`/api/documents/${encodeURIComponent(id)}`);
    } else {
      const queue = await api('/api/documents?review=pending&sort=imported&limit=100');
      if (seq !== state.reviewSeq) return;
      const pending = (queue.documents || []).map((x) => String(x.id));
      const target = id || pending.find((x) => !skipped.has(x)) || pending[0] || null;
      state.reviewQueue = { total: queue.total || 0, ids: pending };
      renderNav();
      if (target) d = await api(`/api/documents/${encodeURIComponent(target)}`);
    }
    if (seq !== state.reviewSeq) return;
    state.reviewParams = params;
    if (!d) {
      state.review = null;
      renderReview();
      return;
    }
    const last = state.reviewLast;
    state.reviewLast = null;
    state.review = {
      doc: d, page: 1, init: values(d), unsure: uncertain(d), rev: 0,
      msg: last ? () => [t('reviewConfirmed'), ' ', bidi(last.title || t('untitled', last.id))] : null,
    };
    renderReview(true);
    $('#review-confirm').focus();
  } catch (e) {
    if (e.handled || seq !== state.reviewSeq) return;
    state.review = { error: e };
    renderReview();
  }
}

function typeChoices(d) {
  return [...new Set([...typeSlugs(), d.doc_type].filter(Boolean))];
}

function branchChoices(d) {
  const mine = (state.me && state.me.branches) || [];
  const seen = (state.facets.branches || []).map((b) => b.value);
  return [...new Set([d.branch, ...mine, ...seen, ...Object.keys(state.branchNames || {})].filter(Boolean))];
}

// Draw the screen for state.review (fresh: a new document, the form is filled).
export function renderReview(fresh) {
  const r = state.review;
  const q = state.reviewQueue || { total: 0, ids: [] };
  $('#review-body').hidden = !r || !r.doc;
  $('#review-empty').hidden = Boolean(r && (r.doc || r.error));
  $('#review-error').hidden = !(r && r.error);
  if (r && r.error) $('#review-error').textContent = errorMessage(r.error);
  $('#review-status').textContent = q.of != null && state.reviewParams && state.reviewParams.get('ids')
    ? t('reviewSetCount', q.of) : t('reviewQueueCount', q.total || 0);
  $('#review-empty').textContent = t('reviewEmpty');
  if (!r || !r.doc) return;
  const d = r.doc;
  const link = $('#review-doc-link');
  link.href = docHash(d.id, '', r.page);
  link.replaceChildren(bidi(d.title || t('untitled', d.id)));
  $('#review-doc-state').textContent = d.review === 'done' ? t('reviewDone') : t('reviewPending');
  // the page
  const n = d.page_count || (d.pages || []).length || 1;
  $('#review-page-info').textContent = t('pageInfo', r.page, n);
  $('#review-page-prev').disabled = r.page <= 1;
  $('#review-page-next').disabled = r.page >= n;
  const img = $('#review-image');
  const src = `/api/documents/${encodeURIComponent(d.id)}/pages/${r.page}/image?width=${REVIEW_WIDTH}${r.rev ? `&r=${r.rev}` : ''}`;
  if (img.getAttribute('src') !== src) {
    delete img.dataset.loaded;
    img.src = src;
  }
  img.alt = t('reviewImageAlt', r.page, n);
  // the fields
  const f = {
    title: $('#review-title-field'), type: $('#review-type'), branch: $('#review-branch'),
    date: $('#review-date'), refs: $('#review-refs'),
  };
  f.type.replaceChildren(...typeChoices(d).map((x) => el('option', { value: x, text: typeLabel(x) })));
  const admin = state.me && state.me.role === 'admin';
  f.branch.replaceChildren(...branchChoices(d).map((x) => el('option', { value: x, text: branchLabel(x) })));
  f.branch.disabled = !admin;
  $('#review-branch-note').hidden = admin;
  if (fresh) {
    f.title.value = r.init.title;
    f.type.value = r.init.type;
    f.branch.value = r.init.branch;
    f.date.value = r.init.date;
    f.refs.value = r.init.refs;
    for (const x of Object.values(f)) x.removeAttribute('aria-invalid');
  } else {
    f.type.value = r.typeValue ?? r.init.type;
    f.branch.value = r.branchValue ?? r.init.branch;
  }
  for (const [k, x] of Object.entries(f)) {
    const box = x.closest('.field');
    const unsure = r.unsure.has(k);
    box.classList.toggle('uncertain', unsure);
    box.querySelector('.unsure').hidden = !unsure;
    box.querySelector('.unsure').textContent = t('reviewUnsure');
  }
  $('#review-date-hint').textContent = d.document_date
    ? t('reviewDateRead', isolate(dayText(d.document_date))) : t('reviewDateNone');
  $('#review-confirm').disabled = !canCorrect();
  const msg = $('#review-msg');
  msg.hidden = !r.msg;
  if (r.msg) msg.replaceChildren(...r.msg());
}

// What the clerk changed: only that is sent, with "reviewed".
export function reviewChanges() {
  const r = state.review;
  const now = {
    title: $('#review-title-field').value.trim(),
    type: $('#review-type').value,
    branch: $('#review-branch').value,
    date: $('#review-date').value.trim(),
    refs: $('#review-refs').value.trim(),
  };
  const body = {};
  if (now.title !== r.init.title) body.title = now.title || null;
  if (now.type !== r.init.type) body.doc_type = now.type || null;
  if (now.branch !== r.init.branch && !$('#review-branch').disabled) body.branch = now.branch;
  if (now.date !== r.init.date) body.date = now.date || null;
  const refs = splitRefs(now.refs);
  if (refs.join('\n') !== splitRefs(r.init.refs).join('\n')) body.reference_numbers = refs;
  return body;
}

// Enter: save what changed, mark reviewed, open the next in the queue.
export async function confirmReview(ev) {
  if (ev) ev.preventDefault();
  const r = state.review;
  if (!r || !r.doc || !canCorrect()) return;
  const button = $('#review-confirm');
  if (button.disabled) return;
  const body = { ...reviewChanges(), review: 'done' };
  button.disabled = true;
  const id = r.doc.id;
  try {
    await api(`/api/documents/${encodeURIComponent(id)}`, { method: 'PATCH', json: body });
  } catch (e) {
    button.disabled = false;
    if (e.handled) return;
    r.msg = () => [el('strong', { text: t('reviewFailed') }), ' ', el('span', { text: errorMessage(e) }), serverDetail(e) || ''];
    if (e.code === 'bad_correction' && /date|تاريخ/i.test(e.message || '')) $('#review-date').setAttribute('aria-invalid', 'true');
    renderReview();
    return;
  }
  state.docCache.delete(String(id));
  if (state.reviewSkipped) state.reviewSkipped.delete(String(id));
  state.reviewLast = { id, title: body.title || r.doc.title };
  if (state.reviewQueue && state.reviewQueue.total) state.reviewQueue.total -= 1;
  renderNav();
  nextReview();
}

// Leave this one for later: the next one not yet skipped.
export function skipReview() {
  const r = state.review;
  if (!r || !r.doc) return;
  if (!state.reviewSkipped) state.reviewSkipped = new Set();
  state.reviewSkipped.add(String(r.doc.id));
  nextReview();
}

// The next awaiting review (of the same set, when the address names one).
function nextReview() {
  const ids = state.reviewParams && state.reviewParams.get('ids');
  const hash = ids ? `#/review?ids=${ids}` : '#/review';
  if (location.hash === hash) runReview(new URLSearchParams(ids ? { ids } : {}), null);
  else location.hash = hash;
}

export function reviewPage(dir) {
  const r = state.review;
  if (!r || !r.doc) return;
  const n = r.doc.page_count || 1;
  const p = Math.min(n, Math.max(1, r.page + dir));
  if (p === r.page) return;
  r.page = p;
  r.typeValue = $('#review-type').value;
  r.branchValue = $('#review-branch').value;
  renderReview();
}

// Rotate the page on screen and have it read again (the answer is the
// document as it now is: its text, dates and numbers read afresh).
export async function rotateReview(degrees) {
  const r = state.review;
  if (!r || !r.doc || !canCorrect()) return;
  const id = r.doc.id;
  const buttons = [$('#review-rotate-left'), $('#review-rotate-right')];
  for (const b of buttons) b.disabled = true;
  r.msg = () => [t('reviewRotating')];
  renderReview();
  try {
    const d = await api(`/api/documents/${encodeURIComponent(id)}/pages/${r.page}/rotate`, {
      method: 'POST', json: { degrees },
    });
    if (!state.review || state.review.doc.id !== id) return;
    const keep = reviewChanges();
    r.doc = d && d.id ? d : await api(`/api/documents/${encodeURIComponent(id)}`);
    r.init = values(r.doc);
    r.unsure = uncertain(r.doc);
    r.rev += 1;
    r.msg = () => [t('reviewRotated')];
    renderReview(true);
    // what the clerk had typed stays typed
    if ('title' in keep) $('#review-title-field').value = keep.title || '';
    state.docCache.delete(String(id));
  } catch (e) {
    if (e.handled) return;
    r.msg = () => [el('strong', { text: t('reviewRotateFailed') }), ' ', el('span', { text: errorMessage(e) })];
    renderReview();
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

export function initReview() {
  $('#review-form').addEventListener('submit', confirmReview);
  // Enter confirms from any field of the form, a select included (a
  // select does not submit its form by itself)
  $('#review-form').addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || e.isComposing || e.shiftKey || e.ctrlKey || e.altKey || e.metaKey) return;
    const tag = e.target.tagName;
    if (tag === 'SELECT' || tag === 'INPUT') {
      e.preventDefault();
      $('#review-form').requestSubmit();
    }
  });
  $('#review-skip').addEventListener('click', skipReview);
  $('#review-page-prev').addEventListener('click', () => reviewPage(-1));
  $('#review-page-next').addEventListener('click', () => reviewPage(1));
  $('#review-rotate-left').addEventListener('click', () => rotateReview(270));
  $('#review-rotate-right').addEventListener('click', () => rotateReview(90));
  const img = $('#review-image');
  img.addEventListener('load', () => { img.dataset.loaded = '1'; });
  img.addEventListener('error', () => { if (img.getAttribute('src')) img.dataset.loaded = 'error'; });
}
