// Open loadcell's live dashboard (--dashboard) during a run in headless Chromium and check it
// as a person would see it: it loads with no console error and no request outside its own
// origin, its figures change from one second to the next, its charts are drawn, the phase
// and the thresholds are shown; with --users N, set the users from the page's form and see the
// Users tile follow; then press Stop and see the page acknowledge it.
//
// usage: node dashboard.js URL [--thresholds N] [--shot FILE.png] [--dark-shot FILE.png]
//                              [--width PX] [--wait-s S] [--users N] [--no-stop]
// --wait-s: seconds to let the charts fill before the screenshots (default 0).
// Exit 0 when every check passes, 1 otherwise (the reasons on stderr), 2 on bad usage.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

function parseArgs(argv) {
  const a = { width: 1280, thresholds: -1, waitS: 0, stop: true };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${k} needs a value`);
      return argv[++i];
    };
    if (k === '--shot') a.shot = next();
    else if (k === '--dark-shot') a.darkShot = next();
    else if (k === '--width') a.width = Number(next());
    else if (k === '--thresholds') a.thresholds = Number(next());
    else if (k === '--wait-s') a.waitS = Number(next());
    else if (k === '--users') a.users = Number(next());
    else if (k === '--no-stop') a.stop = false;
    else if (k.startsWith('--')) throw new Error(`unknown option ${k}`);
    else if (!a.url) a.url = k;
    else throw new Error(`unexpected argument ${k}`);
  }
  if (!a.url) throw new Error('missing the dashboard URL');
  return a;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// What the page shows now, read from the DOM.
function readPage() {
  const t = (id) => (document.getElementById(id) || {}).textContent || '';
  const canvases = [...document.querySelectorAll('canvas')].map((c) => {
    // A drawn chart has lines: count the pixels that are not transparent.
    const g = c.getContext('2d');
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let inked = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i]) inked++;
    return { id: c.id, w: c.clientWidth, h: c.clientHeight, inked, points: Number(c.dataset.points) };
  });
  return {
    state: t('state'), seq: t('seq'), requests: t('requests'), rps: t('rps'), p99: t('p99'),
    clock: t('clock'), target: t('target'),
    phases: [...document.querySelectorAll('#phases span')].map((s) => s.textContent),
    current: t('phases') && (document.querySelector('#phases span.now') || {}).textContent,
    thresholds: document.querySelectorAll('#thresholds tbody tr').length,
    stopDisabled: document.getElementById('stop').disabled,
    canvases,
    scrollWidth: document.documentElement.scrollWidth,
  };
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`dashboard: ${e.message}`);
    process.exit(2);
  }
  const problems = [];
  const origin = new URL(args.url).origin;
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-chromium-'));
  const ctx = await chromium.launchPersistentContext(userDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: args.width, height: 1000 },
  });
  let stopped = false;
  const summary = {};
  try {
    const page = ctx.pages()[0] || (await ctx.newPage());
    // Errors count until Stop: afterwards the run ends and its server goes away on purpose.
    page.on('console', (m) => {
      if (m.type() === 'error' && !stopped) problems.push(`console error: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    // No external asset: anything outside the dashboard's own origin fails the check.
    await page.route('**/*', (route) => {
      const u = route.request().url();
      if (u.startsWith(origin + '/')) return route.continue();
      problems.push(`request outside the dashboard: ${u}`);
      return route.abort();
    });
    await page.goto(args.url, { waitUntil: 'load' });
    await page.waitForFunction(() => /update #\d+/.test(document.getElementById('seq').textContent),
      null, { timeout: 5000 });
    const first = await page.evaluate(readPage);
    // The figures move: a different request count within 3 s.
    let second = first;
    const t0 = Date.now();
    while (Date.now() - t0 < 3000) {
      await sleep(100);
      second = await page.evaluate(readPage);
      if (second.requests !== first.requests && second.seq !== first.seq) break;
    }
    summary.first = { seq: first.seq, requests: first.requests };
    summary.second = { seq: second.seq, requests: second.requests, after_ms: Date.now() - t0 };
    if (second.requests === first.requests)
      problems.push(`the request count stayed at ${first.requests} for 3 s`);
    if (second.seq === first.seq) problems.push(`no new snapshot in 3 s (${first.seq})`);
    if (args.waitS > 0) await sleep(args.waitS * 1000);
    // A line needs two intervals: wait for the second point of every chart (5 s at most).
    await page.waitForFunction(() => [...document.querySelectorAll('canvas')].every(
      (c) => Number(c.dataset.points) >= 2), null, { timeout: 5000 }).catch(() => {});
    const now = await page.evaluate(readPage);
    summary.state = now.state;
    summary.phases = now.phases;
    summary.current = now.current;
    summary.rps = now.rps;
    summary.p99 = now.p99;
    summary.clock = now.clock;
    summary.thresholds = now.thresholds;
    summary.canvases = now.canvases;
    if (now.state !== 'running') problems.push(`state '${now.state}', expected running`);
    if (!now.target.startsWith('http://')) problems.push(`target '${now.target}'`);
    if (!now.phases.length || !now.current) problems.push('no current phase shown');
    if (!/left/.test(now.clock)) problems.push(`no time left shown: '${now.clock}'`);
    if (!/\d/.test(now.rps) || !/\d/.test(now.p99)) problems.push(`rps '${now.rps}' p99 '${now.p99}'`);
    if (args.thresholds >= 0 && now.thresholds !== args.thresholds)
      problems.push(`${now.thresholds} thresholds shown, expected ${args.thresholds}`);
    if (now.canvases.length < 4) problems.push(`${now.canvases.length} charts, expected 4`);
    for (const c of now.canvases) {
      if (!(c.w > 0 && c.h > 0)) problems.push(`chart ${c.id} has size ${c.w}x${c.h}`);
      if (!(c.points >= 2)) problems.push(`chart ${c.id} drew ${c.points} points`);
      if (c.inked < 500) problems.push(`chart ${c.id} is nearly empty (${c.inked} pixels)`);
    }
    if (now.scrollWidth > args.width) problems.push(`page is ${now.scrollWidth} px wide`);
    if (now.stopDisabled) problems.push('the Stop button is disabled during the run');
    if (args.shot) await page.screenshot({ path: args.shot, fullPage: true });
    if (args.darkShot) {
      await page.emulateMedia({ colorScheme: 'dark' });
      await sleep(1100); // the next update redraws the charts in the dark palette
      await page.screenshot({ path: args.darkShot, fullPage: true });
      await page.emulateMedia({ colorScheme: 'light' });
    }

    if (args.users) {
      // The live control form: set the users, see the answer and then the Users tile follow.
      await page.fill('#ctl-v', String(args.users));
      const answer = page.waitForResponse((r) => r.url().includes('/api/control'), { timeout: 5000 });
      await page.click('#ctl-set');
      const r = await answer;
      summary.control_status = r.status();
      if (r.status() !== 200) problems.push(`POST /api/control answered ${r.status()}`);
      await page.waitForFunction((n) => document.getElementById('active').textContent === String(n),
        args.users, { timeout: 5000 })
        .catch(() => problems.push(`the Users tile never showed ${args.users}`));
      summary.control_msg = await page.evaluate(() => document.getElementById('ctl-msg').textContent);
      summary.users = await page.evaluate(() => document.getElementById('active').textContent);
    }

    if (args.stop) {
      const answer = page.waitForResponse((r) => r.url().endsWith('/api/stop'), { timeout: 5000 });
      await page.click('#stop');
      const r = await answer;
      summary.stop_status = r.status();
      stopped = true;
      if (r.status() !== 202) problems.push(`POST /api/stop answered ${r.status()}`);
      await page.waitForFunction(() => /stopping|finished/.test(
        document.getElementById('state').textContent), null, { timeout: 5000 })
        .catch(() => problems.push('the page never showed the stop'));
      summary.after_stop = await page.evaluate(() => document.getElementById('state').textContent);
    }
    console.log(JSON.stringify(summary));
  } finally {
    await ctx.close();
    fs.rmSync(userDir, { recursive: true, force: true });
  }
  if (problems.length) {
    for (const p of problems) console.error(`dashboard: ${p}`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(`dashboard: ${e.stack || e}`);
  process.exit(1);
});
