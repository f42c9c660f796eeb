// arshif UI: screens, logging in and out, and changing one's password.
import { hideBrowse } from './list.js';
import {
  $,
  api,
  canAudit,
  canCorrect,
  canManageRecords,
  canSearch,
  errorMessage,
  MIN_PASSWORD_CHARS,
  roleLabel,
  showError,
  state,
  t,
} from './core.js';
import {
  fillFilters,
  markBadDate,
  parseHash,
  route,
} from './search.js';
import {
  boot,
  loadFacets,
  loadReviewCount,
  loadTypes,
} from './app.js';
import { loadViews } from './views.js';
import { canImport } from './upload.js';


// -------------------------------------------------------------- accounts

// One of three screens at a time: the login form, the password form, or
// the archive itself (search, viewer, audit log).
export function showScreen(name) {
  state.screen = name;
  $('#boot').hidden = true;
  $('#login-view').hidden = name !== 'login';
  $('#password-view').hidden = name !== 'password';
  $('#app-view').hidden = name !== 'app';
  $('#shortcuts-open').hidden = name !== 'app';
  if (name !== 'app' && $('#shortcuts').open) $('#shortcuts').close();
  if (name !== 'login' && name !== 'password') stopThrottleTimer();
  renderAccount();
  renderNav();
}

export function renderAccount() {
  const me = state.me;
  $('#account').hidden = !me;
  if (!me) return;
  $('#user-name').textContent = me.user;
  $('#user-role').textContent = roleLabel(me.role);
  $('#user-role').dataset.role = me.role;
  // while a one-time password is replaced, the form is already on screen
  $('#change-password-link').hidden = Boolean(me.must_change_password);
}

// The sections link: for those who may read the audit log (an auditor has
// only that; staff have only the search, which the brand links to).
export function renderNav() {
  const on = Boolean(state.me && !state.me.must_change_password && (canAudit() || canImport() || canCorrect()));
  $('#nav').hidden = !on;
  $('#nav-search').hidden = !canSearch();
  $('#nav-upload').hidden = !canImport();
  $('#nav-review').hidden = !canCorrect();
  $('#nav-audit').hidden = !canAudit();
  $('#nav-trash').hidden = !canManageRecords();
  const pending = state.reviewQueue ? state.reviewQueue.total : 0;
  $('#nav-review-count').hidden = !pending;
  $('#nav-review-count').textContent = pending ? String(pending) : '';
  const view = state.screen === 'app' && state.route ? state.route.view : null;
  const current = { '#nav-search': ['search', 'doc'], '#nav-upload': ['upload'], '#nav-review': ['review'], '#nav-audit': ['audit'], '#nav-trash': ['trash'] };
  for (const [sel, views] of Object.entries(current)) {
    if (views.includes(view)) $(sel).setAttribute('aria-current', 'page');
    else $(sel).removeAttribute('aria-current');
  }
}

export function setSession(me) {
  const before = state.me && state.me.user;
  state.me = {
    user: me.user,
    role: me.role,
    branches: me.branches || [],
    must_change_password: Boolean(me.must_change_password),
  };
  state.csrf = me.csrf_token || null;
  if (before !== state.me.user) resetUserData();
}

// Forget what the previous user was shown (results, documents, filters).
export function resetUserData() {
  if (state.searchAbort) state.searchAbort.abort();
  state.searchSeq += 1;
  state.docSeq += 1;
  state.auditSeq += 1;
  state.facetsSeq += 1;
  state.facets = { branches: [], doc_types: [] };
  state.types = null;
  state.views = null;
  state.selected.clear();
  state.bulkResult = null;
  state.review = null;
  state.reviewQueue = null;
  state.reviewSkipped = null;
  state.reviewLast = null;
  state.reviewSeq += 1;
  state.docCache.clear();
  state.matchCache.clear();
  state.search = null;
  state.lastSearchHash = null;
  state.lastAppHash = null;
  state.doc = null;
  state.metaKey = null;
  state.q = '';
  state.hits = [];
  state.audit = null;
  state.trash = null;
  state.trashSeq += 1;
  state.trashMsg = null;
  state.recordsMsg = null;
  state.appNotice = null;
  state.navigatingTo = null;
  state.correctFor = null;
  state.correctInit = null;
  state.correctMsg = null;
  for (const id of ['#q', '#from', '#to', '#audit-user', '#audit-doc', '#audit-since',
    '#correct-date', '#correct-title']) $(id).value = '';
  markBadDate(null);
  $('#correct-type').replaceChildren();
  $('#correct-panel').hidden = true;
  $('#correct-panel').open = false;
  $('#facets').hidden = true;
  $('#facet-groups').replaceChildren();
  $('#dates-list').replaceChildren();
  $('#versions-list').replaceChildren();
  $('#trash-list').replaceChildren();
  $('#holds-list').replaceChildren();
  fillFilters(new URLSearchParams());
  $('#results').replaceChildren();
  delete $('#results').dataset.for;
  hideBrowse();
  $('#audit-rows').replaceChildren();
  delete $('#audit-table').dataset.for;
  $('#doc-title').textContent = '';
  $('#page-text').textContent = '';
  $('#boxes').replaceChildren();
  $('#thumbs').replaceChildren();
  const img = $('#page-image');
  img.removeAttribute('src');
  delete img.dataset.loaded;
  delete img.dataset.page;
}

