// arshif UI: saved views. A named set of filters and an order, kept for
// each user by the server (GET/POST /api/views, DELETE /api/views/{id}) and
// shown above the document list; one click opens it.
import {
  $,
  api,
  bidi,
  el,
  errorMessage,
  state,
  t,
} from './core.js';
import { hashFor } from './search.js';

const FILTERS = ['q', 'branch', 'type', 'from', 'to', 'imported_from', 'imported_to', 'review'];

// The address of a saved view.
export function viewHash(v) {
  const p = new URLSearchParams();
  const f = v.filters || {};
  for (const k of FILTERS) if (f[k]) p.set(k, f[k]);
  if (v.sort && v.sort !== '-imported') p.set('sort', v.sort);
  else if (!p.toString()) p.set('sort', '-imported');
  return hashFor('search', p);
}

export async function loadViews() {
  try {
    const answer = await api('/api/views');
    state.views = (answer && answer.views) || [];
  } catch (e) {
    if (!e.handled) console.warn('views', e);
    state.views = null;
  }
  renderViews();
}

export function renderViews() {
  const views = state.views || [];
  $('#views').hidden = !views.length;
  $('#view-save').hidden = state.views === null;
  const here = location.hash;
  $('#views-list').replaceChildren(...views.map((v) => {
    const href = viewHash(v);
    return el('li', { 'data-testid': 'view', 'data-id': String(v.id) },
      el('a', { href, 'data-testid': 'view-link', 'aria-current': href === here ? 'page' : null }, bidi(v.name)),
      el('button', {
        type: 'button', class: 'link', 'data-testid': 'view-delete',
        'aria-label': t('viewDelete', v.name), text: '×', onclick: () => deleteView(v),
      }));
  }));
}

function setMsg(parts) {
  const m = $('#view-msg');
  m.hidden = !parts;
  if (parts) m.replaceChildren(...parts);
}

// Save what is on screen (the list's or the search's filters and order).
async function saveView(ev) {
  ev.preventDefault();
  const name = $('#view-name').value.trim();
  if (!name) {
    $('#view-name').setAttribute('aria-invalid', 'true');
    setMsg([t('viewNameNeeded')]);
    return;
  }
  const r = state.route;
  const p = (r && r.params) || new URLSearchParams();
  const filters = {};
  for (const k of FILTERS) if (p.get(k)) filters[k] = p.get(k);
  const body = { name, filters, sort: p.get('sort') || '-imported' };
  try {
    await api('/api/views', { method: 'POST', json: body });
  } catch (e) {
    if (e.handled) return;
    setMsg([errorMessage(e)]);
    return;
  }
  $('#view-name').value = '';
  $('#view-name').removeAttribute('aria-invalid');
  setMsg([t('viewSaved'), ' ', bidi(name)]);
  await loadViews();
}

async function deleteView(v) {
  try {
    await api(`/api/views/${encodeURIComponent(v.id)}`, { method: 'DELETE' });
  } catch (e) {
    if (e.handled) return;
    setMsg([errorMessage(e)]);
    return;
  }
  setMsg([t('viewDeleted'), ' ', bidi(v.name)]);
  await loadViews();
  $('#view-name').focus();
}

export function initViews() {
  $('#view-save').addEventListener('submit', saveView);
  $('#view-name').addEventListener('input', () => $('#view-name').removeAttribute('aria-invalid'));
}
