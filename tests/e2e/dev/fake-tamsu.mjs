#!/usr/bin/env node
// A stand-in for `tamsu` (serve, user add) speaking the contract's HTTP and WebSocket frames, for
// checking the e2e tests themselves before the real server exists: TAMSU_BIN=dev/fake-tamsu.mjs.
// Not a server: no crypto, no real triage, state in one JSON file. Never used by the real test run.
import http from 'node:http';
import crypto from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../clients');
const argv = process.argv.slice(2);
const opt = (n, d) => { const i = argv.indexOf('--' + n); return i >= 0 ? argv[i + 1] : d; };
if (argv.includes('--help') || argv[0] === '--version') { console.log('fake tamsu'); process.exit(0); }
const dataDir = opt('data-dir', './data');
mkdirSync(dataDir, { recursive: true });
const dbFile = path.join(dataDir, 'fake.json');
const db = existsSync(dbFile) ? JSON.parse(readFileSync(dbFile, 'utf8')) : { users: {}, cases: {} };
const persist = () => { if (existsSync(dbFile)) db.users = { ...db.users, ...JSON.parse(readFileSync(dbFile, 'utf8')).users }; writeFileSync(dbFile, JSON.stringify(db)); };
if (argv[0] === 'user') { db.users[opt('username')] = { pw: readFileSync(0, 'utf8').split('\n')[0], role: opt('role') }; persist(); process.exit(0); }
if (argv[0] !== 'serve') process.exit(2);

const MIME = { html: 'text/html; charset=utf-8', css: 'text/css', js: 'text/javascript', json: 'application/json', webmanifest: 'application/manifest+json', svg: 'image/svg+xml', png: 'image/png' };
const tokens = new Map();
const students = new Map(); // case -> Set(sock)
const counselors = new Set();
const rnd = (n) => Array.from(crypto.randomBytes(n), (b) => 'ABCDEFGHJKMNPQRSTVWXYZ23456789'[b % 30]).join('');
const norm = (s) => String(s || '').replace(/-/g, '').toUpperCase();
const now = () => new Date().toISOString();
const U = ['critical', 'high', 'normal', 'low'];

function queueFrame() {
  const cases = Object.values(db.cases).filter((c) => c.state !== 'closed' && c.msgs.length)
    .map((c) => ({ case: c.code, urgency: c.urgency, state: c.assigned ? 'assigned' : 'queued', waiting_s: Math.round((Date.now() - c.since) / 1000), assigned_to: c.assigned, categories: c.cats }))
    .sort((a, b) => U.indexOf(a.urgency) - U.indexOf(b.urgency) || b.waiting_s - a.waiting_s);
  return { type: 'queue', cases };
}
const toDuty = () => { const q = queueFrame(); for (const s of counselors) if (s.duty) s.send(q); };
const toStudent = (c, f) => { for (const s of students.get(c.code) || []) s.send(f); };
const toHolder = (c, f) => { for (const s of counselors) if (s.user === c.assigned) s.send(f); };

