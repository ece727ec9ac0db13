// The pages' only static assets, kept in the source as strings so the built gateway serves
// them from dist without a build step or a folder to copy: a style sheet and the live-update
// script. Served at /assets/* by routes/assets.ts.

export const STYLE_CSS = `
:root { --fg:#1b1f24; --muted:#5b6470; --line:#d8dde3; --bg:#f6f7f9; --card:#fff; --ok:#1a7f37; --bad:#cf222e;
  --warn:#9a6700; --info:#0969da; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); }
header.top { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.5rem; background: #24292f; color: #fff; }
header.top a { color: #fff; text-decoration: none; }
header.top a.brand { font-weight: 700; }
header.top .spacer { flex: 1; }
header.top form { margin: 0; }
#live-status { font-size: 12px; color: #c9d1d9; }
#live-status[data-state="error"] { color: #ffb3b3; }
main { max-width: 1200px; margin: 1.2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.4rem; margin: .2rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.4rem 0 .6rem; }
h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
section.card, .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.2rem; margin-bottom: 1rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .02em; }
table.kv th { width: 12rem; text-transform: none; font-size: 13px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; word-break: break-all; }
.muted { color: var(--muted); }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: .8rem; margin-bottom: 1rem; }
.stat { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; }
.stat .label { color: var(--muted); font-size: 12px; text-transform: uppercase; }
.stat .value { font-size: 1.6rem; font-weight: 700; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: 12px; font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.s-success, .s-delivered { color: var(--ok); }
.s-failed, .s-exhausted { color: var(--bad); }
.s-pending, .s-retrying, .s-auditing { color: var(--warn); }
.s-unpaid { color: var(--muted); }
.s-healthy { color: var(--ok); }
.s-failing { color: var(--bad); }
.s-paused { color: var(--warn); }
.notice { border-left: 4px solid var(--info); background: #ddf4ff; padding: .6rem 1rem; margin-bottom: 1rem; border-radius: 4px; }
.error { border-left: 4px solid var(--bad); background: #ffebe9; padding: .6rem 1rem; margin-bottom: 1rem; border-radius: 4px; }
.final-success { border-left: 4px solid var(--ok); background: #dafbe1; padding: .8rem 1rem; margin-bottom: 1rem; border-radius: 4px; }
.final-failed { border-left: 4px solid var(--bad); background: #ffebe9; padding: .8rem 1rem; margin-bottom: 1rem; border-radius: 4px; }
form.inline { display: inline; }
form.filters { display: flex; gap: .6rem; flex-wrap: wrap; align-items: end; }
label { display: flex; flex-direction: column; gap: .2rem; font-size: 12px; color: var(--muted); }
input, select, button { font: inherit; padding: .35rem .6rem; border: 1px solid var(--line); border-radius: 6px; background: #fff; color: var(--fg); }
button { cursor: pointer; background: #f3f4f6; font-weight: 600; }
button.primary { background: var(--ok); color: #fff; border-color: var(--ok); }
button.danger { color: var(--bad); }
.actions { display: flex; flex-wrap: wrap; gap: .8rem; align-items: end; }
.actions form { display: flex; gap: .5rem; align-items: end; flex-wrap: wrap; }
ol.timeline { list-style: none; padding: 0; margin: 0; }
ol.timeline > li { border-left: 3px solid var(--line); padding: .2rem 0 .8rem 1rem; margin-left: .4rem; }
ol.timeline > li.t-ok { border-color: var(--ok); }
ol.timeline > li.t-bad { border-color: var(--bad); }
.attempts td { font-size: 13px; }
.excerpt { max-width: 22rem; white-space: pre-wrap; }
.progress { margin: .3rem 0; }
tr.exchange-row > td { padding-top: 0; }
details.exchange > summary { cursor: pointer; color: var(--info); font-size: 13px; }
.exchange-sides { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1rem; margin: .5rem 0; }
.exchange-sides h4 { margin: .2rem 0 .4rem; font-size: 13px; }
.exchange-sides .caption { margin: .6rem 0 0; font-size: 12px; }
table.headers th { text-transform: none; letter-spacing: 0; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; width: 11rem; }
pre.request-body, pre.answer-excerpt { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: .5rem .7rem; white-space: pre-wrap; word-break: break-all; margin: .4rem 0; max-height: 20rem; overflow: auto; }
.pager { display: flex; gap: 1rem; margin-top: .8rem; }
progress { width: 100%; height: .8rem; }
svg.chart { width: 100%; height: auto; background: #fff; }
.legend { font-size: 12px; color: var(--muted); }
.legend .sw { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; vertical-align: -2px; margin-right: .25rem; }
.ok-bg { background: var(--ok); }
.bad-bg { background: var(--bad); }
.login { max-width: 26rem; margin: 4rem auto; }
.checkout { max-width: 44rem; }
.amount { font-size: 1.8rem; font-weight: 700; }
`;

/**
 * Live updates: the body names JSON admin API endpoints in `data-live-source`; every few seconds
 * the script reads them and, when their data changed, fetches this page again and swaps each
 * element marked `data-live` (by id) for its fresh copy. The server stays the only renderer,
 * so everything shown went through the same escaping helper.
 */
export const LIVE_JS = `'use strict';
(function () {
  var body = document.body;
  var sources = (body.getAttribute('data-live-source') || '').split(' ').filter(Boolean);
  if (sources.length === 0) return;
  var interval = Number(body.getAttribute('data-live-interval') || 2000);
  var status = document.getElementById('live-status');
  var last = null;
  var busy = false;

  function say(text, state) {
    if (!status) return;
    status.textContent = text;
    status.setAttribute('data-state', state);
  }

  function read(url) {
    return fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' })
      .then(function (res) {
        if (res.status === 401) throw new Error('signed out: reload to sign in');
        if (!res.ok) throw new Error('live updates paused (HTTP ' + res.status + ')');
        return res.json();
      })
      .then(function (envelope) { return JSON.stringify(envelope.data); });
  }

  function refresh() {
    return fetch(location.href, { headers: { accept: 'text/html' }, credentials: 'same-origin', cache: 'no-store' })
      .then(function (res) {
        if (!res.ok) throw new Error('live updates paused (HTTP ' + res.status + ')');
        return res.text();
      })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, 'text/html');
        // What the reader opened (an attempt's request and answer) stays open in the fresh copy.
        var open = [];
        document.querySelectorAll('details[id][open]').forEach(function (d) { open.push(d.id); });
        document.querySelectorAll('[data-live]').forEach(function (el) {
          var next = el.id ? fresh.getElementById(el.id) : null;
          if (next) el.replaceWith(document.importNode(next, true));
        });
        open.forEach(function (id) {
          var d = document.getElementById(id);
          if (d) d.open = true;
        });
      });
  }

  function tick() {
    if (busy || document.hidden) return;
    busy = true;
    Promise.all(sources.map(read))
      .then(function (parts) {
        var signature = parts.join('\\n');
        // The first reading refreshes too: something may have changed since the page was rendered.
        var changed = signature !== last;
        last = signature;
        return changed ? refresh() : undefined;
      })
      .then(function () {
        say('live · ' + new Date().toLocaleTimeString(), 'ok');
      })
      .catch(function (error) {
        last = null;
        say(error.message, 'error');
      })
      .then(function () { busy = false; });
  }

  tick();
  setInterval(tick, interval);
})();
`;
