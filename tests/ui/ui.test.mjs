// End-to-end test of arshif's browser UI, used as a branch clerk would use it.
// Run by scripts/test-ui.sh against a server on ARSHIF_URL whose archive
// holds the sample scans (see that script) and was served before any user
// existed: ARSHIF_ADMIN_OTP is the administrator's one-time password from the
// server's log; ARSHIF_STAFF_* is a staff user of the samples' branch (hofuf),
// ARSHIF_OTHER_* one of another branch (ARSHIF_OTHER_BRANCH, holding one
// document), ARSHIF_AUDITOR_* an auditor.
// Screenshots of each step go to target/ui-artifacts/ (or $ARSHIF_ARTIFACTS).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  ADMIN,
  ADMIN_NEW_PASSWORD,
  apiAs,
  AUDITOR,
  BASE,
  checkBoxesOnWords,
  context,
  cspViolations,
  fold,
  getJson,
  hash,
  labels,
  login,
  MULTI_PAGE_FILE,
  MULTI_PAGE_QUERY,
  openBrowser,
  OTHER,
  page,
  pageErrors,
  posts,
  QUERY,
  QUERY_PRINTED,
  readViewer,
  checkA11y,
  screenshot,
  SERVER_SRC,
  STAFF,
  state,
  testId,
  UI_DIR,
  waitForHitsAndImage,
  waitForImage,
  waitForResults,
  waitForSearchScreen,
  CERT_FILE,
  CERT_DAY,
  CERT_REF,
  LETTER_FILE,
  LETTER_DAY,
  bySource,
  resultIds,
  sorted,
  setup,
  teardown,
} from './lib.mjs';
import { qualityTests } from './quality.mjs';
import { clerkTests } from './clerk.mjs';
import { uploadTests } from './upload.mjs';
import { trashTests } from './trash.mjs';

before(setup);
after(teardown);


test('every label is in Arabic and in English', async () => {
  const { ar, en } = await labels();
  const problems = [];
  const compare = (a, b, where) => {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const at = `${where}${k}`;
      if (!(k in a)) problems.push(`${at}: no Arabic`);
      else if (!(k in b)) problems.push(`${at}: no English`);
      else if (typeof a[k] !== typeof b[k]) problems.push(`${at}: ${typeof a[k]} in Arabic, ${typeof b[k]} in English`);
      else if (a[k] && typeof a[k] === 'object') compare(a[k], b[k], `${at}.`);
      else if (a[k] === '' || b[k] === '') problems.push(`${at}: empty`);
    }
  };
  // error titles: English shows the server's own (English) message unless it has one
  const { errors: arErrors, ...arRest } = ar;
  const { errors: enErrors, ...enRest } = en;
  compare(arRest, enRest, '');
  for (const k of Object.keys(enErrors)) if (!(k in arErrors)) problems.push(`errors.${k}: no Arabic`);
  // every key the page names
  const html = await readFile(path.join(UI_DIR, 'index.html'), 'utf8');
  for (const m of html.matchAll(/data-i18n(?:-[a-z-]+)?="([^"]+)"/g)) {
    if (!(m[1] in ar) || !(m[1] in en)) problems.push(`index.html names ${m[1]}, which is not in both languages`);
  }
  assert.deepEqual(problems, []);
});

