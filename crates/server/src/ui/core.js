// arshif UI: shared state, DOM helpers, labels, dates and the API client.
//
// Conventions every screen follows (a new module too):
// * Bidi. Text of unknown direction (titles, file names, paths, user names,
//   OCR text, server words) is never put in an element as a bare string
//   beside text of the page's language: use bidi(text) (a <bdi dir="auto">
//   whose runs of digits and Latin, e.g. "1445-552.pdf", are each isolated
//   left to right; its textContent stays the exact text), bidiPath(path) for
//   a path, bidiNodes(text) for the children of an element of your own, and
//   isolate(text) (Unicode isolates) where only a string can go: titles,
//   attributes, <option>, t(...) arguments. Numbers, reference numbers and
//   dates in a fixed form: <bdi dir="ltr">.
// * Errors. An API error is shown by its code, never by the server's
//   (English) words alone: errorMessage(err) is the message in the UI's
//   language (I18N[lang].errors[code], else errors.unknown); showError()
//   puts it under a title and the server's own words in a folded
//   "details" (lang="en"). Every code the server sends has a message in
//   both languages (tests/ui checks it against crates/server/src).
// * Keyboard. Shortcuts are registered with registerShortcut({ code, shift,
//   keys, label, when, run }) and matched by KeyboardEvent.code (the key's
//   place, so they work on an Arabic layout too), never while typing in a
//   field; the help overlay (?) lists every registered shortcut.
// * Scrollable panes get tabindex="0", a role and a name (axe-core).
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
  browseSeq: 0,
  browse: null,          // { sort, page, data, hash } of the document list on screen
  searchAbort: null,
  docSeq: 0,
  docCache: new Map(),
  matchCache: new Map(),
  doc: null,             // the document on screen
  focusDocTitle: false,  // a document was opened: its title takes the focus once shown
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
  types: null,           // [{ slug, ar, en }] from GET /api/types, when it answers
  reviewSeq: 0,
  review: null,          // { doc, page, init, unsure, msg, rev } on the review screen
  reviewQueue: null,     // { total, ids } awaiting review
  reviewSkipped: null,   // ids left for later in this visit
  reviewLast: null,      // { id, title } just confirmed
  selected: new Map(),   // id -> { id, title } chosen in a list for a bulk action
  views: null,           // the user's saved views (GET /api/views)
  trash: null,           // { trash, holds, hash, error } of the trash view on screen
  trashSeq: 0,
  trashMsg: null,        // { kind: 'error'|'done', parts: () => nodes } above the trash lists
  recordsMsg: null,      // { id, kind, parts } under the viewer's record actions
  rescanning: null,      // { id, sent, total, reading } while a better scan is sent and read
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
// A type's name: the administrator's (GET /api/types), else the UI's own.
export const typeLabel = (d) => {
  if (!d) return '';
  const kept = state.types && state.types.find((x) => x.slug === d);
  if (kept && kept[state.lang]) return kept[state.lang];
  return I18N[state.lang].docTypes[d] || d;
};
// The types a document may be given: the archive's list when the server
// has one, else those the UI knows.
export const typeSlugs = () => (state.types && state.types.length
  ? state.types.map((x) => x.slug)
  : Object.keys(I18N.en.docTypes));

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

// ------------------------------------------------------------------- bidi

// A run that reads left to right inside any paragraph: digits and Latin
// letters, with - / . _ : + # between them, and spaces between such words
// ("1445-552.pdf", "MC-1445-0088", "0088-1445-7/10", "OMR-2024-0917.png").
const LTR_WORD = '[0-9A-Za-z\\u00C0-\\u024F\\u0660-\\u0669\\u06F0-\\u06F9]+(?:[-/._:+#,]+[0-9A-Za-z\\u00C0-\\u024F\\u0660-\\u0669\\u06F0-\\u06F9]+)*';
const LTR_RUN = new RegExp(`${LTR_WORD}(?:[ \\t]+${LTR_WORD})*`, 'g');
const STRONG_RTL = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/;