export function clearSession() {
  state.me = null;
  state.csrf = null;
  resetUserData();
}

// A 401 not_logged_in: the session expired or was ended elsewhere. The
// address stays as it is, so that logging in again returns to it.
export function sessionLost() {
  if (!state.me && state.screen === 'login') return; // already there (several requests failed at once)
  const was = Boolean(state.me);
  clearSession();
  showLoginScreen(was ? 'sessionExpired' : null);
}

export function signedIn(me) {
  setSession(me);
  if (state.me.must_change_password) {
    showPasswordScreen(true);
    return;
  }
  enterApp();
}

export function enterApp() {
  if (canSearch()) {
    loadFacets();
    loadTypes();
    loadViews();
  }
  if (canCorrect()) loadReviewCount();
  route();
}

export function showLoginScreen(noticeKey) {
  state.loginNotice = noticeKey || null;
  state.loginMsg = null;
  showScreen('login');
  renderLogin();
  document.title = t('loginPageTitle');
  $('#login-password').value = '';
  const user = $('#login-user');
  (user.value ? $('#login-password') : user).focus();
}

export function renderLogin() {
  const notice = $('#login-notice');
  notice.hidden = !state.loginNotice;
  notice.textContent = state.loginNotice ? t(state.loginNotice) : '';
  const msg = $('#login-error');
  msg.hidden = !state.loginMsg;
  msg.textContent = state.loginMsg ? state.loginMsg() : '';
}

// Messages are kept as functions so that a language switch redraws them.
export function setLoginMsg(fn) {
  state.loginMsg = fn;
  renderLogin();
}

export function setPasswordMsg(fn) {
  state.passwordMsg = fn;
  renderPasswordForm();
}

// An error's text for a form: its code's message in the UI's language
// (a code the UI does not know: a generic one, never the server's English).
export function errorText(err) {
  return errorMessage(err);
}

export function stopThrottleTimer() {
  if (state.throttleTimer) clearInterval(state.throttleTimer);
  state.throttleTimer = null;
}

// 429: say how long to wait, counting down (Retry-After, in seconds).
export function startThrottle(set, seconds) {
  stopThrottleTimer();
  const until = Date.now() + Math.max(1, seconds || 1) * 1000;
  const tick = () => {
    const left = Math.ceil((until - Date.now()) / 1000);
    if (left <= 0) {
      stopThrottleTimer();
      set(() => t('throttledOver'));
    } else {
      set(() => t('throttled', left));
    }
  };
  tick();
  state.throttleTimer = setInterval(tick, 1000);
}

export async function submitLogin(ev) {
  ev.preventDefault();
  const user = $('#login-user').value.trim();
  const password = $('#login-password').value;
  if (!user || !password) {
    setLoginMsg(() => t('loginMissing'));
    (user ? $('#login-password') : $('#login-user')).focus();
    return;
  }
  const button = $('#login-button');
  if (button.disabled) return;
  button.disabled = true;
  button.textContent = t('loggingIn');
  stopThrottleTimer();
  let me = null;
  try {
    me = await api('/api/login', { method: 'POST', json: { user, password } });
  } catch (e) {
    $('#login-password').value = '';
    if (e.code === 'too_many_attempts') startThrottle(setLoginMsg, e.retryAfter);
    else if (e.code === 'bad_credentials') setLoginMsg(() => t('loginBad'));
    else setLoginMsg(() => errorText(e));
    $('#login-password').focus();
    return;
  } finally {
    button.disabled = false;
    button.textContent = t('loginButton');
  }
  $('#login-password').value = '';
  state.loginMsg = null;
  state.loginNotice = null;
  renderLogin();
  signedIn(me);
}

