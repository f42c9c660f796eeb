// arshif — browser UI. Plain ES2020, no framework, no build step.
// Views are chosen by the URL's hash so that back/forward and reload work:
//   #/search?q=...&branch=...&type=...&from=DATE&to=DATE&calendar=gregorian&page=N
//        (from/to: the document's date, Hijri 1445-03-01h or Gregorian 2023-09-16,
//        or a month or a year; calendar: of the year counts, Hijri unless given)
//   #/doc/ID?q=...&page=N&hit=K      (page and hit are 1-based)
//   #/audit?user=...&doc=ID&since=YYYY-MM-DD&before=SEQ&limit=N   (admin, auditor)
//   #/upload                          (admin, clerk: import files, see their tasks)
//   #/trash, #/holds                  (admin: the trash, each to restore, and the legal holds)
//   #/password                        (change one's password)
// Accounts: on load /api/me says who is logged in (401: the login screen,
// the hash kept for after). The session is an HttpOnly cookie; its CSRF
// token is kept in memory only and sent on every POST and PATCH. Every request goes
// through api(), which turns 401 and 403 password_change_required into the
// login screen and the change-password form.
import { initBrowse, renderBrowse, renderTrash } from './list.js';
import { initBulk, renderBulk } from './bulk.js';
import { initViews } from './views.js';
import { initReview, renderReview, reviewPage } from './review.js';
import {
  $,
  api,
  el,
  registerShortcut,
  renderError,
  shortcutFor,
  shortcuts,
  showError,
  state,
  t,
  ZOOM_STEP,
} from './core.js';
import {
  dateChanged,
  filtersActive,
  fillFilters,
  hashFor,
  parseHash,
  renderResults,
  route,
  submitSearch,
} from './search.js';
import {
  currentPage,
  gotoHit,
  initRecords,
  layout,
  nextHitIndex,
  pageCount,
  pageHash,
  renderDocMeta,
  renderPage,
  renderReasonDialog,
  resetCorrectField,
  setZoom,
  submitCorrection,
} from './viewer.js';
import {
  checkSession,
  errorText,
  leavePasswordForm,
  logout,
  renderAccount,
  renderAppNotice,
  renderLogin,
  renderNav,
  renderPasswordForm,
  setLoginMsg,
  showLoginScreen,
  signedIn,
  submitLogin,
  submitPassword,
} from './session.js';
import {
  renderAudit,
  submitAudit,
} from './audit.js';
import { initUpload, renderUpload } from './upload.js';


// -------------------------------------------------------------- language

export function applyLang() {
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
  renderFiltersToggle();
  renderShortcuts();
  renderReasonDialog();
  renderError();
}

// ------------------------------------------------- the phone's filters

// On a narrow screen the filters and facets are folded away behind a
// toggle (CSS shows it only there); it says how many filters are set.
export function renderFiltersToggle() {
  const b = $('#filters-toggle');
  const n = filtersActive();
  b.textContent = n ? t('filtersToggleCount', n) : t('filtersToggle');
}

export function setFiltersOpen(open, focus) {
  $('#refine').classList.toggle('open', open);
  $('#filters-toggle').setAttribute('aria-expanded', String(open));
  if (open && focus) $('#branch').focus();
}

// ------------------------------------------------------------ shortcuts

export function renderShortcuts() {
  const list = $('#shortcuts-list');
  list.replaceChildren(...shortcuts.flatMap((s) => [
    el('dt', {}, ...s.keys.map((k, i) => [i ? ' ' : null, el('kbd', { dir: 'ltr', text: k })]).flat().filter(Boolean)),
    el('dd', { text: t(s.label) }),
  ]), el('dt', {}, el('kbd', { dir: 'ltr', text: 'Esc' })), el('dd', { text: t('kbdClose') }));
}

let helpReturn = null; // where focus was before the help opened
export function openShortcuts() {
  const d = $('#shortcuts');
  if (d.open) return;
  helpReturn = document.activeElement;
  renderShortcuts();
  d.showModal();
  $('#shortcuts-close').focus();
}
export function closeShortcuts() {
  const d = $('#shortcuts');
  if (d.open) d.close();
}

export function registerShortcuts() {
  const inApp = () => state.screen === 'app';
  const viewing = () => inApp() && !$('#doc-view').hidden && Boolean(state.doc);
  registerShortcut({
    code: 'Slash', key: '/', keys: ['/'], label: 'kbdSearch',
    when: () => inApp() && !$('#search-form').hidden,
    run: () => { $('#q').focus(); $('#q').select(); },
  });
  registerShortcut({
    code: 'KeyN', keys: ['N'], label: 'kbdNextHit', when: viewing,
    run: () => { const i = nextHitIndex(1); if (i >= 0) gotoHit(i); },
  });
  registerShortcut({
    code: 'KeyP', keys: ['P'], label: 'kbdPrevHit', when: viewing,
    run: () => { const i = nextHitIndex(-1); if (i >= 0) gotoHit(i); },
  });
  // pages: of the document viewed, or of the one under review
  const reviewing = () => inApp() && !$('#review-view').hidden && Boolean(state.review && state.review.doc);
  registerShortcut({
    code: 'BracketRight', keys: [']'], label: 'kbdNextPage', when: () => viewing() || reviewing(),
    run: () => (reviewing() ? reviewPage(1) : goPage(state.pageNo + 1)),
  });
  registerShortcut({
    code: 'BracketLeft', keys: ['['], label: 'kbdPrevPage', when: () => viewing() || reviewing(),
    run: () => (reviewing() ? reviewPage(-1) : goPage(state.pageNo - 1)),
  });
  registerShortcut({
    code: 'Slash', key: '?', shift: true, keys: ['Shift', '/'], label: 'kbdHelp', when: inApp,
    run: openShortcuts,
  });
}

