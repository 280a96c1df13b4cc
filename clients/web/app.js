// tamsu student page. Plain JS, no build step. Keeps nothing on the device unless the student
// ticks "remember on this phone" (then: case code, secret, language, unsent messages in localStorage).
'use strict';
(() => {
const $ = (id) => document.getElementById(id);
const NEUTRAL = 'https://www.google.com/search?q=d%E1%BB%B1+b%C3%A1o+th%E1%BB%9Di+ti%E1%BA%BFt';
const KEY = 'n'; // localStorage key, deliberately meaningless
const ACK_TIMEOUT = 12000; // no ack within this: assume the link is dead, reconnect and resend (same id)

const T = {
  vi: {
    exit: 'Thoát nhanh', langs: 'Ngôn ngữ', h1: 'Bạn muốn nói điều gì?',
    intro: 'Không cần tên. Thầy cô tư vấn của trường sẽ đọc và trả lời bạn ở đây.',
    safety_h: 'Gọi ngay — miễn phí, 24/7:',
    code_h: 'Hãy lưu mã này để quay lại sau', code_once: 'Mã chỉ hiện một lần. Chép lại hoặc chụp màn hình rồi cất kỹ.',
    code_l: 'Mã cuộc trò chuyện', secret_l: 'Mật khẩu', copy: 'Sao chép', copied: 'Đã sao chép', code_ok: 'Tôi đã lưu',
    remember: 'Nhớ trên điện thoại này (đừng chọn nếu máy dùng chung)', log: 'Cuộc trò chuyện',
    text_l: 'Tin nhắn của bạn', text_ph: 'Viết ở đây…', send: 'Gửi',
    resume_s: 'Quay lại cuộc trò chuyện của tôi', resume_b: 'Tiếp tục',
    foot: 'Nguy hiểm ngay lúc này? Gọi', mem: 'Đang nhớ trên máy này.', forget: 'Quên',
    st_connecting: 'Đang kết nối…', st_queued: 'Đã nhận. Bạn đang chờ — một thầy cô tư vấn sẽ đọc sớm nhất có thể.',
    st_assigned: 'Một thầy cô tư vấn đang đọc tin nhắn của bạn.',
    st_closed: 'Cuộc trò chuyện đã kết thúc. Bạn vẫn có thể viết tiếp nếu cần.',
    st_offline: 'Mất kết nối. Tin nhắn chưa gửi sẽ tự gửi khi có mạng lại.',
    m_wait: 'Chưa gửi — chờ mạng', m_sent: 'Đang gửi…', m_ok: 'Đã nhận ✓', m_err: 'Không gửi được',
    you: 'Bạn', counselor: 'Thầy cô tư vấn', system: 'Thông báo',
    r_bad: 'Mã hoặc mật khẩu không đúng.', r_rate: 'Thử sai quá nhiều lần. Đợi một lát rồi thử lại.',
    r_gone: 'Không mở lại được cuộc trò chuyện đã nhớ. Nó đã bị quên trên máy này.',
    school_bad: 'Đường dẫn trường không đúng. Hỏi lại thầy cô đường dẫn của trường bạn.',
    resumed: 'Đã mở lại cuộc trò chuyện.',
  },
  en: {
    exit: 'Quick exit', langs: 'Language', h1: 'What would you like to talk about?',
    intro: 'No name needed. A counselor from your school will read this and answer you here.',
    safety_h: 'Call now — free, day and night:',
    code_h: 'Save this code to come back later', code_once: 'It is shown only once. Write it down or take a screenshot and keep it safe.',
    code_l: 'Conversation code', secret_l: 'Secret', copy: 'Copy', copied: 'Copied', code_ok: 'I saved it',
    remember: 'Remember on this phone (not on a shared phone)', log: 'Conversation',
    text_l: 'Your message', text_ph: 'Write here…', send: 'Send',
    resume_s: 'Come back to my conversation', resume_b: 'Continue',
    foot: 'In danger right now? Call', mem: 'Remembered on this phone.', forget: 'Forget',
    st_connecting: 'Connecting…', st_queued: 'Received. You are in the queue — a counselor will read it as soon as possible.',
    st_assigned: 'A counselor is reading your messages.',
    st_closed: 'This conversation is closed. You can still write again if you need to.',
    st_offline: 'Connection lost. Unsent messages will be sent when you are back online.',
    m_wait: 'Not sent yet — waiting for network', m_sent: 'Sending…', m_ok: 'Delivered ✓', m_err: 'Could not send',
    you: 'You', counselor: 'Counselor', system: 'Notice',
    r_bad: 'The code or secret is wrong.', r_rate: 'Too many tries. Wait a little and try again.',
    r_gone: 'The remembered conversation could not be opened. It has been forgotten on this phone.',
    school_bad: 'This school link is wrong. Ask your counselor for your school’s link.',
    resumed: 'Conversation reopened.',
  },
  zh: {
    exit: '快速离开', langs: '语言', h1: '你想说些什么？',
    intro: '不需要名字。学校的心理老师会在这里阅读并回复你。',
    safety_h: '现在就打电话——免费，24小时：',
    code_h: '保存这个代码，以后可以回来', code_once: '代码只显示一次。请抄下来或截图，并妥善保存。',
    code_l: '对话代码', secret_l: '密码', copy: '复制', copied: '已复制', code_ok: '我已保存',
    remember: '在这部手机上记住（共用手机请不要选）', log: '对话',
    text_l: '你的消息', text_ph: '在这里写…', send: '发送',
    resume_s: '回到我的对话', resume_b: '继续',
    foot: '现在有危险？请拨打', mem: '已在本机记住。', forget: '忘记',
    st_connecting: '正在连接…', st_queued: '已收到。你在等待中——心理老师会尽快阅读。',
    st_assigned: '一位心理老师正在阅读你的消息。',
    st_closed: '对话已结束。如有需要，你仍然可以继续写。',
    st_offline: '连接中断。未发送的消息会在恢复网络后自动发送。',
    m_wait: '未发送——等待网络', m_sent: '正在发送…', m_ok: '已送达 ✓', m_err: '无法发送',
    you: '你', counselor: '心理老师', system: '通知',
    r_bad: '代码或密码不正确。', r_rate: '尝试次数过多，请稍后再试。',
    r_gone: '无法打开已记住的对话，已在本机忘记。',
    school_bad: '学校链接不正确。请向老师索取你学校的链接。',
    resumed: '对话已重新打开。',
  },
};
const HOTNAME = {
  vi: { 111: 'Tổng đài quốc gia bảo vệ trẻ em', 113: 'Công an', 115: 'Cấp cứu' },
  en: { 111: 'National child protection hotline', 113: 'Police', 115: 'Ambulance' },
  zh: { 111: '全国儿童保护热线', 113: '警察', 115: '急救' },
};

const params = new URLSearchParams(location.search);
const s = {
  lang: 'vi', code: null, secret: null, school: params.get('school') || undefined,
  ws: null, ready: false, retry: 0, timer: null, ackTimer: null,
  outbox: [],            // {id, text} not yet acked, in order
  mine: new Map(),       // client id -> <li>
  seqs: new Set(),       // seqs shown
  since: 0,              // highest contiguous seq seen (for resume)
  real: null, remember: false, copied: false, safety: null, state: null, resuming: false, manual: false,
};
const t = (k) => T[s.lang][k] || T.vi[k] || k;

// ---------- storage (only when the student chose it) ----------
function save() {
  if (!s.remember) return;
  try {
    localStorage.setItem(KEY, JSON.stringify({ c: s.code, k: s.secret, l: s.lang, o: s.outbox, h: s.safety, sc: s.school }));
  } catch (e) { /* storage full or blocked: nothing to do */ }
}
function forget() {
  s.remember = false;
  try { localStorage.removeItem(KEY); } catch (e) { /* blocked */ }
  $('remember').checked = false;
  $('mem').hidden = true;
}

// ---------- language ----------
function setLang(l) {
  if (!T[l]) return;
  s.lang = l;
  document.documentElement.lang = l === 'zh' ? 'zh-Hans' : l;
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  for (const el of document.querySelectorAll('[data-t-ph]')) el.placeholder = t(el.dataset.tPh);
  for (const el of document.querySelectorAll('[data-t-label]')) el.setAttribute('aria-label', t(el.dataset.tLabel));
  for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === l));
  $('exit').title = t('exit') + ' (Esc Esc)';
  for (const li of s.mine.values()) mark(li, li.dataset.st);
  for (const el of document.querySelectorAll('.log [data-from]')) el.querySelector('.who').textContent = t(el.dataset.from);
  if (s.state) showStatus(s.state);
  if (s.safety) showSafety(s.safety, true);
  save();
}

