// arshif UI test: the records lifecycle in the browser. The administrator
// moves a document to the trash with a reason (asked in a dialog that
// refuses a blank one), finds it on the trash page, restores it, puts it
// under a legal hold (the trash is then refused: the button is disabled and
// the server's 409 is shown in words if it is sent anyway), finds it among
// the holds and releases it. A clerk replaces a scan with a better one
// (a bad file and a file archived as another document are refused with a
// message) and sees the old original listed as version 1, downloadable.
// axe-core on the trash page and the viewer's new parts. Registered by
// ui.test.mjs after the upload scenario, whose two documents it uses.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFile, copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ADMIN,
  BASE,
  checkA11y,
  env,
  HERE,
  login,
  openBrowser,
  screenshot,
  state,
  testId,
} from './lib.mjs';

const SAMPLES = path.resolve(HERE, '../../samples/scans');

export function trashTests() {
  const CLERK = { user: env('ARSHIF_CLERK_USER'), password: env('ARSHIF_CLERK_PASSWORD') };
  const TRASH_REASON = 'نسخة مكررة من خطاب التفتيش OMR-2024-0917';
  const HOLD_REASON = 'دعوى رقم 1445/77 أمام المحكمة الإدارية';
  let p; // the administrator's page
  let id; // the document trashed, restored, held and released

  // The viewer shows document `doc` with its record actions drawn.
  const openDoc = async (page, doc) => {
    await page.evaluate((x) => { location.hash = `#/doc/${x}`; }, doc);
    await page.waitForFunction((x) => {
      const v = document.querySelector('[data-testid="viewer"]');
      return v && !v.hidden && location.hash === `#/doc/${x}`
        && document.querySelector('[data-testid="doc-title"]').textContent.trim() !== ''
        && !document.querySelector('[data-testid="doc-actions"]').hidden;
    }, doc);
  };
  // The trash page shows the address's lists, loaded.
  const waitForTrash = () => p.waitForFunction(() => {
    const l = document.querySelector('[data-testid="trash-lists"]');
    return l && l.offsetParent !== null && l.dataset.for === location.hash && !l.hasAttribute('aria-busy');
  });
  const api = (page, url, method = 'GET', json) => page.evaluate(async ([u, m, j]) => {
    const me = await (await fetch('/api/me')).json();
    const res = await fetch(u, {
      method: m,
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
      body: j === undefined ? undefined : JSON.stringify(j),
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  }, [url, method, json]);

  test('trash: the administrator moves a document to the trash with a reason, finds it there and restores it', async () => {
    assert.ok(state.admin && state.uploaded && state.uploaded.length === 2, 'the upload scenario ran');
    p = state.admin.page;
    id = state.uploaded[1];
    if (await p.getAttribute('html', 'lang') !== 'ar') await p.click(testId('lang-switch'));
    assert.ok(await p.isVisible(testId('nav-trash')), 'an administrator has the trash');
    await openDoc(p, id);
    assert.ok(await p.isHidden(testId('doc-trashed')));
    // a blank reason is refused in the dialog, before anything is sent
    await p.click(testId('doc-trash'));
    await p.waitForSelector(`${testId('reason-dialog')}[open]`);
    assert.equal(await p.evaluate(() => document.activeElement.dataset.testid), 'reason-text', 'the reason takes the focus');
    await p.fill(testId('reason-text'), '   ');
    await p.click(testId('reason-ok'));
    await p.waitForSelector(testId('reason-error'), { state: 'visible' });
    assert.equal(await p.getAttribute(testId('reason-text'), 'aria-invalid'), 'true');
    assert.equal((await p.textContent(testId('reason-error'))).trim(), 'اكتب السبب.');
    await p.fill(testId('reason-text'), TRASH_REASON);
    await screenshot('trash-dialog-ar', p);
    await p.click(testId('reason-ok'));
    await p.waitForSelector(testId('reason-dialog'), { state: 'hidden' });
    await p.waitForSelector(testId('doc-trashed'), { state: 'visible' });
    const banner = await p.textContent(testId('doc-trashed-text'));
    assert.ok(banner.includes(TRASH_REASON) && banner.includes(ADMIN.user), banner);
    assert.ok(await p.isVisible(testId('doc-restore')));
    assert.ok(await p.isHidden(testId('doc-trash')));
    // the focus goes to what undoes it
    await p.waitForFunction(() => document.activeElement && document.activeElement.dataset.testid === 'doc-restore');

    // the trash page lists it: who, when, why
    await p.click(testId('nav-trash'));
    await waitForTrash();
    assert.ok(await p.isHidden(testId('search-input')), 'no search box on the trash page');
    const entry = p.locator(`${testId('trash-entry')}[data-id="${id}"]`);
    const text = await entry.textContent();
    assert.ok(text.includes(TRASH_REASON) && text.includes(ADMIN.user), text);
    assert.ok(await p.isHidden(testId('trash-empty')));
    await checkA11y(p, 'trash');
    await screenshot('trash-ar', p);
    await p.click(testId('lang-switch'));
    assert.equal((await p.textContent('#trash-title')).trim(), 'Trash');
    assert.match(await p.textContent(testId('trash-status')), /documents? in the trash/);
    await checkA11y(p, 'trash (English)');
    await screenshot('trash-en', p);
    await p.click(testId('lang-switch'));

    // restored from the list: gone from it, back in the archive
    await entry.locator(testId('trash-restore')).click();
    await p.waitForSelector(`${testId('trash-entry')}[data-id="${id}"]`, { state: 'detached' });
    await p.waitForSelector(testId('restored-link'));
    const doc = await api(p, `/api/documents/${id}`);
    assert.equal(doc.status, 200);
    assert.equal(doc.body.deleted, null);
  });

  test('trash: a legal hold stops the trash until it is released', async () => {
    await p.click(testId('restored-link'));
    await openDoc(p, id);
    assert.ok(await p.isHidden(testId('doc-trashed')), 'restored: no trash banner');
    assert.ok(await p.isEnabled(testId('doc-trash')));
    await p.click(testId('doc-hold'));
    await p.waitForSelector(`${testId('reason-dialog')}[open]`);
    await p.fill(testId('reason-text'), HOLD_REASON);
    await p.click(testId('reason-ok'));
    await p.waitForSelector(testId('doc-held'), { state: 'visible' });
    assert.ok((await p.textContent(testId('doc-held-text'))).includes(HOLD_REASON));
    // the trash is disabled, and says why
    assert.ok(await p.isDisabled(testId('doc-trash')));
    assert.ok(await p.isVisible(testId('doc-trash-note')));
    assert.equal(await p.getAttribute(testId('doc-trash'), 'aria-describedby'), 'doc-trash-note');
    await checkA11y(p, 'viewer, held');
    await screenshot('viewer-held-ar', p);
    // sent anyway (another tab, a stale page): the server's refusal, in words
    await p.evaluate(() => { document.querySelector('[data-testid="doc-trash"]').disabled = false; });
    await p.click(testId('doc-trash'));
    await p.fill(testId('reason-text'), 'تجربة');
    await p.click(testId('reason-ok'));
    await p.waitForSelector(testId('reason-error'), { state: 'visible' });
    assert.match(await p.textContent(testId('reason-error')), /محجوزة قانونيًا/);
    assert.ok(await p.isVisible(`${testId('reason-dialog')}[open]`), 'the dialog stays open');
    await p.click(testId('reason-cancel'));
    await p.waitForSelector(testId('reason-dialog'), { state: 'hidden' });
    const refused = await api(p, `/api/documents/${id}`, 'DELETE', { reason: 'x' });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'held');

    // among the holds, with the reason
    await p.evaluate(() => { location.hash = '#/holds'; });
    await waitForTrash();
    const held = p.locator(`${testId('hold-entry')}[data-id="${id}"]`);
    assert.ok((await held.textContent()).includes(HOLD_REASON));
    await screenshot('holds-ar', p);

    // released from the viewer
    await held.locator(testId('record-link')).click();
    await openDoc(p, id);
    await p.click(testId('doc-release'));
    await p.waitForSelector(testId('doc-held'), { state: 'hidden' });
    assert.ok(await p.isEnabled(testId('doc-trash')));
    assert.ok(await p.isVisible(testId('doc-hold')));
    const after = await api(p, '/api/holds');
    assert.ok(!after.body.documents.some((d) => d.id === id));
  });

  test('rescan: a clerk replaces a scan with a better one and sees the old original as version 1', async () => {
    const target = state.uploaded[0]; // the licence, uploaded to hofuf
    const dir = await mkdtemp(path.join(os.tmpdir(), 'arshif-rescan-'));
    const { ctx, page: c } = await openBrowser('rescan', { viewport: { width: 1366, height: 768 } });
    try {
      // a better scan: the same picture, bytes of its own
      const better = path.join(dir, 'scan-0001-better.png');
      await copyFile(path.join(SAMPLES, 'ar/رخصة بناء 4451234.png'), better);
      await appendFile(better, randomBytes(16));
      await c.goto(`${BASE}/#/doc/${target}`);
      await login(c, CLERK.user, CLERK.password);
      await openDoc(c, target);
      assert.ok(await c.isVisible(testId('doc-rescan')));
      assert.ok(await c.isHidden(testId('doc-trash')), 'a clerk has no trash');
      assert.ok(await c.isHidden(testId('doc-hold')), 'nor legal holds');
      assert.ok(await c.isHidden(testId('nav-trash')));
      const before = (await api(c, `/api/documents/${target}`)).body;
      assert.deepEqual(before.versions, []);
      const error = async (files, want) => {
        await c.setInputFiles(testId('doc-rescan-file'), files);
        await c.waitForFunction((w) => {
          const e = document.querySelector('[data-testid="doc-records-error"]');
          return e && !e.hidden && e.textContent.includes(w);
        }, want);
        assert.ok(await c.isHidden(testId('doc-rescan-status')), 'no progress left on screen');
        assert.ok(await c.isEnabled(testId('doc-rescan')), 'another file may be tried');
      };
      // not a scan; then a file archived as another document
      await error({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not a picture') }, 'تعذّرت قراءة ملف المسح');
      await error(path.join(SAMPLES, 'ar/شهادة صحية 27507976.jpg'), 'محفوظ في الأرشيف وثيقةً أخرى');
      await screenshot('rescan-refused-ar', c);

      await c.setInputFiles(testId('doc-rescan-file'), better);
      await c.waitForSelector(`${testId('doc-version')}[data-number="1"]`, { timeout: 60000 });
      await c.waitForSelector(testId('doc-records-msg'), { state: 'visible' });
      assert.match(await c.textContent(testId('doc-records-msg')), /نسخةً رقم 1/);
      assert.ok(await c.isHidden(testId('doc-records-error')));
      assert.ok(await c.isVisible(testId('versions-list')), 'the versions are shown');
      const version = c.locator(`${testId('doc-version')}[data-number="1"]`);
      assert.match(await version.textContent(), new RegExp(CLERK.user));
      const href = await version.locator(testId('doc-version-link')).getAttribute('href');
      assert.equal(href, `/api/documents/${target}/versions/1`);
      // the new original is the better scan; version 1 is the old one, byte for byte
      const now = (await api(c, `/api/documents/${target}`)).body;
      assert.notEqual(now.sha256, before.sha256);
      assert.equal(now.versions[0].sha256, before.sha256);
      const old = await c.evaluate(async (u) => {
        const r = await fetch(u);
        return { status: r.status, size: (await r.arrayBuffer()).byteLength };
      }, href);
      assert.deepEqual(old, { status: 200, size: before.size });
      assert.equal(now.size, (await readFile(better)).length);
      // the page shown is the new scan's
      await c.waitForFunction((sha) => {
        const img = document.querySelector('[data-testid="page-image"]');
        return img && img.dataset.loaded === '1' && img.getAttribute('src').includes(`v=${sha.slice(0, 12)}`);
      }, now.sha256);
      await checkA11y(c, 'viewer with versions');
      await screenshot('rescan-versions-ar', c);
    } finally {
      await ctx.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
}
