// Shared fixtures for the end-to-end tests: the real tamsu binary on 127.0.0.1:0 with a temp data dir,
// and Debian's chromium driven by playwright-core (it downloads nothing; executablePath is fixed).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const binary = process.env.TAMSU_BIN || path.join(repo, 'build/tamsu');
export const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

// Why a test would not run: said once, plainly, in the skip message.
export function missing() {
  if (!existsSync(binary)) return `tamsu binary not found at ${binary} (build it first: see README)`;
  const v = spawnSync(binary, ['serve', '--help'], { encoding: 'utf8', timeout: 10000 });
  const said = ((v.stdout || '') + (v.stderr || '')).trim();
  if (v.status !== 0 || /not built yet/.test(said)) return `${binary} serve --help failed (${said.slice(0, 120)}): the server is not built yet`;
  if (!existsSync(chromiumPath)) return `chromium not found at ${chromiumPath} (apt-get install chromium)`;
  return null;
}

// Screenshots go to docs/screens/ only when asked (TAMSU_SCREENS=1), so a test run leaves the tree clean.
const screensDir = process.env.TAMSU_SCREENS ? path.join(repo, 'docs/screens') : mkdtempSync(path.join(tmpdir(), 'tamsu-screens-'));
export async function shot(page, name, opts = {}) {
  mkdirSync(screensDir, { recursive: true });
  await page.screenshot({ path: path.join(screensDir, name + '.png'), ...opts });
}

export class Server {
  constructor() {
    this.dir = mkdtempSync(path.join(tmpdir(), 'tamsu-e2e-'));
    this.dataDir = path.join(this.dir, 'data');
    this.output = '';
  }

  // Starts `tamsu serve`; resolves once it prints "listening on HOST:PORT". listen defaults to port 0.
  start(listen = '127.0.0.1:0') {
    this.proc = spawn(binary, ['serve', '--data-dir', this.dataDir, '--listen', listen], { stdio: ['ignore', 'pipe', 'pipe'] });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('tamsu serve did not say "listening on" in 20 s:\n' + this.output)), 20000);
      const onData = (d) => {
        this.output += d.toString();
        const pw = this.output.match(/initial admin password: (\S+)/);
        if (pw) this.adminPassword = pw[1];
        const m = this.output.match(/listening on ([\d.]+):(\d+)/);
        if (m && !this.port) {
          this.port = Number(m[2]);
          this.url = `http://127.0.0.1:${this.port}`;
          clearTimeout(timer);
          resolve(this);
        }
      };
      this.proc.stdout.on('data', onData);
      this.proc.stderr.on('data', (d) => { this.output += d.toString(); });
      this.proc.on('exit', (code) => { this.exited = code; if (!this.port) { clearTimeout(timer); reject(new Error(`tamsu serve exited ${code}:\n${this.output}`)); } });
    });
  }

  // SIGTERM and wait for a clean exit (the contract: drains, exits 0).
  stop() {
    if (!this.proc || this.exited !== undefined) return Promise.resolve(this.exited);
    return new Promise((resolve) => {
      const kill = setTimeout(() => this.proc.kill('SIGKILL'), 10000);
      this.proc.once('exit', (code) => { clearTimeout(kill); resolve(code); });
      this.proc.kill('SIGTERM');
    });
  }

  async restart() {
    const port = this.port;
    await this.stop();
    this.exited = undefined; this.port = undefined; this.output = '';
    return this.start(`127.0.0.1:${port}`);
  }

  addUser(username, password, role = 'counselor') {
    const r = spawnSync(binary, ['user', 'add', '--data-dir', this.dataDir, '--username', username, '--role', role],
      { input: password + '\n', encoding: 'utf8', timeout: 20000 });
    if (r.status !== 0) throw new Error(`tamsu user add ${username} failed (${r.status}): ${r.stderr}${r.stdout}`);
  }

  cleanup() { rmSync(this.dir, { recursive: true, force: true }); }
}

// playwright-core's launch() gives chromium a fresh temporary --user-data-dir of its own each time (and
// refuses one passed in args), so nothing carries over from a previous run.
export function launch() {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export const phone = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'vi-VN' };
export const desktop = { viewport: { width: 1280, height: 820 }, locale: 'vi-VN' };

// Student: open the page, write one message, wait until it is delivered (acked). Returns {code, secret}.
export async function studentWrites(page, text) {
  await page.fill('#text', text);
  await page.click('#send');
  await page.waitForSelector('#codecard:not([hidden])');
  const code = (await page.textContent('#code-v')).trim();
  const secret = (await page.textContent('#secret-v')).trim();
  await page.waitForSelector('.log li.me[data-st=ok]');
  return { code, secret };
}

// Counselor: log in and go on duty. Returns when the queue has been received.
export async function counselorOnDuty(page, url, username, password) {
  await page.goto(url + '/console/');
  await page.fill('#user', username);
  await page.fill('#pass', password);
  await page.click('#loginform button[type=submit]');
  await page.waitForSelector('#duty:not([hidden])');
  await page.waitForFunction(() => document.getElementById('who').textContent.length > 0);
  await page.click('#duty');
  await page.waitForSelector('#duty[aria-pressed=true]');
}

// Everything the page's origin keeps on the device.
export function storageSnapshot(page) {
  return page.evaluate(async () => ({
    local: Object.keys(localStorage),
    session: Object.keys(sessionStorage),
    caches: window.caches ? await caches.keys() : [],
    idb: indexedDB.databases ? (await indexedDB.databases()).map((d) => d.name) : [],
    sw: navigator.serviceWorker ? (await navigator.serviceWorker.getRegistrations()).length : 0,
    cookies: document.cookie,
  }));
}