export function setLang(lang) {
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
    if (state.browse) renderBrowse();
    if (state.search && state.search.error) showError('searchFailed', state.search.error);
  } else if (r.view === 'review') {
    document.title = t('reviewPageTitle');
    if (state.review) renderReview();
  } else if (r.view === 'audit') {
    document.title = t('auditPageTitle');
    renderAudit();
    if (state.audit && state.audit.error) showError('auditFailed', state.audit.error);
  } else if (r.view === 'upload') {
    document.title = t('uploadPageTitle');
    renderUpload();
  } else if (r.view === 'trash') {
    document.title = t('trashPageTitle');
    renderTrash();
    if (state.trash && state.trash.error) showError('trashFailed', state.trash.error);
  } else if (state.doc) {
    const back = $('#back-link');
    back.textContent = state.lastSearchHash || state.q ? t('backToResults') : t('backToSearch');
    state.metaKey = `${state.doc.id}\n${state.q}\n${state.lang}`;
    renderDocMeta();
    renderPage(false);
  }
}

// ----------------------------------------------------------------- setup

export async function loadFacets() {
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

// The document types the administrator keeps (their names in both
// languages); without an answer the UI's own names stand.
export async function loadTypes() {
  try {
    const answer = await api('/api/types');
    state.types = (answer && answer.types) || null;
  } catch (e) {
    if (!e.handled) console.warn('types', e);
    return;
  }
  if (state.screen === 'app' && state.browse) renderBrowse();
  renderBulk();
}

// How many documents await review (the number on the navigation's link).
export async function loadReviewCount() {
  try {
    const answer = await api('/api/documents?review=pending&limit=1');
    state.reviewQueue = { total: (answer && answer.total) || 0, ids: (state.reviewQueue && state.reviewQueue.ids) || [] };
  } catch (e) {
    if (!e.handled) console.warn('review count', e);
    return;
  }
  renderNav();
}

// Who is this? /api/me answers for a live session (with its CSRF token);
// a 401 puts up the login screen (in api()).
export async function boot() {
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

export function init() {
  let lang = null;
  try { lang = localStorage.getItem('arshif.lang'); } catch (_) { /* private mode */ }
  state.lang = lang === 'en' ? 'en' : 'ar';
  applyLang();
  initBrowse();
  initBulk();
  initViews();
  initReview();
  initUpload();
  initRecords();

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
      const to = e.relatedTarget;
      if (to && ($('#search-form').contains(to) || to.form === $('#search-form') || $('#filters').contains(to))) return;
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

  // Shortcuts by the key's place (event.code), so that an Arabic layout
  // works too; never while typing in a field (shortcutFor).
  registerShortcuts();
  document.addEventListener('keydown', (e) => {
    if ($('#shortcuts').open || $('#reason-dialog').open) return; // the dialogs' own keys
    const s = shortcutFor(e);
    if (!s) return;
    e.preventDefault();
    s.run(e);
  });
  // The help: Escape closes it (the dialog's cancel), Tab stays inside it.
  const help = $('#shortcuts');
  help.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      closeShortcuts();
    } else if (e.key === 'Tab') {
      const items = [...help.querySelectorAll('button, [href], input, select, textarea, [tabindex]:not([tabindex="-1"])')]
        .filter((x) => !x.disabled && x.offsetParent !== null);
      if (!items.length) return;
      const first = items[0];
      const last = items[items.length - 1];
      if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
      else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
      else if (!help.contains(document.activeElement)) { e.preventDefault(); first.focus(); }
    }
  });
  help.addEventListener('close', () => {
    if (helpReturn && document.contains(helpReturn)) helpReturn.focus();
    helpReturn = null;
  });
  help.addEventListener('click', (e) => { if (e.target === help) closeShortcuts(); }); // the backdrop
  $('#shortcuts-close').addEventListener('click', closeShortcuts);
  $('#shortcuts-open').addEventListener('click', openShortcuts);

  $('#filters-toggle').addEventListener('click', () => {
    setFiltersOpen(!$('#refine').classList.contains('open'), true);
  });

  window.addEventListener('hashchange', route);
  boot();
}

export function goSearchPage(dir) {
  const s = state.search;
  if (!s) return;
  const p = new URLSearchParams(s.params);
  const page = Math.max(1, s.page + dir);
  if (page > 1) p.set('page', String(page)); else p.delete('page');
  location.hash = hashFor('search', p);
  window.scrollTo(0, 0);
}

export function goPage(p) {
  if (!state.doc || p < 1 || p > pageCount()) return;
  location.hash = pageHash(p);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
else init();
