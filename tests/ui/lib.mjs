// arshif UI test: the shared browser, the people it logs in as, and the helpers
// every part of the test uses (ui.test.mjs runs the parts in order).

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const BASE = (process.env.ARSHIF_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
export const ARTIFACTS = process.env.ARSHIF_ARTIFACTS || path.resolve(HERE, '../../target/ui-artifacts');
export const UI_DIR = path.resolve(HERE, '../../crates/server/src/ui');
export const SERVER_SRC = path.resolve(HERE, '../../crates/server/src');
export const AXE_JS = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export function env(name, fallback) {
  const v = process.env[name] || fallback;
  if (!v) throw new Error(`${name} is not set: run this test with scripts/test-ui.sh (make test-ui)`);
  return v;
}
export const ADMIN = { user: env('ARSHIF_ADMIN_USER', 'admin'), otp: env('ARSHIF_ADMIN_OTP') };
export const ADMIN_NEW_PASSWORD = `arshif-${randomBytes(8).toString('hex')}`;
export const STAFF = { user: env('ARSHIF_STAFF_USER'), password: env('ARSHIF_STAFF_PASSWORD') }; // of hofuf
export const OTHER = { user: env('ARSHIF_OTHER_USER'), password: env('ARSHIF_OTHER_PASSWORD'), branch: env('ARSHIF_OTHER_BRANCH', 'omran') };
export const AUDITOR = { user: env('ARSHIF_AUDITOR_USER'), password: env('ARSHIF_AUDITOR_PASSWORD') };

// Printed on samples/scans/ar/رخصة بناء 4451234.png: "رخصة بناء", "رقم الرخصة",
// "هذه الرخصة" (samples/golden/ar/ has its OCR text). Typed the way a clerk
// types it, with ه for the final ة and no diacritics.
export const QUERY = 'رخصه';
export const QUERY_PRINTED = 'رخصة';
// Printed on page 1 ("بلدية العمران") and page 3 ("رئيس بلدية العمران") of
// samples/scans/mixed/عقد صيانة MC-1445-0088.tif: next-match must cross pages.
export const MULTI_PAGE_QUERY = 'العمران';
export const MULTI_PAGE_FILE = 'عقد صيانة MC-1445-0088.tif';
export const PX = 2; // allowed difference, in CSS pixels, between a box and its word

export let browser;
export let context; // the hofuf staff user's browser (most tests)
export let page;
export let shot = 0;
export const pageErrors = [];
export const cspViolations = []; // what the Content-Security-Policy refused
export const posts = []; // every POST the pages made: { who, url, headers }
export const state = {}; // what one step learns for the next ones

export async function screenshot(name, p = page) {
  shot += 1;
  const file = path.join(ARTIFACTS, `${String(shot).padStart(2, '0')}-${name}.png`);
  await p.screenshot({ path: file, fullPage: true });
  return file;
}

// axe-core on the page as it is now: no serious or critical violation. A
// helper for every screen (search, viewer, and those to come). The page's
// Content-Security-Policy allows no inline script, so axe's source is
// evaluated through the DevTools protocol (page.evaluate), which it does
// not govern; nothing is added to the page's own scripts.
export let axeSource = null;
export async function checkA11y(p, label) {
  axeSource = axeSource || await readFile(AXE_JS, 'utf8');
  if (!await p.evaluate(() => Boolean(window.axe))) await p.evaluate(axeSource);
  const violations = await p.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary || ''}`.slice(0, 300)),
    }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${label}: axe-core found ${bad.length} serious or critical violations:\n${JSON.stringify(bad, null, 2)}`);
  return violations;
}

// A browser of its own (cookies, storage) for one person.
export async function openBrowser(who, options = {}) {
  const ctx = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    acceptDownloads: true,
    ...options,
  });
  const p = await ctx.newPage();
  p.setDefaultTimeout(15000);
  p.on('pageerror', (e) => pageErrors.push(`${who}: ${e}`));
  p.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) cspViolations.push(`${who}: ${m.text()}`);
  });
  p.on('request', (r) => {
    if (r.method() === 'POST') posts.push({ who, url: r.url(), headers: r.headers() });
  });
  return { ctx, page: p };
}

