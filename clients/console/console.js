// tamsu duty console. Plain JS, no build step.
// The login token lives in sessionStorage (this tab only, gone when the tab closes) so a reload mid-shift
// does not log the counselor out; nothing else is stored.
'use strict';
(() => {
const $ = (id) => document.getElementById(id);
const URG = ['critical', 'high', 'normal', 'low'];
const SYM = { critical: '▲▲', high: '▲', normal: '●', low: '○' }; // urgency also reads without colour
const ALARM_EVERY = 5000;   // ms between alarm sounds while a critical case waits unclaimed
const NOTIFY_EVERY = 30000; // ms between repeated desktop notifications while it goes on

const T = {
  vi: {
    duty_console: 'Trực ban', duty_on: '● Đang trực — bấm để nghỉ', duty_off: 'Đang nghỉ — bấm để trực',
    sound_enable: '🔇 Bật âm thanh báo động', logout: 'Đăng xuất', claim_critical: 'Nhận ca khẩn cấp',
    login_h: 'Đăng nhập trực ban', username: 'Tên đăng nhập', password: 'Mật khẩu', login: 'Đăng nhập',
    login_bad: 'Sai tên đăng nhập hoặc mật khẩu.', login_rate: 'Thử quá nhiều lần. Đợi một lát.', login_err: 'Không kết nối được máy chủ.',
    queue: 'Hàng chờ', take_next: 'Nhận ca tiếp theo', duty_hint: 'Bật trực để xem hàng chờ.', q_empty: 'Không có ca nào đang chờ.',
    my_cases: 'Ca đang giữ', no_case: 'Chưa giữ ca nào. Nhận một ca từ hàng chờ.',
    change_level: 'Đổi mức', release: 'Trả về hàng chờ', transfer: 'Chuyển', close_case: 'Đóng ca',
    escalate: 'Báo 111 (chuyển tuyến)', messages: 'Tin nhắn', reply_l: 'Trả lời học sinh…', send: 'Gửi',
    notes: 'Ghi chú nội bộ (học sinh không thấy)', note_l: 'Thêm ghi chú…', add_note: 'Lưu ghi chú',
    level: 'Mức', reason: 'Lý do (bắt buộc)', cancel: 'Huỷ', save: 'Lưu', transfer_to: 'Chuyển cho (tên đăng nhập)',
    close_q: 'Đóng ca này?', close_p: 'Học sinh sẽ thấy cuộc trò chuyện đã kết thúc.',
    esc_reason: 'Lý do chuyển tuyến (bắt buộc)', esc_go: 'Mở quy trình 111',
    u_critical: 'Khẩn cấp', u_high: 'Cao', u_normal: 'Bình thường', u_low: 'Thấp',
    s_queued: 'đang chờ', s_assigned: 'đang giữ', held_by: 'Đang giữ: ', claim: 'Nhận', open: 'Mở', waiting: 'chờ',
    student: 'Học sinh', counselor: 'Tư vấn viên', system: 'Hệ thống',
    why: 'Vì sao mức này', rules: 'quy tắc',
    alarm: (n) => n + ' ca KHẨN CẤP đang chờ, chưa ai nhận', title_alarm: (n) => '(' + n + ') KHẨN CẤP',
    n_title: 'Ca khẩn cấp đang chờ', n_body: (n) => n + ' ca khẩn cấp chưa có ai nhận. Mở bảng trực ngay.',
    conn_ok: 'đã kết nối', conn_lost: 'mất kết nối — đang thử lại…',
    t_conflict: 'Ca này đã có người khác nhận.', t_unknown: 'Máy chủ chưa hỗ trợ thao tác này.',
    t_escalated: 'Đã mở quy trình 111. Mã chuyển tuyến: ', t_released: 'Đã trả ca về hàng chờ.', t_closed: 'Đã đóng ca.',
    t_transferred: 'Đã chuyển ca.', t_level: (l, by) => 'Mức đổi thành ' + l + (by ? ' bởi ' + by : ''), t_none: 'Không có ca nào đang chờ.',
    esc_h: 'Chuyển tuyến 111', esc_deadline: 'Hạn can thiệp: ', esc_state: 'Bước hiện tại: ',
    st_acknowledged: 'Đã tiếp nhận', st_hotline_called: 'Đã gọi 111', st_authority_notified: 'Đã báo cơ quan chức năng',
    st_plan_made: 'Đã lập kế hoạch', st_intervention_done: 'Đã can thiệp', st_reviewed: 'Đã rà soát', st_closed: 'Kết thúc',
    cat_suicide_self_harm: 'Tự tử / tự hại', cat_violence: 'Bạo lực', cat_sexual_abuse: 'Xâm hại tình dục', cat_exploitation: 'Bóc lột / dụ dỗ',
    cat_bullying: 'Bắt nạt', cat_family: 'Gia đình', cat_mental_health: 'Sức khỏe tâm thần', cat_school: 'Học tập', cat_relationships: 'Tình cảm, bạn bè',
    cat_runaway_homeless: 'Bỏ nhà / không nơi ở', cat_pregnancy: 'Mang thai', cat_substance: 'Chất gây nghiện', cat_eating_disorder: 'Rối loạn ăn uống', cat_service: 'Hỏi về dịch vụ',
    pending: 'đang gửi…', failed: 'không gửi được', notify_denied: 'Thông báo màn hình bị chặn — hãy cho phép để không bỏ lỡ ca khẩn cấp.',
  },
  en: {
    duty_console: 'Duty console', duty_on: '● On duty — click to go off', duty_off: 'Off duty — click to go on duty',
    sound_enable: '🔇 Turn on alarm sound', logout: 'Log out', claim_critical: 'Claim critical case',
    login_h: 'Duty login', username: 'Username', password: 'Password', login: 'Log in',
    login_bad: 'Wrong username or password.', login_rate: 'Too many tries. Wait a little.', login_err: 'Cannot reach the server.',
    queue: 'Queue', take_next: 'Take next', duty_hint: 'Go on duty to see the queue.', q_empty: 'Nobody is waiting.',
    my_cases: 'My cases', no_case: 'You hold no case. Claim one from the queue.',
    change_level: 'Change level', release: 'Release to queue', transfer: 'Transfer', close_case: 'Close case',
    escalate: 'Escalate to 111', messages: 'Messages', reply_l: 'Reply to the student…', send: 'Send',
    notes: 'Internal notes (the student never sees them)', note_l: 'Add a note…', add_note: 'Save note',
    level: 'Level', reason: 'Reason (required)', cancel: 'Cancel', save: 'Save', transfer_to: 'Transfer to (username)',
    close_q: 'Close this case?', close_p: 'The student will see that the conversation is closed.',
    esc_reason: 'Reason for escalating (required)', esc_go: 'Open the 111 workflow',
    u_critical: 'Critical', u_high: 'High', u_normal: 'Normal', u_low: 'Low',
    s_queued: 'waiting', s_assigned: 'held', held_by: 'Held by: ', claim: 'Claim', open: 'Open', waiting: 'waiting',
    student: 'Student', counselor: 'Counselor', system: 'System',
    why: 'Why this level', rules: 'rules',
    alarm: (n) => n + ' CRITICAL case(s) waiting, nobody has claimed', title_alarm: (n) => '(' + n + ') CRITICAL',
    n_title: 'Critical case waiting', n_body: (n) => n + ' critical case(s) unclaimed. Open the console now.',
    conn_ok: 'connected', conn_lost: 'connection lost — retrying…',
    t_conflict: 'Someone else already holds this case.', t_unknown: 'The server does not support this yet.',
    t_escalated: '111 workflow opened. Escalation id: ', t_released: 'Case released to the queue.', t_closed: 'Case closed.',
    t_transferred: 'Case transferred.', t_level: (l, by) => 'Level changed to ' + l + (by ? ' by ' + by : ''), t_none: 'Nobody is waiting.',
    esc_h: '111 escalation', esc_deadline: 'Intervention deadline: ', esc_state: 'Current step: ',
    st_acknowledged: 'Acknowledged', st_hotline_called: '111 called', st_authority_notified: 'Authority notified',
    st_plan_made: 'Plan made', st_intervention_done: 'Intervention done', st_reviewed: 'Reviewed', st_closed: 'Closed',
    cat_suicide_self_harm: 'Suicide / self-harm', cat_violence: 'Violence', cat_sexual_abuse: 'Sexual abuse', cat_exploitation: 'Exploitation / grooming',
    cat_bullying: 'Bullying', cat_family: 'Family', cat_mental_health: 'Mental health', cat_school: 'School', cat_relationships: 'Relationships',
    cat_runaway_homeless: 'Runaway / homeless', cat_pregnancy: 'Pregnancy', cat_substance: 'Substances', cat_eating_disorder: 'Eating disorder', cat_service: 'About the service',
    pending: 'sending…', failed: 'not sent', notify_denied: 'Desktop notifications are blocked — allow them so no critical case is missed.',
  },
  zh: {
    duty_console: '值班台', duty_on: '● 值班中 — 点击下班', duty_off: '未值班 — 点击开始值班',
    sound_enable: '🔇 开启警报声音', logout: '退出', claim_critical: '接手紧急个案',
    login_h: '值班登录', username: '用户名', password: '密码', login: '登录',
    login_bad: '用户名或密码错误。', login_rate: '尝试次数过多，请稍候。', login_err: '无法连接服务器。',
    queue: '等待队列', take_next: '接下一个', duty_hint: '开始值班以查看队列。', q_empty: '没有人在等待。',
    my_cases: '我的个案', no_case: '你还没有接手个案。请从队列中接手。',
    change_level: '更改级别', release: '退回队列', transfer: '转交', close_case: '结束个案',
    escalate: '上报111', messages: '消息', reply_l: '回复学生…', send: '发送',
    notes: '内部备注（学生看不到）', note_l: '添加备注…', add_note: '保存备注',
    level: '级别', reason: '原因（必填）', cancel: '取消', save: '保存', transfer_to: '转交给（用户名）',
    close_q: '结束这个个案？', close_p: '学生会看到对话已结束。',
    esc_reason: '上报原因（必填）', esc_go: '启动111流程',
    u_critical: '紧急', u_high: '高', u_normal: '普通', u_low: '低',
    s_queued: '等待中', s_assigned: '已接手', held_by: '接手人：', claim: '接手', open: '打开', waiting: '等待',
    student: '学生', counselor: '咨询老师', system: '系统',
    why: '为何是这个级别', rules: '规则',
    alarm: (n) => n + ' 个紧急个案在等待，无人接手', title_alarm: (n) => '(' + n + ') 紧急',
    n_title: '紧急个案在等待', n_body: (n) => n + ' 个紧急个案无人接手。请立即打开值班台。',
    conn_ok: '已连接', conn_lost: '连接中断——正在重试…',
    t_conflict: '这个个案已被别人接手。', t_unknown: '服务器暂不支持此操作。',
    t_escalated: '已启动111流程。上报编号：', t_released: '个案已退回队列。', t_closed: '个案已结束。',
    t_transferred: '个案已转交。', t_level: (l, by) => '级别已改为' + l + (by ? '（' + by + '）' : ''), t_none: '没有人在等待。',
    esc_h: '111上报', esc_deadline: '干预期限：', esc_state: '当前步骤：',
    st_acknowledged: '已确认', st_hotline_called: '已拨打111', st_authority_notified: '已通知主管部门',
    st_plan_made: '已制定计划', st_intervention_done: '已干预', st_reviewed: '已复核', st_closed: '已结束',
    cat_suicide_self_harm: '自杀 / 自伤', cat_violence: '暴力', cat_sexual_abuse: '性侵害', cat_exploitation: '剥削 / 诱骗',
    cat_bullying: '欺凌', cat_family: '家庭', cat_mental_health: '心理健康', cat_school: '学业', cat_relationships: '人际 / 恋爱',
    cat_runaway_homeless: '离家 / 无家可归', cat_pregnancy: '怀孕', cat_substance: '物质滥用', cat_eating_disorder: '进食障碍', cat_service: '咨询服务',
    pending: '发送中…', failed: '未发送', notify_denied: '桌面通知被阻止——请允许，以免错过紧急个案。',
  },
};
const STEPS = ['acknowledged', 'hotline_called', 'authority_notified', 'plan_made', 'intervention_done', 'reviewed', 'closed'];

const c = {
  lang: 'vi', token: null, me: null, ws: null, retry: 0, timer: null, duty: false,
  queue: [], queueAt: 0, cases: new Map(), active: null, checklist: null,
  audio: null, deniedShown: false, lastAlarm: 0, lastNotify: 0, pendingClaim: null, toastTimer: null, pendingTransfer: null,
};
const t = (k, ...a) => { const v = T[c.lang][k] ?? T.en[k] ?? k; return typeof v === 'function' ? v(...a) : v; };
const urgLabel = (u) => (SYM[u] || '') + ' ' + t('u_' + u);

// ---------- helpers ----------
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}
function fmtWait(s) {
  s = Math.max(0, Math.floor(s));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), x = s % 60;
  return (h ? h + ':' + String(m).padStart(2, '0') : m) + ':' + String(x).padStart(2, '0');
}
const hhmm = (at) => { const d = at ? new Date(at) : new Date(); return isNaN(d) ? '' : d.toLocaleTimeString(c.lang, { hour: '2-digit', minute: '2-digit' }); };
function newId() { const a = new Uint8Array(12); crypto.getRandomValues(a); return Array.from(a, (b) => b.toString(16).padStart(2, '0')).join(''); }
function toast(text) {
  const p = $('toast');
  p.textContent = text;
  p.hidden = false;
  clearTimeout(c.toastTimer);
  c.toastTimer = setTimeout(() => { p.hidden = true; }, 8000);
}
function send(obj) { if (c.ws && c.ws.readyState === 1) { c.ws.send(JSON.stringify(obj)); return true; } return false; }
// Category codes are the lexicon's (docs/triage.md); a code the page has no name for is shown as it is.
const catName = (k) => { const key = 'cat_' + k; const v = t(key); return v === key ? String(k).replace(/_/g, ' ') : v; };

