// arshif UI: the audit log view.
import {
  $,
  api,
  AUDIT_PAGE,
  bidi,
  branchLabel,
  canSearch,
  el,
  fmtDate,
  listSep,
  roleLabel,
  showError,
  state,
  t,
  typeLabel,
} from './core.js';
import {
  I18N,
} from './i18n.js';
import {
  hashFor,
  route,
} from './search.js';
import {
  docHash,
} from './viewer.js';


// ------------------------------------------------------------- audit log

export function auditHash(changes) {
  const p = new URLSearchParams(state.audit ? state.audit.params : '');
  p.delete('before');
  for (const [k, v] of Object.entries(changes)) {
    if (v == null || v === '') p.delete(k); else p.set(k, String(v));
  }
  return hashFor('audit', p);
}

export async function runAudit(params) {
  const user = params.get('user') || '';
  const doc = params.get('doc') || '';
  const since = params.get('since') || '';
  const before = params.get('before') || '';
  const limit = Math.min(999, Math.max(1, parseInt(params.get('limit'), 10) || AUDIT_PAGE));
  $('#audit-user').value = user;
  $('#audit-doc').value = doc;
  $('#audit-since').value = since;
  const q = new URLSearchParams();
  if (user) q.set('user', user);
  if (doc) q.set('doc', doc);
  if (since) q.set('since', since);
  if (before) q.set('before', before);
  q.set('limit', String(limit + 1)); // one more than shown: are there older ones?
  const seq = ++state.auditSeq;
  const hash = location.hash;
  const table = $('#audit-table');
  table.setAttribute('aria-busy', 'true');
  $('#audit-status').textContent = t('loading');
  try {
    const data = await api(`/api/audit?${q}`);
    if (seq !== state.auditSeq) return;
    state.audit = { params, data, limit, hash };
    renderAudit();
  } catch (e) {
    if (seq !== state.auditSeq) return;
    state.audit = { params, data: null, limit, hash, error: e };
    renderAudit();
    showError('auditFailed', e);
  } finally {
    if (seq === state.auditSeq) table.removeAttribute('aria-busy');
  }
}

export function renderAudit() {
  const a = state.audit;
  const rows = $('#audit-rows');
  rows.replaceChildren();
  $('#audit-pager').hidden = true;
  if (!a) {
    $('#audit-status').textContent = '';
    return;
  }
  // which address the table shows (tests wait for this to equal the URL's hash)
  $('#audit-table').dataset.for = a.hash;
  if (!a.data) {
    $('#audit-status').textContent = '';
    return;
  }
  const all = a.data.entries || [];
  const more = all.length > a.limit;
  const entries = all.slice(0, a.limit);
  const before = a.params.get('before');
  $('#audit-status').textContent = entries.length
    ? [before ? t('auditBefore', before) : '', t('auditShown', entries.length, more)].filter(Boolean).join(' · ')
    : t('auditEmpty');
  for (const e of entries) rows.append(auditRow(e));
  if (more || before) {
    $('#audit-pager').hidden = false;
    const newest = $('#audit-newest');
    newest.hidden = !before;
    newest.href = auditHash({});
    const older = $('#audit-older');
    older.disabled = !more;
    older.dataset.before = entries.length ? String(entries[entries.length - 1].seq) : '';
  }
}

export const MAX_DOC_LINKS = 12;

