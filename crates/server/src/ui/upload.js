// arshif UI: the upload screen (#/upload), for those who may import.
// Files and folders are dropped on the drop zone (a button that opens the
// file picker) or picked; each file is its own POST /api/documents?mode=task
// (XMLHttpRequest, for the bytes sent), at most two in flight, and its task
// is then polled (GET /api/tasks/ID) for the pages read until it is done.
// The rows live in this module: leaving the screen and coming back finds
// them as they are, and the user's recent tasks on the server (GET
// /api/tasks) are listed too, since imports keep running there.

import {
  $,
  api,
  bidi,
  bidiPath,
  branchLabel,
  el,
  errorMessage,
  fmtDate,
  isolate,
  state,
  t,
  typeLabel,
} from './core.js';
import { docHash } from './viewer.js';
import { sessionLost } from './session.js';

const IN_FLIGHT = 2;   // files sent or imported at once
const POLL_MS = 700;   // how often a running task is asked about
const SPLITS = ['', 'blank', 'sheet'];
// the types the UI knows when the server does not list its own
const KNOWN_TYPES = ['licence', 'building-licence', 'health-certificate', 'violation-report', 'letter', 'contract', 'circular', 'other'];

const jobs = [];       // every row: files sent from this page and tasks found on the server
let serverTypes = null; // [{ slug, ar, en }] from GET /api/types, when it answers
let typesAsked = false;
let seq = 0;

export const canImport = () => Boolean(state.me && ['admin', 'clerk'].includes(state.me.role));

export function initUpload() {
  $('#upload-drop').addEventListener('click', () => $('#upload-files').click());
  $('#upload-pick-files').addEventListener('click', () => $('#upload-files').click());
  $('#upload-pick-folder').addEventListener('click', () => $('#upload-folder').click());
  for (const id of ['#upload-files', '#upload-folder']) {
    $(id).addEventListener('change', (e) => {
      const files = [...e.target.files].map((f) => ({ file: f, path: f.webkitRelativePath || f.name }));
      e.target.value = '';
      addFiles(files);
    });
  }
  const zone = $('#upload-drop');
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', async (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    addFiles(await droppedFiles(e.dataTransfer));
  });
}

// ------------------------------------------------------------ the files

// The files of a drop, folders walked (webkitGetAsEntry), with their paths.
async function droppedFiles(dt) {
  const entries = [...(dt.items || [])]
    .map((i) => (i.kind === 'file' && i.webkitGetAsEntry ? i.webkitGetAsEntry() : null))
    .filter(Boolean);
  if (!entries.length) return [...(dt.files || [])].map((f) => ({ file: f, path: f.name }));
  const out = [];
  const walk = async (entry, prefix) => {
    if (entry.isFile) {
      const file = await new Promise((ok, fail) => entry.file(ok, fail)).catch(() => null);
      if (file) out.push({ file, path: prefix + entry.name });
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((ok, fail) => reader.readEntries(ok, fail)).catch(() => []);
        if (!batch.length) break;
        for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
      }
    }
  };
  for (const entry of entries) await walk(entry, '');
  return out;
}

function addFiles(files) {
  const choice = {
    branch: $('#upload-branch').value,
    type: $('#upload-type').value,
    split: $('#upload-split').value,
  };
  for (const { file, path } of files) {
    const last = path.split('/').pop();
    if (!last || last.startsWith('.')) continue; // a folder's hidden files (.DS_Store)
    const job = { key: `f${++seq}`, path, file, size: file.size, sent: 0, phase: 'waiting', choice, task: null, view: null, err: null };
    jobs.push(job);
    $('#upload-list').append(rowFor(job));
    renderRow(job);
  }
  renderSummary();
  pump();
}

// Start files while fewer than IN_FLIGHT are sent or imported.
function pump() {
  const busy = jobs.filter((j) => j.file && ['sending', 'queued', 'running'].includes(j.phase)).length;
  let free = IN_FLIGHT - busy;
  for (const j of jobs) {
    if (free <= 0) break;
    if (j.phase === 'waiting') {
      free -= 1;
      send(j, false);
    }
  }
}

