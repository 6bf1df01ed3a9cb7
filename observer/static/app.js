// The Gen observer page: a process table and supervision trees kept up to
// date by server-sent events, and a page per process. Plain DOM, no
// framework; every text from the server goes in through textContent.
'use strict';

(() => {
  const SVG = 'http://www.w3.org/2000/svg';
  const NODE_W = 188, NODE_H = 36, COL_W = 224, ROW_H = 44, PAD = 16;
  const FLASH_MS = 3000;

  const ui = {
    sort: 'pid',
    desc: false,
    q: '',
    events: null,
    restarts: new Map(),   // tree key -> restarts seen
    flashAt: new Map(),    // tree key -> when its flash began
    page: null,            // the id of the process shown, or null
    loading: false,
    loadedAt: 0,
    again: false,
    lastProcess: null,
    tree: '',              // the trees last drawn, as JSON
  };

  const $ = (sel) => document.querySelector(sel);

  // el makes an element: el('a', {href: '#/', text: 'x', class: 'y'}, child...).
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    setAttrs(e, attrs);
    for (const c of children) e.append(c);
    return e;
  }

  function svg(tag, attrs, ...children) {
    const e = document.createElementNS(SVG, tag);
    setAttrs(e, attrs);
    for (const c of children) e.append(c);
    return e;
  }

  function setAttrs(e, attrs) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
  }

  function notice(text, error) {
    const n = $('#notice');
    n.textContent = text;
    n.className = 'notice' + (error ? ' error' : '');
    n.hidden = !text;
  }

  function uptime(started) {
    const s = Math.max(0, Math.floor((Date.now() - Date.parse(started)) / 1000));
    if (s < 60) return s + 's';
    if (s < 3600) return Math.floor(s / 60) + 'm' + String(s % 60).padStart(2, '0') + 's';
    if (s < 86400) return Math.floor(s / 3600) + 'h' + String(Math.floor(s / 60) % 60).padStart(2, '0') + 'm';
    return Math.floor(s / 86400) + 'd' + String(Math.floor(s / 3600) % 24).padStart(2, '0') + 'h';
  }

  // ---- live updates ----

  function connect() {
    if (ui.events) ui.events.close();
    const q = new URLSearchParams({sort: ui.sort});
    if (ui.desc) q.set('desc', '1');
    if (ui.q) q.set('q', ui.q);
    const es = new EventSource('events?' + q.toString());
    es.addEventListener('update', (ev) => {
      setConn(true);
      const u = JSON.parse(ev.data);
      renderTable(u);
      // The picture is redrawn only when the trees changed, so that it
      // stays put under the pointer.
      const tree = JSON.stringify(u.tree);
      if (tree !== ui.tree) {
        ui.tree = tree;
        renderTree(u.tree);
      }
      // At most one look a second at the page's process: each is a few
      // sys requests that the process answers.
      if (ui.page && Date.now() - ui.loadedAt >= 1000) loadProcess();
    });
    es.addEventListener('open', () => setConn(true));
    es.addEventListener('error', () => setConn(false));
    ui.events = es;
  }

  function setConn(on) {
    const c = $('#conn');
    c.className = 'conn ' + (on ? 'on' : 'off');
    c.textContent = on ? 'live' : 'reconnecting…';
  }

  // ---- the process table ----

  function renderTable(u) {
    $('#count').textContent = u.matched === u.total
      ? `(${u.total})`
      : `(${u.matched} of ${u.total})`;
    if (u.processes.length < u.matched) $('#count').textContent += `, first ${u.processes.length} shown`;
    $('#instr-note').hidden = u.instrumented;
    const body = el('tbody');
    for (const p of u.processes) {
      const href = '#/process/' + p.id;
      const name = el('td');
      if (p.name) name.append(el('a', {href, text: p.name}));
      if (p.supervisor) name.append(el('span', {class: 'badge sup', text: 'sup'}));
      body.append(el('tr', {'data-id': p.id, onclick: () => { location.hash = href; }},
        el('td', {class: 'mono'}, el('a', {href, text: p.pid})),
        name,
        el('td', {}, el('span', {class: 'badge ' + p.status, text: p.status})),
        el('td', {class: 'num', text: p.mailbox}),
        el('td', {class: 'num', text: u.instrumented ? p.messages : '–'}),
        el('td', {class: 'num', text: p.restarts}),
        el('td', {class: 'mono', text: p.callback || ''}),
        el('td', {class: 'num', text: uptime(p.started)})));
    }
    $('#procs tbody').replaceWith(body);
    for (const th of document.querySelectorAll('#procs th[data-sort]')) {
      th.classList.toggle('sorted', th.dataset.sort === ui.sort);
      th.classList.toggle('desc', th.dataset.sort === ui.sort && ui.desc);
    }
  }

  function onSort(ev) {
    const key = ev.currentTarget.dataset.sort;
    if (key === ui.sort) ui.desc = !ui.desc;
    else {
      ui.sort = key;
      ui.desc = key === 'mailbox' || key === 'messages' || key === 'restarts';
    }
    connect();
  }

  let filterTimer = 0;
  function onFilter(ev) {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(() => {
      ui.q = ev.target.value.trim();
      connect();
    }, 250);
  }

  // ---- the supervision trees ----

  // layout places the nodes of the trees: depth gives the column; leaves
  // take rows in order and a parent sits midway between its first and last
  // child. Trees are stacked with a gap.
  function layout(roots) {
    const nodes = [], edges = [];
    let row = 0, depthMax = 0;
    function place(n, depth, parentName) {
      depthMax = Math.max(depthMax, depth);
      const item = {n, depth, parentName};
      const kids = (n.children || []).slice();
      if (n.more) kids.push({key: n.key + '/…', more: n.more});
      if (kids.length === 0) item.row = row++;
      else {
        const placed = kids.map((k) => place(k, depth + 1, n.name || n.childId || n.pid || ''));
        item.row = (placed[0].row + placed[placed.length - 1].row) / 2;
        for (const k of placed) edges.push([item, k]);
      }
      nodes.push(item);
      return item;
    }
    roots.forEach((r, i) => {
      if (i > 0) row += 0.5;
      place(r, 0, '');
    });
    return {nodes, edges, rows: row, cols: depthMax + 1};
  }

  function renderTree(roots) {
    const box = $('#tree');
    if (!roots || roots.length === 0) {
      box.replaceChildren(el('p', {class: 'empty', text: 'No supervisors.'}));
      return;
    }
    const now = Date.now();
    const {nodes, edges, rows, cols} = layout(roots);
    const at = (item) => ({x: PAD + item.depth * COL_W, y: PAD + item.row * ROW_H});
    const width = PAD * 2 + (cols - 1) * COL_W + NODE_W;
    const height = PAD * 2 + Math.max(0, rows - 1) * ROW_H + NODE_H;
    const pic = svg('svg', {width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
      'aria-label': 'supervision trees'});
    for (const [a, b] of edges) {
      const p = at(a), q = at(b);
      const x1 = p.x + NODE_W, y1 = p.y + NODE_H / 2, x2 = q.x, y2 = q.y + NODE_H / 2;
      const mx = (x1 + x2) / 2;
      pic.append(svg('path', {class: 'edge', d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`}));
    }
    const seen = new Set();
    for (const item of nodes) {
      const n = item.n, p = at(item);
      if (n.more) {
        pic.append(svg('g', {class: 'node more', transform: `translate(${p.x},${p.y})`},
          svg('rect', {width: NODE_W, height: NODE_H, rx: 6}),
          svg('text', {x: 10, y: 22, text: `… ${n.more} more`})));
        continue;
      }
      seen.add(n.key);
      const prev = ui.restarts.get(n.key);
      if (prev !== undefined && n.restarts > prev) ui.flashAt.set(n.key, now);
      else if (prev === undefined && n.restartedAt && now - n.restartedAt < FLASH_MS) ui.flashAt.set(n.key, n.restartedAt);
      ui.restarts.set(n.key, n.restarts);
      const since = now - (ui.flashAt.get(n.key) || -Infinity);
      const flash = since < FLASH_MS;
      const label = n.name || n.childId || n.pid || n.key;
      let sub = n.status;
      if (n.childId && n.name && n.childId !== n.name) sub = n.childId + ' · ' + sub;
      if (n.restarts) sub += ` · ↻${n.restarts}`;
      if (n.error) sub = 'busy: ' + n.error;
      const cls = ['node', n.status];
      if (n.supervisor) cls.push('sup');
      if (n.error) cls.push('busy');
      if (flash) cls.push('flash');
      const g = svg('g', {
        class: cls.join(' '), transform: `translate(${p.x},${p.y})`,
        'data-key': n.key, 'data-name': n.name || '', 'data-child-id': n.childId || '',
        'data-id': n.id || '', 'data-pid': n.pid || '', 'data-parent': item.parentName,
        'data-restarts': n.restarts, tabindex: n.id ? 0 : undefined,
      },
      svg('title', {text: [n.pid, n.name, n.childId && 'child ' + n.childId, n.status, n.error].filter(Boolean).join('\n')}),
      svg('rect', {width: NODE_W, height: NODE_H, rx: 6, style: flash ? `animation-delay:-${since}ms` : undefined}),
      svg('text', {x: 10, y: 15, text: clip(label, 26)}),
      svg('text', {x: 10, y: 29, class: 'sub', text: clip(sub, 32)}));
      if (n.id) {
        const open = () => { location.hash = '#/process/' + n.id; };
        g.addEventListener('click', open);
        g.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') open(); });
      }
      pic.append(g);
    }
    for (const key of ui.restarts.keys()) {
      if (!seen.has(key)) {
        ui.restarts.delete(key);
        ui.flashAt.delete(key);
      }
    }
    box.replaceChildren(pic);
  }

  function clip(s, n) {
    s = String(s);
    return s.length > n ? s.slice(0, n - 1) + '…' : s;
  }

  // ---- a process's page ----

  function showMain() {
    ui.page = null;
    $('#process-view').hidden = true;
    $('#main-view').hidden = false;
    $('#crumb').textContent = '';
    document.title = 'Gen observer';
  }

  function showProcess(id) {
    if (ui.page !== id) {
      ui.lastProcess = null;
      $('#p-title').textContent = 'Process ' + id;
      $('#p-status').textContent = '';
      $('#p-state').textContent = '';
      for (const s of ['#p-info', '#p-rel', '#p-stats', '#p-log']) $(s).replaceChildren();
      $('#process-gone').hidden = true;
      $('#p-error').hidden = true;
      setButtons(false);
    }
    ui.page = id;
    $('#main-view').hidden = true;
    $('#process-view').hidden = false;
    notice('');
    loadProcess();
  }

  // loadProcess fetches the page's process, one fetch at a time.
  async function loadProcess() {
    if (ui.loading) {
      ui.again = true;
      return;
    }
    ui.loading = true;
    ui.loadedAt = Date.now();
    const id = ui.page;
    try {
      const r = await fetch('api/process/' + id, {cache: 'no-store'});
      if (ui.page !== id) return;
      if (r.status === 404) renderGone();
      else if (r.ok) renderProcess(await r.json());
      else notice(`Could not read the process: ${r.status} ${await r.text()}`, true);
    } catch (e) {
      notice('Could not read the process: ' + e, true);
    } finally {
      ui.loading = false;
      if (ui.again) {
        ui.again = false;
        if (ui.page) loadProcess();
      }
    }
  }

  function setButtons(on, p) {
    for (const b of document.querySelectorAll('#p-actions button')) b.disabled = !on;
    if (!on || !p) return;
    const sysOK = !p.error;
    $('#btn-suspend').disabled = !sysOK || p.suspended;
    $('#btn-resume').disabled = !sysOK || !p.suspended;
    $('#btn-log').disabled = !sysOK;
    $('#btn-stats').disabled = !sysOK;
    $('#btn-log').textContent = p.logOn ? 'Stop logging' : 'Log events';
    $('#btn-log').classList.toggle('on', p.logOn);
    $('#btn-stats').textContent = p.statsOn ? 'Stop counting' : 'Count messages';
    $('#btn-stats').classList.toggle('on', p.statsOn);
  }

  function renderGone() {
    $('#process-gone').hidden = false;
    $('#p-status').textContent = 'exited';
    $('#p-status').className = 'badge';
    setButtons(false);
  }

  function pidLink(p) {
    const label = p.name ? `${p.name} ${p.pid}` : p.pid;
    if (p.id) return el('a', {href: '#/process/' + p.id, text: label});
    return el('span', {class: 'dead', text: label + (p.alive ? '' : ' (exited)')});
  }

  function facts(dl, rows) {
    const out = [];
    for (const [k, v] of rows) {
      out.push(el('dt', {text: k}));
      const dd = el('dd');
      if (Array.isArray(v)) {
        if (v.length === 0) dd.textContent = '—';
        for (const x of v) dd.append(x);
      } else if (v instanceof Node) dd.append(v);
      else dd.textContent = v === undefined || v === null || v === '' ? '—' : String(v);
      out.push(dd);
    }
    dl.replaceChildren(...out);
  }

  function renderProcess(p) {
    ui.lastProcess = p;
    const name = p.name ? `${p.name} ` : '';
    $('#p-title').textContent = name + p.pid;
    $('#crumb').textContent = '› ' + (p.name || p.pid);
    document.title = (p.name || p.pid) + ' – Gen observer';
    const st = p.suspended ? 'suspended' : p.status;
    $('#p-status').textContent = st;
    $('#p-status').className = 'badge ' + st;
    $('#process-gone').hidden = true;
    setButtons(true, p);
    const err = $('#p-error');
    err.hidden = !p.error;
    err.textContent = p.error ? `The process did not answer sys requests: ${p.error}. Its state, events and statistics are not shown.` : '';

    let cb = p.callback || '—';
    if (p.messageType) cb += ` (${p.messageType})`;
    facts($('#p-info'), [
      ['PID', p.pid],
      ['Name', p.name],
      ['Status', st],
      ['Server', p.server],
      ['Mailbox', p.mailbox],
      ['Messages', p.messages],
      ['Callback', cb],
      ['Restarts', p.restarts],
      ['Uptime', uptime(p.started)],
      ['Started', new Date(p.started).toLocaleString()],
      ['Traps exits', p.trapExit ? 'yes' : 'no'],
      ['Supervisor', p.supervisor ? 'yes' : 'no'],
    ]);
    facts($('#p-rel'), [
      ['Parent', p.parent ? pidLink(p.parent) : '—'],
      ['Links', p.links.map(pidLink)],
      ['Monitors', p.monitors.map(pidLink)],
      ['Monitored by', p.monitoredBy.map(pidLink)],
      ['Children', p.children.map(pidLink)],
    ]);
    $('#p-state').textContent = p.error ? '' : (p.stateError ? 'not available: ' + p.stateError : p.state);
    const log = $('#p-log');
    if (p.log.length === 0) {
      log.replaceChildren(el('li', {class: 'muted', text: p.logOn ? 'No events yet.' : 'Logging is off: press “Log events”.'}));
    } else {
      log.replaceChildren(...p.log.map((line) => el('li', {text: line})));
    }
    if (p.stats) {
      facts($('#p-stats'), [
        ['Since', new Date(p.stats.since).toLocaleTimeString()],
        ['Messages in', p.stats.messagesIn],
        ['Calls', p.stats.calls],
        ['Casts', p.stats.casts],
        ['Infos', p.stats.infos],
        ['Replies out', p.stats.messagesOut],
      ]);
    } else {
      facts($('#p-stats'), [['Counting', p.statsError ? 'not available: ' + p.statsError : 'off: press “Count messages”.']]);
    }
  }

  async function act(action) {
    const id = ui.page;
    if (!id) return;
    try {
      const r = await fetch(`api/process/${id}/${action}`, {method: 'POST'});
      if (!r.ok) {
        let msg = r.statusText;
        try { msg = (await r.json()).error; } catch (e) { /* not JSON */ }
        notice(`${action} failed: ${msg}`, true);
      } else notice('');
    } catch (e) {
      notice(`${action} failed: ${e}`, true);
    }
    loadProcess();
  }

  function confirmKill() {
    const p = ui.lastProcess;
    const who = p ? (p.name ? `${p.name} ${p.pid}` : p.pid) : 'this process';
    $('#confirm-text').textContent = `Kill ${who}? It exits with reason “killed” at once, ` +
      'even if it traps exits; its links and monitors are told, and its supervisor may restart it.';
    $('#confirm').showModal();
  }

  // ---- start ----

  function route() {
    const m = location.hash.match(/^#\/process\/(\d+\.\d+)$/);
    if (m) showProcess(m[1]);
    else showMain();
  }

  for (const th of document.querySelectorAll('#procs th[data-sort]')) th.addEventListener('click', onSort);
  $('#filter').addEventListener('input', onFilter);
  $('#btn-suspend').addEventListener('click', () => act('suspend'));
  $('#btn-resume').addEventListener('click', () => act('resume'));
  $('#btn-log').addEventListener('click', () => act(ui.lastProcess && ui.lastProcess.logOn ? 'log-off' : 'log-on'));
  $('#btn-stats').addEventListener('click', () => act(ui.lastProcess && ui.lastProcess.statsOn ? 'stats-off' : 'stats-on'));
  $('#btn-kill').addEventListener('click', confirmKill);
  $('#confirm-cancel').addEventListener('click', () => $('#confirm').close());
  $('#confirm-ok').addEventListener('click', () => {
    $('#confirm').close();
    act('kill');
  });
  window.addEventListener('hashchange', route);
  // A process page follows the updates of the stream, and also reloads by
  // itself when the stream is quiet (the table and trees did not change).
  setInterval(() => {
    if (ui.page && Date.now() - ui.loadedAt > 1500) loadProcess();
  }, 1000);
  route();
  connect();
})();
