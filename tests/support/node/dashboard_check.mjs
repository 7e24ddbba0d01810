#!/usr/bin/env node
// dashboard_check: loads the coordinator's dashboard in the system Chromium
// (headless, through playwright-core, which never downloads a browser) and
// checks that it shows a live crawl:
//   - #last-updated becomes non-empty and #total-records shows a number;
//   - #total-records changes within --min-change-seconds (default 30; 0 skips
//     this check), i.e. the page keeps polling while a crawl runs;
//   - the pages/s <canvas> (#pages-chart) exists and has a non-zero size;
//   - at least one [data-testid="worker-row"] exists;
//   - the page logged no console error or uncaught exception, and made no
//     request to a host other than 127.0.0.1, localhost or ::1.
// Then takes a full-page screenshot and prints one JSON line:
//   {"ok":true,"records_before":N,"records_after":N,"workers":N}
// or {"ok":false,"error":"..."} with exit status 1. The whole run is bounded
// (60 s, or the change window plus 30 s if that is longer).
//
// Usage: node tests/support/node/dashboard_check.mjs URL SCREENSHOT_PATH [--min-change-seconds N]
// Needs: npm ci --prefix tests/support/node (playwright-core) and /usr/bin/chromium.
const CHROMIUM = '/usr/bin/chromium';
const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

let browser = null;
let finished = false;

async function finish(result) {
  if (finished) return;
  finished = true;
  const line = JSON.stringify(result);
  if (browser) {
    // Never let closing the browser hang the script.
    await Promise.race([browser.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
  }
  process.stdout.write(line + '\n');
  process.exit(result.ok ? 0 : 1);
}
const fail = (msg) => finish({ ok: false, error: String(msg) });

function parseArgs(argv) {
  const pos = [];
  let minChange = 30;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--min-change-seconds' || a.startsWith('--min-change-seconds=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      minChange = Number(v);
      if (v === undefined || !Number.isFinite(minChange) || minChange < 0) throw new Error('--min-change-seconds needs a number >= 0');
    } else if (a.startsWith('--')) {
      throw new Error('unknown option ' + a);
    } else {
      pos.push(a);
    }
  }
  if (pos.length !== 2) throw new Error('usage: node dashboard_check.mjs URL SCREENSHOT_PATH [--min-change-seconds N]');
  let url;
  try { url = new URL(pos[0]); } catch (e) { throw new Error('bad URL: ' + pos[0]); }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('URL must be http(s): ' + pos[0]);
  return { url: url.href, screenshot: pos[1], minChange };
}

// Reads a live number: data-value if the page set one, else the digits shown.
async function readNumber(page, selector) {
  return page.$eval(selector, (n) => {
    const dv = n.dataset ? Number(n.dataset.value) : NaN;
    if (n.dataset && n.dataset.value !== undefined && Number.isFinite(dv)) return dv;
    const m = (n.textContent || '').replace(/[\s,\u00a0\u202f']/g, '').match(/-?\d+(\.\d+)?/);
    return m ? Number(m[0]) : null;
  });
}

async function main() {
  let args;
  try { args = parseArgs(process.argv.slice(2)); } catch (e) { return fail(e.message); }
  const budgetMs = Math.max(60000, (args.minChange + 30) * 1000);
  const deadline = Date.now() + budgetMs;
  setTimeout(() => fail('timed out after ' + budgetMs / 1000 + ' s'), budgetMs).unref();
  const left = (capMs) => Math.max(1000, Math.min(capMs, deadline - Date.now() - 3000));

  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    return fail('cannot load playwright-core (run: npm ci --prefix tests/support/node): ' + e.message);
  }

  const consoleErrors = [];
  const foreign = [];
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS, timeout: left(20000),
    });
  } catch (e) {
    return fail('cannot launch ' + CHROMIUM + ': ' + e.message.split('\n')[0]);
  }
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' });
  const page = await context.newPage();
  page.setDefaultTimeout(left(15000));
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => consoleErrors.push('uncaught: ' + (err && err.message ? err.message : String(err))));
  page.on('request', (req) => {
    let u;
    try { u = new URL(req.url()); } catch (e) { foreign.push(req.url()); return; }
    if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return;
    if (!LOOPBACK.has(u.hostname)) foreign.push(req.url());
  });

  try {
    const res = await page.goto(args.url, { waitUntil: 'domcontentloaded', timeout: left(20000) });
    if (!res) throw new Error('no response for ' + args.url);
    if (!res.ok()) throw new Error('HTTP ' + res.status() + ' for ' + args.url);

    try {
      await page.waitForFunction(() => {
        const u = document.getElementById('last-updated');
        const r = document.getElementById('total-records');
        return !!(u && u.textContent.trim() && r && /\d/.test(r.textContent));
      }, null, { timeout: left(20000), polling: 250 });
    } catch (e) {
      const banner = await page.$eval('#banner', (b) => (b.hidden ? '' : b.textContent.trim())).catch(() => '');
      throw new Error('dashboard never showed data' + (banner ? ' (banner: ' + banner + ')' : '') + ': ' + e.message.split('\n')[0]);
    }
    const before = await readNumber(page, '#total-records');
    if (before === null) throw new Error('#total-records shows no number');

    let after = before;
    if (args.minChange > 0) {
      const until = Math.min(Date.now() + args.minChange * 1000, deadline - 10000);
      while (after === before && Date.now() < until) {
        await page.waitForTimeout(500);
        after = await readNumber(page, '#total-records');
      }
      if (after === before) throw new Error('#total-records stayed at ' + before + ' for ' + args.minChange + ' s');
    }

    const canvas = await page.$eval('#pages-chart', (c) => ({
      tag: c.tagName, w: c.width, h: c.height, cw: c.clientWidth, ch: c.clientHeight,
    })).catch(() => null);
    if (!canvas) throw new Error('no #pages-chart element');
    if (canvas.tag !== 'CANVAS') throw new Error('#pages-chart is a ' + canvas.tag + ', not a canvas');
    if (!(canvas.w > 0 && canvas.h > 0 && canvas.cw > 0 && canvas.ch > 0)) throw new Error('#pages-chart has zero size: ' + JSON.stringify(canvas));

    try {
      await page.waitForSelector('[data-testid="worker-row"]', { state: 'attached', timeout: left(10000) });
    } catch (e) {
      throw new Error('no [data-testid="worker-row"]');
    }
    const workers = await readNumber(page, '#workers-count');
    if (workers === null) throw new Error('#workers-count shows no number');

    await page.screenshot({ path: args.screenshot, fullPage: true, timeout: left(15000) });

    if (consoleErrors.length) throw new Error('console error: ' + consoleErrors.slice(0, 3).join(' | '));
    if (foreign.length) throw new Error('request to a non-loopback host: ' + foreign.slice(0, 3).join(' '));
    return finish({ ok: true, records_before: before, records_after: after, workers });
  } catch (e) {
    const extra = [];
    if (consoleErrors.length && !String(e.message).startsWith('console error')) extra.push('console errors: ' + consoleErrors.slice(0, 3).join(' | '));
    if (foreign.length && !String(e.message).startsWith('request to')) extra.push('non-loopback requests: ' + foreign.slice(0, 3).join(' '));
    return fail([e.message.split('\n')[0], ...extra].join('; '));
  }
}

process.on('unhandledRejection', (e) => fail('unhandled: ' + (e && e.message ? e.message : String(e))));
main().catch((e) => fail(e && e.message ? e.message : String(e)));