export async function logout() {
  const button = $('#logout');
  if (button.disabled) return;
  button.disabled = true;
  try {
    await api('/api/logout', { method: 'POST' });
  } catch (e) {
    // A session that had already ended (401) is logged out all the same;
    // otherwise it is still alive on the server: say so and stay.
    if (!e.handled) {
      showError('logoutFailed', e);
      return;
    }
  } finally {
    button.disabled = false;
  }
  clearSession();
  $('#login-user').value = '';
  // the next person to log in starts afresh
  history.replaceState(null, '', '#/');
  showLoginScreen('loggedOut');
}

export function showPasswordScreen(forced) {
  const again = state.screen === 'password' && state.forcedPassword === forced;
  state.forcedPassword = forced;
  showScreen('password');
  if (!again) {
    stopThrottleTimer();
    state.passwordMsg = null;
    for (const id of ['#password-current', '#password-new', '#password-repeat']) $(id).value = '';
  }
  $('#password-user').value = state.me ? state.me.user : '';
  $('#password-forced').hidden = !forced;
  $('#password-cancel').hidden = forced;
  renderPasswordForm();
  document.title = t('passwordPageTitle');
  if (!again) $('#password-current').focus();
}

export function renderPasswordForm() {
  const msg = $('#password-error');
  msg.hidden = !state.passwordMsg;
  msg.textContent = state.passwordMsg ? state.passwordMsg() : '';
}

// Back to the view the form was opened from.
export function leavePasswordForm() {
  history.replaceState(null, '', state.lastAppHash || '#/');
  route();
}

export async function submitPassword(ev) {
  ev.preventDefault();
  const current = $('#password-current').value;
  const next = $('#password-new').value;
  const repeat = $('#password-repeat').value;
  let problem = null;
  if (!current || !next || !repeat) problem = 'passwordMissing';
  else if (next !== repeat) problem = 'passwordMismatch';
  else if ([...next].length < MIN_PASSWORD_CHARS) problem = 'passwordWeak';
  else if (next === current) problem = 'passwordSame';
  if (problem) {
    setPasswordMsg(() => t(problem));
    $(problem === 'passwordMissing' && !current ? '#password-current' : '#password-new').focus();
    return;
  }
  const button = $('#password-button');
  if (button.disabled) return;
  button.disabled = true;
  button.textContent = t('saving');
  stopThrottleTimer();
  let me = null;
  try {
    me = await api('/api/password', { method: 'POST', json: { current, new: next } });
  } catch (e) {
    if (e.handled) return;
    const known = { wrong_password: 'passwordWrong', weak_password: 'passwordWeak', same_password: 'passwordSame' }[e.code];
    if (e.code === 'too_many_attempts') startThrottle(setPasswordMsg, e.retryAfter);
    else if (known) setPasswordMsg(() => t(known));
    else setPasswordMsg(() => errorText(e));
    $(e.code === 'wrong_password' ? '#password-current' : '#password-new').focus();
    return;
  } finally {
    button.disabled = false;
    button.textContent = t('savePassword');
  }
  for (const id of ['#password-current', '#password-new', '#password-repeat']) $(id).value = '';
  state.passwordMsg = null;
  renderPasswordForm();
  const forced = state.forcedPassword;
  // the old session has ended: the answer carries the new one's CSRF token
  setSession(me);
  state.appNotice = 'passwordChanged';
  state.appNoticeFresh = true;
  if (forced) {
    if (parseHash().view === 'password') history.replaceState(null, '', '#/');
    enterApp();
  } else {
    leavePasswordForm();
  }
}

export function renderAppNotice() {
  const n = $('#app-notice');
  n.hidden = !state.appNotice;
  n.textContent = state.appNotice ? t(state.appNotice) : '';
}

// An image failed to load: if the session ended, the login screen says so.
export async function checkSession() {
  if (!state.me) return;
  try {
    const me = await api('/api/me');
    if (me && me.csrf_token) state.csrf = me.csrf_token;
  } catch (_) { /* handled by api(), or a passing network error */ }
}