// ---------- rendering ----------
const hhmm = (at) => {
  const d = at ? new Date(at) : new Date();
  return isNaN(d) ? '' : d.toLocaleTimeString(s.lang, { hour: '2-digit', minute: '2-digit' });
};
function bubble(cls, text, meta) {
  const li = document.createElement('li');
  li.className = cls;
  li.append(text);
  const sm = document.createElement('small');
  sm.innerHTML = '<span class="who"></span> <span class="when"></span> <span class="st"></span>';
  sm.querySelector('.when').textContent = meta || '';
  li.append(sm);
  $('log').append(li);
  li.scrollIntoView({ block: 'nearest' });
  return li;
}
function mark(li, st) {
  li.dataset.st = st;
  li.querySelector('.who').textContent = t('you');
  li.querySelector('.st').textContent = '· ' + t({ wait: 'm_wait', sent: 'm_sent', ok: 'm_ok', err: 'm_err' }[st]);
}
function showStatus(state) {
  s.state = state;
  const el = $('status');
  el.hidden = false;
  el.dataset.s = state;
  el.textContent = t('st_' + state) || state;
}
function note(text) { // a local notice in the conversation (not from the server)
  const li = bubble('sys', text, hhmm());
  li.querySelector('.who').textContent = '';
}
function seen(seq) {
  s.seqs.add(seq);
  while (s.seqs.has(s.since + 1)) s.since++;
}
function showSafety(f, quiet) {
  s.safety = { hotlines: f.hotlines || [], text: f.text || '' };
  let list = s.safety.hotlines.length ? s.safety.hotlines.slice() : [{ number: '111' }, { number: '113' }, { number: '115' }];
  if (!list.some((h) => h.number === '111')) list.unshift({ number: '111' });
  list.sort((a, b) => (a.number === '111' ? -1 : b.number === '111' ? 1 : 0)); // 111 first, always
  const ul = $('hotlines');
  ul.textContent = '';
  for (const h of list) {
    const a = document.createElement('a');
    const num = String(h.number).replace(/[^0-9+]/g, '');
    a.href = 'tel:' + num;
    const b = document.createElement('b');
    b.textContent = num;
    const sp = document.createElement('span');
    sp.textContent = (HOTNAME[s.lang][num] || h.name || '');
    a.append(b, sp);
    const li = document.createElement('li');
    li.append(a);
    ul.append(li);
  }
  // The server's text opens with "you are not alone"; the heading does not say it a second time.
  $('safety-text').textContent = s.safety.text;
  $('safety-text').hidden = !s.safety.text;
  $('safety').hidden = false;
  $('call111').hidden = false;
  if (!quiet) {
    $('say').textContent = t('safety_h') + ' 111. ' + s.safety.text;
    window.scrollTo(0, 0); // the panel sits right under the header
  }
  save();
}