function onStudent(sock, f) {
  const c = sock.case && db.cases[sock.case];
  if (f.type === 'hello') {
    const code = rnd(4) + '-' + rnd(4), secret = [rnd(4), rnd(4), rnd(4), rnd(4)].join('-');
    db.cases[code] = { code, secret, msgs: [], urgency: 'low', cats: [], state: 'queued', assigned: null, since: Date.now(), ids: {} };
    sock.case = code; students.set(code, new Set([sock])); persist();
    return sock.send({ type: 'welcome', v: 1, case: code, secret, seq: 0 });
  }
  if (f.type === 'resume') {
    const k = Object.values(db.cases).find((x) => norm(x.code) === norm(f.case));
    if (!k || norm(k.secret) !== norm(f.secret)) return sock.send({ type: 'error', code: 'unauthorized', message: 'wrong case or secret' });
    sock.case = k.code; if (!students.has(k.code)) students.set(k.code, new Set()); students.get(k.code).add(sock);
    sock.send({ type: 'welcome', v: 1, case: k.code, seq: k.msgs.length });
    for (const m of k.msgs) if (m.seq > (f.since || 0)) sock.send({ type: 'message', seq: m.seq, from: m.from, text: m.text, at: m.at });
    return sock.send({ type: 'status', state: k.state === 'closed' ? 'closed' : k.assigned ? 'assigned' : 'queued' });
  }
  if (f.type === 'send' && c) {
    if (c.ids[f.id]) return sock.send({ type: 'ack', re: f.id, seq: c.ids[f.id] });
    const crit = /chết|chet|tự tử|tu tu/i.test(f.text);
    const seq = c.msgs.length + 1;
    const m = { seq, from: 'student', text: f.text, at: now(), urgency: crit ? 'critical' : 'normal', categories: crit ? ['suicide'] : [],
      explain: crit ? { matches: [{ term: 'muon chet', category: 'suicide' }], rules: [] } : { matches: [], rules: [] } };
    c.msgs.push(m); c.ids[f.id] = seq;
    if (U.indexOf(m.urgency) < U.indexOf(c.urgency)) { c.urgency = m.urgency; c.cats = m.categories; }
    persist();
    sock.send({ type: 'ack', re: f.id, seq });
    if (crit) toStudent(c, { type: 'safety', hotlines: [{ number: '111', name: 'Tổng đài quốc gia bảo vệ trẻ em' }, { number: '113', name: 'Công an' }, { number: '115', name: 'Cấp cứu' }], text: 'Gọi ngay.' });
    if (seq === 1) sock.send({ type: 'status', state: 'queued' });
    toHolder(c, { type: 'message', case: c.code, ...m });
    toDuty();
  }
}
function onCounselor(sock, f) {
  if (!sock.user) {
    const u = f.type === 'auth' && tokens.get(f.token);
    if (!u) { sock.send({ type: 'error', code: 'unauthorized', message: 'bad token' }); return sock.close(); }
    sock.user = u; return sock.send({ type: 'ready', user: { username: u, role: db.users[u].role } });
  }
  const c = f.case && Object.values(db.cases).find((x) => x.code === f.case);
  const ack = () => f.id && sock.send({ type: 'ack', re: f.id });
  switch (f.type) {
    case 'duty': sock.duty = f.on; sock.send({ type: 'duty', on: f.on }); if (f.on) sock.send(queueFrame()); break;
    case 'take_next': return sock.send({ type: 'error', code: 'unknown_type', message: 'take_next' });
    case 'claim':
      if (!c) return sock.send({ type: 'error', code: 'not_found', message: 'no case' });
      if (c.assigned && c.assigned !== sock.user) return sock.send({ type: 'error', code: 'conflict', message: 'held by ' + c.assigned });
      c.assigned = sock.user; c.state = 'assigned'; persist();
      sock.send({ type: 'claimed', case: c.code });
      for (const m of c.msgs) sock.send({ type: 'message', case: c.code, ...m });
      toStudent(c, { type: 'status', state: 'assigned' }); toDuty(); break;
    case 'reply': {
      const seq = c.msgs.length + 1, m = { seq, from: 'counselor', author: sock.user, text: f.text, at: now() };
      c.msgs.push(m); persist();
      sock.send({ type: 'ack', re: f.id, seq });
      toStudent(c, { type: 'message', seq, from: 'counselor', text: f.text, at: m.at }); break;
    }
    case 'note': ack(); sock.send({ type: 'note', case: c.code, author: sock.user, text: f.text, at: now() }); break;
    case 'escalate': sock.send({ type: 'escalated', case: c.code, escalation: 'E' + rnd(6) }); toStudent(c, { type: 'safety', hotlines: [{ number: '111', name: '' }], text: '' }); break;
    case 'release': c.assigned = null; c.state = 'queued'; sock.send({ type: 'released', case: c.code }); toDuty(); break;
    case 'close': c.state = 'closed'; sock.send({ type: 'closed', case: c.code }); toStudent(c, { type: 'status', state: 'closed' }); toDuty(); break;
    default: sock.send({ type: 'error', re: f.id, code: 'unknown_type', message: f.type });
  }
}

