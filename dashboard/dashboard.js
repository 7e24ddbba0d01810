// swarmcrawl dashboard: polls the coordinator's read API (/api/v1/...) every
// 2 s and renders it. No framework, no build step, nothing from the network
// but this coordinator. Everything the API returns (page URLs, host names,
// contributor names) is untrusted: it only ever reaches the page through
// textContent, title, dataset or option.text, never as markup.
'use strict';
(function () {
  const POLL_MS = 2000;
  const HIDDEN_POLL_MS = 10000;
  const FETCH_TIMEOUT_MS = 5000;
  const WINDOW_MS = 10 * 60 * 1000;
  const REQUIRED = ['crawls', 'stats', 'workers'];

  const $ = (id) => document.getElementById(id);
  let token = '';
  let selectedCrawl = null;
  let crawlNamesKey = null;
  let lastStats = null;
  let serverOffset = 0; // server clock minus browser clock, ms
  let timer = null;
  let inFlight = false;
  let again = false;

  // ---- token from #token=... ----------------------------------------------
  function readToken() {
    token = '';
    for (const part of location.hash.replace(/^#/, '').split('&')) {
      if (!part.startsWith('token=')) continue;
      const raw = part.slice(6);
      try { token = decodeURIComponent(raw); } catch (e) { token = raw; }
      token = token.trim();
    }
  }

  // ---- fetch ----------------------------------------------------------------
  function apiError(kind, status, message, path) {
    const e = new Error(message);
    e.kind = kind; e.status = status; e.path = path;
    return e;
  }

  async function api(path) {
    const headers = { Accept: 'application/json' };
    if (token) {
      if (/[^\x21-\x7e]/.test(token)) throw apiError('unauthorized', 0, 'the #token value contains characters a header cannot carry', path);
      headers.Authorization = 'Bearer ' + token;
    }
    const ctrl = new AbortController();
    const t = setTimeout(() => ctrl.abort(), FETCH_TIMEOUT_MS);
    try {
      let res;
      try {
        res = await fetch(path, { headers, cache: 'no-store', credentials: 'same-origin', signal: ctrl.signal });
      } catch (e) {
        throw apiError('unreachable', 0, e && e.name === 'AbortError' ? 'request timed out' : 'network error', path);
      }
      let body = null;
      try { body = await res.json(); } catch (e) { body = null; }
      if (!res.ok) {
        const err = body && typeof body === 'object' && body.error ? body.error : {};
        const msg = [err.code, err.message].filter((x) => typeof x === 'string' && x).join(': ') || res.statusText || 'error';
        const kind = res.status === 401 || res.status === 403 ? 'unauthorized' : 'http';
        throw apiError(kind, res.status, msg, path);
      }
      if (body === null || typeof body !== 'object') throw apiError('http', res.status, 'response is not JSON', path);
      return body;
    } finally {
      clearTimeout(t);
    }
  }

  // ---- formatting -----------------------------------------------------------
  const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
  const arr = (v) => (Array.isArray(v) ? v : []);
  const str = (v) => (v === null || v === undefined ? '' : String(v));

  function fmtInt(v) { return isNum(v) ? Math.round(v).toLocaleString() : '—'; }
  function fmtNum(v) {
    if (!isNum(v)) return '—';
    return Number.isInteger(v) ? v.toLocaleString() : v.toLocaleString(undefined, { maximumFractionDigits: 2 });
  }
  function fmtRate(v) {
    if (!isNum(v)) return '—';
    return v.toLocaleString(undefined, { minimumFractionDigits: v < 100 ? 1 : 0, maximumFractionDigits: v < 100 ? 1 : 0 });
  }
  function fmtRep(v) { return isNum(v) ? v.toFixed(2) : '—'; }
  function fmtBytes(v) {
    if (!isNum(v)) return '—';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let i = 0;
    while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return (i === 0 ? String(Math.round(v)) : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)) + ' ' + units[i];
  }
  function fmtDur(ms) {
    if (!isNum(ms) || ms < 0) return '—';
    if (ms < 1000) return Math.round(ms) + ' ms';
    const s = ms / 1000;
    if (s < 10) return s.toFixed(1) + ' s';
    if (s < 60) return Math.round(s) + ' s';
    const m = Math.floor(s / 60);
    if (m < 60) return m + 'm ' + Math.floor(s % 60) + 's';
    const h = Math.floor(m / 60);
    if (h < 24) return h + 'h ' + (m % 60) + 'm';
    return Math.floor(h / 24) + 'd ' + (h % 24) + 'h';
  }
  const serverNow = () => Date.now() + serverOffset;
  function fmtAgo(ms) { return isNum(ms) ? fmtDur(Math.max(0, serverNow() - ms)) + ' ago' : '—'; }

  // ---- DOM helpers (text only) ----------------------------------------------
  function el(tag, opts, children) {
    const n = document.createElement(tag);
    if (opts) {
      if (opts.cls) n.className = opts.cls;
      if (opts.text !== undefined) n.textContent = str(opts.text);
      if (opts.title !== undefined) n.title = str(opts.title);
      if (opts.id) n.id = opts.id;
      if (opts.data) for (const k of Object.keys(opts.data)) n.dataset[k] = str(opts.data[k]);
    }
    if (children) for (const c of children) if (c) n.appendChild(c);
    return n;
  }
  function td(text, cls, title) { return el('td', { cls, text, title }); }
  function numTd(v, fmt, cls) {
    const c = el('td', { cls: 'num' + (cls ? ' ' + cls : ''), text: (fmt || fmtNum)(v) });
    if (isNum(v)) c.dataset.value = String(v);
    return c;
  }
  function badge(text) {
    const t = str(text) || 'unknown';
    return el('span', { cls: 'badge ' + (/^[a-z_]+$/.test(t) ? t : ''), text: t });
  }
  function nameCell(name, fingerprint, contributor) {
    return el('td', { title: contributor ? 'contributor ' + contributor : undefined }, [
      el('span', { text: str(name) || '(unnamed)' }),
      el('span', { cls: 'sub', text: fingerprint }),
    ]);
  }
  function setNum(id, v, fmt) {
    const n = $(id);
    n.textContent = (fmt || fmtInt)(v);
    if (isNum(v)) n.dataset.value = String(v); else delete n.dataset.value;
  }
  function fillTable(bodyId, emptyId, rows) {
    $(bodyId).replaceChildren(...rows);
    $(emptyId).hidden = rows.length > 0;
  }
  const sum = (list, f) => list.reduce((a, x) => a + (isNum(f(x)) ? f(x) : 0), 0);

  // ---- sections ---------------------------------------------------------------
  function renderHealth(h) {
    const name = str(h.coordinator);
    $('coordinator-name').textContent = name;
    $('coordinator-version').textContent = h.version ? 'v' + str(h.version) : '';
    document.title = name ? 'swarmcrawl — ' + name : 'swarmcrawl dashboard';
  }

  function renderSummary(r) {
    const crawls = r.crawls ? arr(r.crawls.crawls) : null;
    if (r.stats) {
      setNum('total-records', isNum(r.stats.records) ? r.stats.records : crawls ? sum(crawls, (c) => c.records) : null);
      setNum('total-pages-per-s', r.stats.pages_per_s, fmtRate);
    }
    if (r.workers) setNum('workers-count', arr(r.workers.workers).length);
    if (crawls) {
      setNum('total-bytes', sum(crawls, (c) => c.bytes), fmtBytes);
      setNum('crawls-running', crawls.filter((c) => c.state === 'running').length);
      setNum('total-leases', sum(crawls, (c) => c.active_leases));
    }
  }

  const COUNT_KEYS = ['done', 'queued', 'leased', 'failed', 'excluded'];
  const safeIdPart = (s) => /^[A-Za-z0-9_-]+$/.test(s);

  function crawlStat(name, key, label, v, fmt) {
    const b = el('b', { text: (fmt || fmtInt)(v), data: { testid: 'crawl-' + key, crawl: name } });
    if (isNum(v)) b.dataset.value = String(v);
    if (safeIdPart(name)) b.id = 'crawl-' + name + '-' + key.replace(/_/g, '-');
    return el('span', { cls: 'muted' }, [document.createTextNode(label + ' '), b]);
  }

  function renderCrawls(list) {
    const nodes = list.map((c) => {
      const name = str(c.name);
      const counts = c.counts && typeof c.counts === 'object' ? c.counts : {};
      const n = {};
      for (const k of COUNT_KEYS) n[k] = isNum(counts[k]) ? counts[k] : 0;
      const total = COUNT_KEYS.reduce((a, k) => a + n[k], 0);
      const pct = total > 0 ? (100 * n.done) / total : 0;
      const bar = el('div', { cls: 'bar', title: 'done / (done + queued + leased + failed + excluded)' });
      bar.setAttribute('role', 'progressbar');
      bar.setAttribute('aria-valuemin', '0');
      bar.setAttribute('aria-valuemax', '100');
      bar.setAttribute('aria-valuenow', pct.toFixed(1));
      for (const k of ['done', 'failed', 'excluded', 'leased']) {
        if (total > 0 && n[k] > 0) {
          const seg = el('span', { cls: 'seg-' + k, title: k + ': ' + fmtInt(n[k]) });
          seg.style.width = ((100 * n[k]) / total).toFixed(3) + '%';
          bar.appendChild(seg);
        }
      }
      const when = isNum(c.finished_at) ? 'finished ' + fmtAgo(c.finished_at) : isNum(c.created_at) ? 'started ' + fmtAgo(c.created_at) : '';
      const pctEl = el('span', { cls: 'crawl-pct', text: pct.toFixed(1) + '% done', data: { testid: 'crawl-progress', crawl: name, value: pct.toFixed(3) } });
      const box = el('div', { cls: 'crawl' + (name === selectedCrawl ? ' selected' : ''), title: 'Show hosts and errors of this crawl', data: { testid: 'crawl', crawl: name, state: str(c.state) } }, [
        el('div', { cls: 'crawl-head' }, [
          el('span', { cls: 'crawl-name', text: name }), badge(c.state), el('span', { cls: 'muted small', text: when }), pctEl,
        ]),
        bar,
        el('div', { cls: 'counts' }, [
          crawlStat(name, 'done', 'done', counts.done), crawlStat(name, 'queued', 'queued', counts.queued),
          crawlStat(name, 'leased', 'leased', counts.leased), crawlStat(name, 'failed', 'failed', counts.failed),
          crawlStat(name, 'excluded', 'excluded', counts.excluded), crawlStat(name, 'records', 'records', c.records),
          crawlStat(name, 'bytes', 'bytes', c.bytes, fmtBytes), crawlStat(name, 'hosts', 'hosts', c.hosts),
          crawlStat(name, 'active_leases', 'active leases', c.active_leases), crawlStat(name, 'opted_out', 'opted out', c.opted_out),
        ]),
      ]);
      box.addEventListener('click', () => selectCrawl(name));
      return box;
    });
    $('crawls').replaceChildren(...nodes);
    $('crawls-empty').hidden = nodes.length > 0;

    // Crawl selector: rebuilt only when the set of names changes.
    const names = list.map((c) => str(c.name));
    if (selectedCrawl === null || !names.includes(selectedCrawl)) {
      const running = list.find((c) => c.state === 'running');
      selectedCrawl = running ? str(running.name) : names.length ? names[0] : null;
      markSelected();
    }
    const key = JSON.stringify(names);
    const sel = $('crawl-select');
    if (key !== crawlNamesKey) {
      crawlNamesKey = key;
      sel.replaceChildren(...names.map((nm) => { const o = document.createElement('option'); o.value = nm; o.text = nm; return o; }));
    }
    if (selectedCrawl !== null) sel.value = selectedCrawl;
  }

  function markSelected() {
    for (const n of document.querySelectorAll('#crawls .crawl')) n.classList.toggle('selected', n.dataset.crawl === selectedCrawl);
  }

  function selectCrawl(name) {
    if (name === selectedCrawl) return;
    selectedCrawl = name;
    $('crawl-select').value = name;
    markSelected();
    tick();
  }

  function renderHosts(list) {
    fillTable('hosts-body', 'hosts-empty', list.map((h) => {
      const next = isNum(h.next_fetch_in_ms) ? (h.next_fetch_in_ms <= 0 ? 'ready' : fmtDur(h.next_fetch_in_ms)) : '—';
      const tr = el('tr', { data: { testid: 'host-row', host: str(h.host) } }, [
        td(h.host, 'mono', h.host),
        numTd(h.queued),
        td(h.leased ? 'yes' : '—'),
        numTd(h.delay_ms, fmtDur),
        numTd(h.response_ms, fmtDur),
        td(next, 'num'),
        el('td', null, [badge(h.robots)]),
        numTd(h.consecutive_errors, fmtInt, h.consecutive_errors > 0 ? 'bad' : ''),
        numTd(h.backoff_ms, (v) => (v > 0 ? fmtDur(v) : '—'), h.backoff_ms > 0 ? 'bad' : ''),
        td(h.ip || '—', 'mono'),
      ]);
      return tr;
    }));
  }

  function renderWorkers(list) {
    fillTable('workers-body', 'workers-empty', list.map((w) => {
      // connected_ms: an epoch time (when it connected) or a duration.
      const conn = isNum(w.connected_ms) ? (w.connected_ms > 1e12 ? serverNow() - w.connected_ms : w.connected_ms) : null;
      const leases = numTd(w.active_leases);
      if (isNum(w.capacity)) leases.title = 'capacity ' + fmtInt(w.capacity);
      return el('tr', { data: { testid: 'worker-row', worker: str(w.worker_id) } }, [
        nameCell(w.name, w.fingerprint, w.contributor),
        el('td', null, [badge(w.trust)]),
        numTd(w.pages, fmtInt),
        numTd(w.pages_per_s, fmtRate),
        leases,
        numTd(w.reputation, fmtRep),
        numTd(conn, fmtDur),
        numTd(w.last_seen_ms_ago, (v) => (isNum(v) ? fmtDur(v) + ' ago' : '—')),
      ]);
    }));
  }

  function renderLeaders(list) {
    fillTable('leaders-body', 'leaders-empty', list.map((c, i) => {
      const batches = numTd(c.batches);
      if (c.rejected_batches > 0) { batches.textContent += ' (' + fmtInt(c.rejected_batches) + ' rej.)'; batches.classList.add('bad'); }
      return el('tr', { data: { testid: 'leader-row', contributor: str(c.contributor) } }, [
        td(String(i + 1), 'num'),
        nameCell(c.name, c.fingerprint, c.contributor),
        el('td', null, [badge(c.trust)]),
        numTd(c.credit_accepted),
        numTd(c.credit_pending),
        numTd(c.items_rejected, fmtNum, c.items_rejected > 0 ? 'bad' : ''),
        numTd(c.pages),
        batches,
        numTd(c.reputation, fmtRep),
      ]);
    }));
  }

  function renderErrors(list) {
    fillTable('errors-body', 'errors-empty', list.map((r) => {
      const recent = arr(r.recent).slice(0, 3).map((x) => el('div', { title: str(x && x.url) }, [
        el('span', { cls: 'mono', text: x && x.url }),
        el('span', { cls: 'muted small', text: x && isNum(x.at) ? ' · ' + fmtAgo(x.at) : '' }),
      ]));
      return el('tr', { data: { testid: 'error-row', reason: str(r.reason) } }, [
        td(r.reason, 'mono'), numTd(r.count), el('td', { cls: 'url' }, recent),
      ]);
    }));
  }

  function clearCrawlDetail() {
    fillTable('hosts-body', 'hosts-empty', []);
    fillTable('errors-body', 'errors-empty', []);
  }

  // ---- chart ------------------------------------------------------------------
  function niceStep(max, ticks) {
    const raw = max / ticks;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const norm = raw / mag;
    return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
  }

  function drawChart() {
    const canvas = $('pages-chart');
    const w = canvas.clientWidth, h = canvas.clientHeight;
    if (!w || !h) return;
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const css = getComputedStyle(document.documentElement);
    const color = (v) => css.getPropertyValue(v).trim() || '#888';
    const font = css.getPropertyValue('--font').trim() || 'sans-serif';
    const pad = { l: 52, r: 14, t: 22, b: 26 };
    const pw = Math.max(1, w - pad.l - pad.r), ph = Math.max(1, h - pad.t - pad.b);

    const st = lastStats || {};
    const series = arr(st.series).filter((p) => p && isNum(p.t) && isNum(p.pages_per_s));
    const now = isNum(st.now_ms) ? st.now_ms : series.length ? series[series.length - 1].t : serverNow();
    const t0 = now - WINDOW_MS;
    const pts = series.filter((p) => p.t >= t0 && p.t <= now + 60000);
    const max = pts.reduce((m, p) => Math.max(m, p.pages_per_s), 0);
    const step = niceStep(max > 0 ? max : 1, 4);
    const top = Math.max(step, Math.ceil((max > 0 ? max : 1) / step) * step);
    const x = (t) => pad.l + ((Math.min(t, now) - t0) / WINDOW_MS) * pw;
    const y = (v) => pad.t + ph - (Math.max(0, v) / top) * ph;

    ctx.font = '11px ' + font;
    ctx.lineWidth = 1;
    // Horizontal grid and y labels.
    let decimals = 0;
    while (decimals < 3 && Math.abs(step * 10 ** decimals - Math.round(step * 10 ** decimals)) > 1e-9) decimals++;
    ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
    for (let v = 0; v <= top + step / 1000; v += step) {
      const yy = Math.round(y(v)) + 0.5;
      ctx.strokeStyle = color('--grid');
      ctx.beginPath(); ctx.moveTo(pad.l, yy); ctx.lineTo(pad.l + pw, yy); ctx.stroke();
      ctx.fillStyle = color('--muted');
      ctx.fillText(v.toFixed(decimals), pad.l - 6, yy);
    }
    // X labels: minutes ago.
    ctx.textAlign = 'center'; ctx.textBaseline = 'top';
    for (let m = 10; m >= 0; m -= 2) {
      const xx = Math.round(x(now - m * 60000)) + 0.5;
      ctx.strokeStyle = color('--grid');
      ctx.beginPath(); ctx.moveTo(xx, pad.t); ctx.lineTo(xx, pad.t + ph); ctx.stroke();
      ctx.fillStyle = color('--muted');
      ctx.fillText(m === 0 ? 'now' : '−' + m + ' min', xx, pad.t + ph + 6);
    }
    // Axes and axis title.
    ctx.strokeStyle = color('--muted');
    ctx.beginPath();
    ctx.moveTo(pad.l + 0.5, pad.t); ctx.lineTo(pad.l + 0.5, pad.t + ph + 0.5); ctx.lineTo(pad.l + pw, pad.t + ph + 0.5);
    ctx.stroke();
    ctx.fillStyle = color('--muted');
    ctx.textAlign = 'left'; ctx.textBaseline = 'top';
    ctx.fillText('pages/s', 4, 4);

    if (pts.length === 0) {
      ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
      ctx.font = '13px ' + font;
      ctx.fillText('No data yet', pad.l + pw / 2, pad.t + ph / 2);
      return;
    }
    // Line segments, broken where points are missing; filled underneath.
    const gap = 2.5 * (isNum(st.interval_ms) && st.interval_ms > 0 ? st.interval_ms : 5000);
    const segments = [];
    let cur = [];
    for (const p of pts) {
      if (cur.length && p.t - cur[cur.length - 1].t > gap) { segments.push(cur); cur = []; }
      cur.push(p);
    }
    segments.push(cur);
    const accent = color('--accent');
    for (const seg of segments) {
      if (seg.length === 1) {
        ctx.fillStyle = accent;
        ctx.beginPath(); ctx.arc(x(seg[0].t), y(seg[0].pages_per_s), 2.5, 0, 2 * Math.PI); ctx.fill();
        continue;
      }
      ctx.beginPath();
      seg.forEach((p, i) => (i ? ctx.lineTo(x(p.t), y(p.pages_per_s)) : ctx.moveTo(x(p.t), y(p.pages_per_s))));
      ctx.strokeStyle = accent; ctx.lineWidth = 2; ctx.lineJoin = 'round';
      ctx.stroke();
      ctx.lineTo(x(seg[seg.length - 1].t), pad.t + ph);
      ctx.lineTo(x(seg[0].t), pad.t + ph);
      ctx.closePath();
      ctx.fillStyle = color('--accent-fill');
      ctx.fill();
    }
  }

  // ---- banner -------------------------------------------------------------------
  function showBanner(failures, requiredFailed) {
    const banner = $('banner');
    if (!failures.length) { banner.hidden = true; return; }
    const auth = failures.find((f) => f.kind === 'unauthorized');
    const down = failures.find((f) => f.kind === 'unreachable');
    let title, text;
    if (auth) {
      title = auth.status === 403 ? 'Access refused.' : 'Read token required.';
      text = token
        ? 'The coordinator refused the token given as #token=… in the address (HTTP ' + auth.status + ': ' + auth.message + '). Check the token and reload.'
        : 'This coordinator requires a read token (HTTP ' + auth.status + '). Add it to the address as #token=YOUR_TOKEN; it stays in the browser and is sent as an "Authorization: Bearer" header on every request.';
    } else if (down) {
      title = 'Coordinator unreachable.';
      text = 'Cannot reach the API at ' + location.origin + ' (' + down.message + '). Retrying every ' + POLL_MS / 1000 + ' s; figures below are from the last successful update.';
    } else {
      title = 'API error.';
      text = failures.map((f) => f.path + ' → ' + (f.status ? 'HTTP ' + f.status + ' ' : '') + f.message).join('; ');
    }
    $('banner-title').textContent = title;
    $('banner-text').textContent = text;
    banner.classList.toggle('warn', !requiredFailed && !auth);
    banner.dataset.state = auth ? 'unauthorized' : down ? 'unreachable' : 'error';
    banner.hidden = false;
  }

  // ---- polling ------------------------------------------------------------------
  async function settle(requests) {
    const keys = Object.keys(requests);
    const out = await Promise.allSettled(keys.map((k) => requests[k]));
    const ok = {}, failed = [];
    out.forEach((s, i) => {
      if (s.status === 'fulfilled') ok[keys[i]] = s.value;
      else failed.push(Object.assign(s.reason instanceof Error ? s.reason : new Error(String(s.reason)), { key: keys[i] }));
    });
    return { ok, failed };
  }

  function guard(failures, path, fn) {
    try { fn(); } catch (e) { failures.push(apiError('http', 0, 'cannot render response: ' + e.message, path)); }
  }

  async function poll() {
    const main = await settle({
      health: api('/api/v1/health'),
      crawls: api('/api/v1/crawls'),
      stats: api('/api/v1/stats'),
      workers: api('/api/v1/workers'),
      credits: api('/api/v1/credits'),
    });
    const r = main.ok;
    const failures = main.failed;
    if (r.stats && isNum(r.stats.now_ms)) serverOffset = r.stats.now_ms - Date.now();
    else if (r.health && isNum(r.health.now_ms)) serverOffset = r.health.now_ms - Date.now();
    if (r.health) guard(failures, '/api/v1/health', () => renderHealth(r.health));
    if (r.crawls) guard(failures, '/api/v1/crawls', () => renderCrawls(arr(r.crawls.crawls)));
    guard(failures, '/api/v1/stats', () => renderSummary(r));
    if (r.stats) { lastStats = r.stats; guard(failures, '/api/v1/stats', drawChart); }
    if (r.workers) guard(failures, '/api/v1/workers', () => renderWorkers(arr(r.workers.workers)));
    if (r.credits) guard(failures, '/api/v1/credits', () => renderLeaders(arr(r.credits.contributors)));

    if (r.crawls && selectedCrawl === null) clearCrawlDetail();
    if (selectedCrawl !== null) {
      const q = encodeURIComponent(selectedCrawl);
      const wanted = selectedCrawl;
      const detail = await settle({
        hosts: api('/api/v1/hosts?crawl=' + q + '&limit=50'),
        errors: api('/api/v1/errors?crawl=' + q + '&limit=20'),
      });
      failures.push(...detail.failed);
      if (wanted === selectedCrawl) {
        if (detail.ok.hosts) guard(failures, '/api/v1/hosts', () => renderHosts(arr(detail.ok.hosts.hosts)));
        if (detail.ok.errors) guard(failures, '/api/v1/errors', () => renderErrors(arr(detail.ok.errors.reasons)));
      }
    }

    const requiredFailed = failures.some((f) => REQUIRED.includes(f.key));
    showBanner(failures, requiredFailed);
    const good = !requiredFailed && REQUIRED.every((k) => r[k]);
    document.body.classList.toggle('stale', !good);
    $('poll-status').className = 'dot ' + (good ? 'ok' : 'bad');
    if (good) {
      const now = new Date();
      const lu = $('last-updated');
      lu.textContent = now.toLocaleTimeString();
      lu.dateTime = now.toISOString();
      lu.dataset.value = String(now.getTime());
    }
  }

  async function tick() {
    clearTimeout(timer);
    if (inFlight) { again = true; return; }
    inFlight = true;
    try {
      await poll();
    } catch (e) {
      showBanner([apiError('http', 0, e && e.message ? e.message : String(e), 'dashboard')], true);
    } finally {
      inFlight = false;
    }
    if (again) { again = false; tick(); return; }
    timer = setTimeout(tick, document.hidden ? HIDDEN_POLL_MS : POLL_MS);
  }

  function start() {
    readToken();
    $('crawl-select').addEventListener('change', (e) => selectCrawl(e.target.value));
    window.addEventListener('hashchange', () => { readToken(); tick(); });
    document.addEventListener('visibilitychange', () => { if (!document.hidden) tick(); });
    if (window.ResizeObserver) new ResizeObserver(() => drawChart()).observe($('pages-chart'));
    else window.addEventListener('resize', drawChart);
    drawChart();
    tick();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