// The text as nodes: strings, and each left-to-right run as <bdi dir="ltr">
// when the text also holds right-to-left letters (else it needs none).
export function bidiNodes(text) {
  const s = String(text ?? '');
  if (!STRONG_RTL.test(s)) return [s];
  const out = [];
  let at = 0;
  for (const m of s.matchAll(LTR_RUN)) {
    if (m.index > at) out.push(s.slice(at, m.index));
    out.push(el('bdi', { dir: 'ltr', text: m[0] }));
    at = m.index + m[0].length;
  }
  if (at < s.length) out.push(s.slice(at));
  return out;
}
// <bdi dir="auto"> holding the text, its left-to-right runs isolated.
export function bidi(text, attrs = {}, tag = 'bdi') {
  return el(tag, { dir: 'auto', ...attrs }, ...bidiNodes(text));
}
// A path: left to right, '/' between its parts, each part in its own direction.
export function bidiPath(path, attrs = {}) {
  const parts = String(path ?? '').split(/([\\/])/);
  return el('bdi', { dir: 'ltr', ...attrs },
    ...parts.map((p, i) => (i % 2 ? p : p && bidi(p))).filter(Boolean));
}
// The same for a plain string (document.title, title="", <option>, a label
// with arguments): first-strong isolate around it, left-to-right isolates
// around its runs.
export function isolate(text) {
  const s = String(text ?? '');
  const inner = STRONG_RTL.test(s) ? s.replace(LTR_RUN, (m) => `\u2066${m}\u2069`) : s;
  return `\u2068${inner}\u2069`;
}

export const roleLabel = (r) => (r && (I18N[state.lang].roles[r] || r)) || '';
// what a role may do (the server decides; this only shapes the screens)
export const canSearch = () => Boolean(state.me && ['admin', 'clerk', 'staff'].includes(state.me.role));
export const canAudit = () => Boolean(state.me && ['admin', 'auditor'].includes(state.me.role));
export const canCorrect = () => Boolean(state.me && ['admin', 'clerk'].includes(state.me.role));
// the trash and legal holds (the server's ManageRecords: administrators)
export const canManageRecords = () => Boolean(state.me && state.me.role === 'admin');
// a better scan (the server asks for Correct and Import: clerks and administrators)
export const canRescan = canCorrect;

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

// An error's message in the UI's language: by its code, else a generic one.
export function errorMessage(err) {
  const errors = I18N[state.lang].errors;
  if (!err) return errors.unknown;
  if (err.code === 'network') return t('networkError');
  return errors[err.code] || errors.unknown;
}

// The server's own words (English, for the record and for support), folded
// away under the message; none for a network error.
export function serverDetail(err) {
  if (!err || err.code === 'network' || !err.message) return null;
  const d = el('details', { class: 'server-detail', 'data-testid': 'server-detail', open: state.lang === 'en' },
    el('summary', { text: t('serverDetail') }),
    el('span', { lang: 'en', dir: 'ltr', text: err.message }));
  return d;
}

let errorShown = null; // [titleKey, err] on screen, redrawn on a language switch
export function showError(titleKey, err) {
  if (err && (err.name === 'AbortError' || err.handled)) return;
  console.warn(err);
  errorShown = [titleKey, err];
  renderError();
}
export function renderError() {
  if (!errorShown) return;
  const [titleKey, err] = errorShown;
  $('#error-title').textContent = t(titleKey);
  $('#error-message').textContent = errorMessage(err);
  $('#error-detail').replaceChildren(...[serverDetail(err)].filter(Boolean));
  $('#error').dataset.code = (err && err.code) || '';
  $('#error').hidden = false;
}
export function clearError() {
  errorShown = null;
  $('#error').hidden = true;
}

// -------------------------------------------------------------- keyboard

// Shortcuts, by the key's place (KeyboardEvent.code: 'Slash', 'KeyN'), so
// that they work whatever the keyboard's layout; the help overlay lists
// them. keys: what the help shows ('/', 'N'); label: its i18n key;
// when(): whether it applies now; run(event).
export const shortcuts = [];
export function registerShortcut(s) {
  shortcuts.push({ shift: false, when: () => true, ...s });
}
// The shortcut a keydown asks for, if any: never while typing in a field,
// nor with Ctrl, Alt or Meta (the browser's and the system's own).
export function shortcutFor(e) {
  const at = e.target;
  const typing = at && (/^(INPUT|SELECT|TEXTAREA)$/.test(at.tagName || '') || at.isContentEditable);
  if (typing || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return null;
  return shortcuts.find((s) => (s.code === e.code || (s.key && s.key === e.key))
    && Boolean(s.shift) === e.shiftKey && s.when()) || null;
}