// ---- a minimal RFC 6455 server side: text frames only, enough for the pages ----
function upgrade(req, socket, onFrame, onClose) {
  const accept = crypto.createHash('sha1').update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ' + accept + '\r\n\r\n');
  const sock = {
    send(obj) { const p = Buffer.from(JSON.stringify(obj)); const h = p.length < 126 ? Buffer.from([0x81, p.length]) : p.length < 65536 ? Buffer.from([0x81, 126, p.length >> 8, p.length & 255]) : null; if (h && !socket.destroyed) socket.write(Buffer.concat([h, p])); },
    close() { socket.end(Buffer.from([0x88, 0])); },
  };
  let buf = Buffer.alloc(0);
  socket.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      if (buf.length < 2) return;
      const op = buf[0] & 15; let len = buf[1] & 127, off = 2;
      if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
      if (buf.length < off + 4 + len) return;
      const mask = buf.subarray(off, off + 4), data = Buffer.from(buf.subarray(off + 4, off + 4 + len));
      for (let i = 0; i < data.length; i++) data[i] ^= mask[i % 4];
      buf = buf.subarray(off + 4 + len);
      if (op === 8) { socket.end(); return; }
      if (op === 1) { try { onFrame(sock, JSON.parse(data.toString())); } catch (e) { sock.send({ type: 'error', code: 'bad_frame', message: String(e) }); } }
    }
  });
  socket.on('close', () => onClose(sock));
  socket.on('error', () => {});
  return sock;
}

const server = http.createServer((req, res) => {
  const u = new URL(req.url, 'http://x');
  if (u.pathname === '/api/v1/login' && req.method === 'POST') {
    let body = ''; req.on('data', (d) => { body += d; });
    return req.on('end', () => {
      const j = JSON.parse(body || '{}'); db.users = JSON.parse(readFileSync(dbFile, 'utf8')).users; const usr = db.users[j.username];
      if (!usr || usr.pw !== j.password) { res.writeHead(401, { 'content-type': 'application/json' }); return res.end('{"error":"unauthorized"}'); }
      const tk = crypto.randomBytes(16).toString('hex'); tokens.set(tk, j.username);
      res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify({ token: tk, expires_at: new Date(Date.now() + 8 * 3600e3).toISOString(), role: usr.role }));
    });
  }
  let p = u.pathname.startsWith('/console/') ? path.join(root, 'console', u.pathname.slice(9)) : path.join(root, 'web', u.pathname);
  if (u.pathname.endsWith('/')) p = path.join(p, 'index.html');
  try { const b = readFileSync(p); res.writeHead(200, { 'content-type': MIME[p.split('.').pop()] || 'application/octet-stream' }); res.end(b); }
  catch { res.writeHead(404); res.end('not found'); }
});
server.on('upgrade', (req, socket) => {
  if (req.url === '/ws/student') upgrade(req, socket, onStudent, (s) => { if (s.case) students.get(s.case)?.delete(s); });
  else if (req.url === '/ws/counselor') counselors.add(upgrade(req, socket, onCounselor, (s) => counselors.delete(s)));
  else socket.destroy();
});
const [host, port] = opt('listen', '127.0.0.1:8080').split(':');
server.listen(Number(port), host, () => console.log(`listening on ${host}:${server.address().port}`));
const conns = new Set();
server.on('connection', (s) => { conns.add(s); s.on('close', () => conns.delete(s)); });
process.on('SIGTERM', () => { for (const s of conns) s.destroy(); server.close(() => process.exit(0)); });