export function auditRow(e) {
  const docs = e.documents || [];
  const query = e.action === 'search' && e.detail && typeof e.detail.query === 'string' ? e.detail.query : '';
  const docCell = el('td', { class: 'docs' });
  docs.slice(0, MAX_DOC_LINKS).forEach((id, i) => {
    if (i) docCell.append(listSep());
    // the viewer for those who may view; otherwise the log of that document
    docCell.append(canSearch()
      ? el('a', { href: docHash(id, query), 'data-testid': 'audit-doc-link', title: t('openDoc', id), text: String(id) })
      : el('a', { href: auditHash({ doc: id }), 'data-testid': 'audit-doc-filter', title: t('auditFilterDoc', id), text: String(id) }));
  });
  if (docs.length > MAX_DOC_LINKS) docCell.append(` … (+${docs.length - MAX_DOC_LINKS})`);
  return el('tr', { 'data-testid': 'audit-entry', 'data-seq': String(e.seq), 'data-action': e.action, 'data-actor': e.actor },
    el('td', { class: 'time' }, el('time', { datetime: e.at, title: e.at, text: fmtDate(e.at, true) })),
    el('td', { class: 'actor' }, el('a', { href: auditHash({ user: e.actor }), title: t('auditFilterUser', e.actor) },
      el('bdi', { dir: 'auto', text: e.actor }))),
    el('td', { class: 'address' }, el('bdi', { dir: 'ltr', text: e.address })),
    el('td', { class: 'action' }, el('span', { class: `action-tag action-${e.action}`, text: I18N[state.lang].actions[e.action] || e.action })),
    docCell,
    el('td', { class: 'detail', 'data-testid': 'audit-detail' }, auditDetail(e.detail || {})));
}

// The entry's detail in a line: the query first, as typed, then the rest
// as "key: value", empty values left out.
export function auditDetail(d) {
  const parts = [];
  if (typeof d.query === 'string' && d.query) {
    parts.push(el('span', { class: 'query' }, t('quoteOpen'),
      bidi(d.query, { 'data-testid': 'audit-query' }), t('quoteClose')));
  }
  for (const [k, v] of Object.entries(d)) {
    if (k === 'query' || v == null || v === '' || (Array.isArray(v) && !v.length)) continue;
    if (k === 'offset' && v === 0) continue;
    if (typeof v === 'object' && !Array.isArray(v) && ('from' in v || 'to' in v)) {
      // a correction: the value before and after (null: the automatic one)
      parts.push(el('span', { class: 'kv change', 'data-testid': 'audit-change', 'data-key': k },
        el('span', { class: 'k', text: `${I18N[state.lang].detailKeys[k] || k}: ` }),
        changeValue(k, v.from), t('changeArrow'), changeValue(k, v.to)));
      continue;
    }
    parts.push(el('span', { class: 'kv' },
      el('span', { class: 'k', text: `${I18N[state.lang].detailKeys[k] || k}: ` }),
      bidi(detailValue(k, v))));
  }
  const out = document.createDocumentFragment();
  parts.forEach((p, i) => {
    if (i) out.append(' · ');
    out.append(p);
  });
  return out;
}

export function changeValue(k, v) {
  if (v == null || v === '') return el('span', { class: 'auto', text: t('auditAuto') });
  return k === 'date' ? el('bdi', { dir: 'ltr', text: detailValue(k, v) }) : bidi(detailValue(k, v));
}

export function detailValue(k, v) {
  if (Array.isArray(v)) return v.map((x) => detailValue(k, x)).join(listSep());
  if (v !== null && typeof v === 'object') return JSON.stringify(v);
  if (k === 'branch' || k === 'branches') return branchLabel(String(v));
  if (k === 'type' || k === 'doc_type') return typeLabel(String(v));
  if (k === 'role') return roleLabel(String(v));
  if (['what', 'reason', 'change', 'one_time_password'].includes(k)) {
    return I18N[state.lang].detailValues[String(v)] || String(v);
  }
  return String(v);
}

export function submitAudit(ev) {
  if (ev) ev.preventDefault();
  const p = new URLSearchParams();
  p.set('user', $('#audit-user').value.trim());
  p.set('doc', $('#audit-doc').value.trim());
  p.set('since', $('#audit-since').value);
  const limit = state.audit && state.audit.params.get('limit');
  if (limit) p.set('limit', limit);
  const hash = hashFor('audit', p);
  if (hash === location.hash) route();
  else location.hash = hash;
}
