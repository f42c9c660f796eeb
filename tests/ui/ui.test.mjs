// End-to-end test of arshif's browser UI, used as a branch clerk would use it.
// Run by scripts/test-ui.sh against a server on ARSHIF_URL whose archive
// holds the sample scans (see that script). Screenshots of each step go to
// target/ui-artifacts/ (or $ARSHIF_ARTIFACTS).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = (process.env.ARSHIF_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const ARTIFACTS = process.env.ARSHIF_ARTIFACTS
  || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../target/ui-artifacts');

// Printed on samples/scans/ar/رخصة بناء 4451234.png: "رخصة بناء", "رقم الرخصة",
// "هذه الرخصة" (samples/golden/ar/ has its OCR text). Typed the way a clerk
// types it, with ه for the final ة and no diacritics.
const QUERY = 'رخصه';
const QUERY_PRINTED = 'رخصة';
// Printed on page 1 ("بلدية العمران") and page 3 ("رئيس بلدية العمران") of
// samples/scans/mixed/عقد صيانة MC-1445-0088.tif: next-match must cross pages.
const MULTI_PAGE_QUERY = 'العمران';
const MULTI_PAGE_FILE = 'عقد صيانة MC-1445-0088.tif';
const PX = 2; // allowed difference, in CSS pixels, between a box and its word

let browser;
let context;
let page;
let shot = 0;
const pageErrors = [];
const state = {}; // what one step learns for the next ones

