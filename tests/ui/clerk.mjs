// arshif UI test: a clerk's day at the desk (issue 22, "done when"). The
// clerk uploads a 12-page scanner PDF holding four documents divided by
// three separator sheets, reviews the four from the keyboard, fixing one
// reference number on the way, finds that document by the fixed number,
// sets the type of two of them at once, and an auditor sees all of it in
// the audit log. Screenshots at 1366×768 and 390×844, in Arabic and in
// English; axe-core on the review and list screens. Registered by
// ui.test.mjs in its place in the run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AUDITOR,
  BASE,
  checkA11y,
  env,
  login,
  openBrowser,
  screenshot,
  testId,
  waitForSearchScreen,
} from './lib.mjs';

export function clerkTests() {
  const CLERK = { user: env('ARSHIF_CLERK_USER'), password: env('ARSHIF_CLERK_PASSWORD') };
  const BATCH_PDF = env('ARSHIF_BATCH_PDF');
  // The number the clerk types over what was read: new to the archive, so
  // that finding it proves the fix (Arabic-Indic, as the form prints it;
  // searched for in Western digits, as staff type).
  const FIXED = '٤٤٥١٢٩٧';
  const FIXED_WESTERN = '4451297';
  const s = {}; // what one step learns for the next

  const json = async (p, path, opts = {}) => p.evaluate(async ([url, o]) => {
    const headers = { Accept: 'application/json' };
    const res = await fetch(url, { credentials: 'same-origin', headers, ...o });
    return { status: res.status, body: await res.json().catch(() => null) };
  }, [path, opts]);

  test('the clerk uploads a 12-page batch scan with three separator sheets and gets four documents', async () => {
    assert.ok(CLERK.user && CLERK.password && BATCH_PDF, 'ARSHIF_CLERK_* and ARSHIF_BATCH_PDF are set');
    ({ ctx: s.ctx, page: s.p } = await openBrowser('clerk', { viewport: { width: 1366, height: 768 } }));
    const p = s.p;
    await p.goto(`${BASE}/#/upload`);
    await login(p, CLERK.user, CLERK.password);
    await p.waitForSelector(testId('upload-view'), { state: 'visible' });
    await p.selectOption(testId('upload-split'), 'sheet');
    await p.setInputFiles(testId('upload-files'), BATCH_PDF);
    const row = p.locator(testId('upload-row')).last();
    await row.waitFor();
    // done when the row names its documents (the server reads 9 pages)
    await p.waitForFunction(() => {
      const r = [...document.querySelectorAll('[data-testid="upload-row"]')].pop();
      return r && (r.dataset.state === 'done' || r.dataset.state === 'failed');
    }, null, { timeout: 240000 });
    assert.equal(await row.getAttribute('data-state'), 'done', await row.textContent());
    const links = await row.locator(testId('upload-doc')).evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    s.ids = [...new Set(links.map((h) => Number(h.match(/^#\/doc\/(\d+)/)[1])))];
    assert.equal(s.ids.length, 4, `four documents: ${links.join(' ')}`);
    await screenshot('clerk-upload-done', p);
    // each document names the batch scan and its pages in it
    const ranges = [];
    for (const id of s.ids) {
      const d = (await json(p, `/api/documents/${id}`)).body;
      assert.equal(d.review, 'pending', `document ${id} awaits review`);
      ranges.push(d.sources[0].source_pages);
    }
    assert.deepEqual(ranges.sort((a, b) => a[0] - b[0]), [[1, 2], [4, 6], [8, 9], [11, 12]]);
  });

  test('the clerk reviews the four from the keyboard alone, fixing one reference number', async () => {
    const p = s.p;
    // from the upload's outcome: "review the 4 new documents"
    await p.focus(testId('upload-review'));
    await p.keyboard.press('Enter');
    await p.waitForFunction(() => location.hash.startsWith('#/review?ids='));
    assert.deepEqual((await p.evaluate(() => location.hash)).split('=')[1].split(',').map(Number).sort((a, b) => a - b),
      [...s.ids].sort((a, b) => a - b));
    await p.waitForSelector(testId('review-form'), { state: 'visible' });
    const current = async () => {
      await p.waitForFunction(() => {
        const img = document.querySelector('[data-testid="review-image"]');
        return img && img.dataset.loaded === '1'
          && document.activeElement === document.querySelector('[data-testid="review-confirm"]');
      });
      const href = await p.getAttribute(testId('review-doc-link'), 'href');
      return Number(href.match(/^#\/doc\/(\d+)/)[1]);
    };
    const seen = [];
    for (let i = 0; i < 4; i++) {
      const id = await current();
      assert.ok(s.ids.includes(id) && !seen.includes(id), `a document of the batch, once: ${id}`);
      seen.push(id);
      if (i === 0) {
        await checkA11y(p, 'review');
        await screenshot('clerk-review-ar-1366', p);
        await p.setViewportSize({ width: 390, height: 844 });
        await screenshot('clerk-review-ar-390', p);
        await p.click(testId('lang-switch'));
        await screenshot('clerk-review-en-390', p);
        await p.setViewportSize({ width: 1366, height: 768 });
        await screenshot('clerk-review-en-1366', p);
        await checkA11y(p, 'review (English)');
        await p.click(testId('lang-switch'));
        await p.focus(testId('review-confirm'));
        // from the confirm button back to the reference numbers, over
        // what was read, then Enter: saved, reviewed, and the next one
        await p.keyboard.press('Shift+Tab');
        assert.equal(await p.evaluate(() => document.activeElement.dataset.testid), 'review-refs');
        await p.keyboard.press('Control+A');
        await p.keyboard.type(FIXED);
        s.fixed = id;
      }
      await p.keyboard.press('Enter');
      if (i < 3) await p.waitForFunction((was) => {
        const a = document.querySelector('[data-testid="review-doc-link"]');
        return a && !a.getAttribute('href').startsWith(`#/doc/${was}?`) && a.getAttribute('href') !== `#/doc/${was}`;
      }, id);
    }
    await p.waitForSelector(testId('review-empty'), { state: 'visible' });
    await screenshot('clerk-review-finished', p);
    for (const id of s.ids) {
      const d = (await json(p, `/api/documents/${id}`)).body;
      assert.equal(d.review, 'done', `document ${id} reviewed`);
      assert.equal(d.reviewed.by, CLERK.user);
    }
    const fixed = (await json(p, `/api/documents/${s.fixed}`)).body;
    assert.deepEqual(fixed.reference_numbers, [FIXED]);
  });

  test('the clerk finds that document by the fixed number, typed in Western digits', async () => {
    const p = s.p;
    await p.fill(testId('search-input'), FIXED_WESTERN);
    await p.press(testId('search-input'), 'Enter');
    await p.waitForFunction((q) => {
      const list = document.querySelector('[data-testid="results"]');
      return list && (list.dataset.for || '').includes(encodeURIComponent(q));
    }, FIXED_WESTERN);
    const ids = await p.locator(testId('result')).evaluateAll((lis) => lis.map((li) => Number(li.dataset.id)));
    assert.deepEqual(ids, [s.fixed]);
    await screenshot('clerk-found-by-fixed-number', p);
  });

  test('the clerk selects two documents in the list and sets their type at once', async () => {
    const p = s.p;
    await p.goto(`${BASE}/#/search?sort=-imported`);
    await p.waitForSelector(`${testId('browse-list')}[data-for="#/search?sort=-imported"]`);
    s.typed = s.ids.filter((x) => x !== s.fixed).slice(0, 2);
    for (const id of s.typed) await p.check(`${testId('doc-entry')}[data-id="${id}"] ${testId('select-doc')}`);
    await p.waitForSelector(testId('bulk'), { state: 'visible' });
    assert.equal(await p.getAttribute(testId('bulk-count'), 'data-count'), '2');
    assert.equal(await p.textContent(testId('bulk-count')), 'وثيقتان محددتان');
    await checkA11y(p, 'list with a selection');
    await screenshot('clerk-list-selected-ar-1366', p);
    await p.selectOption(testId('bulk-type'), 'memo');
    await p.click(testId('bulk-type-apply'));
    await p.waitForSelector(testId('bulk-done'));
    for (const id of s.typed) {
      const d = (await json(p, `/api/documents/${id}`)).body;
      assert.equal(d.doc_type, 'memo', `document ${id}`);
    }
    await p.setViewportSize({ width: 390, height: 844 });
    await screenshot('clerk-list-ar-390', p);
    await p.click(testId('lang-switch'));
    await screenshot('clerk-list-en-390', p);
    await p.setViewportSize({ width: 1366, height: 768 });
    await screenshot('clerk-list-en-1366', p);
    await checkA11y(p, 'list (English)');
    await p.click(testId('lang-switch'));
  });

  test('an auditor sees the upload, the reviews, the fixed number and the bulk edit in the audit log', async () => {
    const { ctx, page: p } = await openBrowser('auditor', { viewport: { width: 1366, height: 768 } });
    try {
      await p.goto(`${BASE}/#/audit?user=${encodeURIComponent(CLERK.user)}&limit=100`);
      await login(p, AUDITOR.user, AUDITOR.password);
      await p.waitForSelector(testId('audit-view'), { state: 'visible' });
      await p.waitForFunction((user) => {
        const rows = [...document.querySelectorAll('[data-testid="audit-entry"]')];
        return rows.length > 0 && rows.every((r) => r.dataset.actor === user);
      }, CLERK.user);
      const entries = await p.locator(testId('audit-entry')).evaluateAll((rows) => rows.map((r) => ({
        action: r.dataset.action, text: r.textContent,
      })));
      const actions = entries.map((e) => e.action);
      assert.ok(actions.includes('import'), actions.join());
      assert.ok(actions.includes('bulk_edit'), actions.join());
      const reviews = entries.filter((e) => e.action === 'review' || e.action === 'correct');
      assert.ok(reviews.length >= 4, `four reviews: ${actions.join()}`);
      assert.ok(entries.some((e) => e.text.includes(FIXED)), 'the fixed number is in the log');
      await screenshot('clerk-audit-log', p);
    } finally {
      await ctx.close();
    }
    await s.ctx.close();
  });
}
