// arshif UI: routing by the address's hash, the search form, results and facets.
import { hideBrowse, runBrowse, runTrash } from './list.js';
import {
  $,
  api,
  bidi,
  bidiNodes,
  branchLabel,
  canAudit,
  canManageRecords,
  canSearch,
  clearError,
  el,
  PAGE_SIZE,
  showError,
  state,
  t,
  typeLabel,
} from './core.js';
import {
  resultItem,
  showDoc,
} from './viewer.js';
import {
  renderAppNotice,
  renderNav,
  showPasswordScreen,
  showScreen,
} from './session.js';
import {
  runAudit,
} from './audit.js';
import { runReview } from './review.js';
import { renderBulk } from './bulk.js';
import { canImport, showUpload } from './upload.js';
import {
  renderFiltersToggle,
} from './app.js';


// --------------------------------------------------------------- routing

export function parseHash() {
  const h = location.hash.replace(/^#/, '');
  const i = h.indexOf('?');
  const path = i < 0 ? h : h.slice(0, i);
  const params = new URLSearchParams(i < 0 ? '' : h.slice(i + 1));
  const m = path.match(/^\/doc\/([^/]+)$/);
  if (m) return { view: 'doc', id: decodeURIComponent(m[1]), params };
  if (path === '/audit') return { view: 'audit', params };
  const rv = path.match(/^\/review(?:\/([^/]+))?$/);
  if (rv) return { view: 'review', id: rv[1] ? decodeURIComponent(rv[1]) : null, params };
  if (path === '/upload') return { view: 'upload', params };
  if (path === '/trash' || path === '/holds') return { view: 'trash', holds: path === '/holds', params };
  if (path === '/password') return { view: 'password', params };
  return { view: 'search', params };
}

export function hashFor(view, params, id) {
  const clean = new URLSearchParams();
  for (const [k, v] of params) if (v !== '' && v != null) clean.set(k, v);
  const qs = clean.toString();
  const path = view === 'doc' || (view === 'review' && id) ? `/${view}/${encodeURIComponent(id)}` : `/${view}`;
  return `#${path}${qs ? `?${qs}` : ''}`;
}

// Show the view the address names. Nothing is shown to a visitor who is
// not logged in (the login screen stays; the address is kept for after).
export function route() {
  state.navigatingTo = null;
  if (!state.me || state.me.must_change_password) return;
  let r = parseHash();
  // a view the role has no use for: go to the one it has
  if ((r.view === 'search' || r.view === 'doc' || r.view === 'review') && !canSearch() && canAudit()) {
    history.replaceState(null, '', '#/audit');
    r = parseHash();
  } else if ((r.view === 'audit' && !canAudit()) || (r.view === 'upload' && !canImport())
    || (r.view === 'trash' && !canManageRecords())) {
    history.replaceState(null, '', '#/');
    r = parseHash();
  }
  if (r.view === 'password') {
    showPasswordScreen(false);
    return;
  }
  // a document opened (not a page turned or a match moved in it): its
  // title takes the focus once it is shown
  const prev = state.screen === 'app' ? state.route : null;
  state.focusDocTitle = r.view === 'doc' && !(prev && prev.view === 'doc' && prev.id === r.id);
  state.route = r;
  state.lastAppHash = location.hash || null;
  clearError();
  showScreen('app');
  // a note (e.g. "password changed") stays for the view it was made on
  if (state.appNoticeFresh) state.appNoticeFresh = false;
  else state.appNotice = null;
  renderAppNotice();
  const searching = canSearch();
  $('#search-form').hidden = !searching || ['audit', 'upload', 'trash'].includes(r.view);
  $('#search-view').hidden = r.view !== 'search' || !searching;
  $('#doc-view').hidden = r.view !== 'doc';
  $('#audit-view').hidden = r.view !== 'audit';
  $('#review-view').hidden = r.view !== 'review';
  $('#upload-view').hidden = r.view !== 'upload';
  $('#trash-view').hidden = r.view !== 'trash';
  // the phone's filter toggle: only where the filters are
  $('#filters-toggle').hidden = r.view !== 'search';
  renderNav();
  if (r.view === 'doc') {
    showDoc(r.id, r.params);
  } else if (r.view === 'audit') {
    document.title = t('auditPageTitle');
    runAudit(r.params);
  } else if (r.view === 'review') {
    document.title = t('reviewPageTitle');
    runReview(r.params, r.id);
  } else if (r.view === 'upload') {
    showUpload();
  } else if (r.view === 'trash') {
    document.title = t('trashPageTitle');
    if (!(prev && prev.view === 'trash')) state.trashMsg = null; // a note stays only on the page it was made on
    runTrash(r);
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
export function searchCalendar() {
  const r = state.route;
  return r && r.view === 'search' && r.params.get('calendar') === 'gregorian' ? 'gregorian' : 'hijri';
}

export function formParams(page) {
  const p = new URLSearchParams();
  p.set('q', $('#q').value.trim());
  p.set('branch', $('#branch').value);
  p.set('type', $('#type').value);
  p.set('from', $('#from').value.trim());
  p.set('to', $('#to').value.trim());
  if (searchCalendar() === 'gregorian') p.set('calendar', 'gregorian');
  // on the document list (an order or a review state chosen), the filters
  // narrow the list: its order and review state stay
  const r = state.route;
  if (!p.get('q') && r && r.view === 'search' && state.browse) {
    for (const k of ['review', 'sort']) if (r.params.get(k)) p.set(k, r.params.get(k));
  }
  if (page > 1) p.set('page', String(page));
  return p;
}

export function go(hash) {
  state.navigatingTo = hash;
  location.hash = hash;
}

export function submitSearch(page = 1) {
  const hash = hashFor('search', formParams(page));
  if (hash !== location.hash) go(hash);
  // the same search again (the button pressed twice), unless it is the
  // address just set (a date field left, then the form submitted)
  else if (state.navigatingTo !== hash) route();
}

// The dates typed in the filters, once left: search if they differ from
// those of the view on screen.
export function dateChanged() {
  const r = state.route;
  // left because another view was opened (the filters were hidden): nothing to search
  if (!r || r.view !== 'search' || !$('#search-view').checkVisibility()) return;
  const shown = r.params;
  const same = ['from', 'to'].every((k) => $(`#${k}`).value.trim() === (shown.get(k) || '').trim());
  if (same) return;
  const hash = hashFor('search', formParams(1));
  if (hash !== location.hash && hash !== state.navigatingTo) go(hash);
}

// values: [{ value, count }] from /api/facets; an option shows its count,
// e.g. "الهفوف (12)". A value in the address that the facets lack (no
// document, or outside the user's branches) is kept, without a count.
export function fillSelect(select, values, labelOf, current) {
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

export function fillFilters(params) {
  fillSelect($('#branch'), state.facets.branches || [], branchLabel, params.get('branch') || '');
  fillSelect($('#type'), state.facets.doc_types || [], typeLabel, params.get('type') || '');
  renderFiltersToggle();
}

// How many filters the search on screen has (the phone's toggle says it).
export function filtersActive() {
  const r = state.route;
  const p = r && r.view === 'search' ? r.params : new URLSearchParams();
  return ['branch', 'type', 'from', 'to'].filter((k) => (p.get(k) || '').trim()).length;
}

export async function runSearch(params) {
  const q = params.get('q') || '';
  const page = Math.max(1, parseInt(params.get('page'), 10) || 1);
  $('#q').value = q;
  fillFilters(params);
  $('#from').value = params.get('from') || '';
  $('#to').value = params.get('to') || '';
  markBadDate(null);
  renderFiltersToggle();

  // no words: the document list, unless filters alone are asked (a search
  // by filters, with its facets) without an order or a review state
  const filtered = ['branch', 'type', 'from', 'to'].some((k) => params.get(k));
  const any = Boolean(q) || (filtered && !params.get('sort') && !params.get('review'));
  if (state.searchAbort) state.searchAbort.abort();
  const seq = ++state.searchSeq;
  const hash = location.hash;
  if (!any) {
    state.search = null;
    runBrowse(params);
    $('#results').removeAttribute('aria-busy');
    renderResults();
    $('#results').dataset.for = hash;
    return;
  }
  hideBrowse();
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
export function markBadDate(message) {
  const which = message == null ? null : /^\s*to\b/.test(message) ? '#to' : /^\s*from\b/.test(message) ? '#from' : null;
  for (const id of ['#from', '#to']) {
    if (id === which || (message != null && !which)) $(id).setAttribute('aria-invalid', 'true');
    else $(id).removeAttribute('aria-invalid');
  }
}

// Insert the server's snippet (already HTML-escaped, with <mark>) as HTML,
// keeping nothing but text and <mark> elements.
export function snippetNode(html) {
  const tpl = document.createElement('template');
  tpl.innerHTML = html || '';
  const out = document.createDocumentFragment();
  for (const n of tpl.content.childNodes) {
    // runs of digits and Latin read left to right (bidiNodes)
    if (n.nodeName === 'MARK') out.append(el('mark', {}, ...bidiNodes(n.textContent)));
    else out.append(...bidiNodes(n.textContent || ''));
  }
  return out;
}

export function renderResults() {
  const s = state.search;
  const list = $('#results');
  list.replaceChildren();
  renderBulk();
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
  $('#notices').replaceChildren(...notices.map((n) => bidi(n, { lang: 'en' }, 'li')));
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
export function renderFacets() {
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