// ---------- language ----------
function setLang(l) {
  if (!T[l]) return;
  c.lang = l;
  document.documentElement.lang = l === 'zh' ? 'zh-Hans' : l;
  for (const e of document.querySelectorAll('[data-t]')) e.textContent = t(e.dataset.t);
  for (const e of document.querySelectorAll('[data-t-ph]')) e.placeholder = t(e.dataset.tPh);
  for (const e of document.querySelectorAll('[data-t-label]')) e.setAttribute('aria-label', t(e.dataset.tLabel));
  for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === l));
  try { sessionStorage.setItem('tamsu.lang', l); } catch (e) { /* blocked */ }
  renderDuty(); renderQueue(); renderTabs(); renderConv(); renderChecklist();
}

// ---------- login ----------
async function login(ev) {
  ev.preventDefault();
  $('loginerr').textContent = '';
  unlockAudio();
  let r;
  try {
    r = await fetch('/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: $('user').value.trim(), password: $('pass').value }) });
  } catch (e) { $('loginerr').textContent = t('login_err'); return; }
  if (r.status === 401) { $('loginerr').textContent = t('login_bad'); return; }
  if (r.status === 429) { $('loginerr').textContent = t('login_rate'); return; }
  if (!r.ok) { $('loginerr').textContent = t('login_err') + ' (' + r.status + ')'; return; }
  const j = await r.json();
  c.token = j.token;
  try { sessionStorage.setItem('tamsu.token', JSON.stringify({ token: j.token, exp: j.expires_at })); } catch (e) { /* blocked */ }
  $('pass').value = '';
  start();
}
function logout() {
  try { sessionStorage.removeItem('tamsu.token'); sessionStorage.removeItem('tamsu.duty'); } catch (e) { /* blocked */ }
  if (c.ws) { c.ws.onclose = null; c.ws.close(); }
  location.reload();
}
function start() {
  $('login').hidden = true;
  $('app').hidden = false;
  $('logout').hidden = false;
  $('duty').hidden = false;
  renderSoundButton();
  connect();
}

// ---------- connection ----------
function connect() {
  clearTimeout(c.timer);
  const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws/counselor');
  c.ws = ws;
  ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', token: c.token }));
  ws.onmessage = (ev) => { let f; try { f = JSON.parse(ev.data); } catch (e) { return; } onFrame(f); };
  ws.onclose = () => {
    if (c.ws !== ws) return;
    $('conn').textContent = t('conn_lost');
    c.timer = setTimeout(connect, Math.min(10000, 500 * 2 ** c.retry++));
  };
}

function onFrame(f) {
  switch (f.type) {
    case 'ready':
      c.retry = 0;
      c.me = f.user || {};
      $('who').textContent = (c.me.username || '') + (c.me.role ? ' · ' + c.me.role : '');
      $('conn').textContent = t('conn_ok');
      if (c.duty) send({ type: 'duty', on: true });
      for (const code of c.cases.keys()) send({ type: 'claim', case: code }); // get back what we held
      break;
    case 'duty':
      c.duty = !!f.on;
      try { sessionStorage.setItem('tamsu.duty', c.duty ? '1' : ''); } catch (e) { /* blocked */ }
      if (!c.duty) { c.queue = []; renderQueue(); }
      renderDuty();
      break;
    case 'queue':
      c.queue = Array.isArray(f.cases) ? f.cases : [];
      c.queueAt = performance.now();
      for (const q of c.queue) {
        const k = c.cases.get(q.case);
        if (!k) continue;
        if (q.assigned_to && c.me && q.assigned_to !== c.me.username) { drop(q.case); continue; } // transferred or taken over
        if (q.urgency) k.urgency = q.urgency;
        if (q.categories) k.categories = q.categories;
      }
      renderQueue(); renderTabs(); renderConv(true);
      alarmCheck(true);
      break;
    case 'claimed': {
      const code = f.case;
      if (!c.cases.has(code)) {
        const q = c.queue.find((x) => x.case === code) || {};
        c.cases.set(code, { code, urgency: q.urgency || 'normal', categories: q.categories || [], msgs: new Map(), pending: new Map(), notes: [], unread: 0, esc: null });
      }
      c.pendingClaim = null;
      open(code);
      renderQueue();
      break;
    }
    case 'message': onMessage(f); break;
    case 'ack': onAck(f); break;
    case 'note': {
      const k = c.cases.get(f.case);
      if (k) {
        // the server's copy of a note we wrote replaces our pending one
        const i = k.notes.findIndex((n) => n.local && n.text === f.text);
        const dup = k.notes.some((n) => !n.local && n.text === f.text && n.at === f.at && n.author === f.author); // a re-claim sends them again
        if (i >= 0) k.notes[i] = f; else if (!dup) k.notes.push(f);
        if (c.active === f.case) renderNotes();
      }
      break;
    }
    case 'level_changed': {
      const k = c.cases.get(f.case);
      const lv = f.urgency || f.level; // the server names it urgency; level kept for older builds
      if (k && URG.includes(lv)) { k.urgency = lv; k.msgs.set('lv' + Date.now(), { from: 'system', text: t('t_level', t('u_' + lv), f.by), at: new Date().toISOString() }); }
      renderTabs(); renderConv();
      break;
    }
    case 'released': case 'closed': case 'transferred':
      drop(f.case);
      toast(t(c.pendingTransfer === f.case ? 't_transferred' : 't_' + f.type));
      if (c.pendingTransfer === f.case) c.pendingTransfer = null;
      break;
    case 'escalated': {
      const k = c.cases.get(f.case);
      if (k) { k.esc = k.esc || { escalation: f.escalation, state: 'opened', steps: [] }; k.esc.escalation = f.escalation; }
      toast(t('t_escalated') + f.escalation);
      renderConv();
      break;
    }
    case 'escalation': {
      for (const k of c.cases.values()) if (k.code === f.case) { k.esc = f; }
      renderConv();
      break;
    }
    case 'error': onError(f); break;
    default: break;
  }
}

function onMessage(f) {
  const k = c.cases.get(f.case);
  if (!k) return;
  const key = typeof f.seq === 'number' ? f.seq : 'x' + Math.random();
  if (k.msgs.has(key)) return;
  // our own reply echoed back: drop the pending copy
  // our own reply echoed back before its ack: the echo replaces the pending copy
  if (f.from === 'counselor' && c.me && f.author === c.me.username) {
    for (const [id, p] of k.pending) if (p.text === f.text) { k.pending.delete(id); k.echoed = (k.echoed || new Set()).add(id); break; }
  }
  k.msgs.set(key, f);
  if (f.urgency && f.from === 'student') k.urgency = f.urgency;
  if (f.categories && f.from === 'student') k.categories = Array.from(new Set([...(k.categories || []), ...f.categories]));
  if (c.active !== f.case || document.hidden) k.unread++;
  renderTabs();
  if (c.active === f.case) renderConv();
}
function onAck(f) {
  for (const k of c.cases.values()) {
    if (k.echoed && k.echoed.delete(f.re)) return;
    const p = k.pending.get(f.re);
    if (p) {
      k.pending.delete(f.re);
      if (typeof f.seq === 'number' && !k.msgs.has(f.seq)) k.msgs.set(f.seq, { case: k.code, seq: f.seq, from: 'counselor', author: c.me && c.me.username, text: p.text, at: new Date().toISOString() });
      if (c.active === k.code) renderConv();
      return;
    }
    const n = k.notes.find((x) => x.id === f.re);
    if (n) { n.pending = false; if (c.active === k.code) renderNotes(); return; }
  }
}
function onError(f) {
  if (f.code === 'unauthorized') {
    try { sessionStorage.removeItem('tamsu.token'); } catch (e) { /* blocked */ }
    if (c.ws) c.ws.onclose = null;
    $('app').hidden = true; $('login').hidden = false; $('duty').hidden = true; $('logout').hidden = true;
    $('loginerr').textContent = f.message || t('login_bad');
    return;
  }
  if (f.code === 'unknown_type' && c.pendingClaim === 'next') { c.pendingClaim = null; takeNextLocally(); return; }
  if (f.code === 'not_found' && c.pendingClaim === 'next') { c.pendingClaim = null; toast(t('t_none')); return; }
  if (f.code === 'conflict') { toast(t('t_conflict')); c.pendingClaim = null; return; }
  if (f.code === 'unknown_type') { toast(t('t_unknown') + (f.message ? ' (' + f.message + ')' : '')); return; }
  if (f.re) {
    for (const k of c.cases.values()) {
      const p = k.pending.get(f.re);
      if (p) { p.failed = f.message || f.code; if (c.active === k.code) renderConv(); }
    }
  }
  toast((f.message || f.code) + '');
}
function drop(code) {
  c.cases.delete(code);
  if (c.active === code) c.active = c.cases.keys().next().value || null;
  renderTabs(); renderConv(); renderQueue();
}

// ---------- duty, queue, alarm ----------
function renderDuty() {
  const b = $('duty');
  b.setAttribute('aria-pressed', String(c.duty));
  b.textContent = t(c.duty ? 'duty_on' : 'duty_off');
  $('takenext').disabled = !c.duty;
}
function toggleDuty() {
  unlockAudio();
  if (!c.duty && 'Notification' in window && Notification.permission === 'default') Notification.requestPermission().then(renderSoundButton);
  send({ type: 'duty', on: !c.duty });
}
const waitingOf = (q) => (q.waiting_s || 0) + (performance.now() - c.queueAt) / 1000;
function renderQueue() {
  const ol = $('qlist');
  ol.textContent = '';
  $('qempty').textContent = c.duty ? t('q_empty') : t('duty_hint');
  $('qempty').hidden = c.duty && c.queue.length > 0;
  const waiting = c.queue.filter((q) => q.state !== 'assigned').length;
  $('qcount').textContent = c.duty ? String(waiting) : '';
  for (const q of c.queue) {
    const u = URG.includes(q.urgency) ? q.urgency : 'normal';
    const li = el('li', 'u-' + u);
    li.dataset.case = q.case;
    const mine = c.me && q.assigned_to === c.me.username;
    if (mine) li.classList.add('mine');
    li.append(el('span', 'urg ' + u, urgLabel(u)));
    const code = el('span', 'mono', q.case);
    li.append(code);
    const btn = el('button', mine ? '' : 'primary', t(mine ? 'open' : 'claim'));
    btn.type = 'button';
    btn.setAttribute('aria-label', t(mine ? 'open' : 'claim') + ' ' + q.case + ' (' + t('u_' + u) + ')');
    if (q.state === 'assigned' && !mine) btn.disabled = true;
    btn.addEventListener('click', () => { if (mine && c.cases.has(q.case)) open(q.case); else claim(q.case); });
    li.append(btn);
    const meta = el('span', 'meta');
    const w = el('span', 'wait', fmtWait(waitingOf(q)));
    w.dataset.case = q.case;
    meta.append(t('waiting') + ' ', w, ' · ');
    meta.append(q.state === 'assigned' ? t('held_by') + (q.assigned_to || '?') : t('s_queued'));
    if (q.categories && q.categories.length) meta.append(' · ' + q.categories.map(catName).join(', '));
    li.append(meta);
    ol.append(li);
  }
}
function tick() {
  for (const w of document.querySelectorAll('.qlist .wait')) {
    const q = c.queue.find((x) => x.case === w.dataset.case);
    if (q) w.textContent = fmtWait(waitingOf(q));
  }
  alarmCheck(false);
}
const unclaimedCritical = () => c.queue.filter((q) => q.urgency === 'critical' && q.state !== 'assigned' && !q.assigned_to);
function alarmCheck(changed) {
  const crit = unclaimedCritical();
  const n = crit.length;
  const waiting = c.duty ? c.queue.filter((q) => q.state !== 'assigned').length : 0;
  document.title = (n ? t('title_alarm', n) + ' · ' : waiting ? '(' + waiting + ') ' : '') + t('duty_console') + ' · tamsu';
  $('alarm').hidden = !n;
  if (!n) { c.lastAlarm = c.lastNotify = 0; return; }
  const text = t('alarm', n);
  if ($('alarm-text').textContent !== text) $('alarm-text').textContent = text;
  const now = Date.now();
  if (changed || now - c.lastAlarm >= ALARM_EVERY) { c.lastAlarm = now; beep(); }
  if (now - c.lastNotify >= NOTIFY_EVERY) { c.lastNotify = now; notify(n); }
}
function notify(n) {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  try {
    const no = new Notification(t('n_title'), { body: t('n_body', n), tag: 'tamsu-critical', renotify: true, requireInteraction: true });
    no.onclick = () => { window.focus(); no.close(); };
  } catch (e) { /* some browsers only allow notifications from a service worker */ }
}
function unlockAudio() {
  try {
    if (!c.audio) c.audio = new (window.AudioContext || window.webkitAudioContext)();
    if (c.audio.state === 'suspended') c.audio.resume().then(renderSoundButton);
  } catch (e) { c.audio = null; }
  renderSoundButton();
}
function renderSoundButton() {
  const off = !c.audio || c.audio.state !== 'running';
  const denied = 'Notification' in window && Notification.permission === 'denied';
  $('sound').hidden = !off || !c.token;
  if (denied && !c.deniedShown) { c.deniedShown = true; toast(t('notify_denied')); }
}
function beep() {
  const a = c.audio;
  if (!a || a.state !== 'running') { renderSoundButton(); return; }
  // two short high tones: distinct from a phone ringtone, audible over a busy office
  for (const [at, hz] of [[0, 880], [0.25, 1320], [0.5, 880], [0.75, 1320]]) {
    const o = a.createOscillator(), g = a.createGain();
    o.frequency.value = hz; o.type = 'square';
    g.gain.setValueAtTime(0.0001, a.currentTime + at);
    g.gain.exponentialRampToValueAtTime(0.25, a.currentTime + at + 0.02);
    g.gain.exponentialRampToValueAtTime(0.0001, a.currentTime + at + 0.2);
    o.connect(g).connect(a.destination);
    o.start(a.currentTime + at); o.stop(a.currentTime + at + 0.22);
  }
}

// ---------- claiming ----------
function claim(code) { c.pendingClaim = code; send({ type: 'claim', case: code }); }
function takeNext() { c.pendingClaim = 'next'; send({ type: 'take_next' }); }
function takeNextLocally() {
  const q = c.queue.find((x) => x.state !== 'assigned' && !x.assigned_to);
  if (q) claim(q.case); else toast(t('t_none'));
}

// ---------- conversation ----------
function open(code) {
  c.active = code;
  const k = c.cases.get(code);
  if (k) k.unread = 0;
  renderTabs(); renderConv();
  $('replytext').focus();
}
function renderTabs() {
  const box = $('tabs');
  box.textContent = '';
  for (const k of c.cases.values()) {
    const b = el('button');
    b.type = 'button';
    b.setAttribute('role', 'tab');
    b.setAttribute('aria-selected', String(c.active === k.code));
    b.append(el('span', 'urg ' + k.urgency, SYM[k.urgency] || ''), ' ', el('span', 'mono', k.code));
    if (k.unread) b.append(el('span', 'unread', String(k.unread)));
    b.addEventListener('click', () => open(k.code));
    box.append(b);
  }
  $('noconv').hidden = c.cases.size > 0;
}
function renderExplain(li, ex) {
  if (typeof ex === 'string') { try { ex = JSON.parse(ex); } catch (e) { return; } }
  // helper words (category "-", weight 0) are how a rule matched, not why: leave them out
  const matches = ((ex && ex.matches) || []).filter((m) => m.category && m.category !== '-' && m.weight !== 0);
  if (!matches.length && !(ex && ex.rules && ex.rules.length)) return;
  const d = el('div', 'explain');
  d.append(t('why') + ': ');
  matches.forEach((m, i) => {
    if (i) d.append(', ');
    d.append(el('mark', null, m.text || m.term), ' → ' + catName(m.category) + (m.weight ? ' (+' + m.weight + ')' : ''));
  });
  if (ex.rules && ex.rules.length) d.append(' · ' + t('rules') + ': ' + ex.rules.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('; '));
  li.append(d);
}
function renderConv(light) {
  const k = c.cases.get(c.active);
  $('conv').hidden = !k;
  if (!k) return;
  $('c-code').textContent = k.code;
  const u = $('c-urg');
  u.className = 'urg ' + k.urgency;
  u.textContent = urgLabel(k.urgency);
  $('c-cats').textContent = (k.categories || []).map(catName).join(' · ');
  renderEsc(k);
  if (light) return;
  const ol = $('msgs');
  ol.textContent = '';
  const list = [...k.msgs.values()].sort((a, b) => (a.seq ?? 1e9) - (b.seq ?? 1e9));
  for (const m of list) {
    const from = ['student', 'counselor', 'system'].includes(m.from) ? m.from : 'system';
    const li = el('li', 'from-' + from, m.text || '');
    const sm = el('small');
    sm.append((from === 'counselor' && m.author ? m.author : t(from)) + ' · ' + hhmm(m.at));
    if (from === 'student' && m.urgency) sm.append(' · ', el('span', 'urg ' + m.urgency, urgLabel(m.urgency)));
    li.append(sm);
    if (from === 'student') renderExplain(li, m.explain);
    ol.append(li);
  }
  for (const p of k.pending.values()) {
    const li = el('li', 'from-counselor', p.text);
    li.append(el('small', null, p.failed ? t('failed') + ': ' + p.failed : t('pending')));
    ol.append(li);
  }
  ol.scrollTop = ol.scrollHeight;
  renderNotes();
}
function renderNotes() {
  const k = c.cases.get(c.active);
  const ul = $('notes');
  ul.textContent = '';
  if (!k) return;
  for (const n of k.notes) {
    const li = el('li', null, n.text);
    li.append(el('small', null, (n.author || (c.me && c.me.username) || '') + ' · ' + hhmm(n.at) + (n.pending ? ' · ' + t('pending') : '')));
    ul.append(li);
  }
}
function renderEsc(k) {
  const box = $('esc');
  box.textContent = '';
  box.hidden = !k.esc;
  if (!k.esc) return;
  box.append(el('h3', null, t('esc_h') + ' · ' + (k.esc.escalation || '')));
  if (k.esc.state && STEPS.includes(k.esc.state)) box.append(el('p', null, t('esc_state') + t('st_' + k.esc.state)));
  if (k.esc.deadline) box.append(el('p', null, t('esc_deadline') + new Date(k.esc.deadline).toLocaleString(c.lang)));
  const done = new Set((k.esc.steps || []).map((s) => s.step));
  const steps = el('div', 'steps');
  for (const s of STEPS) {
    const b = el('button', done.has(s) ? 'done' : '', (done.has(s) ? '✓ ' : '') + t('st_' + s));
    b.type = 'button';
    b.addEventListener('click', () => send({ type: 'escalation_step', escalation: k.esc.escalation, step: s, note: '', reference: '' }));
    steps.append(b);
  }
  box.append(steps);
  const cl = el('div', 'checklist');
  fillChecklist(cl);
  box.append(cl);
}

// ---------- the school's 111 checklist (clients/console/checklist.json, editable by school IT) ----------
async function loadChecklist() {
  try { const r = await fetch('checklist.json', { cache: 'no-cache' }); if (r.ok) c.checklist = await r.json(); } catch (e) { c.checklist = null; }
  renderChecklist();
}
function fillChecklist(box) {
  const cl = c.checklist && (c.checklist[c.lang] || c.checklist.vi || c.checklist.en);
  if (!cl) return;
  if (cl.title) box.append(el('h3', null, cl.title));
  for (const sec of cl.sections || []) {
    box.append(el('h3', null, sec.title));
    const ul = el('ul');
    for (const it of sec.items || []) {
      const li = el('li');
      const lab = el('label');
      const cb = el('input');
      cb.type = 'checkbox';
      lab.append(cb);
      // tel: links for phone numbers, so the counselor can dial from the console's phone
      const span = el('span');
      String(it).split(/\b(111|113|115)\b/).forEach((part, i) => {
        if (i % 2) { const a = el('a', null, part); a.href = 'tel:' + part; span.append(a); } else span.append(part);
      });
      lab.append(span);
      li.append(lab);
      ul.append(li);
    }
    box.append(ul);
  }
}
function renderChecklist() { const box = $('checklist'); box.textContent = ''; fillChecklist(box); }

// ---------- wiring ----------
function init() {
  let l = 'vi';
  try { l = sessionStorage.getItem('tamsu.lang') || 'vi'; } catch (e) { /* blocked */ }
  setLang(l);
  for (const b of document.querySelectorAll('[data-lang]')) b.addEventListener('click', () => setLang(b.dataset.lang));
  $('loginform').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  $('duty').addEventListener('click', toggleDuty);
  $('sound').addEventListener('click', () => { unlockAudio(); beep(); if ('Notification' in window && Notification.permission === 'default') Notification.requestPermission(); });
  $('takenext').addEventListener('click', takeNext);
  $('alarm-claim').addEventListener('click', () => { const q = unclaimedCritical()[0]; if (q) claim(q.case); });
  $('replyform').addEventListener('submit', (e) => {
    e.preventDefault();
    const k = c.cases.get(c.active);
    const text = $('replytext').value.trim();
    if (!k || !text) return;
    const id = newId();
    k.pending.set(id, { text });
    send({ type: 'reply', id, case: k.code, text });
    $('replytext').value = '';
    renderConv();
  });
  $('replytext').addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $('replyform').requestSubmit(); } });
  $('noteform').addEventListener('submit', (e) => {
    e.preventDefault();
    const k = c.cases.get(c.active);
    const text = $('notetext').value.trim();
    if (!k || !text) return;
    const id = newId();
    k.notes.push({ id, text, author: c.me && c.me.username, at: new Date().toISOString(), pending: true, local: true });
    send({ type: 'note', id, case: k.code, text });
    $('notetext').value = '';
    renderNotes();
  });
  const dialogs = [
    ['a-level', 'd-level', () => { const k = c.cases.get(c.active); $('lv').value = k ? k.urgency : 'normal'; $('lvreason').value = ''; },
      () => send({ type: 'set_level', case: c.active, level: $('lv').value, reason: $('lvreason').value.trim() })],
    ['a-transfer', 'd-transfer', () => { $('tto').value = ''; }, () => { c.pendingTransfer = c.active; send({ type: 'transfer', case: c.active, to: $('tto').value.trim() }); }],
    ['a-close', 'd-close', null, () => send({ type: 'close', case: c.active })],
    ['a-escalate', 'd-esc', () => { $('escreason').value = ''; renderChecklist(); },
      () => send({ type: 'escalate', case: c.active, reason: $('escreason').value.trim() })],
  ];
  for (const [btn, dlg, before, after] of dialogs) {
    $(btn).addEventListener('click', () => { if (before) before(); $(dlg).returnValue = ''; $(dlg).showModal(); });
    $(dlg).addEventListener('close', () => { if ($(dlg).returnValue === 'ok' && c.active) after(); $(btn).focus(); });
  }
  $('a-release').addEventListener('click', () => { if (c.active) send({ type: 'release', case: c.active }); });
  setInterval(tick, 1000);
  loadChecklist();
  try {
    const saved = JSON.parse(sessionStorage.getItem('tamsu.token') || 'null');
    if (saved && saved.token && (!saved.exp || new Date(saved.exp) > new Date())) {
      c.token = saved.token;
      c.duty = sessionStorage.getItem('tamsu.duty') === '1';
      start();
    }
  } catch (e) { /* no saved session */ }
}
init();
})();
