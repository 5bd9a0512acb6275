// Open a loadcell HTML report in headless Chromium and check it as a reader would see it:
// no console errors, no network requests, every chart present with a non-zero size, no
// overlapping chart labels, no horizontal scrolling at 1280 px; save screenshots.
//
// usage: node check_report.js REPORT.html --shot FULL.png [--min-charts N]
//                             [--sections DIR] [--print-shot FILE.png] [--width PX]
//                             [--shot-height PX]   (clip the full-page shot to its top PX)
// Exit 0 when every check passes, 1 otherwise (the reasons on stderr), 2 on bad usage.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

function parseArgs(argv) {
  const a = { minCharts: 1, width: 1280 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${k} needs a value`);
      return argv[++i];
    };
    if (k === '--shot') a.shot = next();
    else if (k === '--min-charts') a.minCharts = Number(next());
    else if (k === '--sections') a.sections = next();
    else if (k === '--print-shot') a.printShot = next();
    else if (k === '--width') a.width = Number(next());
    else if (k === '--shot-height') a.shotHeight = Number(next());
    else if (k.startsWith('--')) throw new Error(`unknown option ${k}`);
    else if (!a.html) a.html = k;
    else throw new Error(`unexpected argument ${k}`);
  }
  if (!a.html) throw new Error('missing REPORT.html');
  return a;
}

// Text boxes inside each chart that overlap another by more than a sliver.
function overlapsInPage() {
  const out = [];
  document.querySelectorAll('svg.chart').forEach((svg, si) => {
    const boxes = [];
    svg.querySelectorAll('text').forEach((t) => {
      const r = t.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) boxes.push({ r, s: t.textContent });
    });
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i].r, b = boxes[j].r;
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 2 && h > 2) {
          const title = svg.getAttribute('aria-label');
          out.push(`chart ${si + 1} (${title}): '${boxes[i].s}' overlaps '${boxes[j].s}'`);
        }
      }
    }
  });
  return out;
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`check_report: ${e.message}`);
    process.exit(2);
  }
  const problems = [];
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-chromium-'));
  const ctx = await chromium.launchPersistentContext(userDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: args.width, height: 900 },
    offline: true,
  });
  try {
    const page = ctx.pages()[0] || (await ctx.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    // The report must need nothing but itself: any request other than the file fails the check.
    const url = 'file://' + path.resolve(args.html);
    await page.route('**/*', (route) => {
      const u = route.request().url();
      if (u === url) return route.continue();
      problems.push(`network request: ${u}`);
      return route.abort();
    });
    await page.goto(url, { waitUntil: 'load' });

    const charts = await page.$$eval('svg.chart', (svgs) => svgs.map((s) => {
      const r = s.getBoundingClientRect();
      return { title: s.getAttribute('aria-label'), w: r.width, h: r.height };
    }));
    if (charts.length < args.minCharts)
      problems.push(`${charts.length} charts, expected at least ${args.minCharts}`);
    for (const c of charts)
      if (!(c.w > 0 && c.h > 0)) problems.push(`chart '${c.title}' has size ${c.w}x${c.h}`);
    for (const o of await page.evaluate(overlapsInPage)) problems.push(o);
    const scrollW = await page.evaluate(() => document.documentElement.scrollWidth);
    if (scrollW > args.width) problems.push(`page is ${scrollW} px wide at ${args.width} px`);

    if (args.shot) {
      const opts = { path: args.shot, fullPage: true };
      if (args.shotHeight) opts.clip = { x: 0, y: 0, width: args.width, height: args.shotHeight };
      await page.screenshot(opts);
    }
    if (args.sections) {
      fs.mkdirSync(args.sections, { recursive: true });
      const cards = await page.$$('header, section.card, div.tiles, div.grid2');
      let i = 0;
      for (const c of cards) {
        i++;
        await c.screenshot({ path: path.join(args.sections, `s${String(i).padStart(2, '0')}.png`) });
      }
    }
    if (args.printShot) {
      await page.emulateMedia({ media: 'print' });
      await page.setViewportSize({ width: 794, height: 1123 });
      await page.screenshot({ path: args.printShot, fullPage: true });
    }
    console.log(JSON.stringify({ charts: charts.length, chart_sizes: charts, problems }));
  } finally {
    await ctx.close();
    fs.rmSync(userDir, { recursive: true, force: true });
  }
  if (problems.length) {
    for (const p of problems) console.error(`check_report: ${p}`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(`check_report: ${e.stack || e}`);
  process.exit(1);
});