async function screenshot(name) {
  shot += 1;
  const file = path.join(ARTIFACTS, `${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

async function getJson(p) {
  const res = await fetch(BASE + p);
  const body = await res.json().catch(() => null);
  return { status: res.status, body };
}

// Arabic as a clerk types it: no diacritics or tatweel, one alef, ه for ة,
// ي for ى; punctuation dropped; Latin lower-cased.
function fold(s) {
  return s.normalize('NFKC')
    .replace(/[\u064B-\u065F\u0670\u0640]/g, '')
    .replace(/[أإآٱ]/g, 'ا')
    .replace(/ة/g, 'ه')
    .replace(/ى/g, 'ي')
    .replace(/[^\p{L}\p{N}]/gu, '')
    .toLowerCase();
}

const hash = () => page.evaluate(() => decodeURIComponent(location.hash));

// The result list shows the search in the URL, and no search is running.
async function waitForResults() {
  await page.waitForFunction(() => {
    const r = document.querySelector('[data-testid="results"]');
    return r.offsetParent !== null && r.dataset.for === location.hash && !r.hasAttribute('aria-busy');
  });
}
const testId = (id) => `[data-testid="${id}"]`;

async function waitForImage() {
  await page.waitForFunction(() => {
    const img = document.querySelector('[data-testid="page-image"]');
    return img && img.complete && img.naturalWidth > 0 && img.dataset.loaded === '1';
  });
}

// Every highlight box on screen, the image's rectangle, and which page is shown.
function readViewer() {
  return page.evaluate(() => {
    const img = document.querySelector('[data-testid="page-image"]');
    const r = img.getBoundingClientRect();
    const boxes = [...document.querySelectorAll('[data-testid="hit-box"]')].map((b) => {
      const br = b.getBoundingClientRect();
      return {
        box: b.dataset.box.split(',').map(Number),
        page: Number(b.dataset.page),
        current: b.classList.contains('current'),
        rect: { x: br.left - r.left, y: br.top - r.top, w: br.width, h: br.height },
      };
    });
    return {
      hash: decodeURIComponent(location.hash),
      img: { w: r.width, h: r.height, naturalW: img.naturalWidth, naturalH: img.naturalHeight, src: img.src },
      boxes,
    };
  });
}

// (a) each box sits on its word: data-box scaled by displayed width / page
// width, within PX, relative to the image; (b) the OCR word with that box is
// the query's word (folded), or the server's own search for it finds the
// document.
async function checkBoxesOnWords(doc, query, label) {
  const v = await readViewer();
  assert.ok(v.boxes.length > 0, `${label}: no highlight boxes`);
  const pageNo = v.boxes[0].page;
  const p = doc.pages.find((x) => x.number === pageNo);
  assert.ok(p, `${label}: page ${pageNo} is not in the document`);
  // the image is the upright page, at the page's proportions
  assert.ok(Math.abs(v.img.naturalW / v.img.naturalH - p.width / p.height) < 0.01,
    `${label}: image ${v.img.naturalW}×${v.img.naturalH} is not page ${p.width}×${p.height}`);
  const scale = v.img.w / p.width;
  const words = p.words || [];
  for (const b of v.boxes) {
    assert.equal(b.page, pageNo, `${label}: boxes of two pages shown at once`);
    const [x, y, w, h] = b.box;
    const want = { x: x * scale, y: y * scale, w: w * scale, h: h * scale };
    for (const k of ['x', 'y', 'w', 'h']) {
      assert.ok(Math.abs(b.rect[k] - want[k]) <= PX,
        `${label}: box ${b.box} ${k} is ${b.rect[k].toFixed(1)}px on screen, expected ${want[k].toFixed(1)}px (scale ${scale.toFixed(4)})`);
    }
    const word = words.find((wd) => wd.box.every((n, i) => n === b.box[i]));
    assert.ok(word, `${label}: no OCR word on page ${pageNo} has the box ${b.box}`);
    if (!fold(word.text).includes(fold(query))) {
      // a stemmed or OCR-tolerant match: the server must find the document by that word
      const r = await getJson(`/api/search?q=${encodeURIComponent(word.text.replace(/[^\p{L}\p{N}]/gu, ''))}&limit=100`);
      assert.equal(r.status, 200, `${label}: searching ${word.text}`);
      assert.ok(r.body.hits.some((hh) => hh.id === doc.id),
        `${label}: box ${b.box} is on "${word.text}", which neither is "${query}" nor finds the document`);
    }
  }
  return v;
}

before(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    acceptDownloads: true,
  });
  page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on('pageerror', (e) => pageErrors.push(String(e)));
});

after(async () => {
  await browser?.close();
});

test('opens in Arabic, right to left', async () => {
  await page.goto(`${BASE}/`);
  assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
  assert.equal(await page.getAttribute('html', 'lang'), 'ar');
  assert.equal((await page.textContent(testId('search-button'))).trim(), 'بحث');
  assert.match(await page.textContent(testId('lang-switch')), /English/);
  // the filters are filled from /api/facets
  await page.waitForSelector(`${testId('branch-filter')} option[value="hofuf"]`, { state: 'attached' });
  await page.waitForSelector(`${testId('type-filter')} option[value="licence"]`, { state: 'attached' });
  await screenshot('home-ar');
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
  // an import date in the future: nothing
  const tomorrow = new Date(Date.now() + 2 * 86400e3).toISOString().slice(0, 10);
  await page.fill(testId('date-from'), tomorrow);
  await page.waitForFunction((d) => location.hash.includes(`from=${d}`), tomorrow);
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
  await page.waitForSelector(testId('hit-box'));
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
  // the searchable PDF link answers with a PDF
  const href = await page.getAttribute(testId('download-pdf'), 'href');
  const res = await fetch(new URL(href, BASE));
  assert.equal(res.status, 200);
  const head = Buffer.from(await res.arrayBuffer()).subarray(0, 5).toString('latin1');
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
  await page.waitForSelector(testId('hit-box'));
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

test('reload and back/forward keep the view', async () => {
  await page.goto(`${BASE}/#/doc/${state.doc.id}?q=${encodeURIComponent(QUERY)}`);
  await waitForImage();
  await page.waitForSelector(testId('hit-box'));
  await page.reload();
  await page.waitForSelector(testId('viewer'), { state: 'visible' });
  await waitForImage();
  await page.waitForSelector(testId('hit-box'));
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
  // Arabic titles and snippets still read right to left inside the English page
  const dir = await page.locator(testId('snippet')).first().evaluate((e) => getComputedStyle(e).direction);
  assert.equal(dir, 'rtl');
  await screenshot('results-en');
  await page.click(`${testId('result')}[data-id="${state.doc.id}"] ${testId('result-link')}`);
  await waitForImage();
  await page.waitForSelector(testId('hit-box'));
  assert.equal((await page.textContent(testId('download-original'))).trim(), 'Download original');
  await checkBoxesOnWords(state.doc, QUERY, 'English page');
  await screenshot('viewer-en');
  // the choice is remembered
  await page.reload();
  await page.waitForSelector(testId('viewer'), { state: 'visible' });
  assert.equal(await page.getAttribute('html', 'dir'), 'ltr');
});

test('no script errors on the page', () => {
  assert.deepEqual(pageErrors, []);
});
