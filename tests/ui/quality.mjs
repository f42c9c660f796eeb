// arshif UI test: bidi, error messages, dates as printed, keyboard, layout on a
// laptop and a phone, dark theme, and axe-core (issue 22, item 7). Registered by
// ui.test.mjs in its place in the run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  apiAs,
  BASE,
  checkA11y,
  labels,
  login,
  MULTI_PAGE_FILE,
  openBrowser,
  page,
  QUERY,
  screenshot,
  STAFF,
  state,
  testId,
  waitForImageOn,
  waitForSearchScreen,
  CERT_DAY,
  resultIds,
} from './lib.mjs';

export function qualityTests() {
  const LICENCE_FILE = 'رخصة بناء 4451234.png';

  // In the browser: the characters of a left-to-right run (a <bdi dir="ltr">'s
  // text) stand left to right on screen, in the order they are stored.
  function ltrInOrder(run) {
    return run.evaluate((e) => {
      const text = e.firstChild;
      if (!text || text.nodeType !== Node.TEXT_NODE) return { ok: false, why: 'no text node' };
      const xs = [];
      for (let i = 0; i < text.data.length; i++) {
        if (!text.data[i].trim()) continue;
        const r = document.createRange();
        r.setStart(text, i);
        r.setEnd(text, i + 1);
        const b = r.getBoundingClientRect();
        if (b.width > 0) xs.push(b.left);
      }
      return { ok: xs.length > 1 && xs.every((x, i) => i === 0 || x > xs[i - 1]), xs };
    });
  }

  async function qualityLogin(options = {}) {
    const { ctx, page: p } = await openBrowser('quality', options);
    await p.goto(`${BASE}/`);
    await login(p, STAFF.user, STAFF.password);
    await waitForSearchScreen(p);
    return { ctx, p };
  }
  const waitForResultsOn = (p) => p.waitForFunction(() => {
    const r = document.querySelector('[data-testid="results"]');
    return r.dataset.for === location.hash && !r.hasAttribute('aria-busy');
  });
  const setLangOn = async (p, lang) => {
    if (await p.getAttribute('html', 'lang') !== lang) await p.click(testId('lang-switch'));
    assert.equal(await p.getAttribute('html', 'lang'), lang);
  };

  test('file names, paths, numbers and page text read in their own direction', async () => {
    const { ctx, p } = await qualityLogin({ viewport: { width: 1366, height: 768 } });
    state.quality = { ctx, page: p };
    await p.goto(`${BASE}/#/search?q=${encodeURIComponent(QUERY)}`);
    await waitForResultsOn(p);
    // the licence's file name, exactly, in an element of its own direction
    const src = p.locator(`${testId('result')}[data-id="${state.doc.id}"] ${testId('result-source')}`);
    assert.equal(await src.evaluate((e) => e.tagName), 'BDI');
    assert.equal(await src.getAttribute('dir'), 'auto');
    assert.equal(await src.textContent(), LICENCE_FILE);
    // "4451234.png" is one left-to-right run, on the left of the Arabic words (rtl)
    const run = src.locator('bdi[dir="ltr"]');
    assert.equal(await run.textContent(), '4451234.png');
    const order = await ltrInOrder(run);
    assert.ok(order.ok, `4451234.png is drawn in order: ${JSON.stringify(order.xs)}`);
    const [runBox, srcBox] = [await run.boundingBox(), await src.boundingBox()];
    assert.ok(Math.abs(runBox.x - srcBox.x) < 2, 'the extension is at the end of an Arabic name (its left)');
    // the same in the tooltip: isolates around the path and its runs
    assert.match(await src.getAttribute('title'), /^\u2068.*\u2066.*4451234\.png\u2069.*\u2069$/u);

    // the examples through the UI's own helper (core.js bidi()): each
    // holds its exact text, its runs of digits and Latin isolated left to right
    // and drawn in order inside an Arabic page
    const cases = await p.evaluate(async () => {
      const { bidi } = await import('/ui/core.js');
      const out = [];
      for (const text of ['محضر مخالفة 1445-552.pdf', 'رقم العقد: 0088-1445-7/10', 'عقد صيانة MC-1445-0088.tif',
        'inspection letter OMR-2024-0917.png']) {
        const e = bidi(text, { 'data-bidi-case': text });
        document.querySelector('#search-status').append(e);
        out.push({ text, tag: e.tagName, dir: e.dir, content: e.textContent,
          runs: [...e.querySelectorAll('bdi[dir="ltr"]')].map((r) => r.textContent) });
      }
      return out;
    });
    assert.deepEqual(cases.map((c) => [c.tag, c.dir, c.content === c.text, c.runs]), [
      ['BDI', 'auto', true, ['1445-552.pdf']],
      ['BDI', 'auto', true, ['0088-1445-7/10']],
      ['BDI', 'auto', true, ['MC-1445-0088.tif']],
      ['BDI', 'auto', true, []], // left to right already (its first letter)
    ]);
    for (const c of cases.slice(0, 3)) {
      const r = await ltrInOrder(p.locator(`[data-bidi-case="${c.text}"] bdi[dir="ltr"]`));
      assert.ok(r.ok, `${c.runs[0]} in "${c.text}" is drawn in order: ${JSON.stringify(r.xs)}`);
    }
    await p.evaluate(() => document.querySelectorAll('[data-bidi-case]').forEach((e) => e.remove()));

    // the viewer: the source path and the page text of the contract
    await p.goto(`${BASE}/#/doc/${state.contract.id}?page=1`);
    await p.waitForSelector(testId('viewer'), { state: 'visible' });
    await p.waitForSelector(testId('page-line'));
    const path0 = p.locator(testId('source-path')).first();
    assert.equal(await path0.getAttribute('dir'), 'ltr');
    assert.equal(await path0.textContent(), state.contract.sources[0]);
    const name = path0.locator(':scope > bdi[dir="auto"]').last();
    assert.equal(await name.textContent(), MULTI_PAGE_FILE);
    const ref = name.locator('bdi[dir="ltr"]');
    assert.equal(await ref.textContent(), 'MC-1445-0088.tif');
    // each line in its own direction; "0088-1445…" left to right inside the Arabic line
    const lines = p.locator(testId('page-line'));
    assert.ok(await lines.count() > 2);
    assert.ok(await lines.evaluateAll((ls) => ls.every((l) => l.getAttribute('dir') === 'auto')));
    const number = p.locator(`${testId('page-line')} bdi[dir="ltr"]`, { hasText: /^0088-1445/ }).first();
    assert.ok(await number.count(), 'the contract number is a left-to-right run');
    const numberLine = number.locator('xpath=ancestor::*[@data-testid="page-line"]');
    assert.equal(await numberLine.evaluate((l) => getComputedStyle(l).direction), 'rtl');
    const ordered = await ltrInOrder(number);
    assert.ok(ordered.ok, `${await number.textContent()} is drawn in order: ${JSON.stringify(ordered.xs)}`);
    // the English page is left to right
    await p.click(testId('page-next'));
    await p.waitForFunction(() => /page=2/.test(location.hash));
    const english = p.locator(testId('page-line'), { hasText: 'MC-1445-0088' }).first();
    await english.waitFor();
    assert.equal(await english.evaluate((l) => getComputedStyle(l).direction), 'ltr');
    await screenshot('bidi-contract', p);
  });

  test('server errors are shown in the UI\'s language: every code, and a generic message for a new one', async () => {
    const { ctx, page: p } = state.quality;
    // a bad date, in Arabic: the Arabic message, the server's English folded away
    const bad = '1445-13-01h';
    const api = await apiAs(ctx, `/api/search?from=${encodeURIComponent(bad)}`);
    assert.equal(api.body.error.code, 'bad_date');
    await p.goto(`${BASE}/#/search?from=${encodeURIComponent(bad)}`);
    const err = p.locator(testId('error'));
    await err.waitFor({ state: 'visible' });
    const message = await p.textContent('#error-message');
    assert.match(message, /^تعذّر فهم التاريخ/);
    assert.ok(!message.includes(api.body.error.message));
    const detail = err.locator(testId('server-detail'));
    assert.equal(await detail.evaluate((d) => d.open), false, 'the English detail is folded in Arabic');
    assert.equal(await detail.locator('span').getAttribute('lang'), 'en');
    assert.equal(await detail.locator('span').textContent(), api.body.error.message);
    // a code the UI does not know: a generic message, in either language
    await p.route('**/api/search?**', (r) => r.fulfill({
      status: 400, contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'some_new_code', message: 'something new went wrong' } }),
    }));
    await p.goto(`${BASE}/#/search?q=${encodeURIComponent('جديد')}`);
    await p.waitForFunction(() => document.querySelector('[data-testid="error"]').dataset.code === 'some_new_code');
    const { ar, en } = await labels();
    assert.equal(await p.textContent('#error-title'), ar.searchFailed);
    assert.equal(await p.textContent('#error-message'), ar.errors.unknown);
    await setLangOn(p, 'en');
    assert.equal(await p.textContent('#error-title'), en.searchFailed);
    assert.equal(await p.textContent('#error-message'), en.errors.unknown);
    await setLangOn(p, 'ar');
    await p.unroute('**/api/search?**');
  });

  test('the date filter takes the dates as the UI prints them', async () => {
    const { page: p } = state.quality;
    const { ar, en } = await labels();
    const [y, m, d] = CERT_DAY.hijri.split('-').map(Number);
    const printed = [
      `${d} ${ar.hijriMonths[m - 1]} ${y}هـ`,                                   // 12 رجب 1445هـ
      `${d} ${en.hijriMonths[m - 1]} ${y} AH`,                                  // 12 Rajab 1445 AH
      `${'١٢'} ${ar.hijriMonths[m - 1]} ${'١٤٤٥'}`,                             // Arabic-Indic digits, no هـ
      `24 ${ar.gregorianMonths[0]} 2024م`,                                      // 24 يناير 2024م
    ];
    for (const date of printed) {
      await p.goto(`${BASE}/#/`);
      await p.fill(testId('date-from'), date);
      await p.fill(testId('date-to'), date);
      await p.press(testId('date-to'), 'Enter');
      await p.waitForFunction((want) => new URLSearchParams(location.hash.split('?')[1] || '').get('to') === want, date);
      await waitForResultsOn(p);
      assert.ok(await p.isHidden(testId('error')), `${date} is read`);
      assert.deepEqual(await resultIds(p), [state.cert.id], date);
    }
    // what the hit shows, pasted back, finds the same document
    const shown = (await p.locator(`${testId('hit-date')} .hijri`).first().textContent()).trim();
    const api = await apiAs(state.quality.ctx, `/api/search?from=${encodeURIComponent(shown)}&to=${encodeURIComponent(shown)}`);
    assert.equal(api.status, 200, shown);
    assert.deepEqual(api.body.hits.map((h) => h.id), [state.cert.id]);
  });

  test('shortcuts work by the key\'s place on an Arabic layout, never while typing, and ? lists them', async () => {
    const { page: p } = state.quality;
    await p.goto(`${BASE}/#/doc/${state.doc.id}?q=${encodeURIComponent(QUERY)}`);
    await p.waitForSelector(`${testId('hit-box')}.current`);
    // what an Arabic layout sends: the letter of its own, the key's place as code
    const press = (key, code, extra = {}, target = 'body') => p.evaluate(([k, c, x, sel]) => {
      const e = new KeyboardEvent('keydown', { key: k, code: c, bubbles: true, cancelable: true, ...x });
      document.querySelector(sel).dispatchEvent(e);
    }, [key, code, extra, target]);
    const hit = () => p.evaluate(() => new URLSearchParams(location.hash.split('?')[1]).get('hit'));
    const before = await hit();
    await press('ى', 'KeyN');          // N on an Arabic keyboard
    await p.waitForFunction((h) => new URLSearchParams(location.hash.split('?')[1]).get('hit') !== h, before);
    assert.equal(await hit(), '2');
    await press('ح', 'KeyP');          // P
    await p.waitForFunction(() => new URLSearchParams(location.hash.split('?')[1]).get('hit') === '1');
    await press('ظ', 'Slash');         // /
    assert.equal(await p.evaluate(() => document.activeElement.id), 'q');
    await press('ى', 'KeyN', {}, '#q'); // typing in the search box: no shortcut
    await p.waitForTimeout(100);
    assert.equal(await hit(), '1');
    // ? (Shift+/; ؟ on an Arabic keyboard): the help, listing them, focus kept inside
    await p.evaluate(() => document.activeElement.blur());
    await press('؟', 'Slash', { shiftKey: true });
    const help = p.locator(testId('shortcuts'));
    await help.waitFor({ state: 'visible' });
    assert.equal(await p.evaluate(() => document.querySelector('[data-testid="shortcuts"]').open), true);
    const items = await p.locator(`${testId('shortcuts-list')} dd`).allTextContents();
    assert.ok(items.length >= 4 && items.includes('الانتقال إلى مربع البحث'), items.join(' | '));
    for (let i = 0; i < 4; i++) {
      await p.keyboard.press('Tab');
      assert.ok(await p.evaluate(() => document.querySelector('[data-testid="shortcuts"]').contains(document.activeElement)),
        'Tab stays in the help');
    }
    await checkA11y(p, 'shortcuts help, Arabic');
    await screenshot('shortcuts-ar', p);
    await p.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });
    await setLangOn(p, 'en');
    await p.click(testId('shortcuts-open'));
    await help.waitFor({ state: 'visible' });
    assert.ok((await p.locator(`${testId('shortcuts-list')} dd`).allTextContents()).includes('Go to the search box'));
    await p.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });
    assert.equal(await p.evaluate(() => document.activeElement.dataset.testid), 'shortcuts-open', 'focus returns');
    await setLangOn(p, 'ar');
  });

  test('at 1366×768: the first result is a few Tabs from the search box, a document opens on its title with its page high up', async () => {
    const { page: p } = state.quality;
    for (const lang of ['ar', 'en']) {
      await p.goto(`${BASE}/#/search?q=${encodeURIComponent(QUERY)}`);
      await setLangOn(p, lang);
      await waitForResultsOn(p);
      await p.focus(testId('search-input'));
      let tabs = 0;
      for (; tabs < 4; tabs++) {
        if (await p.evaluate(() => document.activeElement.dataset.testid === 'result-link')) break;
        await p.keyboard.press('Tab');
      }
      assert.ok(await p.evaluate(() => document.activeElement === document.querySelector('[data-testid="result-link"]')),
        `${lang}: the first result within 4 Tabs of the search box`);
      await checkA11y(p, `search, ${lang}`);
      await screenshot(`search-1366-${lang}`, p);
      // Enter opens it; focus on its title
      await p.keyboard.press('Enter');
      await p.waitForSelector(testId('viewer'), { state: 'visible' });
      await p.waitForFunction(() => document.activeElement && document.activeElement.id === 'doc-title');
      await waitForImageOn(p);
      const top = (await p.locator(testId('page-image')).boundingBox()).y;
      assert.ok(top < 300, `${lang}: the page image starts ${top}px down`);
      await checkA11y(p, `viewer, ${lang}`);
      await screenshot(`viewer-1366-${lang}`, p);
    }
    await setLangOn(p, 'ar');
  });

  test('on a phone (390×844) the results come first, the filters and facets folded behind a toggle', async () => {
    const { page: p } = state.quality;
    await p.setViewportSize({ width: 390, height: 844 });
    for (const lang of ['ar', 'en']) {
      await p.goto(`${BASE}/#/search?q=${encodeURIComponent(QUERY)}&branch=hofuf`);
      await setLangOn(p, lang);
      await waitForResultsOn(p);
      const toggle = p.locator(testId('filters-toggle'));
      assert.ok(await toggle.isVisible());
      assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
      assert.match(await toggle.textContent(), /1/, 'says a filter is set');
      assert.ok(await p.isHidden(testId('branch-filter')) && await p.isHidden(testId('facets')));
      const top = (await p.locator(testId('result')).first().boundingBox()).y;
      assert.ok(top < 400, `${lang}: the first result starts ${top}px down`);
      await p.focus(testId('search-input'));
      for (let i = 0; i < 4 && !await p.evaluate(() => document.activeElement.dataset.testid === 'result-link'); i++) {
        await p.keyboard.press('Tab');
      }
      assert.equal(await p.evaluate(() => document.activeElement.dataset.testid), 'result-link', `${lang}: ≤ 4 Tabs on a phone`);
      await checkA11y(p, `phone search, ${lang}`);
      await screenshot(`search-390-${lang}`, p);
      await toggle.click();
      assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
      assert.ok(await p.isVisible(testId('branch-filter')) && await p.isVisible(testId('facets')));
      assert.equal(await p.evaluate(() => document.activeElement.id), 'branch', 'focus goes to the first filter');
      await screenshot(`search-390-${lang}-filters`, p);
      await toggle.click();
      assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
      assert.ok(await p.isHidden(testId('branch-filter')), 'folded again');
      await p.locator(testId('result-link')).first().click();
      await p.waitForSelector(testId('viewer'), { state: 'visible' });
      await waitForImageOn(p);
      assert.ok(await toggle.isHidden(), 'no filter toggle where there are no filters');
      await checkA11y(p, `phone viewer, ${lang}`);
      await screenshot(`viewer-390-${lang}`, p);
    }
    await setLangOn(p, 'ar');
    await p.setViewportSize({ width: 1366, height: 768 });
  });

  test('a dark theme follows the system\'s', async () => {
    const { ctx, p } = await qualityLogin({ viewport: { width: 1366, height: 768 }, colorScheme: 'dark' });
    await p.goto(`${BASE}/#/search?q=${encodeURIComponent(QUERY)}`);
    await waitForResultsOn(p);
    const bg = await p.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    const [r, g, b] = bg.match(/\d+/g).map(Number);
    assert.ok(r + g + b < 150, `a dark background: ${bg}`);
    await checkA11y(p, 'search, dark');
    await screenshot('search-dark-ar', p);
    await p.locator(testId('result-link')).first().click();
    await waitForImageOn(p);
    await checkA11y(p, 'viewer, dark');
    await screenshot('viewer-dark-ar', p);
    await ctx.close();
  });
}