// ---------- connection ----------
function wsUrl() { return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws/student'; }
function send(obj) { if (s.ws && s.ws.readyState === 1) { s.ws.send(JSON.stringify(obj)); return true; } return false; }

function connect() {
  clearTimeout(s.timer);
  if (s.ws && s.ws.readyState <= 1) return;
  if (!s.state || s.state === 'offline') showStatus('connecting');
  const ws = new WebSocket(wsUrl());
  s.ws = ws;
  s.ready = false;
  ws.onopen = () => {
    if (s.code && s.secret) ws.send(JSON.stringify({ type: 'resume', v: 1, case: s.code, secret: s.secret, since: s.since, lang: s.lang }));
    else {
      const hello = { type: 'hello', v: 1, lang: s.lang };
      if (s.school) hello.school = s.school;
      ws.send(JSON.stringify(hello));
    }
  };
  ws.onmessage = (ev) => {
    let f;
    try { f = JSON.parse(ev.data); } catch (e) { return; }
    onFrame(f);
  };
  ws.onclose = () => {
    if (s.ws !== ws) return;
    s.ready = false;
    clearTimeout(s.ackTimer);
    if (!s.code && !s.outbox.length) return; // nothing to keep alive
    if (s.resuming && !s.code) return;
    if (s.state !== 'closed' || s.outbox.length) showStatus('offline');
    for (const m of s.outbox) { const li = s.mine.get(m.id); if (li) mark(li, 'wait'); }
    const delay = Math.min(15000, 1000 * 2 ** s.retry++) + Math.random() * 500;
    s.timer = setTimeout(connect, delay);
  };
}

function flush() {
  if (!s.ready) { connect(); return; }
  for (const m of s.outbox) {
    if (send({ type: 'send', id: m.id, text: m.text })) { const li = s.mine.get(m.id); if (li && li.dataset.st !== 'ok') mark(li, 'sent'); }
  }
  armAckTimer();
}
function armAckTimer() {
  clearTimeout(s.ackTimer);
  if (!s.outbox.length) return;
  s.ackTimer = setTimeout(() => { if (s.outbox.length && s.ws) s.ws.close(); }, ACK_TIMEOUT);
}

function onFrame(f) {
  switch (f.type) {
    case 'welcome': {
      s.ready = true;
      s.retry = 0;
      const fresh = !!f.secret;
      if (fresh) {
        s.code = f.case;
        s.secret = f.secret;
        $('code-v').textContent = f.case;
        $('secret-v').textContent = f.secret;
        $('codecard').hidden = false;
        $('codecard').focus();
      } else if (s.resuming) {
        s.resuming = false;
        $('resume').open = false;
        $('resume').hidden = true;
        note(t('resumed'));
      }
      // the server sends the real state as it changes; until then, say what we know
      if (s.real) showStatus(s.real);
      else if (fresh) showStatus('queued');
      else $('status').hidden = true;
      $('intro').hidden = true;
      $('resume').hidden = true; // a conversation is open: "come back to my conversation" would only confuse
      if (typeof f.seq === 'number' && fresh) for (let i = 1; i <= f.seq; i++) seen(i);
      save();
      flush();
      break;
    }
    case 'ack': {
      const i = s.outbox.findIndex((m) => m.id === f.re);
      if (i >= 0) s.outbox.splice(i, 1);
      const li = s.mine.get(f.re);
      if (li) { mark(li, 'ok'); if (typeof f.seq === 'number') li.dataset.seq = f.seq; }
      if (typeof f.seq === 'number') seen(f.seq);
      if (!s.state || s.state === 'connecting') showStatus('queued');
      armAckTimer();
      save();
      break;
    }
    case 'message': {
      if (typeof f.seq === 'number') {
        if (s.seqs.has(f.seq) || document.querySelector('.log [data-seq="' + f.seq + '"]')) { seen(f.seq); break; }
        seen(f.seq);
      }
      if (f.from === 'student') {
        const li = bubble('me', f.text || '', hhmm(f.at));
        li.dataset.seq = f.seq;
        mark(li, 'ok');
      } else {
        const from = f.from === 'counselor' ? 'counselor' : 'system';
        const li = bubble(from === 'counselor' ? 'them' : 'sys', f.text || '', hhmm(f.at));
        li.dataset.from = from;
        li.dataset.seq = f.seq;
        li.querySelector('.who').textContent = t(from);
      }
      break;
    }
    case 'safety': showSafety(f); break;
    case 'status': s.real = f.state; showStatus(f.state); break;
    case 'error': onError(f); break;
    default: break; // unknown frames are ignored, as the contract says of unknown fields
  }
}

function onError(f) {
  if (f.code === 'unauthorized') {
    const wasManual = s.resuming;
    s.code = s.secret = null;
    s.resuming = false;
    clearTimeout(s.timer);
    if (wasManual) {
      $('rerr').textContent = t('r_bad');
      $('rsecret').focus();
    } else {
      forget();
      note(t('r_gone'));
      $('resume').hidden = false;
    }
    $('status').hidden = true;
    s.state = null;
    return;
  }
  if (f.code === 'rate_limited' || f.code === 'too_many') {
    if (s.resuming) { $('rerr').textContent = t('r_rate'); return; }
  }
  if (f.code === 'unknown_school') { s.outbox.length = 0; note(t('school_bad')); return; }
  if (f.re) {
    const li = s.mine.get(f.re);
    const i = s.outbox.findIndex((m) => m.id === f.re);
    if (i >= 0) s.outbox.splice(i, 1);
    if (li) { mark(li, 'err'); li.title = f.message || f.code; }
    save();
    return;
  }
  if (f.message) note(f.message);
}

function newId() {
  const a = new Uint8Array(12);
  crypto.getRandomValues(a);
  return Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
}

// ---------- quick exit: blank the page, forget everything, leave for a neutral site ----------
function quickExit() {
  try { document.body.textContent = ''; document.title = ''; } catch (e) { /* keep going */ }
  try { if (s.ws) { s.ws.onclose = null; s.ws.close(); } } catch (e) { /* keep going */ }
  try { localStorage.clear(); } catch (e) { /* blocked */ }
  try { sessionStorage.clear(); } catch (e) { /* blocked */ }
  const jobs = [];
  if (s.copied && navigator.clipboard) jobs.push(navigator.clipboard.writeText(' ').catch(() => {}));
  if (window.caches) jobs.push(caches.keys().then((ks) => Promise.all(ks.map((k) => caches.delete(k)))).catch(() => {}));
  if (navigator.serviceWorker) jobs.push(navigator.serviceWorker.getRegistrations().then((rs) => Promise.all(rs.map((r) => r.unregister()))).catch(() => {}));
  let gone = false;
  const go = () => { if (!gone) { gone = true; location.replace(NEUTRAL); } };
  Promise.all(jobs).then(go, go);
  setTimeout(go, 400); // never wait long: leaving fast matters more than tidying
}

// ---------- wiring ----------
function init() {
  let saved = null;
  try { saved = JSON.parse(localStorage.getItem(KEY) || 'null'); } catch (e) { saved = null; }
  if (saved && saved.c && saved.k) {
    s.remember = true;
    s.code = saved.c; s.secret = saved.k;
    s.outbox = Array.isArray(saved.o) ? saved.o : [];
    s.school = saved.sc || s.school;
    $('remember').checked = true;
    $('mem').hidden = false;
    $('resume').hidden = true;
    setLang(saved.l || 'vi');
    if (saved.h) showSafety(saved.h, true);
    for (const m of s.outbox) { const li = bubble('me', m.text, ''); s.mine.set(m.id, li); mark(li, 'wait'); }
    connect();
  } else if (saved && saved.l) setLang(saved.l);

  $('composer').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = $('text').value.trim();
    if (!text) return;
    const m = { id: newId(), text };
    s.outbox.push(m);
    const li = bubble('me', text, hhmm());
    s.mine.set(m.id, li);
    mark(li, s.ready ? 'sent' : 'wait');
    $('text').value = '';
    $('text').focus();
    save();
    flush();
  });
  $('text').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $('composer').requestSubmit(); }
  });
  for (const b of document.querySelectorAll('[data-lang]')) b.addEventListener('click', () => setLang(b.dataset.lang));
  $('exit').addEventListener('click', quickExit);
  let lastEsc = 0;
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    const now = Date.now();
    if (now - lastEsc < 800) quickExit();
    lastEsc = now;
  });
  $('copy').addEventListener('click', async () => {
    const text = s.code + '\n' + s.secret;
    let ok = false;
    try { await navigator.clipboard.writeText(text); ok = true; } catch (e) {
      const ta = document.createElement('textarea');
      ta.value = text; document.body.append(ta); ta.select();
      try { ok = document.execCommand('copy'); } catch (e2) { ok = false; }
      ta.remove();
    }
    if (ok) { s.copied = true; $('copy').textContent = t('copied'); }
  });
  $('codeok').addEventListener('click', () => {
    $('codecard').hidden = true;
    $('code-v').textContent = $('secret-v').textContent = '';
    $('text').focus();
  });
  $('remember').addEventListener('change', (e) => {
    if (e.target.checked) { s.remember = true; $('mem').hidden = false; save(); } else forget();
  });
  $('forget').addEventListener('click', forget);
  $('resumeform').addEventListener('submit', (e) => {
    e.preventDefault();
    $('rerr').textContent = '';
    const code = $('rcode').value.trim().toUpperCase();
    const secret = $('rsecret').value.trim().toUpperCase();
    if (!code || !secret) return;
    if (s.ws) { s.ws.onclose = null; s.ws.close(); s.ws = null; }
    s.code = code; s.secret = secret; s.since = 0; s.seqs.clear(); s.resuming = true;
    $('log').textContent = '';
    s.mine.clear();
    connect();
  });
  window.addEventListener('online', () => { if (s.code || s.outbox.length) { s.retry = 0; connect(); } });
  window.addEventListener('offline', () => { if (s.code) showStatus('offline'); });
  if ('serviceWorker' in navigator && window.isSecureContext) {
    window.addEventListener('load', () => navigator.serviceWorker.register('sw.js').catch(() => {}));
  }
}
init();
})();
