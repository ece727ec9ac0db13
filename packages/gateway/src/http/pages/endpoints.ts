// The dashboard's Endpoints page: every callback URL with its health, recent success rate, last
// error, retrying deliveries and when they would exhaust, its pause, and Pause / Resume buttons;
// then the same rolled up per host. The form that takes a reason sits outside the live regions,
// so what a person types is never redrawn away.
import type { EndpointList, EndpointStatus, HealthFigures, HostHealth } from '@payhook/protocol';
import { formatTime, type HtmlValue, html, type SafeHtml } from './html.js';
import { page } from './layout.js';
import { badge, namedNotice } from './parts.js';

export interface EndpointsPageData {
  list: EndpointList;
  signOut: boolean;
  /** The URL to fill in the pause form with (`?pause=`), when a link asks for one. */
  pauseUrl?: string | undefined;
  notice?: string | undefined;
}

/** The notices an action may ask for by name; free text never travels in a URL. */
export const ENDPOINT_NOTICES = {
  paused: 'Paused: no attempt is sent to this URL, and its deliveries’ schedules stand still until it is resumed.',
  'already-paused': 'This URL was paused already; its pause is unchanged.',
  resumed: 'Resumed: each delivery continues with the gap it had left when the pause began.',
  'not-paused': 'This URL was not paused; nothing moved.',
} as const;
export type EndpointNotice = keyof typeof ENDPOINT_NOTICES;

export function endpointsPage(data: EndpointsPageData): SafeHtml {
  const { list } = data;
  return page({
    title: 'Endpoints',
    nav: { active: 'endpoints', signOut: data.signOut },
    liveSource: ['/admin/endpoints'],
    main: html`<h1>Endpoints</h1>
${namedNotice(ENDPOINT_NOTICES, data.notice)}
<form class="filters card pause-with-reason" method="post" action="/dashboard/endpoints/pause">
<label>Pause a callback URL <input name="url" type="url" required size="48" value="${data.pauseUrl ?? ''}" placeholder="https://shop.example/mixpay/callback"></label>
<label>Reason (optional) <input name="reason" size="32" maxlength="500"></label>
<button type="submit" class="pause danger">Pause</button>
</form>
<section class="card" id="endpoints" data-live>
<h2>Callback URLs</h2>
${list.endpoints.length === 0 ? html`<p class="muted">No callback URL has been attempted or paused yet.</p>` : endpointTable(list)}
</section>
<section class="card" id="hosts" data-live>
<h2>Hosts</h2>
${list.hosts.length === 0 ? html`<p class="muted">No host yet.</p>` : hostTable(list)}
</section>`,
  });
}

const rate = (f: HealthFigures) =>
  f.recent.successRate === null
    ? html`<span class="muted">no attempt</span>`
    : html`${Math.round(f.recent.successRate * 100)} % <span class="muted">of ${f.recent.attempts}</span>`;

const lastError = (f: HealthFigures): HtmlValue =>
  f.lastError
    ? html`<code>${f.lastError.errorClass ?? 'failed'}</code> ${f.lastError.statusCode ?? ''} <span class="muted">${f.lastError.message ?? ''} · ${formatTime(f.lastFailureAt)}</span>`
    : html`<span class="muted">none</span>`;

/** Absolute times only: the region is redrawn when the data changes, not as time passes. */
function forecast(f: HealthFigures, paused: boolean): HtmlValue {
  if (paused) return html`<span class="muted">none while paused</span>`;
  if (!f.forecast) return html`<span class="muted">—</span>`;
  const { deliveries, earliest, latest } = f.forecast;
  const giveUp = deliveries === 1 ? '1 delivery gives up' : `${deliveries} deliveries give up`;
  return html`<span class="forecast">${giveUp} between ${formatTime(earliest)} and ${formatTime(latest)}</span>`;
}

function state(e: { health: string }, paused: boolean): SafeHtml {
  return html`${badge(e.health)}${paused ? html` ${badge('paused')}` : ''}`;
}

function endpointTable({ endpoints }: EndpointList): SafeHtml {
  return html`<table class="endpoints"><thead><tr><th>URL</th><th>Health</th><th>Last hour</th><th>Failures in a row</th><th>Last error</th><th>Pending</th><th>Retrying</th><th>Exhaustion forecast</th><th></th></tr></thead><tbody>
${endpoints.map(endpointRow)}
</tbody></table>`;
}

function endpointRow(e: EndpointStatus): SafeHtml {
  const paused = e.paused !== null;
  return html`<tr data-url="${e.url}" data-health="${e.health}" data-paused="${String(paused)}">
<td class="mono">${e.url}</td>
<td class="state">${state(e, paused)}${e.paused ? html`<div class="muted paused-since">since ${formatTime(e.paused.since)} by ${e.paused.by ?? '?'}${e.paused.reason ? html` · ${e.paused.reason}` : ''}</div>` : ''}</td>
<td>${rate(e)}</td>
<td class="consecutive">${e.consecutiveFailures}</td>
<td>${lastError(e)}</td>
<td class="pending">${e.pending}</td>
<td class="retrying">${e.retrying}</td>
<td>${forecast(e, paused)}</td>
<td class="actions">${
    paused
      ? html`<form method="post" action="/dashboard/endpoints/resume"><input type="hidden" name="url" value="${e.url}"><button type="submit" class="resume primary">Resume</button></form>`
      : html`<form method="post" action="/dashboard/endpoints/pause"><input type="hidden" name="url" value="${e.url}"><button type="submit" class="pause danger">Pause</button></form>`
  }</td>
</tr>`;
}

function hostTable({ hosts }: EndpointList): SafeHtml {
  return html`<table class="hosts"><thead><tr><th>Host</th><th>Health</th><th>URLs</th><th>Last hour</th><th>Failures in a row</th><th>Last error</th><th>Pending</th><th>Retrying</th><th>Exhaustion forecast</th></tr></thead><tbody>
${hosts.map(
  (h: HostHealth) => html`<tr data-host="${h.host}">
<td class="mono">${h.host}</td><td>${badge(h.health)}${h.pausedUrls > 0 ? html` ${badge('paused', `${h.pausedUrls} paused`)}` : ''}</td>
<td>${h.urls}</td><td>${rate(h)}</td><td>${h.consecutiveFailures}</td><td>${lastError(h)}</td>
<td>${h.pending}</td><td>${h.retrying}</td><td>${forecast(h, false)}</td></tr>`,
)}
</tbody></table>`;
}
