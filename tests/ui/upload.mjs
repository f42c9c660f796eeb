// arshif UI test: the upload screen (#/upload, issue 22 item 1). The
// administrator uploads two scans (neutral copies with bytes of their own,
// so that they are new), sees each file's progress and outcome, uploads one
// of them again and sees it reported as a duplicate with a link to the
// document it repeats. Registered by ui.test.mjs near the end of the run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, appendFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ADMIN,
  ADMIN_NEW_PASSWORD,
  BASE,
  checkA11y,
  HERE,
  login,
  openBrowser,
  screenshot,
  state,
  testId,
  waitForSearchScreen,
} from './lib.mjs';

const SAMPLES = path.resolve(HERE, '../../samples/scans');
const SOURCES = ['ar/رخصة بناء 4451234.png', 'en/inspection letter OMR-2024-0917.png'];

export function uploadTests() {
  let dir;
  let files;
  let p;
  let ctx;

  // Every row finished (done or failed), and as many rows as expected.
  const allFinished = (n) => p.waitForFunction((want) => {
    const rows = [...document.querySelectorAll('[data-testid="upload-row"]')];
    return rows.length === want && rows.every((r) => ['done', 'failed'].includes(r.dataset.state));
  }, n, { timeout: 120000 });
  const rows = () => p.locator(testId('upload-row')).evaluateAll((lis) => lis.map((li) => ({
    state: li.dataset.state,
    name: li.querySelector('.upload-name').textContent,
    results: [...li.querySelectorAll('[data-status]')].map((r) => r.dataset.status),
    links: [...li.querySelectorAll('[data-testid="upload-doc"]')].map((a) => a.getAttribute('href')),
    progress: li.querySelector('progress') && [li.querySelector('progress').value, li.querySelector('progress').max],
  })));

  test('upload: the administrator drops two scans, sees each one\'s progress and new documents', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'arshif-upload-'));
    files = [];
    for (const [i, src] of SOURCES.entries()) {
      const f = path.join(dir, `scan-${String(i + 1).padStart(4, '0')}.png`);
      await copyFile(path.join(SAMPLES, src), f);
      // bytes after the PNG's end: the same picture, a file of its own
      await appendFile(f, randomBytes(16));
      files.push(f);
    }
    ({ ctx, page: p } = await openBrowser('uploader', { viewport: { width: 1366, height: 768 } }));
    await p.goto(`${BASE}/`);
    await login(p, ADMIN.user, ADMIN_NEW_PASSWORD);
    await waitForSearchScreen(p);
    assert.ok(await p.isVisible(testId('nav-upload')), 'an administrator may import');
    await p.click(testId('nav-upload'));
    await p.waitForSelector(testId('upload-view'), { state: 'visible' });
    assert.ok(await p.isHidden(testId('search-input')), 'no search box on the upload screen');
    // the drop zone is a button with a name, reachable by keyboard
    const drop = p.locator(testId('upload-drop'));
    assert.equal(await drop.evaluate((e) => e.tagName), 'BUTTON');
    assert.ok((await drop.textContent()).trim().length > 5);
    await p.waitForSelector(`${testId('upload-branch')} option[value="hofuf"]`, { state: 'attached' });
    await p.selectOption(testId('upload-branch'), 'hofuf');
    assert.ok(await p.locator(`${testId('upload-split')} option`).count() === 3);

    // count the progress the page shows while the files go
    await p.evaluate(() => {
      window.seenStates = new Set();
      new MutationObserver(() => {
        for (const r of document.querySelectorAll('[data-testid="upload-row"]')) window.seenStates.add(r.dataset.state);
      }).observe(document.querySelector('[data-testid="upload-list"]'), { subtree: true, attributes: true, childList: true });
    });
    await p.setInputFiles(testId('upload-files'), files);
    await allFinished(2);
    const got = await rows();
    assert.deepEqual(got.map((r) => r.name), ['scan-0001.png', 'scan-0002.png']);
    for (const r of got) {
      assert.equal(r.state, 'done', JSON.stringify(got));
      assert.deepEqual(r.results, ['ingested'], JSON.stringify(got));
      assert.match(r.links[0], /^#\/doc\/\d+$/);
      assert.equal(r.progress[0], r.progress[1], 'the bar is full');
    }
    const seen = await p.evaluate(() => [...window.seenStates]);
    assert.ok(seen.includes('sending') || seen.includes('queued') || seen.includes('running'), `progress shown: ${seen}`);
    assert.match(await p.textContent(testId('upload-summary')), /2/);
    state.uploaded = got.map((r) => Number(r.links[0].split('/').pop()));

    // the server has the tasks, with their reports
    const tasks = await p.evaluate(async () => (await fetch('/api/tasks')).json());
    assert.ok(tasks.tasks.length >= 2, JSON.stringify(tasks));
    assert.equal(tasks.tasks[0].state, 'done');
    assert.equal(tasks.tasks[0].report.ingested, 1);
    await checkA11y(p, 'upload');
    await screenshot('upload-ar-1366', p);
  });

  test('upload: the same scan again is a duplicate, linked to the document it repeats; the screen keeps its rows', async () => {
    await p.setInputFiles(testId('upload-files'), [files[0]]);
    await allFinished(3);
    const got = await rows();
    assert.deepEqual(got[2].results, ['duplicate'], JSON.stringify(got));
    assert.equal(got[2].links[0], `#/doc/${state.uploaded[0]}`);
    // away and back: the rows are still there (the tasks ran on the server)
    await p.click(testId('nav-search'));
    await waitForSearchScreen(p);
    await p.click(testId('nav-upload'));
    await p.waitForSelector(testId('upload-view'), { state: 'visible' });
    assert.equal(await p.locator(testId('upload-row')).count(), 3);
    // the duplicate's link opens the document
    await p.locator(`${testId('upload-row')} >> nth=2`).locator(testId('upload-doc')).click();
    await p.waitForSelector(testId('viewer'), { state: 'visible' });
    await p.click(testId('nav-upload'));
    await p.waitForSelector(testId('upload-view'), { state: 'visible' });

    // English, then a phone, each in both languages
    await p.click(testId('lang-switch'));
    await p.waitForFunction(() => document.documentElement.lang === 'en');
    assert.match(await p.textContent(testId('upload-summary')), /Import finished: 2 new, 1 duplicate, 0 failed/);
    await checkA11y(p, 'upload en');
    await screenshot('upload-en-1366', p);
    await p.setViewportSize({ width: 390, height: 844 });
    const wide = await p.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
    assert.ok(!wide, 'no sideways scrolling on a phone');
    await screenshot('upload-en-390', p);
    await p.click(testId('lang-switch'));
    await p.waitForFunction(() => document.documentElement.lang === 'ar');
    await checkA11y(p, 'upload phone ar');
    await screenshot('upload-ar-390', p);
    await ctx.close();
    await rm(dir, { recursive: true, force: true });
  });
}
