'use strict';
// The status page's script: polls this SCM's status and event log every 500 ms through the page's own
// routes (the browser sends the credential it was given), and renders them with textContent only, so
// nothing an SCM or a peer reports is ever interpreted as markup.
(function () {
  const POLL_MS = 500;
  const EVENTS_SHOWN = 20;
  const known = new Map(); // personality name -> {home, addresses}: every one this page has seen served here
  let role = 'read';
  let self = null;
  let cursor = null; // the last event id shown
  const events = [];

  const $ = (id) => document.getElementById(id);

  function text(id, value) {
    $(id).textContent = value === null || value === undefined ? '' : String(value);
  }

  function cell(row, value, cls) {
    const td = row.insertCell();
    td.textContent = value === null || value === undefined ? '' : String(value);
    if (cls) {
      td.className = cls;
    }
    return td;
  }

  function ago(iso) {
    if (!iso) {
      return '';
    }
    const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    return s < 90 ? s + ' s ago' : Math.round(s / 60) + ' min ago';
  }

  function problem(message) {
    const p = $('problem');
    p.hidden = !message;
    p.textContent = message || '';
  }

  async function get(path) {
    const r = await fetch('api/' + path, { cache: 'no-store', credentials: 'same-origin' });
    const body = await r.json();
    if (!r.ok) {
      throw new Error(path + ': ' + r.status + ' ' + (body.error || ''));
    }
    return body;
  }

  function renderStatus(s) {
    self = s.node;
    document.title = s.node + ' ' + s.state + ' - hasm';
    text('scm', s.node);
    text('version', s.version ? 'hasm ' + s.version : '');
    text('self-name', s.node + ' (configured ' + s.configuredRole + ')');
    const state = $('state');
    if (state.textContent !== s.state) {
      // when this page first showed the state: a test compares it with the SCM's own `since`
      document.body.dataset.stateShownAt = String(Date.now());
    }
    state.textContent = s.state;
    state.className = 'state ' + s.state;
    document.body.dataset.state = s.state;
    text('role', s.opMode || '');
    text('sysconfig', s.sysConfig ? '(' + s.sysConfig + ')' : '');
    text('reason', s.reason || '');
    text('since', s.since ? s.since + ' (' + ago(s.since) + ')' : '');
    const flags = [];
    if (s.standby) flags.push('standby');
    if (s.maintenance) flags.push('maintenance on');
    flags.push('failback ' + s.failbackPolicy);
    text('flags', '· ' + flags.join(' · '));

    const p = s.peer;
    text('peer-name', p ? p.name : 'none (standalone)');
    text('peer-state', p ? p.state + (p.lastKnown ? ' (last known)' : '') : '');
    $('peer-state').className = 'state ' + (p && p.state ? p.state : '');
    text('peer-role', p ? p.opMode || '' : '');
    text('peer-verdict', p ? (p.alive ? 'alive' : 'dead') + ': ' + p.verdict : '');
    text('peer-heard', p && p.lastHeard ? '· last heard ' + ago(p.lastHeard) : '');

    const here = new Set();
    // every personality of the pair (an SCM of an older release lists only those it serves)
    for (const q of s.pairPersonalities || []) {
      if (!known.has(q.name)) {
        known.set(q.name, q);
      }
    }
    for (const q of s.personalities) {
      here.add(q.name);
      known.set(q.name, q);
    }
    const pt = $('personalities').tBodies[0];
    pt.replaceChildren();
    for (const [name, q] of [...known.entries()].sort()) {
      const row = pt.insertRow();
      row.dataset.personality = name;
      cell(row, name);
      cell(row, q.home);
      const peerAlive = p && p.alive;
      cell(row, here.has(name) ? s.node : peerAlive ? p.name : 'nobody', here.has(name) ? 'here' : 'there');
      cell(row, (q.addresses || []).join(' '));
      const op = cell(row, '', 'op');
      if (role === 'operate') {
        const b = document.createElement('button');
        b.className = 'command';
        b.textContent = 'move';
        b.addEventListener('click', () => command('move', { personality: name }));
        op.appendChild(b);
      }
    }

    const ct = $('channels').tBodies[0];
    ct.replaceChildren();
    for (const c of s.channels) {
      const row = ct.insertRow();
      cell(row, c.name);
      cell(row, c.kind);
      cell(row, c.status, c.status);
      cell(row, c.sent);
      cell(row, c.received);
      cell(row, c.missed);
      cell(row, c.rejected);
      cell(row, c.errors);
      cell(row, c.counter);
      cell(row, c.note || '', 'wrap');
    }

    const mt = $('modules').tBodies[0];
    mt.replaceChildren();
    for (const m of s.modules) {
      const row = mt.insertRow();
      cell(row, m.name);
      cell(row, m.tier);
      cell(row, m.status, m.status);
      cell(row, m.version);
      cell(row, m.lastCall);
      cell(row, m.lastError || '', 'wrap');
    }
  }

  function describe(e) {
    const p = e.properties || {};
    if (p.transition) return p.transition + (p.millis ? ' (' + p.millis + ' ms)' : '');
    if (p.state) return p.state + (p.opMode ? ' ' + p.opMode : '') + (p.reason ? ': ' + p.reason : '');
    if (p.module && p.call) return p.module + ' ' + p.call + (p.error ? ': ' + p.error : '');
    return Object.keys(p).filter((k) => k !== 'scm').map((k) => k + '=' + p[k]).join(' ');
  }

  async function pollEvents() {
    if (cursor === null) {
      const head = await get('events?limit=1');
      cursor = Math.max(-1, head.lastId - EVENTS_SHOWN);
    }
    const doc = await get('events?after=' + cursor + '&limit=200');
    for (const e of doc.events) {
      events.push(e);
      cursor = Math.max(cursor, e.id);
    }
    events.splice(0, Math.max(0, events.length - EVENTS_SHOWN));
    const tb = $('events').tBodies[0];
    tb.replaceChildren();
    for (const e of [...events].reverse()) {
      const row = tb.insertRow();
      cell(row, typeof e.time === 'number' ? new Date(e.time).toISOString() : e.time);
      cell(row, e.scm);
      cell(row, e.topic.replace('org/hasm/', ''));
      cell(row, describe(e), 'wrap');
    }
  }

  async function command(name, params) {
    const q = new URLSearchParams(Object.assign({ reason: 'status page' }, params || {}));
    if (['reset', 'surrender', 'standby'].includes(name) && !window.confirm(name + ' ' + (self || '') + '?')) {
      return;
    }
    let answer;
    try {
      const r = await fetch('api/commands/' + name + '?' + q, {
        method: 'POST', credentials: 'same-origin', headers: { 'X-Hasm-Page': '1' }
      });
      const body = await r.json();
      answer = r.ok ? name + ': accepted' : name + ': ' + (body.error || r.status) + (body.page ? ' (' + body.page + ')' : '');
    } catch (e) {
      answer = name + ': no answer (' + e.message + ')';
    }
    text('answer', answer);
  }

  async function tick() {
    try {
      renderStatus(await get('status'));
      await pollEvents();
      problem(null);
      text('updated', new Date().toLocaleTimeString());
    } catch (e) {
      problem('this SCM does not answer: ' + e.message);
    } finally {
      window.setTimeout(tick, POLL_MS);
    }
  }

  async function start() {
    try {
      const who = await get('whoami');
      role = who.role;
      text('who', who.name + ' (' + who.role + ')');
      document.body.dataset.role = who.role;
      if (role === 'operate') {
        $('commands').hidden = false;
        for (const b of document.querySelectorAll('#commands button.command')) {
          b.addEventListener('click', () => command(b.dataset.command, b.dataset.mode ? { mode: b.dataset.mode } : {}));
        }
      } else {
        // read-only: the command buttons are not in the page at all
        $('commands').remove();
      }
    } catch (e) {
      problem('who am I: ' + e.message);
    }
    tick();
  }

  document.addEventListener('DOMContentLoaded', start);
}());
