// arshif UI: shared state, DOM helpers, labels, dates and the API client.
import {
  I18N,
} from './i18n.js';
import {
  route,
} from './search.js';
import {
  sessionLost,
  showPasswordScreen,
} from './session.js';

export const PAGE_SIZE = 10;
export const MAX_IMAGE_WIDTH = 2400;
export const ZOOM_STEP = 1.25;
export const ZOOM_MIN = 0.25;
export const ZOOM_MAX = 5;
export const MIN_PASSWORD_CHARS = 10; // as the server requires
export const AUDIT_PAGE = 50;         // audit entries a page

export const state = {
  lang: 'ar',
  facets: { branches: [], doc_types: [] },
  route: null,
  lastSearchHash: null,
  search: null,          // { params, data, page } of the results on screen
  searchSeq: 0,
  searchAbort: null,
  docSeq: 0,
  docCache: new Map(),
  matchCache: new Map(),
  doc: null,             // the document on screen
  q: '',
  hits: [],              // [{ page, box:[x,y,w,h] }] in page order
  hitIndex: -1,
  pageNo: 1,
  zoom: 1,               // 1 = fit width
  paneWidth: 0,
  imageWidth: 0,         // width requested of the current image
  // who is logged in: { user, role, branches, must_change_password } from
  // /api/me or /api/login; null on the login screen
  me: null,
  csrf: null,            // the session's CSRF token: in memory only, never stored
  screen: null,          // 'login' | 'password' | 'app'
  loginMsg: null,        // [key, ...args] shown on the login form (re-rendered on a language switch)
  loginNotice: null,     // key of the note above the login form
  passwordMsg: null,     // [key, ...args] shown on the password form
  appNotice: null,       // key of the note above the search (e.g. password changed)
  forcedPassword: false, // the password form is shown because the password was for one use
  throttleTimer: null,
  audit: null,           // { params, data, limit, hash, error } of the audit view on screen
  auditSeq: 0,
  facetsSeq: 0,
  navigatingTo: null,    // the hash just set, until its hashchange arrives
  correctFor: null,      // id of the document the correction form was filled for
  correctInit: null,     // { date, type, title }: the form's values as filled
  correctMsg: null,      // { kind: 'error'|'done', text: () => string } under the form
  lastAppHash: null,     // the last view of the archive shown (the password form returns to it)
  appNoticeFresh: false,
};

export const $ = (sel) => document.querySelector(sel);
export const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    // Through the CSSOM: the Content-Security-Policy allows no inline style attributes.
    else if (k === 'style') Object.assign(e.style, v);
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
};

export function t(key, ...args) {
  const v = I18N[state.lang][key] ?? I18N.en[key];
  return typeof v === 'function' ? v(...args) : v;
}
export const listSep = () => (state.lang === 'ar' ? '، ' : ', ');
export const branchLabel = (b) => (b && (I18N[state.lang].branches[b] || b)) || '';
export const typeLabel = (d) => (d && (I18N[state.lang].docTypes[d] || d)) || '';

export function fmtDate(iso, seconds) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat(t('dateLocale'), { dateStyle: 'medium', timeStyle: seconds ? 'medium' : 'short' }).format(d);
  } catch (_) {
    return d.toISOString().slice(0, seconds ? 19 : 16).replace('T', ' ');
  }
}

