// The student page on its own: first-load weight, PWA, accessibility basics, quick exit, and messages
// that survive a lost connection. Against the real tamsu serve.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, launch, missing, phone, studentWrites, storageSnapshot, shot } from './lib.mjs';

const why = missing();
const FIRST_LOAD_BUDGET = 40 * 1024; // bytes on the wire for the first visit (HTML+CSS+JS+icon)
const NEUTRAL = /^https:\/\/www\.google\.com\//;
let server, browser;

before(async () => {
  if (why) return;
  server = new Server();
  await server.start();
  browser = await launch();
});
after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

test('first load is small, fits 360 px, is installable and labelled', { skip: why || false }, async () => {
  const ctx = await browser.newContext(phone);
  try {
    const page = await ctx.newPage();
    let bytes = 0;
    const seen = [];
    page.on('response', async (r) => {
      if (!r.url().startsWith(server.url)) return;
      try { const b = await r.body(); bytes += b.length; seen.push(`${new URL(r.url()).pathname} ${b.length}`); } catch { /* redirects have no body */ }
    });
    await page.goto(server.url + '/', { waitUntil: 'load' });
    await page.waitForTimeout(300);
    const first = seen.filter((s) => !/sw\.js|manifest|icon-\d+/.test(s));
    const firstBytes = first.reduce((n, s) => n + Number(s.split(' ').pop()), 0);
    console.log(`# first load: ${firstBytes} bytes: ${first.join(', ')}`);
    assert.ok(firstBytes < FIRST_LOAD_BUDGET, `first load ${firstBytes} B over budget`);
    for (const p of ['/', '/app.css', '/app.js']) assert.ok(seen.some((s) => s.startsWith(p + ' ')), `${p} served`);

    assert.equal(await page.getAttribute('html', 'lang'), 'vi', 'Vietnamese by default');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no sideways scroll on a 360 px phone');

    // PWA: a manifest with icons, served with a JSON type, and a service worker that takes control
    const mf = await page.evaluate(async () => {
      const r = await fetch(document.querySelector('link[rel=manifest]').href);
      return { type: r.headers.get('content-type'), json: await r.json() };
    });
    assert.match(mf.type || '', /json/);
    assert.equal(mf.json.display, 'standalone');
    assert.ok(mf.json.icons.some((i) => i.sizes === '512x512'));
    for (const i of mf.json.icons) assert.equal((await page.request.get(server.url + '/' + i.src)).status(), 200, i.src);
    const sw = await page.evaluate(async () => { const r = await navigator.serviceWorker.ready; return r.active && r.active.scriptURL; });
    assert.match(sw, /\/sw\.js$/);

    // every control has an accessible name; the conversation and the status are live regions
    const unnamed = await page.evaluate(() => [...document.querySelectorAll('button, input, textarea, a, summary')]
      .filter((e) => e.offsetParent !== null)
      .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
      .map((e) => e.outerHTML));
    assert.deepEqual(unnamed, []);
    assert.equal(await page.getAttribute('#log', 'aria-live'), 'polite');
    assert.equal(await page.getAttribute('#status', 'role'), 'status');

    // switching language changes the page and is remembered nowhere
    await page.click('[data-lang=en]');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal((await page.textContent('#send')).trim(), 'Send');
    await page.click('[data-lang=zh]');
    assert.equal((await page.textContent('#send')).trim(), '发送');
    await shot(page, 'student-6-chinese');
    await page.click('[data-lang=vi]');
    const st = await storageSnapshot(page);
    assert.deepEqual([st.local, st.session, st.idb, st.cookies], [[], [], [], '']);
  } finally { await ctx.close(); }
});

test('quick exit leaves nothing in storage and no way back', { skip: why || false }, async () => {
  const ctx = await browser.newContext(phone);
  try {
    await ctx.route(NEUTRAL, (r) => r.fulfill({ status: 200, contentType: 'text/html', body: '<title>Google</title>neutral' }));
    const page = await ctx.newPage();
    await page.goto(server.url + '/');
    await page.evaluate(() => navigator.serviceWorker.ready);
    await studentWrites(page, 'Bố mẹ em hay cãi nhau, em thấy buồn lắm.');
    await page.check('#remember'); // the student asked to be remembered ...
    let st = await storageSnapshot(page);
    assert.equal(st.local.length, 1, 'remember keeps one entry');
    assert.ok(st.caches.length >= 1 && st.sw === 1, 'the service worker and its cache are there before');
    await page.click('#exit'); // ... then someone walks in
    await page.waitForURL(NEUTRAL);
    assert.equal(await page.title(), 'Google');
    assert.equal(await page.goBack(), null, 'Back does not return to the page');

    // look at the origin's storage from a document that does not run the app
    const probe = await ctx.newPage();
    await probe.goto(server.url + '/icon.svg');
    st = await storageSnapshot(probe);
    assert.deepEqual(st, { local: [], session: [], caches: [], idb: [], sw: 0, cookies: '' });

    // and opening the page again starts empty
    const again = await ctx.newPage();
    await again.goto(server.url + '/');
    assert.equal(await again.locator('.log li').count(), 0);
    assert.equal(await again.isHidden('#status'), true);
  } finally { await ctx.close(); }
});

test('a message written while the server is away is kept, resent with the same id, and delivered once', { skip: why || false }, async () => {
  const ctx = await browser.newContext(phone);
  try {
    const page = await ctx.newPage();
    const sent = [];
    page.on('websocket', (ws) => ws.on('framesent', (f) => { try { const j = JSON.parse(f.payload); if (j.type === 'send') sent.push(j.id); } catch { /* not JSON */ } }));
    await page.goto(server.url + '/');
    await studentWrites(page, 'Tin thứ nhất.');
    await page.click('#codeok');
    await server.stop();
    await page.waitForSelector('#status[data-s=offline]');
    await page.fill('#text', 'Tin thứ hai, viết lúc mất mạng.');
    await page.click('#send');
    const li = page.locator('.log li.me', { hasText: 'Tin thứ hai' });
    assert.equal(await li.getAttribute('data-st'), 'wait');
    await shot(page, 'student-7-offline');
    await server.restart();
    await page.locator('.log li.me[data-st=ok]', { hasText: 'Tin thứ hai' }).waitFor({ timeout: 30000 });
    const ids = new Set(sent);
    assert.equal(ids.size, 2, 'two client ids for two messages, however many sends');
    assert.equal(await page.locator('.log li.me').count(), 2, 'shown once each');
  } finally { await ctx.close(); }
});
