// Development preview only (not a test): serves clients/ through Playwright routes and fakes the tamsu
// WebSocket server in this process, so the pages can be looked at before/without the real server.
// Usage: node dev/preview.mjs OUTDIR
import { chromium } from 'playwright-core';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../clients');
const out = process.argv[2] || '/tmp/preview';
const ORIGIN = 'http://tamsu.test';
const MIME = { html: 'text/html', css: 'text/css', js: 'text/javascript', json: 'application/json', webmanifest: 'application/manifest+json', svg: 'image/svg+xml', png: 'image/png' };

async function serve(route) {
  const u = new URL(route.request().url());
  if (u.pathname === '/api/v1/login') return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ token: 't', expires_at: '2099-01-01T00:00:00Z', role: 'counselor' }) });
  let p = u.pathname.startsWith('/console/') ? path.join(root, 'console', u.pathname.slice(9)) : path.join(root, 'web', u.pathname);
  if (u.pathname.endsWith('/')) p = path.join(p, 'index.html');
  try { const body = await readFile(p); return route.fulfill({ status: 200, contentType: MIME[p.split('.').pop()] || 'application/octet-stream', body }); }
  catch { return route.fulfill({ status: 404, body: 'nf' }); }
}

// ---- a tiny fake server ----
const cs = { code: 'K7Q2-9XPA', msgs: [], urgency: 'normal', state: 'queued', at: Date.now(), assigned: null, cats: [] };
let student = null; const counselors = new Set();
const now = () => new Date().toISOString();
const queue = () => ({ type: 'queue', cases: cs.msgs.length && cs.state !== 'closed' ? [
  { case: cs.code, urgency: cs.urgency, state: cs.state, waiting_s: Math.round((Date.now() - cs.at) / 1000), assigned_to: cs.assigned, categories: cs.cats },
  { case: 'B3M8-2LQE', urgency: 'high', state: 'assigned', waiting_s: 412, assigned_to: 'lan', categories: ['bullying'] },
  { case: 'Z9P4-7TRW', urgency: 'normal', state: 'queued', waiting_s: 75, assigned_to: null, categories: ['study_stress'] },
  { case: 'H2D6-4KXN', urgency: 'low', state: 'queued', waiting_s: 30, assigned_to: null, categories: [] },
].sort((a, b) => ['critical','high','normal','low'].indexOf(a.urgency) - ['critical','high','normal','low'].indexOf(b.urgency)) : [] });
const toC = (f) => { for (const c of counselors) c.send(JSON.stringify(f)); };
function studentWs(ws) {
  student = ws;
  ws.onMessage((m) => {
    const f = JSON.parse(m);
    if (f.type === 'hello') ws.send(JSON.stringify({ type: 'welcome', v: 1, case: cs.code, secret: 'H4KD-92QX-MZ7P-3RTB', seq: 0 }));
    if (f.type === 'resume') { ws.send(JSON.stringify({ type: 'welcome', v: 1, case: cs.code, seq: cs.msgs.length })); for (const x of cs.msgs) if (x.seq > f.since) ws.send(JSON.stringify({ type: 'message', ...x })); }
    if (f.type === 'send') {
      const crit = /chet|chết|tự tử/i.test(f.text);
      const seq = cs.msgs.length + 1;
      const msg = { seq, from: 'student', text: f.text, at: now(), urgency: crit ? 'critical' : 'normal', categories: crit ? ['suicide'] : [],
        explain: crit ? { matches: [{ term: 'muon chet', category: 'suicide' }], rules: ['critical phrase'] } : undefined };
      cs.msgs.push(msg);
      if (crit) { cs.urgency = 'critical'; cs.cats = ['suicide']; cs.at = Date.now(); }
      setTimeout(() => {
        ws.send(JSON.stringify({ type: 'ack', re: f.id, seq }));
        if (crit) ws.send(JSON.stringify({ type: 'safety', hotlines: [{ number: '113', name: 'Công an' }, { number: '111', name: 'Tổng đài 111' }, { number: '115', name: 'Cấp cứu' }], text: 'Nếu bạn đang gặp nguy hiểm, hãy gọi ngay.' }));
        if (seq === 1) ws.send(JSON.stringify({ type: 'status', state: 'queued' }));
        toC(queue());
        if (cs.assigned) toC({ type: 'message', case: cs.code, ...msg });
      }, 150);
    }
  });
}
function counselorWs(ws) {
  counselors.add(ws);
  ws.onMessage((m) => {
    const f = JSON.parse(m);
    const send = (x) => ws.send(JSON.stringify(x));
    if (f.type === 'auth') send({ type: 'ready', user: { username: 'minh', role: 'counselor' } });
    if (f.type === 'duty') { send({ type: 'duty', on: f.on }); if (f.on) send(queue()); }
    if (f.type === 'claim' || f.type === 'take_next') {
      cs.state = 'assigned'; cs.assigned = 'minh';
      send({ type: 'claimed', case: cs.code });
      for (const x of cs.msgs) send({ type: 'message', case: cs.code, ...x });
      toC(queue());
      student && student.send(JSON.stringify({ type: 'status', state: 'assigned' }));
    }
    if (f.type === 'reply') {
      const seq = cs.msgs.length + 1; const msg = { seq, from: 'counselor', author: 'minh', text: f.text, at: now() };
      cs.msgs.push(msg); send({ type: 'ack', re: f.id, seq });
      student && student.send(JSON.stringify({ type: 'message', seq, from: 'counselor', text: f.text, at: msg.at }));
    }
    if (f.type === 'note') { send({ type: 'ack', re: f.id }); send({ type: 'note', case: f.case, author: 'minh', text: f.text, at: now() }); }
    if (f.type === 'escalate') send({ type: 'escalated', case: f.case, escalation: 'E-0042' });
    if (f.type === 'set_level') { cs.urgency = f.level; send({ type: 'level_changed', case: f.case, level: f.level, by: 'minh' }); toC(queue()); }
  });
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
try {
  const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, serviceWorkers: 'block' });
  const desk = await browser.newContext({ viewport: { width: 1280, height: 820 }, serviceWorkers: 'block' });
  for (const ctx of [phone, desk]) {
    await ctx.route(ORIGIN + '/**', serve);
    await ctx.routeWebSocket('ws://tamsu.test/ws/student', studentWs);
    await ctx.routeWebSocket('ws://tamsu.test/ws/counselor', counselorWs);
  }
  const sp = await phone.newPage();
  sp.on('console', (m) => console.log('student:', m.text()));
  sp.on('pageerror', (e) => console.log('student error:', e.message));
  await sp.goto(ORIGIN + '/');
  await sp.screenshot({ path: out + '/s1-start.png', fullPage: true });
  await sp.fill('#text', 'Em bị bạn bè bắt nạt ở lớp, em không biết nói với ai.');
  await sp.click('#send');
  await sp.waitForSelector('#codecard:not([hidden])');
  await sp.waitForSelector('[data-st=ok]');
  await sp.screenshot({ path: out + '/s2-code.png', fullPage: true });
  await sp.click('#codeok');
  const cp = await desk.newPage();
  cp.on('pageerror', (e) => console.log('console error:', e.message));
  await cp.goto(ORIGIN + '/console/');
  await cp.screenshot({ path: out + '/c1-login.png' });
  await cp.fill('#user', 'minh'); await cp.fill('#pass', 'x'); await cp.click('#loginform button[type=submit]');
  await cp.click('#duty');
  await cp.waitForSelector('.qlist li');
  await sp.fill('#text', 'em muon chet');
  await sp.click('#send');
  await sp.waitForSelector('#safety:not([hidden])');
  await sp.screenshot({ path: out + '/s3-safety.png', fullPage: false });
  await cp.waitForSelector('#alarm:not([hidden])');
  await cp.waitForTimeout(1200);
  await cp.screenshot({ path: out + '/c2-queue-alarm.png' });
  console.log('title:', await cp.title());
  await cp.click('#alarm-claim');
  await cp.waitForSelector('#conv:not([hidden])');
  await cp.fill('#replytext', 'Cô là Minh, cô đang ở đây với em. Em đang ở đâu, em có an toàn không?');
  await cp.click('#replyform button');
  await cp.fill('#notetext', 'HS nói bị bắt nạt; có ý nghĩ tự tử. Đã gửi số 111.');
  await cp.click('#noteform button');
  await cp.waitForTimeout(300);
  await cp.screenshot({ path: out + '/c3-conversation.png' });
  await cp.click('#a-escalate');
  await cp.screenshot({ path: out + '/c4-escalate.png' });
  await cp.fill('#escreason', 'Ý nghĩ tự tử, nguy cơ cao');
  await cp.click('#escform button[value=ok]');
  await cp.waitForTimeout(300);
  await cp.screenshot({ path: out + '/c5-escalated.png', fullPage: true });
  await sp.waitForSelector('.log .them');
  await sp.screenshot({ path: out + '/s4-reply.png', fullPage: false });
  await sp.click('[data-lang=en]');
  await sp.screenshot({ path: out + '/s5-en.png', fullPage: false });
  await sp.click('[data-lang=zh]');
  await sp.screenshot({ path: out + '/s6-zh.png', fullPage: false });
} finally { await browser.close(); }