function send(job, retried) {
  job.phase = 'sending';
  renderRow(job);
  const form = new FormData();
  if (job.choice.branch) form.append('branch', job.choice.branch);
  if (job.choice.type) form.append('doc_type', job.choice.type);
  if (job.choice.split) form.append('split', job.choice.split);
  form.append('file', job.file, job.file.name);
  const xhr = new XMLHttpRequest();
  xhr.open('POST', '/api/documents?mode=task');
  xhr.setRequestHeader('Accept', 'application/json');
  if (state.csrf) xhr.setRequestHeader('X-CSRF-Token', state.csrf);
  xhr.upload.addEventListener('progress', (e) => {
    if (!e.lengthComputable) return;
    job.sent = e.loaded;
    job.size = e.total;
    renderProgress(job);
  });
  xhr.addEventListener('load', async () => {
    let data = null;
    try { data = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
    if (xhr.status === 202 && data && data.task) {
      job.sent = job.size;
      job.task = data.task;
      job.phase = 'queued';
      renderRow(job);
      poll(job);
      return;
    }
    const e = (data && data.error) || {};
    const err = { status: xhr.status, code: e.code || `http_${xhr.status}`, message: e.message || xhr.statusText };
    if (xhr.status === 403 && err.code === 'csrf_failed' && !retried) {
      try {
        const me = await api('/api/me');
        state.csrf = (me && me.csrf_token) || null;
        send(job, true);
        return;
      } catch (_) { /* shown below */ }
    }
    if (xhr.status === 401) sessionLost();
    finish(job, 'failed', err);
  });
  xhr.addEventListener('error', () => finish(job, 'failed', { code: 'network' }));
  xhr.send(form);
}

async function poll(job) {
  for (;;) {
    let v;
    try {
      v = await api(`/api/tasks/${encodeURIComponent(job.task)}`);
    } catch (e) {
      if (e.handled) return; // the session ended: the login screen is up
      finish(job, 'failed', e);
      return;
    }
    job.view = v;
    if (v.state === 'done' || v.state === 'failed') {
      finish(job, v.state, v.error);
      return;
    }
    if (job.phase !== v.state) job.phase = v.state;
    renderRow(job);
    await new Promise((ok) => setTimeout(ok, POLL_MS));
  }
}

function finish(job, phase, err) {
  job.phase = phase;
  job.err = err || null;
  renderRow(job);
  renderSummary();
  pump();
}

// The user's recent tasks on the server not shown yet (started on another
// visit, or before a reload); those still running are followed.
async function loadTasks() {
  let data;
  try {
    data = await api('/api/tasks');
  } catch (e) {
    return; // the rows of this page are enough
  }
  const known = new Set(jobs.map((j) => j.task).filter(Boolean));
  for (const v of ((data && data.tasks) || []).slice().reverse()) {
    if (known.has(v.task)) continue;
    const job = {
      key: `t${++seq}`, path: (v.names || []).join(', '), file: null, size: 0, sent: 0,
      phase: v.state, choice: { branch: v.branch || '', type: v.doc_type || '', split: '' },
      task: v.task, view: v, err: v.error,
    };
    jobs.push(job);
    $('#upload-list').append(rowFor(job));
    renderRow(job);
    if (v.state === 'queued' || v.state === 'running') poll(job);
  }
  renderSummary();
}

// ----------------------------------------------------------- the screen

export function showUpload() {
  document.title = t('uploadPageTitle');
  renderChoices();
  if (!typesAsked) {
    typesAsked = true;
    api('/api/types').then((d) => {
      if (d && Array.isArray(d.types)) {
        serverTypes = d.types;
        renderChoices();
      }
    }).catch(() => { /* not there: the built-in labels */ });
  }
  loadTasks();
}

function typeName(slug) {
  const s = serverTypes && serverTypes.find((x) => x.slug === slug);
  return (s && (s[state.lang] || s.en || s.ar)) || typeLabel(slug);
}

function refill(select, options) {
  const keep = select.value;
  select.replaceChildren(...options.map(([value, text]) => el('option', { value, text })));
  if (options.some(([v]) => v === keep)) select.value = keep;
}

export function renderChoices() {
  const me = state.me || { branches: [] };
  const branches = me.role === 'admin'
    ? [...new Set([...Object.keys(t('branches')), ...(state.facets.branches || []).map((b) => b.value)])]
    : me.branches;
  refill($('#upload-branch'), [
    ...(me.role === 'admin' ? [['', t('uploadNoBranch')]] : []),
    ...branches.map((b) => [b, branchLabel(b)]),
  ]);
  const types = serverTypes
    ? serverTypes.map((x) => x.slug)
    : [...new Set([...KNOWN_TYPES, ...(state.facets.doc_types || []).map((x) => x.value)])];
  refill($('#upload-type'), [['', t('uploadAutoType')], ...types.map((x) => [x, typeName(x)])]);
  refill($('#upload-split'), SPLITS.map((s) => [s, t(`uploadSplit_${s || 'none'}`)]));
}

// Redraw every label (the language changed).
export function renderUpload() {
  renderChoices();
  for (const j of jobs) renderRow(j);
  renderSummary();
}

function rowFor(job) {
  const name = el('span', { class: 'upload-name' }, job.path.includes('/') ? bidiPath(job.path) : bidi(job.path));
  const bar = el('progress', { max: '1', value: '0', 'data-testid': 'upload-progress' });
  const phase = el('span', { class: 'upload-phase', 'data-testid': 'upload-phase' });
  const outcome = el('div', { class: 'upload-outcome', 'data-testid': 'upload-outcome' });
  const row = el('li', { class: 'upload-row', 'data-testid': 'upload-row', 'data-key': job.key },
    el('div', { class: 'upload-head' }, name, phase), bar, outcome);
  job.els = { row, bar, phase, outcome, name };
  return row;
}

function renderProgress(job) {
  const { bar } = job.els;
  const sending = job.phase === 'sending' || job.phase === 'waiting';
  if (sending) {
    bar.max = job.size || 1;
    bar.value = job.sent;
    bar.setAttribute('aria-label', t('uploadSending', isolate(job.file ? job.file.name : job.path)));
    job.els.phase.textContent = job.phase === 'waiting'
      ? t('uploadWaiting')
      : t('uploadSent', t('bytes', job.sent), t('bytes', job.size));
  } else {
    const v = job.view || { files: { total: 1, done: 0 }, pages: { done: 0 } };
    const finished = job.phase === 'done' || job.phase === 'failed';
    bar.max = Math.max(1, v.files.total);
    bar.value = finished ? bar.max : v.files.done;
    bar.setAttribute('aria-label', t('uploadImporting', isolate(job.file ? job.file.name : job.path)));
  }
}

function renderRow(job) {
  const { row, phase, outcome } = job.els;
  row.dataset.state = job.phase;
  renderProgress(job);
  const v = job.view;
  if (job.phase === 'queued') phase.textContent = t('uploadQueued');
  else if (job.phase === 'running') phase.textContent = t('uploadReading', v ? v.pages.done : 0);
  else if (job.phase === 'done') phase.textContent = t('uploadDone');
  else if (job.phase === 'failed') phase.textContent = t('uploadFailed');
  outcome.replaceChildren(...outcomeNodes(job));
}

const docLink = (id, key) => el('a', { href: docHash(id), 'data-testid': 'upload-doc', text: t(key, id) });

function outcomeNodes(job) {
  if (job.phase === 'failed') {
    const err = job.err || {};
    return [el('p', { class: 'form-error', 'data-testid': 'upload-error', 'data-code': err.code || '' },
      errorMessage(err), err.message && err.code !== 'network'
        ? el('span', { class: 'upload-reason', lang: 'en', dir: 'ltr', text: ` (${err.message})` }) : null)];
  }
  if (job.phase !== 'done' || !job.view) return [];
  const out = [];
  for (const r of job.view.results || []) {
    const item = el('p', { class: `upload-result ${r.status}`, 'data-status': r.status });
    if (r.status === 'ingested') item.append(t('uploadNew'), ' ', docLink(r.document, 'uploadDocLink'));
    else if (r.status === 'duplicate') item.append(t('uploadDuplicate'), ' ', docLink(r.document, 'uploadDocLink'));
    else {
      item.append(t('uploadFileFailed'), ' ',
        el('span', { class: 'upload-reason', lang: 'en', dir: 'ltr', 'data-testid': 'upload-reason', text: r.error || '' }));
    }
    if ((job.view.results || []).length > 1) item.prepend(bidiPath(r.path.replace(/^upload\//, '')), ': ');
    out.push(item);
  }
  // the documents just made, to be checked on the review screen
  const fresh = (job.view.results || []).filter((r) => r.status === 'ingested' && r.document).map((r) => r.document);
  if (fresh.length) {
    out.push(el('p', {}, el('a', {
      href: `#/review?ids=${fresh.join(',')}`, 'data-testid': 'upload-review', text: t('uploadReview', fresh.length),
    })));
  }
  const v = job.view;
  if (v.branch || v.doc_type) {
    out.push(el('p', { class: 'hint' }, [v.branch && branchLabel(v.branch), v.doc_type && typeName(v.doc_type)].filter(Boolean).join(' · ')));
  }
  if (v.finished_at && !job.file) out.push(el('p', { class: 'hint' }, fmtDate(v.finished_at)));
  return out;
}

function counts() {
  const c = { ingested: 0, duplicate: 0, failed: 0, busy: 0 };
  for (const j of jobs) {
    if (j.phase === 'failed') c.failed += 1;
    else if (j.phase !== 'done') c.busy += 1;
    else {
      for (const r of j.view.results || []) c[r.status] = (c[r.status] || 0) + 1;
    }
  }
  return c;
}

function renderSummary() {
  const s = $('#upload-summary');
  $('#upload-list-title').hidden = !jobs.length;
  if (!jobs.length) {
    s.textContent = '';
    return;
  }
  const c = counts();
  s.dataset.busy = String(c.busy);
  s.textContent = c.busy
    ? t('uploadBusy', c.busy)
    : t('uploadSummary', c.ingested, c.duplicate, c.failed);
}