// A document's day in both calendars, e.g. {hijri:'1445-03-12', gregorian:'2023-09-27'}:
// "12 ربيع الأول 1445هـ — 27 سبتمبر 2023م" / "12 Rabi‘ al-Awwal 1445 AH — 27 September 2023".
export function dayParts(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso || ''));
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}
export function hijriText(iso) {
  const p = dayParts(iso);
  const months = I18N[state.lang].hijriMonths;
  return p && months[p[1] - 1] ? t('hijriDay', p[2], months[p[1] - 1], p[0]) : String(iso || '');
}
export function gregorianText(iso) {
  const p = dayParts(iso);
  const months = I18N[state.lang].gregorianMonths;
  return p && months[p[1] - 1] ? t('gregorianDay', p[2], months[p[1] - 1], p[0]) : String(iso || '');
}
export const dayText = (day) => `${hijriText(day.hijri)} — ${gregorianText(day.gregorian)}`;
// the same as an element, both days exact in its data (and the Gregorian as <time>)
export function dayNode(day, attrs = {}) {
  return el('span', {
    class: 'day', 'data-hijri': day.hijri, 'data-gregorian': day.gregorian,
    // isolated, so that an Arabic tooltip keeps each date's digits in order
    title: `\u2066${day.hijri}\u2069${t('hijriSuffix')} / \u2066${day.gregorian}\u2069`, ...attrs,
  },
  el('span', { class: 'hijri', text: hijriText(day.hijri) }),
  ' — ',
  el('time', { class: 'gregorian', datetime: day.gregorian, text: gregorianText(day.gregorian) }));
}

export const roleLabel = (r) => (r && (I18N[state.lang].roles[r] || r)) || '';
// what a role may do (the server decides; this only shapes the screens)
export const canSearch = () => Boolean(state.me && ['admin', 'clerk', 'staff'].includes(state.me.role));
export const canAudit = () => Boolean(state.me && ['admin', 'auditor'].includes(state.me.role));
export const canCorrect = () => Boolean(state.me && ['admin', 'clerk'].includes(state.me.role));

// ------------------------------------------------------------------- API

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// Every request to the API goes through here, so that what an answer
// means for the session is decided in one place:
//   401 not_logged_in           -> the login screen (the address is kept: after
//                                  logging in, the user is back where they were)
//   403 password_change_required -> the change-password form
//   403 csrf_failed             -> the token is fetched again and the request retried once
// Such errors are thrown with `handled` set; callers show the others.
// opts: { method, json (a body to send as JSON), signal, retried }
export async function api(path, opts = {}) {
  const method = opts.method || 'GET';
  const headers = { Accept: 'application/json' };
  let body;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  // every state-changing request made with the session cookie carries its CSRF token
  if (method !== 'GET' && method !== 'HEAD' && state.csrf) headers['X-CSRF-Token'] = state.csrf;
  let res;
  try {
    res = await fetch(path, { method, headers, body, signal: opts.signal, credentials: 'same-origin', cache: 'no-store' });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', t('networkError'));
  }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (_) { /* not JSON */ }
  if (res.ok) return data;

  const e = data && data.error;
  const err = new ApiError(res.status, (e && e.code) || `http_${res.status}`,
    (e && e.message) || text.trim() || `${res.status} ${res.statusText}`);
  const wait = parseInt(res.headers.get('Retry-After'), 10);
  if (wait >= 0) err.retryAfter = wait;
  if (res.status === 401 && err.code === 'not_logged_in') {
    err.handled = true;
    sessionLost();
  } else if (res.status === 403 && err.code === 'password_change_required') {
    err.handled = true;
    if (state.me) state.me.must_change_password = true;
    showPasswordScreen(true);
  } else if (res.status === 403 && err.code === 'csrf_failed' && !opts.retried && state.me) {
    // the token in memory is stale (e.g. the session was renewed in another tab)
    const me = await api('/api/me');
    state.csrf = (me && me.csrf_token) || null;
    return api(path, { ...opts, retried: true });
  }
  throw err;
}

export function showError(titleKey, err) {
  if (err && (err.name === 'AbortError' || err.handled)) return;
  console.warn(err);
  const box = $('#error');
  const known = err && err.code && I18N[state.lang].errors[err.code];
  $('#error-title').textContent = known || t(titleKey);
  $('#error-message').textContent = err && err.code === 'network' ? '' : (err ? err.message : '');
  box.hidden = false;
}
export function clearError() {
  $('#error').hidden = true;
}