// ---- every error code the server can send, read from its Rust sources:
// the first argument of ApiError's constructors (the second of new), the
// literals passed for a `code: &'static str` parameter, and the codes of
// error.rs's match arms and bad_input! table.
async function rustSources(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const f = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...await rustSources(f));
    else if (e.name.endsWith('.rs')) out.push({ file: f, text: await readFile(f, 'utf8') });
  }
  return out;
}
// The arguments of the call whose '(' is at `open`, as source text.
function callArgs(src, open) {
  const args = [];
  let depth = 0;
  let cur = '';
  let str = false;
  let esc = false;
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (str) {
      cur += c;
      if (esc) esc = false;
      else if (c === '\\') esc = true;
      else if (c === '"') str = false;
      continue;
    }
    if (c === '"') { str = true; cur += c; continue; }
    if ('([{'.includes(c)) {
      depth += 1;
      if (depth === 1) continue;
    } else if (')]}'.includes(c)) {
      depth -= 1;
      if (depth === 0) { args.push(cur.trim()); return args; }
    } else if (c === ',' && depth === 1) {
      args.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  return args;
}
async function serverErrorCodes() {
  const files = (await rustSources(SERVER_SRC)).filter((f) => !/[\\/]tests?\.rs$/.test(f.file));
  const codes = new Set();
  const unfollowed = [];
  const literal = (a) => (/^"([a-z][a-z0-9_]*)"$/.exec(a || '') || [])[1];
  const ctor = ['new', 'bad_request', 'not_found', 'unauthorized', 'forbidden'];
  // functions that take a code to pass on: name -> position of `code`
  const passers = new Map();
  for (const { text } of files) {
    for (const m of text.matchAll(/\bfn\s+(\w+)\s*(?:<[^>]*>)?\s*\(/g)) {
      if (ctor.includes(m[1])) continue;
      const params = callArgs(text, m.index + m[0].length - 1);
      const at = params.findIndex((x) => /^code\s*:\s*&'static str$/.test(x));
      if (at >= 0) passers.set(m[1], at);
    }
  }
  for (const { file, text } of files) {
    const rel = path.relative(SERVER_SRC, file);
    for (const m of text.matchAll(/\b(?:ApiError|Self)::(new|bad_request|not_found|unauthorized|forbidden)\s*\(/g)) {
      const args = callArgs(text, m.index + m[0].length - 1);
      const arg = args[m[1] === 'new' ? 1 : 0];
      if (literal(arg)) codes.add(literal(arg));
      else if (!['code', '$code'].includes(arg)) unfollowed.push(`${rel}: ${m[0]}${args.join(', ')})`);
    }
    for (const [name, at] of passers) {
      for (const m of text.matchAll(new RegExp(`(?<!fn\\s+)\\b${name}\\s*(?:::<[^()]*>)?\\s*\\(`, 'g'))) {
        const arg = callArgs(text, m.index + m[0].length - 1)[at];
        if (literal(arg)) codes.add(literal(arg));
        else if (arg !== 'code') unfollowed.push(`${rel}: ${name}(… ${arg} …)`);
      }
    }
    if (rel === 'error.rs') for (const m of text.matchAll(/=>\s*"([a-z][a-z0-9_]*)"/g)) codes.add(m[1]);
  }
  return { codes, unfollowed };
}

test('every error code the server sends has a message in Arabic and in English', async () => {
  const { ar, en } = await labels();
  const { codes, unfollowed } = await serverErrorCodes();
  assert.deepEqual(unfollowed, [], 'codes passed in a way this test cannot follow');
  // the scan sees each way a code is given
  for (const c of ['bad_date', 'bad_branch', 'bad_calendar', 'bad_parameter', 'bad_body', 'only_stopwords',
    'unavailable', 'internal', 'archive_busy', 'no_such_document', 'too_many_attempts', 'csrf_failed']) {
    assert.ok(codes.has(c), `the scan of crates/server/src finds ${c}`);
  }
  const missing = [];
  for (const c of [...codes, 'unknown']) {
    for (const [lang, table] of [['ar', ar.errors], ['en', en.errors]]) {
      if (typeof table[c] !== 'string' || !table[c].trim()) missing.push(`${c}: no ${lang} message`);
    }
  }
  assert.deepEqual(missing, []);
});

test('before anyone logs in, the login screen is shown and the API answers 401', async () => {
  await page.goto(`${BASE}/`);
  await page.waitForSelector(testId('login-view'), { state: 'visible' });
  assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
  assert.equal(await page.getAttribute('html', 'lang'), 'ar');
  assert.equal((await page.textContent(testId('login-button'))).trim(), 'دخول');
  assert.ok(await page.isHidden(testId('search-input')), 'no search box before logging in');
  assert.ok(await page.isHidden(testId('account')), 'no account in the top bar');
  const me = await getJson('/api/me');
  assert.equal(me.status, 401);
  assert.equal(me.body.error.code, 'not_logged_in');
  await screenshot('login-ar');
});

test('first run: the administrator logs in with the one-time password, must choose a new one, then sees the search screen', async () => {
  const { ctx, page: p } = await openBrowser('admin');
  state.admin = { ctx, page: p };
  await p.goto(`${BASE}/`);
  await login(p, ADMIN.user, ADMIN.otp);
  await p.waitForSelector(testId('password-view'), { state: 'visible' });
  assert.ok(await p.isVisible(testId('password-forced')), 'says why a new password is needed');
  assert.ok(await p.isHidden(testId('password-cancel')), 'the change cannot be skipped');
  assert.ok(await p.isHidden(testId('search-input')));
  assert.equal((await p.textContent(testId('user-name'))).trim(), ADMIN.user);
  // the server agrees: nothing else until the password is changed
  const first = await apiAs(ctx, '/api/me');
  assert.equal(first.body.must_change_password, true);
  const blocked = await apiAs(ctx, '/api/search?q=x');
  assert.equal(blocked.status, 403);
  assert.equal(blocked.body.error.code, 'password_change_required');
  await screenshot('first-run-password', p);

  const fillPassword = async (current, next, repeat) => {
    await p.fill(testId('password-current'), current);
    await p.fill(testId('password-new'), next);
    await p.fill(testId('password-repeat'), repeat);
    await p.click(testId('password-button'));
  };
  const message = async (text) => {
    await p.waitForFunction(([sel, want]) => {
      const e = document.querySelector(sel);
      return e && !e.hidden && e.textContent.includes(want);
    }, [testId('password-error'), text]);
  };
  await fillPassword(ADMIN.otp, ADMIN_NEW_PASSWORD, `${ADMIN_NEW_PASSWORD}x`);
  await message('غير متطابقتين');
  await fillPassword(ADMIN.otp, 'short', 'short');
  await message('عشرة أحرف على الأقل');
  await fillPassword('not-the-password', ADMIN_NEW_PASSWORD, ADMIN_NEW_PASSWORD);
  await message('كلمة المرور الحالية غير صحيحة');
  await fillPassword(ADMIN.otp, ADMIN_NEW_PASSWORD, ADMIN_NEW_PASSWORD);
  await waitForSearchScreen(p);
  assert.ok(await p.isVisible(testId('app-notice')), 'says the password was changed');
  assert.equal((await p.textContent(testId('user-role'))).trim(), 'مدير النظام');
  assert.ok(await p.isVisible(testId('nav-audit')), 'an administrator has the audit log');
  await p.waitForSelector(`${testId('branch-filter')} option[value="${OTHER.branch}"]`, { state: 'attached' });
  // a new session: a new CSRF token, sent with the change itself
  const now = await apiAs(ctx, '/api/me');
  assert.equal(now.status, 200);
  assert.equal(now.body.must_change_password, false);
  assert.notEqual(now.body.csrf_token, first.body.csrf_token);
  const changes = posts.filter((r) => r.who === 'admin' && r.url.endsWith('/api/password'));
  assert.equal(changes.length, 2, 'the form sent only what could succeed on the server');
  for (const r of changes) assert.equal(r.headers['x-csrf-token'], first.body.csrf_token);
  // the one-time password is spent
  const again = await apiAs(ctx, '/api/login', { method: 'POST', data: { user: ADMIN.user, password: ADMIN.otp } });
  assert.equal(again.status, 401);
  await screenshot('first-run-search', p);
});

test('a wrong password is refused with a clear message, in Arabic and in English', async () => {
  await login(page, STAFF.user, `${STAFF.password}-wrong`);
  const err = page.locator(testId('login-error'));
  await err.waitFor({ state: 'visible' });
  assert.equal((await err.textContent()).trim(), 'اسم المستخدم أو كلمة المرور غير صحيحة.');
  assert.equal(await page.inputValue(testId('login-password')), '', 'the wrong password is cleared');
  assert.ok(await page.isHidden(testId('search-input')));
  await screenshot('login-wrong-password');
  await page.click(testId('lang-switch'));
  assert.equal(await page.getAttribute('html', 'dir'), 'ltr');
  assert.equal((await err.textContent()).trim(), 'Wrong user name or password.');
  assert.equal((await page.textContent(testId('login-button'))).trim(), 'Log in');
  await page.click(testId('lang-switch'));
  assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
});

test('repeated failed logins are throttled, and the wait is shown in seconds', async () => {
  // a name no one has: its failures lock only itself (and count towards
  // this address's allowance, which is far larger)
  const ghost = `ghost-${randomBytes(3).toString('hex')}`;
  for (let i = 0; ; i++) {
    const r = await apiAs(context, '/api/login', { method: 'POST', data: { user: ghost, password: 'not-a-password' } });
    if (r.status === 429) break;
    assert.equal(r.status, 401);
    assert.ok(i < 20, 'the server never throttled');
  }
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/login')),
    login(page, ghost, 'not-a-password'),
  ]);
  assert.equal(res.status(), 429);
  const wait = Number(res.headers()['retry-after']);
  assert.ok(wait >= 1, `Retry-After: ${wait}`);
  const err = page.locator(testId('login-error'));
  await err.waitFor({ state: 'visible' });
  const text = await err.textContent();
  assert.match(text, /أعد المحاولة بعد/);
  const shown = Number((text.match(/\d+/) || [])[0]);
  assert.ok(shown <= wait && shown >= wait - 5, `"${text}" for Retry-After ${wait}`);
  await screenshot('login-throttled');
  await page.fill(testId('login-user'), '');
});

test('a branch\'s staff logs in and the search opens in Arabic, right to left', async () => {
  await login(page, STAFF.user, STAFF.password);
  await waitForSearchScreen(page);
  assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
  assert.equal(await page.getAttribute('html', 'lang'), 'ar');
  assert.equal((await page.textContent(testId('search-button'))).trim(), 'بحث');
  assert.match(await page.textContent(testId('lang-switch')), /English/);
  // who is logged in, in the top bar; staff have no audit log
  assert.equal((await page.textContent(testId('user-name'))).trim(), STAFF.user);
  assert.equal((await page.textContent(testId('user-role'))).trim(), 'موظف');
  assert.ok(await page.isHidden(testId('nav-audit')));
  assert.ok(await page.isVisible(testId('logout')));
  // the filters are filled from /api/facets, with counts: only the user's branch
  await page.waitForSelector(`${testId('branch-filter')} option[value="hofuf"]`, { state: 'attached' });
  await page.waitForSelector(`${testId('type-filter')} option[value="licence"]`, { state: 'attached' });
  const facets = (await getJson('/api/facets')).body;
  const hofuf = facets.branches.find((b) => b.value === 'hofuf');
  assert.ok(hofuf && hofuf.count >= 1, JSON.stringify(facets));
  assert.equal((await page.textContent(`${testId('branch-filter')} option[value="hofuf"]`)).trim(), `الهفوف (${hofuf.count})`);
  const licence = facets.doc_types.find((d) => d.value === 'licence');
  assert.equal((await page.textContent(`${testId('type-filter')} option[value="licence"]`)).trim(), `رخصة (${licence.count})`);
  const branches = await page.locator(`${testId('branch-filter')} option`).evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(branches, ['', 'hofuf']);
  await screenshot('home-ar');
});

test('the home page lists the documents, newest import first, with thumbnails; the order can be changed', async () => {
  await page.goto(`${BASE}/#/search?sort=-imported`);
  await page.waitForSelector(`${testId('browse-list')}[data-for="#/search?sort=-imported"]`);
  const entryIds = () => page.locator(testId('doc-entry')).evaluateAll((lis) => lis.map((li) => Number(li.dataset.id)));
  const listed = (await getJson('/api/documents?limit=10')).body;
  assert.ok(listed.total >= 1, 'the samples are listed');
  assert.deepEqual(await entryIds(), listed.documents.map((d) => d.id), 'the page shows the API\'s list, in its order');
  // newest import first (to the second: the index keeps import times in
  // seconds, and one second's imports come newest document first)
  const imported = listed.documents.map((d) => d.imported_at.slice(0, 19));
  assert.deepEqual(imported, [...imported].sort().reverse(), 'newest import first');
  assert.match(await page.textContent(testId('browse-count')), /\d|واحدة|وثيقتان/);
  // the first page's thumbnail is a real image
  await page.waitForFunction(() => {
    const img = document.querySelector('[data-testid="entry-thumb"]');
    return img && img.complete && img.naturalWidth > 0;
  });
  // new imports wait for review
  assert.ok(await page.locator(testId('entry-pending')).count() >= 1);
  await checkA11y(page, 'document list');
  await screenshot('document-list');
  // by title: the address says so, and the order is the API's
  await page.selectOption(testId('browse-sort'), 'title');
  await page.waitForSelector(`${testId('browse-list')}[data-for="#/search?sort=title"]`);
  const byTitle = (await getJson('/api/documents?limit=10&sort=title')).body;
  assert.deepEqual(await entryIds(), byTitle.documents.map((d) => d.id));
  // an entry opens its document
  const first = byTitle.documents[0];
  await page.click(`${testId('doc-entry')}[data-id="${first.id}"] ${testId('entry-link')}`);
  await page.waitForSelector(testId('viewer'), { state: 'visible' });
  assert.match(decodeURIComponent(await page.evaluate(() => location.hash)), new RegExp(`^#/doc/${first.id}\\b`));
  await page.goBack();
  await page.waitForSelector(`${testId('browse-list')}[data-for="#/search?sort=title"]`);
});

test('a query of only common words shows the server\'s message', async () => {
  const api = await getJson(`/api/search?q=${encodeURIComponent('في')}`);
  assert.equal(api.status, 400);
  await page.fill(testId('search-input'), 'في');
  await page.click(testId('search-button'));
  const err = page.locator(testId('error'));
  await err.waitFor({ state: 'visible' });
  assert.ok((await err.textContent()).includes(api.body.error.message), 'the server\'s message is shown');
  await screenshot('stopword-error');
});

test('an Arabic word typed as a clerk types it finds the licence', async () => {
  await page.fill(testId('search-input'), QUERY);
  await page.click(testId('search-button'));
  await waitForResults();
  assert.ok(await page.locator(testId('error')).isHidden(), 'the old error is gone');
  assert.ok((await hash()).includes(`q=${QUERY}`), 'the query is in the URL');
  const count = await page.textContent(testId('result-count'));
  assert.match(count, /\d|نتيجة|نتيجتان/);
  const results = page.locator(testId('result'));
  assert.ok(await results.count() >= 1);
  const first = results.first();
  const snippet = first.locator(testId('snippet'));
  assert.ok(await snippet.locator('mark').count() >= 1, 'the snippet marks the matched word');
  assert.equal(await snippet.getAttribute('dir'), 'auto');
  const marked = await snippet.locator('mark').allTextContents();
  assert.ok(marked.some((m) => fold(m).includes(fold(QUERY))), `marked: ${marked}`);
  state.firstTitle = (await first.locator(testId('result-link')).textContent()).trim();
  state.firstId = Number(await first.getAttribute('data-id'));
  await screenshot('results-ar');
});

test('how the server read the query is shown', async () => {
  const q = `"${QUERY}`; // a phrase whose closing quote is missing
  const api = await getJson(`/api/search?q=${encodeURIComponent(q)}`);
  assert.equal(api.status, 200);
  assert.ok(api.body.notices && api.body.notices.length, 'the server has a notice for an unclosed quote');
  await page.fill(testId('search-input'), q);
  await page.click(testId('search-button'));
  await waitForResults();
  const shown = await page.locator('#notices li').allTextContents();
  assert.deepEqual(shown, api.body.notices);
  assert.equal(await page.isVisible('#fuzzy-note'), Boolean(api.body.fuzzy));
  // back to the plain word
  await page.fill(testId('search-input'), QUERY);
  await page.click(testId('search-button'));
  await waitForResults();
  assert.equal(await page.locator('#notices li').count(), 0);
});

test('filters narrow the results and go in the URL', async () => {
  // a document dated far in the future: nothing (the date is typed, and
  // searched for when committed with Enter)
  const future = '2100-01-01';
  await page.fill(testId('date-from'), future);
  await page.press(testId('date-from'), 'Enter');
  await page.waitForFunction((d) => location.hash.includes(`from=${d}`), future);
  await waitForResults();
  assert.equal(await page.locator(testId('result')).count(), 0);
  assert.match(await page.textContent(testId('result-count')), /لا توجد نتائج/);
  await screenshot('filter-no-results');
  await page.fill(testId('date-from'), '');
  await page.selectOption(testId('type-filter'), 'licence');
  await page.selectOption(testId('branch-filter'), 'hofuf');
  await page.waitForFunction(() => location.hash.includes('branch=hofuf'));
  await waitForResults();
  const h = await hash();
  assert.ok(h.includes('type=licence') && !h.includes('from='), h);
  assert.ok(await page.locator(testId('result')).count() >= 1);
});

test('the viewer highlights the matched words on the page image', async () => {
  await page.locator(testId('result-link')).first().click();
  await page.waitForSelector(testId('viewer'), { state: 'visible' });
  await waitForImage();
  await waitForHitsAndImage();
  const h = await hash();
  const m = h.match(/^#\/doc\/(\d+)/);
  assert.ok(m, h);
  const id = Number(m[1]);
  const doc = (await getJson(`/api/documents/${id}?words=1`)).body;
  state.doc = doc;
  assert.ok(doc.sources.some((s) => s.path.includes('رخصة بناء')), 'the licence scan is opened');
  assert.equal((await page.textContent('#doc-title')).trim(), doc.title);
  await checkBoxesOnWords(doc, QUERY, 'fit width');
  // the OCR text is beside the image
  const text = await page.textContent(testId('page-text'));
  assert.ok(text.includes(QUERY_PRINTED));
  assert.equal(await page.getAttribute(testId('page-text'), 'dir'), 'auto');
  // the image asked for is about as wide as shown: a multiple of 200, ≤ 2400
  const v = await readViewer();
  const width = Number(new URL(v.img.src).searchParams.get('width'));
  assert.ok(width % 200 === 0 && width <= 2400 && width >= Math.min(2400, v.img.w), `image width ${width}`);
  await screenshot('viewer-highlights');
});

test('next match moves the current highlight', async () => {
  const all = (await getJson(`/api/documents/${state.doc.id}/matches?q=${encodeURIComponent(QUERY)}`)).body.matches;
  const total = all.reduce((n, m) => n + m.boxes.length, 0);
  assert.ok(total >= 2, `the licence has ${total} matches of ${QUERY}`);
  const before = await readViewer();
  const cur = before.boxes.find((b) => b.current);
  assert.ok(cur, 'one box is the current match');
  await page.click(testId('hit-next'));
  await page.waitForFunction((old) => {
    const c = document.querySelector('[data-testid="hit-box"].current');
    return c && (c.dataset.box !== old.box || c.dataset.page !== old.page);
  }, { box: cur.box.join(','), page: String(cur.page) });
  const after = await readViewer();
  const now = after.boxes.find((b) => b.current);
  assert.ok(now.box.join() !== cur.box.join() || now.page !== cur.page);
  assert.ok(after.hash.includes('hit=2'), after.hash);
  await page.click(testId('hit-prev'));
  await page.waitForFunction((old) => document.querySelector('[data-testid="hit-box"].current')?.dataset.box === old,
    cur.box.join(','));
  await page.click(testId('hit-next'));
  await screenshot('viewer-next-match');
});

test('zooming keeps the highlights on their words', async () => {
  const w0 = (await readViewer()).img.w;
  await page.click(testId('zoom-in'));
  await page.click(testId('zoom-in'));
  await page.waitForFunction((w) => document.querySelector('[data-testid="page-image"]').getBoundingClientRect().width > w * 1.5, w0);
  await waitForImage();
  await checkBoxesOnWords(state.doc, QUERY, 'zoomed in');
  await screenshot('viewer-zoomed');
  await page.click(testId('zoom-out'));
  await page.click(testId('zoom-out'));
  await page.click(testId('zoom-out'));
  await page.waitForFunction((w) => document.querySelector('[data-testid="page-image"]').getBoundingClientRect().width < w, w0);
  await checkBoxesOnWords(state.doc, QUERY, 'zoomed out');
  await page.click('#zoom-fit');
  // a narrower window: the page is fitted again and the boxes follow
  await page.setViewportSize({ width: 1000, height: 900 });
  await page.waitForFunction((w) => Math.abs(document.querySelector('[data-testid="page-image"]').getBoundingClientRect().width - w) > 20, w0);
  await checkBoxesOnWords(state.doc, QUERY, 'resized window');
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.waitForFunction((w) => Math.abs(document.querySelector('[data-testid="page-image"]').getBoundingClientRect().width - w) < 1, w0);
});

test('the original downloads byte for byte', async () => {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click(testId('download-original')),
  ]);
  const file = await download.path();
  const sha = createHash('sha256').update(await readFile(file)).digest('hex');
  assert.equal(sha, state.doc.sha256);
  const names = state.doc.sources.map((s) => s.path.split('/').pop());
  assert.ok(names.includes(download.suggestedFilename()), `downloaded as ${download.suggestedFilename()}`);
  // the searchable PDF link answers with a PDF (to this session)
  const href = await page.getAttribute(testId('download-pdf'), 'href');
  const res = await context.request.get(new URL(href, BASE).href);
  assert.equal(res.status(), 200);
  const head = (await res.body()).subarray(0, 5).toString('latin1');
  assert.equal(head, '%PDF-');
});

test('next match crosses pages in a multi-page document', async (t) => {
  const r = (await getJson(`/api/search?q=${encodeURIComponent(MULTI_PAGE_QUERY)}&limit=100`)).body;
  const hit = r.hits.find((h) => h.sources.some((s) => s.endsWith(MULTI_PAGE_FILE)));
  if (!hit) {
    t.skip(`${MULTI_PAGE_FILE} is not in the archive`);
    return;
  }
  await page.goto(`${BASE}/#/search?q=${encodeURIComponent(MULTI_PAGE_QUERY)}`);
  await waitForResults();
  const link = page.locator(`${testId('result')}[data-id="${hit.id}"] ${testId('result-link')}`);
  await link.click();
  await waitForImage();
  await waitForHitsAndImage();
  const doc = (await getJson(`/api/documents/${hit.id}?words=1`)).body;
  const first = await checkBoxesOnWords(doc, MULTI_PAGE_QUERY, 'multi-page, first page');
  const startPage = first.boxes[0].page;
  // click next until the page changes
  for (let i = 0; i < 20; i++) {
    const v = await readViewer();
    if (v.boxes.length && v.boxes[0].page !== startPage) break;
    assert.ok(await page.isEnabled(testId('hit-next')), 'next match stays on one page');
    await page.click(testId('hit-next'));
    await page.waitForTimeout(50);
  }
  await waitForImage();
  await page.waitForSelector(`${testId('hit-box')}.current`);
  const moved = await checkBoxesOnWords(doc, MULTI_PAGE_QUERY, 'multi-page, next page');
  assert.notEqual(moved.boxes[0].page, startPage);
  assert.ok(moved.hash.includes(`page=${moved.boxes[0].page}`), moved.hash);
  assert.ok(moved.img.src.includes(`/pages/${moved.boxes[0].page}/image`), moved.img.src);
  await screenshot('viewer-other-page');
});

// ---- the document's date, facets and corrections. The samples' dates, as
// read from their text (the server's answer is checked first): the health
// certificate prints "تاريخ الإصدار: 1445/07/12 هـ" (2024-01-24), the English
// letter "Date: 15 September 2024" (1446-03-12h); the contract has no date.
test('the samples carry the dates read from their text', async () => {
  const all = (await getJson('/api/search?branch=hofuf&limit=100')).body;
  const cert = bySource(all.hits, CERT_FILE);
  const letter = bySource(all.hits, LETTER_FILE);
  const contract = bySource(all.hits, MULTI_PAGE_FILE);
  assert.ok(cert && letter && contract, 'the samples are in the archive');
  assert.deepEqual(cert.document_date, CERT_DAY);
  assert.ok(cert.reference_numbers.includes(CERT_REF), JSON.stringify(cert.reference_numbers));
  assert.deepEqual(letter.document_date, LETTER_DAY);
  assert.equal(contract.document_date, null, 'no date is printed on the contract');
  state.cert = cert;
  state.letter = letter;
  state.contract = contract;
});

// Type a date into a filter and commit it (Enter); wait for the results.
async function typeDates(from, to) {
  await page.fill(testId('date-from'), from);
  await page.fill(testId('date-to'), to);
  await page.press(testId('date-to'), 'Enter');
  await page.waitForFunction(([f, t]) => {
    const p = new URLSearchParams(location.hash.slice(location.hash.indexOf('?') + 1));
    return (p.get('from') || '') === f && (p.get('to') || '') === t;
  }, [from, to]);
  await waitForResults();
}

test('a Hijri document date narrows the results, with no words to search for', async () => {
  await page.goto(`${BASE}/#/`);
  await waitForSearchScreen(page);
  assert.equal((await page.textContent(`label:has(${testId('date-from')}) span`)).trim(), 'تاريخ الوثيقة من');
  assert.equal(await page.getAttribute(testId('date-from'), 'dir'), 'ltr');
  assert.match(await page.getAttribute(testId('date-from'), 'placeholder'), /1445-03-01هـ.*2023-09-16/);
  // Rajab 1445 (its first day to the month's last), typed as a clerk types it (هـ), without any query
  await typeDates('1445-07-01هـ', '1445-07هـ');
  const h = await hash();
  assert.ok(h.includes('from=1445-07-01هـ') && h.includes('to=1445-07هـ') && !h.includes('q='), h);
  const api = (await getJson(`/api/search?from=${encodeURIComponent('1445-07-01h')}&to=${encodeURIComponent('1445-07h')}&limit=100`)).body;
  assert.ok(api.hits.length >= 1 && api.hits.every((x) => x.document_date && x.document_date.hijri.startsWith('1445-07-')),
    JSON.stringify(api.hits.map((x) => x.document_date)));
  assert.deepEqual(sorted(await resultIds()), sorted(api.hits.map((x) => x.id)));
  assert.ok((await resultIds()).includes(state.cert.id), 'the health certificate is dated in Rajab 1445');
  assert.ok(!(await resultIds()).includes(state.letter.id), 'the letter is not');
  assert.ok(await page.isHidden(testId('error')));
  await screenshot('date-filter-hijri');
  // the same day in the Gregorian calendar, and a Hijri year
  await typeDates(CERT_DAY.gregorian, CERT_DAY.gregorian);
  assert.deepEqual(await resultIds(), [state.cert.id]);
  await typeDates('1446h', '1446h');
  const y1446 = (await getJson('/api/search?from=1446h&to=1446h&limit=100')).body;
  assert.deepEqual(sorted(await resultIds()), sorted(y1446.hits.map((x) => x.id)));
  assert.ok((await resultIds()).includes(state.letter.id), 'the letter is dated 1446');
  assert.ok(!(await resultIds()).includes(state.cert.id));
});

test('each hit shows its document date in both calendars and its reference numbers', async () => {
  await typeDates(CERT_DAY.gregorian, CERT_DAY.gregorian);
  const hit = page.locator(`${testId('result')}[data-id="${state.cert.id}"]`);
  const day = hit.locator(`${testId('hit-date')} .day`);
  assert.equal(await day.getAttribute('data-hijri'), CERT_DAY.hijri);
  assert.equal(await day.getAttribute('data-gregorian'), CERT_DAY.gregorian);
  const text = (await hit.locator(testId('hit-date')).textContent()).replace(/\s+/g, ' ');
  assert.ok(text.includes('12 رجب 1445هـ') && text.includes('24 يناير 2024م'), text);
  assert.equal(await day.locator('time').getAttribute('datetime'), CERT_DAY.gregorian);
  const refs = await hit.locator(`${testId('hit-refs')} ${testId('ref')}`).allTextContents();
  assert.deepEqual(refs, state.cert.reference_numbers);
  assert.equal(await hit.locator(`${testId('hit-refs')} ${testId('ref')}`).first().getAttribute('dir'), 'ltr');
  await screenshot('hit-date-refs');
});

test('a date the server cannot read shows its message, and the field is marked', async () => {
  const bad = '1445-13-01h';
  const api = await getJson(`/api/search?from=${encodeURIComponent(bad)}`);
  assert.equal(api.status, 400);
  assert.equal(api.body.error.code, 'bad_date');
  await typeDates(bad, '');
  const err = page.locator(testId('error'));
  await err.waitFor({ state: 'visible' });
  const text = await err.textContent();
  assert.ok(text.includes(api.body.error.message), `the server's message is shown: ${text}`);
  assert.ok(text.includes('تعذّر فهم التاريخ'), text);
  assert.equal(await page.getAttribute(testId('date-from'), 'aria-invalid'), 'true');
  assert.equal(await page.getAttribute(testId('date-to'), 'aria-invalid'), null);
  await screenshot('date-filter-bad');
  // corrected: the message and the mark go
  await typeDates('1445h', '');
  assert.ok(await page.isHidden(testId('error')));
  assert.equal(await page.getAttribute(testId('date-from'), 'aria-invalid'), null);
});

test('the facet panel counts the results by branch, type and year; a year narrows them, in either calendar', async () => {
  const facets = (kind) => page.locator(`${testId('facet-value')}[data-facet="${kind}"]`)
    .evaluateAll((as) => as.map((a) => ({ value: a.dataset.value, count: Number(a.dataset.count) })));
  await page.goto(`${BASE}/#/search?branch=hofuf`);
  await waitForResults();
  const api = (await getJson('/api/search?branch=hofuf&facets=1&limit=1')).body;
  assert.equal(api.facets.calendar, 'hijri');
  assert.ok(await page.isVisible(testId('facets')));
  assert.deepEqual(await facets('branch'), api.facets.branches);
  assert.deepEqual(await facets('type'), api.facets.doc_types);
  assert.deepEqual(await facets('year'), api.facets.years);
  assert.ok(api.facets.years.some((y) => y.value === '1445'), JSON.stringify(api.facets.years));
  assert.ok(await page.isChecked(testId('calendar-hijri')), 'Hijri years unless chosen otherwise');
  const year = page.locator(`${testId('facet-value')}[data-facet="year"][data-value="1445"]`);
  assert.match((await year.textContent()).replace(/\s+/g, ''), /^1445هـ\d+$/);
  // the undated documents (the contract) are counted apart
  const dated = api.facets.years.reduce((n, y) => n + y.count, 0);
  assert.equal(Number(await page.getAttribute(testId('facet-undated'), 'data-count')), api.total - dated);
  await screenshot('facets-hijri');

  // a year: from=1445h&to=1445h
  const count = Number(await year.getAttribute('data-count'));
  await year.click();
  await page.waitForFunction(() => /[?&]from=1445h(&|$)/.test(location.hash) && /[?&]to=1445h(&|$)/.test(location.hash));
  await waitForResults();
  const in1445 = (await getJson('/api/search?branch=hofuf&from=1445h&to=1445h&limit=100')).body;
  assert.equal(in1445.total, count);
  assert.deepEqual(sorted(await resultIds()), sorted(in1445.hits.map((x) => x.id)));
  const days = await page.locator(`${testId('hit-date')} .day`).evaluateAll((ds) => ds.map((d) => d.dataset.hijri));
  assert.equal(days.length, count);
  assert.ok(days.every((d) => d.startsWith('1445-')), days.join());
  assert.equal(await page.inputValue(testId('date-from')), '1445h');
  assert.equal(await page.getAttribute(`${testId('facet-value')}[data-facet="year"][data-value="1445"]`, 'aria-current'), 'true');

  // Gregorian years, kept in the address
  await page.goto(`${BASE}/#/search?branch=hofuf`);
  await waitForResults();
  await page.click(testId('calendar-gregorian'));
  await page.waitForFunction(() => location.hash.includes('calendar=gregorian'));
  await waitForResults();
  const g = (await getJson('/api/search?branch=hofuf&facets=1&calendar=gregorian&limit=1')).body;
  assert.equal(g.facets.calendar, 'gregorian');
  assert.deepEqual(await facets('year'), g.facets.years);
  assert.ok(g.facets.years.some((y) => y.value === '2024'), JSON.stringify(g.facets.years));
  await screenshot('facets-gregorian');
  const y2024 = page.locator(`${testId('facet-value')}[data-facet="year"][data-value="2024"]`);
  const count2024 = Number(await y2024.getAttribute('data-count'));
  await y2024.click();
  await page.waitForFunction(() => /[?&]from=2024(&|$)/.test(location.hash) && /[?&]to=2024(&|$)/.test(location.hash));
  await waitForResults();
  assert.ok((await hash()).includes('calendar=gregorian'), 'the calendar stays chosen');
  const greg = await page.locator(`${testId('hit-date')} .day`).evaluateAll((ds) => ds.map((d) => d.dataset.gregorian));
  assert.equal(greg.length, count2024);
  assert.ok(greg.every((d) => d.startsWith('2024-')), greg.join());
  assert.ok(greg.includes(CERT_DAY.gregorian) && greg.includes(LETTER_DAY.gregorian));
  // a type applies the type filter
  await page.click(`${testId('facet-value')}[data-facet="type"][data-value="licence"]`);
  await page.waitForFunction(() => location.hash.includes('type=licence'));
  await waitForResults();
  assert.equal(await page.inputValue(testId('type-filter')), 'licence');
});

test('the document view shows its date and where it came from, its reference numbers, its type\'s source and the dates found; staff cannot correct', async () => {
  await page.goto(`${BASE}/#/doc/${state.cert.id}`);
  await page.waitForSelector(testId('viewer'), { state: 'visible' });
  await waitForImage();
  const doc = (await getJson(`/api/documents/${state.cert.id}`)).body;
  assert.deepEqual(doc.document_date, CERT_DAY);
  assert.equal(doc.document_date_source, 'extracted');
  const day = page.locator(`${testId('doc-date')} .day`);
  assert.equal(await day.getAttribute('data-hijri'), CERT_DAY.hijri);
  assert.equal(await day.getAttribute('data-gregorian'), CERT_DAY.gregorian);
  assert.equal((await page.textContent(testId('doc-date-source'))).trim(), '(مقروء من النص)');
  assert.deepEqual(await page.locator(`${testId('doc-refs')} ${testId('ref')}`).allTextContents(), doc.reference_numbers);
  assert.equal(doc.doc_type_source, 'import');
  assert.equal((await page.textContent(testId('doc-type-source'))).trim(), '(أُدخل عند الاستيراد)');
  // the dates found, as printed, with their page and both calendars
  await page.click(`${testId('doc-dates')} summary`);
  const found = await page.locator(testId('doc-date-found')).evaluateAll((lis) => lis.map((li) => ({
    text: li.querySelector('.printed bdi').textContent,
    page: Number(li.dataset.page),
    hijri: li.querySelector('.day').dataset.hijri,
    gregorian: li.querySelector('.day').dataset.gregorian,
  })));
  assert.deepEqual(found, doc.dates.map((d) => ({ text: d.text, page: d.page, hijri: d.hijri, gregorian: d.gregorian })));
  assert.ok(found.some((d) => d.text.includes('1445/07/12') && d.hijri === CERT_DAY.hijri), JSON.stringify(found));
  // staff read, but do not correct
  assert.ok(await page.isHidden(testId('correct-panel')), 'no correction form for staff');
  await screenshot('viewer-dates');
});

test('an administrator corrects a document\'s date and type through the form; the view, the search and the audit log follow', async () => {
  const { ctx, page: p } = state.admin;
  const id = state.contract.id;
  const readDay = () => p.evaluate(() => {
    const d = document.querySelector('[data-testid="doc-date"] .day');
    return d ? { hijri: d.dataset.hijri, gregorian: d.dataset.gregorian } : null;
  });
  const save = async () => {
    const [req, res] = await Promise.all([
      p.waitForRequest((r) => r.method() === 'PATCH'),
      p.waitForResponse((r) => r.request().method() === 'PATCH'),
      p.click(testId('correct-save')),
    ]);
    return { body: JSON.parse(req.postData()), headers: req.headers(), status: res.status() };
  };
  await p.goto(`${BASE}/#/doc/${id}`);
  await p.waitForSelector(testId('viewer'), { state: 'visible' });
  await p.waitForSelector(testId('correct-panel'), { state: 'visible' });
  assert.equal(await readDay(), null, 'no date is read from the contract');
  assert.equal((await p.textContent(`${testId('doc-date')} dd`)).trim(), 'لم يُعرف');
  await p.click(`${testId('correct-panel')} summary`);
  assert.equal(await p.inputValue(testId('correct-date')), '', 'an empty field: the automatic value');
  assert.equal(await p.inputValue(testId('correct-type')), '');
  // a date and a type, the title left alone: only those two are sent, with the CSRF token
  await p.fill(testId('correct-date'), '1445-08-01هـ');
  await p.selectOption(testId('correct-type'), 'contract');
  await screenshot('correct-form', p);
  const me = await apiAs(ctx, '/api/me');
  const first = await save();
  assert.equal(first.status, 200);
  assert.deepEqual(first.body, { date: '1445-08-01هـ', doc_type: 'contract' });
  assert.equal(first.headers['x-csrf-token'], me.body.csrf_token);
  await p.waitForSelector(testId('correct-done'), { state: 'visible' });
  assert.match(await p.textContent(testId('correct-done')), /تم حفظ التصحيح/);
  assert.deepEqual(await readDay(), { hijri: '1445-08-01', gregorian: '2024-02-11' });
  assert.equal((await p.textContent(testId('doc-date-source'))).trim(), '(مصحَّح يدويًا)');
  assert.equal(await p.getAttribute(`${testId('doc-type')} dd > span`, 'data-type'), 'contract');
  assert.match(await p.textContent(`${testId('doc-type')} dd`), /عقد/);
  assert.match(await p.textContent(testId('doc-corrected')), new RegExp(ADMIN.user));
  const doc = (await apiAs(ctx, `/api/documents/${id}`)).body;
  assert.deepEqual(doc.corrected.date, { hijri: '1445-08-01', gregorian: '2024-02-11' });
  assert.equal(doc.doc_type_source, 'corrected');
  await screenshot('corrected', p);

  // a value the server refuses: its message, and nothing changes
  await p.fill(testId('correct-date'), '1445-13-40');
  const refused = await save();
  assert.equal(refused.status, 400);
  const err = p.locator(testId('correct-error'));
  await err.waitFor({ state: 'visible' });
  assert.match(await err.textContent(), /قيمة التصحيح غير صحيحة/);
  assert.match(await err.textContent(), /1445-13-40/);
  assert.equal(await p.getAttribute(testId('correct-date'), 'aria-invalid'), 'true');
  assert.deepEqual(await readDay(), { hijri: '1445-08-01', gregorian: '2024-02-11' });
  await screenshot('correct-refused', p);

  // search finds it by its corrected date (staff too), once the index's
  // reader has caught up with the change (moments)
  for (let i = 0; ; i++) {
    const r = (await getJson('/api/search?from=1445-08h&to=1445-08h&limit=100')).body;
    if (r.hits.some((x) => x.id === id)) break;
    assert.ok(i < 100, 'the search never found the corrected date');
    await new Promise((ok) => { setTimeout(ok, 100); });
  }
  await page.goto(`${BASE}/#/`); // no other filter
  await waitForResults();
  await typeDates('1445-08h', '1445-08h');
  assert.ok((await resultIds()).includes(id), 'the staff search finds the corrected date');

  // back to automatic: both corrections dropped (sent as null)
  await p.click(testId('correct-date-reset'));
  await p.click(testId('correct-type-reset'));
  assert.equal(await p.inputValue(testId('correct-date')), '');
  const reset = await save();
  assert.equal(reset.status, 200);
  assert.deepEqual(reset.body, { date: null, doc_type: null });
  await p.waitForSelector(testId('correct-done'), { state: 'visible' });
  assert.equal(await readDay(), null);
  assert.equal(await p.getAttribute(`${testId('doc-type')} dd > span`, 'data-type'), state.contract.doc_type);
  assert.equal((await apiAs(ctx, `/api/documents/${id}`)).body.corrected, null);
  // nothing to save: no request
  await p.click(testId('correct-save'));
  await p.waitForFunction(() => /لم يتغير شيء/.test(document.querySelector('[data-testid="correct-done"]').textContent));

  // the audit log names the corrections
  await p.evaluate((doc) => { location.hash = `#/audit?doc=${doc}`; }, id);
  await p.waitForFunction(() => {
    const t = document.querySelector('[data-testid="audit-table"]');
    return t.dataset.for === location.hash && !t.hasAttribute('aria-busy');
  });
  const corrections = p.locator(`${testId('audit-entry')}[data-action="correct"]`);
  assert.equal(await corrections.count(), 2, 'two corrections (the refused one is not one)');
  assert.equal((await corrections.first().locator('td.action').textContent()).trim(), 'تصحيح بيانات وثيقة');
  const keys = await corrections.last().locator(testId('audit-change')).evaluateAll((cs) => cs.map((c) => c.dataset.key));
  assert.deepEqual(keys.sort(), ['date', 'type']);
  assert.match(await corrections.last().locator(`${testId('audit-change')}[data-key="date"]`).textContent(), /2024-02-11/);
  await screenshot('audit-correct', p);
});

test('reload and back/forward keep the view', async () => {
  await page.goto(`${BASE}/#/doc/${state.doc.id}?q=${encodeURIComponent(QUERY)}`);
  await waitForImage();
  await waitForHitsAndImage();
  await page.reload();
  await page.waitForSelector(testId('viewer'), { state: 'visible' });
  await waitForImage();
  await waitForHitsAndImage();
  assert.equal((await page.textContent('#doc-title')).trim(), state.doc.title);
  await page.goto(`${BASE}/#/search?q=${encodeURIComponent(QUERY)}&page=1`);
  await waitForResults();
  assert.ok(await page.locator(testId('result')).count() >= 1);
  await page.goBack();
  await page.waitForSelector(testId('viewer'), { state: 'visible' });
  await page.waitForSelector(testId('hit-box'));
  await page.goForward();
  await waitForResults();
  assert.ok(await page.locator(testId('result')).count() >= 1);
  assert.equal(await page.inputValue(testId('search-input')), QUERY);
});

test('switching to English lays the page out left to right', async () => {
  await page.click(testId('lang-switch'));
  assert.equal(await page.getAttribute('html', 'dir'), 'ltr');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal((await page.textContent(testId('search-button'))).trim(), 'Search');
  assert.match(await page.textContent(testId('result-count')), /result/);
  assert.equal((await page.textContent(`label:has(${testId('date-from')}) span`)).trim(), 'Document dated from');
  assert.match(await page.locator(testId('hit-date')).first().textContent(), /^Dated \d+ .+ \d{4} AH — \d+ [A-Z][a-z]+ \d{4}$/);
  // Arabic titles and snippets still read right to left inside the English page
  const dir = await page.locator(testId('snippet')).first().evaluate((e) => getComputedStyle(e).direction);
  assert.equal(dir, 'rtl');
  await screenshot('results-en');
  await page.click(`${testId('result')}[data-id="${state.doc.id}"] ${testId('result-link')}`);
  await waitForImage();
  await waitForHitsAndImage();
  assert.equal((await page.textContent(testId('download-original'))).trim(), 'Download original');
  await checkBoxesOnWords(state.doc, QUERY, 'English page');
  await screenshot('viewer-en');
  // the choice is remembered
  await page.reload();
  await page.waitForSelector(testId('viewer'), { state: 'visible' });
  assert.equal(await page.getAttribute('html', 'dir'), 'ltr');
});

test('an ended session brings the login screen, and logging in again returns to the same view', async () => {
  await page.goto(`${BASE}/#/doc/${state.doc.id}?q=${encodeURIComponent(QUERY)}`);
  await waitForImage();
  // the session ends (expired, or ended elsewhere): the browser has no cookie
  await context.clearCookies();
  const target = `#/search?q=${encodeURIComponent(MULTI_PAGE_QUERY)}`;
  await page.evaluate((h) => { location.hash = h; }, target);
  await page.waitForSelector(testId('login-view'), { state: 'visible' });
  assert.ok(await page.isVisible(testId('login-notice')), 'says the session ended');
  assert.ok(await page.isHidden(testId('search-input')));
  assert.ok(await page.isHidden(testId('account')));
  assert.equal(await page.evaluate(() => location.hash), target, 'the address is kept');
  await screenshot('session-ended');
  await login(page, STAFF.user, STAFF.password);
  await waitForResults();
  assert.equal(await page.evaluate(() => location.hash), target);
  assert.equal(await page.inputValue(testId('search-input')), MULTI_PAGE_QUERY);
  assert.ok(await page.locator(testId('result')).count() >= 1);
});

test('logging out returns to the login screen, and /api/me then answers 401', async () => {
  const me = await getJson('/api/me');
  assert.equal(me.status, 200);
  await page.click(testId('logout'));
  await page.waitForSelector(testId('login-view'), { state: 'visible' });
  assert.ok(await page.isHidden(testId('search-input')));
  assert.ok(await page.isHidden(testId('account')));
  assert.equal(await page.locator(testId('result')).count(), 0, 'nothing of the session is left on the page');
  const out = posts.filter((r) => r.who === 'staff' && r.url.endsWith('/api/logout'));
  assert.equal(out.length, 1);
  assert.equal(out[0].headers['x-csrf-token'], me.body.csrf_token, 'the logout carried the CSRF token');
  const after = await getJson('/api/me');
  assert.equal(after.status, 401);
  await page.reload();
  await page.waitForSelector(testId('login-view'), { state: 'visible' });
  await screenshot('logged-out');
});

test('staff of another branch find nothing of hofuf\'s and see no hofuf in the branch filter', async () => {
  const { ctx, page: p } = await openBrowser('other');
  state.other = { ctx, page: p };
  await p.goto(`${BASE}/`);
  await login(p, OTHER.user, OTHER.password);
  await waitForSearchScreen(p);
  await p.waitForSelector(`${testId('branch-filter')} option[value="${OTHER.branch}"]`, { state: 'attached' });
  const branches = await p.locator(`${testId('branch-filter')} option`).evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(branches, ['', OTHER.branch]);
  const facets = (await apiAs(ctx, '/api/facets')).body;
  assert.deepEqual(facets.branches.map((b) => b.value), [OTHER.branch]);
  const option = (await p.textContent(`${testId('branch-filter')} option[value="${OTHER.branch}"]`)).trim();
  assert.ok(option.endsWith(` (${facets.branches[0].count})`), option);
  await p.fill(testId('search-input'), QUERY);
  await p.click(testId('search-button'));
  await p.waitForFunction(() => {
    const r = document.querySelector('[data-testid="results"]');
    return r.dataset.for === location.hash && location.hash.includes('q=') && !r.hasAttribute('aria-busy');
  });
  assert.equal(await p.locator(testId('result')).count(), 0);
  assert.match(await p.textContent(testId('result-count')), /لا توجد نتائج/);
  const api = await apiAs(ctx, `/api/search?q=${encodeURIComponent(QUERY)}`);
  assert.equal(api.status, 200);
  assert.equal(api.body.total, 0);
  await screenshot('other-branch-no-results', p);
  // hofuf's licence, asked for by its address: not found for them
  await p.evaluate((id) => { location.hash = `#/doc/${id}`; }, state.doc.id);
  const err = p.locator(testId('error'));
  await err.waitFor({ state: 'visible' });
  assert.match(await err.textContent(), /لا توجد وثيقة بهذا الرقم/);
  assert.equal(await p.getAttribute(testId('page-image'), 'src'), null);
});

// A login outside every browser (no cookie is kept).
async function tryLogin(user, password) {
  const res = await fetch(`${BASE}/api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user, password }),
  });
  return res.status;
}

test('any user can change their password from the top bar, and comes back to the same view', async () => {
  const { ctx, page: p } = state.other;
  const target = `#/search?q=${encodeURIComponent('الأسواق')}`;
  const waitForView = () => p.waitForFunction((h) => {
    const r = document.querySelector('[data-testid="results"]');
    return location.hash === h && r.offsetParent !== null && r.dataset.for === h && !r.hasAttribute('aria-busy');
  }, target);
  await p.evaluate((h) => { location.hash = h; }, target);
  await waitForView();
  // opened and cancelled
  await p.click(testId('change-password-link'));
  await p.waitForSelector(testId('password-view'), { state: 'visible' });
  assert.ok(await p.isHidden(testId('password-forced')));
  await p.click(testId('password-cancel'));
  await waitForView();
  // opened and done
  const before = await apiAs(ctx, '/api/me');
  await p.click(testId('change-password-link'));
  await p.waitForSelector(testId('password-view'), { state: 'visible' });
  const next = `${OTHER.password}-2`;
  await p.fill(testId('password-current'), OTHER.password);
  await p.fill(testId('password-new'), next);
  await p.fill(testId('password-repeat'), next);
  await screenshot('change-password', p);
  await p.click(testId('password-button'));
  await waitForView();
  assert.equal((await p.textContent(testId('app-notice'))).trim(), 'تم تغيير كلمة المرور.');
  const change = posts.filter((r) => r.who === 'other' && r.url.endsWith('/api/password'));
  assert.equal(change.length, 1);
  assert.equal(change[0].headers['x-csrf-token'], before.body.csrf_token);
  // a new session (new token) in the same browser; the old password is gone
  const after = await apiAs(ctx, '/api/me');
  assert.equal(after.status, 200);
  assert.notEqual(after.body.csrf_token, before.body.csrf_token);
  assert.equal(await tryLogin(OTHER.user, OTHER.password), 401);
  assert.equal(await tryLogin(OTHER.user, next), 200);
  // and the page goes on working with the new session
  await p.fill(testId('search-input'), QUERY);
  await p.click(testId('search-button'));
  await p.waitForFunction((h) => {
    const r = document.querySelector('[data-testid="results"]');
    return location.hash === h && r.dataset.for === h && !r.hasAttribute('aria-busy');
  }, `#/search?q=${encodeURIComponent(QUERY)}`);
  assert.ok(await p.isHidden(testId('error')));
  assert.ok(await p.isVisible(testId('result-count')));
});

test('the auditor sees the audit log with the others\' searches, can filter it, and has no search box', async () => {
  const { page: p } = await openBrowser('auditor');
  state.auditor = p;
  await p.goto(`${BASE}/`);
  await login(p, AUDITOR.user, AUDITOR.password);
  await p.waitForSelector(testId('audit-view'), { state: 'visible' });
  assert.match(await p.evaluate(() => location.hash), /^#\/audit/, 'an auditor lands on the audit log');
  assert.ok(await p.isHidden(testId('search-input')), 'an auditor has no search box');
  assert.ok(await p.isHidden(testId('nav-search')));
  assert.ok(await p.isVisible(testId('nav-audit')));
  assert.equal((await p.textContent(testId('user-role'))).trim(), 'مدقق');
  const waitForAudit = () => p.waitForFunction(() => {
    const t = document.querySelector('[data-testid="audit-table"]');
    return t.dataset.for === location.hash && !t.hasAttribute('aria-busy');
  });
  const rows = () => p.locator(testId('audit-entry')).evaluateAll((trs) => trs.map((tr) => ({
    seq: Number(tr.dataset.seq),
    actor: tr.dataset.actor,
    action: tr.dataset.action,
    query: tr.querySelector('[data-testid="audit-query"]')?.textContent || null,
    docs: [...tr.querySelectorAll('td.docs a')].map((a) => Number(a.textContent)),
    viewerLinks: tr.querySelectorAll('[data-testid="audit-doc-link"]').length,
    time: tr.querySelector('time').textContent,
  })));
  await waitForAudit();
  let all = await rows();
  assert.ok(all.length > 0);
  // newest first, times formatted, no viewer links for a role that cannot view
  assert.ok(all.every((r, i) => i === 0 || r.seq < all[i - 1].seq), 'newest first');
  assert.ok(all.every((r) => r.time && !r.time.includes('T')), 'times are formatted');
  assert.ok(all.every((r) => r.viewerLinks === 0));
  assert.ok(all.some((r) => r.actor === OTHER.user && r.action === 'search' && r.query === QUERY),
    `the other branch's search of ${QUERY} is in the log`);
  assert.equal((await p.locator(`${testId('audit-entry')}[data-action="search"] td.action`).first().textContent()).trim(), 'بحث');
  await screenshot('audit-log', p);

  // by user: only theirs, with their searches (the last one was of MULTI_PAGE_QUERY)
  await p.fill(testId('audit-user'), STAFF.user);
  await p.click(testId('audit-apply'));
  await p.waitForFunction((u) => decodeURIComponent(location.hash).includes(`user=${u}`), STAFF.user);
  await waitForAudit();
  all = await rows();
  assert.ok(all.length > 0);
  assert.ok(all.every((r) => r.actor === STAFF.user), 'only the user\'s entries');
  assert.ok(all.some((r) => r.action === 'search' && r.query === MULTI_PAGE_QUERY), 'their searches are there');
  assert.ok(all.some((r) => r.action === 'login') && all.some((r) => r.action === 'logout'));
  await screenshot('audit-log-user', p);

  // by document: entries naming the licence
  await p.fill(testId('audit-user'), '');
  await p.fill(testId('audit-doc'), String(state.doc.id));
  await p.click(testId('audit-apply'));
  await p.waitForFunction((id) => location.hash.includes(`doc=${id}`), state.doc.id);
  await waitForAudit();
  all = await rows();
  assert.ok(all.length > 0);
  assert.ok(all.every((r) => r.docs.includes(state.doc.id)), 'only entries naming the document');

  // older entries, a page at a time
  await p.evaluate((u) => { location.hash = `#/audit?user=${encodeURIComponent(u)}&limit=5`; }, STAFF.user);
  await waitForAudit();
  const first = await rows();
  assert.equal(first.length, 5);
  assert.ok(await p.isEnabled(testId('audit-older')));
  await p.click(testId('audit-older'));
  await p.waitForFunction((seq) => location.hash.includes(`before=${seq}`), first[4].seq);
  await waitForAudit();
  const older = await rows();
  assert.ok(older.length >= 1);
  assert.ok(older.every((r) => r.seq < first[4].seq && r.actor === STAFF.user), 'older entries of the same user');
  assert.ok(await p.isVisible(testId('audit-newest')));
  await p.goBack();
  await waitForAudit();
  assert.deepEqual((await rows()).map((r) => r.seq), first.map((r) => r.seq));

  // the search is not theirs: its address leads back to the log
  await p.evaluate(() => { location.hash = `#/search?q=${encodeURIComponent('رخصه')}`; });
  await p.waitForFunction(() => location.hash.startsWith('#/audit'));
  await waitForAudit();
  assert.ok(await p.isHidden(testId('search-input')));
});

test('the administrator\'s audit log links documents to the viewer', async () => {
  const p = state.admin.page;
  await p.click(testId('nav-audit'));
  await p.waitForSelector(testId('audit-view'), { state: 'visible' });
  assert.ok(await p.isHidden(testId('search-input')), 'the search box is not on the log');
  await p.fill(testId('audit-user'), STAFF.user);
  await p.click(testId('audit-apply'));
  // The filtered list, not the one shown before it arrived.
  await p.waitForFunction((user) => {
    const rows = [...document.querySelectorAll('[data-testid="audit-entry"]')];
    return rows.length > 0 && rows.every((r) => r.dataset.actor === user);
  }, STAFF.user);
  const link = p.locator(`${testId('audit-entry')}[data-action="search"] ${testId('audit-doc-link')}`).first();
  await link.waitFor();
  const id = Number(await link.textContent());
  await link.click();
  await p.waitForSelector(testId('viewer'), { state: 'visible' });
  await p.waitForFunction(() => {
    const img = document.querySelector('[data-testid="page-image"]');
    return img && img.complete && img.naturalWidth > 0 && img.dataset.loaded === '1';
  });
  assert.match(await p.evaluate(() => location.hash), new RegExp(`^#/doc/${id}`));
  assert.ok(await p.isVisible(testId('search-input')), 'the search box is back with the viewer');
  await screenshot('admin-audit-to-viewer', p);
});

// ---- UI quality: bidirectional text, error messages, dates as printed,
// shortcuts, phone and laptop layouts, focus, dark theme, axe-core. A
// staff browser of its own, at the sizes a clerk has.
qualityTests();

// ---- uploading from the browser (upload.mjs), after the others: it adds documents.
uploadTests();

// ---- a clerk's day: upload a batch scan, review it from the keyboard, fix
// a number and find it, bulk-set a type; the auditor sees it all.
clerkTests();

// ---- the records lifecycle (trash.mjs): the trash, legal holds, a better
// scan and its earlier version; it uses the upload scenario's documents.
trashTests();

test('no script errors on the page', () => {
  assert.deepEqual(pageErrors, []);
});

test('the page runs under a strict Content-Security-Policy, and nothing it does is refused', async () => {
  const res = await fetch(BASE + '/');
  const csp = res.headers.get('content-security-policy') || '';
  for (const d of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "frame-ancestors 'none'"]) {
    assert.ok(csp.includes(d), `${d} in ${csp}`);
  }
  assert.ok(!/unsafe-inline|unsafe-eval/.test(csp), csp);
  assert.deepEqual(cspViolations, []);
});
