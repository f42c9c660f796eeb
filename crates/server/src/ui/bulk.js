// arshif UI: choosing many documents in a list (the document list or the
// search results) and acting on them at once: set their type or date, mark
// them reviewed, move them to another branch (administrators), download
// them as a zip or a BagIt bag. One request for all (POST
// /api/documents/bulk answers for each id); the server audits it as one
// action naming every document.
import {
  $,
  api,
  ApiError,
  bidi,
  branchLabel,
  canCorrect,
  el,
  errorMessage,
  state,
  t,
  typeLabel,
  typeSlugs,
} from './core.js';

// The checkbox that puts a document in the selection.
export function selectBox(id, title) {
  const key = String(id);
  const box = el('input', {
    type: 'checkbox', class: 'select-doc', 'data-testid': 'select-doc', 'data-id': key,
    'aria-label': t('selectDoc', title),
  });
  box.checked = state.selected.has(key);
  box.addEventListener('change', () => {
    if (box.checked) state.selected.set(key, { id: key, title });
    else state.selected.delete(key);
    renderBulk();
  });
  return box;
}

export function renderBulk() {
  const n = state.selected.size;
  const bar = $('#bulk');
  bar.hidden = n === 0 && !state.bulkResult;
  $('#bulk-count').textContent = t('bulkCount', n);
  $('#bulk-count').dataset.count = String(n);
  for (const b of bar.querySelectorAll('.bulk-actions button, .bulk-actions select, .bulk-actions input')) {
    if (b.id !== 'bulk-clear') b.disabled = n === 0;
  }
  const edit = canCorrect();
  for (const id of ['#bulk-type', '#bulk-type-apply', '#bulk-date', '#bulk-date-apply', '#bulk-reviewed']) {
    const e = $(id);
    e.hidden = !edit;
    const label = e.closest('label');
    if (label) label.hidden = !edit;
  }
  const admin = Boolean(state.me && state.me.role === 'admin');
  $('#bulk-branch-box').hidden = !admin;
  const types = $('#bulk-type');
  const keepType = types.value;
  types.replaceChildren(...typeSlugs().map((x) => el('option', { value: x, text: typeLabel(x) })));
  if (keepType) types.value = keepType;
  const branches = $('#bulk-branch');
  const keepBranch = branches.value;
  const known = [...new Set([...(state.facets.branches || []).map((b) => b.value),
    ...((state.me && state.me.branches) || [])])];
  branches.replaceChildren(...known.map((x) => el('option', { value: x, text: branchLabel(x) })));
  if (keepBranch) branches.value = keepBranch;
  for (const box of document.querySelectorAll('input.select-doc')) box.checked = state.selected.has(box.dataset.id);
  const out = $('#bulk-result');
  out.hidden = !state.bulkResult;
  if (state.bulkResult) out.replaceChildren(...state.bulkResult());
}

// Send one change for every selected document; show how each went.
async function bulkSet(set) {
  const ids = [...state.selected.keys()].map(Number);
  if (!ids.length) return;
  state.bulkResult = () => [t('saving')];
  renderBulk();
  let answer;
  try {
    answer = await api('/api/documents/bulk', { method: 'POST', json: { ids, set } });
  } catch (e) {
    if (e.handled) return;
    state.bulkResult = () => [el('strong', { text: t('bulkFailed') }), ' ', errorMessage(e)];
    renderBulk();
    return;
  }
  const results = (answer && answer.results) || [];
  const failed = results.filter((r) => !r.ok && r.error);
  const done = results.length - failed.length;
  state.bulkResult = () => [
    el('span', { 'data-testid': 'bulk-done', text: t('bulkDone', done) }),
    ...failed.map((r) => el('span', { class: 'bulk-failed', 'data-testid': 'bulk-failed' }, ' ',
      bidi(String(r.id)), `: ${errorMessage(new ApiError(r.status || 0, r.error.code, r.error.message))}`)),
  ];
  for (const id of ids) state.docCache.delete(String(id));
  state.selected.clear();
  renderBulk();
  // the list or the results on screen show the change
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

// Download the selection as one file (a zip of the originals, or a bag).
async function download(format) {
  const ids = [...state.selected.keys()].map(Number);
  if (!ids.length) return;
  state.bulkResult = () => [t('bulkPreparing')];
  renderBulk();
  try {
    const headers = { 'Content-Type': 'application/json', Accept: 'application/zip' };
    if (state.csrf) headers['X-CSRF-Token'] = state.csrf;
    const res = await fetch('/api/documents/download', {
      method: 'POST', headers, body: JSON.stringify({ ids, format }), credentials: 'same-origin',
    });
    if (!res.ok) {
      let e = null;
      try { e = (await res.json()).error; } catch (_) { /* not JSON */ }
      throw new ApiError(res.status, (e && e.code) || `http_${res.status}`, (e && e.message) || res.statusText);
    }
    const blob = await res.blob();
    const cd = res.headers.get('Content-Disposition') || '';
    const m = cd.match(/filename="([^"]+)"/);
    const a = el('a', { href: URL.createObjectURL(blob), download: (m && m[1]) || `arshif-${format}.zip` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
    state.bulkResult = () => [el('span', { 'data-testid': 'bulk-downloaded', text: t('bulkDownloaded', ids.length) })];
  } catch (e) {
    state.bulkResult = () => [el('strong', { text: t('bulkFailed') }), ' ', errorMessage(e)];
  }
  renderBulk();
}

export function initBulk() {
  $('#bulk-type-apply').addEventListener('click', () => bulkSet({ doc_type: $('#bulk-type').value }));
  $('#bulk-date-apply').addEventListener('click', () => {
    const v = $('#bulk-date').value.trim();
    if (v) bulkSet({ date: v });
  });
  $('#bulk-branch-apply').addEventListener('click', () => bulkSet({ branch: $('#bulk-branch').value }));
  $('#bulk-reviewed').addEventListener('click', () => bulkSet({ review: 'done' }));
  $('#bulk-zip').addEventListener('click', () => download('zip'));
  $('#bulk-bag').addEventListener('click', () => download('bag'));
  $('#bulk-clear').addEventListener('click', () => {
    state.selected.clear();
    state.bulkResult = null;
    renderBulk();
  });
}