// The API as that browser's session sees it (its cookies).
export async function apiAs(ctx, p, opts = {}) {
  const res = opts.method === 'POST'
    ? await ctx.request.post(BASE + p, { data: opts.data, headers: opts.headers, failOnStatusCode: false })
    : await ctx.request.get(BASE + p, { failOnStatusCode: false });
  const body = await res.json().catch(() => null);
  return { status: res.status(), body, headers: res.headers() };
}
export const getJson = (p) => apiAs(context, p);

export async function login(p, user, password) {
  await p.waitForSelector(testId('login-view'), { state: 'visible' });
  await p.fill(testId('login-user'), user);
  await p.fill(testId('login-password'), password);
  await p.click(testId('login-button'));
}

// The search screen is up (after logging in).
export async function waitForSearchScreen(p) {
  await p.waitForSelector(testId('search-input'), { state: 'visible' });
  await p.waitForSelector(testId('login-view'), { state: 'hidden' });
}

// Arabic as a clerk types it: no diacritics or tatweel, one alef, ه for ة,
// ي for ى; punctuation dropped; Latin lower-cased.
export function fold(s) {
  return s.normalize('NFKC')
    .replace(/[\u064B-\u065F\u0670\u0640]/g, '')
    .replace(/[أإآٱ]/g, 'ا')
    .replace(/ة/g, 'ه')
    .replace(/ى/g, 'ي')
    .replace(/[^\p{L}\p{N}]/gu, '')
    .toLowerCase();
}

export const hash = () => page.evaluate(() => decodeURIComponent(location.hash));

// The result list shows the search in the URL, and no search is running.
export async function waitForResults() {
  await page.waitForFunction(() => {
    const r = document.querySelector('[data-testid="results"]');
    return r.offsetParent !== null && r.dataset.for === location.hash && !r.hasAttribute('aria-busy');
  });
}
export const testId = (id) => `[data-testid="${id}"]`;

// The viewer shows the page of the first match once the matches arrive, which
// may be another page than the one it opened on: wait for the boxes, then for
// the image of the page they are on.
export async function waitForHitsAndImage() {
  await page.waitForSelector(testId('hit-box'));
  await waitForImage();
}

export async function waitForImage() {
  await waitForImageOn(page);
}
export async function waitForImageOn(p) {
  await p.waitForFunction(() => {
    const img = document.querySelector('[data-testid="page-image"]');
    return img && img.complete && img.naturalWidth > 0 && img.dataset.loaded === '1';
  });
}

// Every highlight box on screen, the image's rectangle, and which page is shown.
export function readViewer() {
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
export async function checkBoxesOnWords(doc, query, label) {
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


// The I18N table of i18n.js, read as data (it is a plain object literal).
export async function labels() {
  const src = await readFile(path.join(UI_DIR, 'i18n.js'), 'utf8');
  const start = src.indexOf('{', src.indexOf('export const I18N = {'));
  const end = src.indexOf('\n};\n', start);
  assert.ok(start > 0 && end > start, 'the I18N table is found in i18n.js');
  // eslint-disable-next-line no-new-func
  return new Function(`return ${src.slice(start, end + 2)}`)();
}

// The samples' dates and numbers, as read from their text (see ui.test.mjs).
export const CERT_FILE = 'شهادة صحية 27507976.jpg';
export const CERT_DAY = { hijri: '1445-07-12', gregorian: '2024-01-24' };
export const CERT_REF = '27507976';
export const LETTER_FILE = 'inspection letter OMR-2024-0917.png';
export const LETTER_DAY = { hijri: '1446-03-12', gregorian: '2024-09-15' };

// Every document of an API search, found by its file's name.
export const bySource = (hits, file) => hits.find((h) => h.sources.some((src) => src.endsWith(file)));
export const resultIds = (p = page) => p.locator(testId('result')).evaluateAll((lis) => lis.map((li) => Number(li.dataset.id)));
export const sorted = (ids) => [...ids].sort((a, b) => a - b);

export async function setup() {
  await mkdir(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  ({ ctx: context, page } = await openBrowser('staff'));
}

export async function teardown() {
  await browser?.close();
}
