// The dashboard's front page: delivery counts, lateness, outcomes over time, recent attempts,
// attempt retention.
import type { RetentionStatus } from '@payhook/protocol';
import type { DeliveryState } from '../../interfaces.js';
import type { FeedAttempt, LatenessFigures, OutcomeBucket } from '../../storage/store.js';
import { formatDuration, formatTime, html, type SafeHtml } from './html.js';
import { page } from './layout.js';
import { badge, shortId } from './parts.js';

export interface OverviewData {
  counts: Record<DeliveryState, number>;
  retrying: number;
  lateness: LatenessFigures;
  timeline: { from: number; to: number; bucketMs: number; buckets: OutcomeBucket[] };
  /** Newest first. */
  recent: FeedAttempt[];
  retention: RetentionStatus;
  signOut: boolean;
}

export function overviewPage(data: OverviewData): SafeHtml {
  const { counts, lateness } = data;
  const stat = (key: string, label: string, value: number | string, hint?: string) =>
    html`<div class="stat"><div class="label">${label}</div><div class="value" data-count="${key}">${value}</div>${hint ? html`<div class="muted">${hint}</div>` : ''}</div>`;
  const ms = (v: number | null) => (v === null ? '—' : formatDuration(v));
  return page({
    title: 'Overview',
    nav: { active: 'overview', signOut: data.signOut },
    liveSource: ['/admin/stats', '/admin/attempts?limit=1'],
    main: html`<h1>Deliveries</h1>
<div class="stats" id="counts" data-live>
${stat('pending', 'Pending', counts.pending, 'waiting for an attempt')}
${stat('retrying', 'Retrying', data.retrying, 'pending after a failure')}
${stat('delivered', 'Delivered', counts.delivered)}
${stat('exhausted', 'Exhausted', counts.exhausted, 'all attempts failed')}
${stat('p50', 'Lateness p50', ms(lateness.p50), `${lateness.samples} recent attempts`)}
${stat('p99', 'Lateness p99', ms(lateness.p99), lateness.max === null ? undefined : `max ${formatDuration(lateness.max)}`)}
</div>
<section class="card" id="timeline" data-live>
<h2>Attempt outcomes, last ${Math.round((data.timeline.to - data.timeline.from) / 60_000)} min</h2>
${outcomeChart(data.timeline)}
</section>
<section class="card" id="recent" data-live>
<h2>Recent attempts</h2>
${data.recent.length === 0 ? html`<p class="muted">No attempts yet.</p>` : attemptsTable(data.recent)}
</section>
${retentionCard(data.retention)}`,
  });
}

const DAY = 86_400_000;

/** `30 days`, `1 day`, `0.5 days`: the unit of PAYHOOK_ATTEMPT_RETENTION. */
const retentionSpan = (ms: number) => (ms === DAY ? '1 day' : `${Number((ms / DAY).toFixed(6))} days`);

/** The setting, the latest pass (by any gateway on the database) and the total pruned. */
function retentionCard({ retentionMs, prunedTotal, lastPass }: RetentionStatus): SafeHtml {
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return html`<section class="card" id="retention">
<h2>Retention</h2>
<table class="kv"><tbody>
<tr><th>Setting</th><td data-retention="setting">${
    retentionMs > 0
      ? `attempts older than ${retentionSpan(retentionMs)} are pruned (each delivery's last attempt kept)`
      : 'every attempt is kept (PAYHOOK_ATTEMPT_RETENTION=0)'
  }</td></tr>
<tr><th>Last pass</th><td data-retention="last-pass">${
    lastPass === null
      ? html`<span class="muted">no pass yet</span>`
      : `${formatTime(lastPass.endedAt)}: cutoff ${formatTime(lastPass.cutoff)}, ${plural(lastPass.pruned, 'attempt', 'attempts')} pruned, ${plural(lastPass.reclaimedPages, 'page', 'pages')} given back`
  }</td></tr>
<tr><th>Pruned in all</th><td data-retention="total">${plural(prunedTotal, 'attempt', 'attempts')}</td></tr>
</tbody></table>
</section>`;
}

function attemptsTable(attempts: FeedAttempt[]): SafeHtml {
  return html`<table class="attempts"><thead><tr><th>Ended</th><th>Event</th><th>Payment</th><th>URL</th><th>#</th><th>Result</th><th>Status</th><th>Latency</th><th>Error</th></tr></thead><tbody>
${attempts.map(
  (a) => html`<tr data-delivery="${a.deliveryId}" data-attempt="${a.attemptNo}">
<td>${formatTime(a.endedAt)}</td><td>${a.eventType}</td>
<td><a href="/dashboard/payments/${a.traceId}">${shortId(a.traceId)}</a></td>
<td class="mono">${a.url}</td><td>${a.attemptNo}</td>
<td>${a.success ? badge('delivered', 'ok') : badge('failed', 'failed')}</td>
<td>${a.statusCode ?? '—'}</td><td>${formatDuration(a.latencyMs)}</td>
<td>${a.errorClass ? html`<code>${a.errorClass}</code> ${a.errorMessage ?? ''}` : ''}</td></tr>`,
)}
</tbody></table>`;
}

const WIDTH = 720;
const HEIGHT = 160;
const PAD = { left: 36, right: 8, top: 8, bottom: 22 };

/** Stacked bars of delivered (bottom) and failed attempts per time bucket, as inline SVG. */
export function outcomeChart({ from, to, bucketMs, buckets }: OverviewData['timeline']): SafeHtml {
  const n = Math.max(1, Math.ceil((to - from) / bucketMs));
  const byIndex = new Map<number, OutcomeBucket>();
  for (const b of buckets) byIndex.set(Math.floor((b.at - from) / bucketMs), b);
  const max = Math.max(1, ...buckets.map((b) => b.delivered + b.failed));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / n;
  const barW = Math.max(1, slot * 0.8);
  const y = (count: number) => (count / max) * plotH;
  const bars: SafeHtml[] = [];
  for (let i = 0; i < n; i++) {
    const b = byIndex.get(i);
    if (!b || b.delivered + b.failed === 0) continue;
    const x = (PAD.left + i * slot + (slot - barW) / 2).toFixed(1);
    const hOk = y(b.delivered);
    const hBad = y(b.failed);
    const base = PAD.top + plotH;
    bars.push(html`<g class="bar" data-at="${b.at}" data-delivered="${b.delivered}" data-failed="${b.failed}">
<title>${formatTime(b.at)}: ${b.delivered} delivered, ${b.failed} failed</title>
${hOk > 0 ? html`<rect x="${x}" y="${(base - hOk).toFixed(1)}" width="${barW.toFixed(1)}" height="${hOk.toFixed(1)}" fill="#1a7f37"/>` : ''}
${hBad > 0 ? html`<rect x="${x}" y="${(base - hOk - hBad).toFixed(1)}" width="${barW.toFixed(1)}" height="${hBad.toFixed(1)}" fill="#cf222e"/>` : ''}
</g>`);
  }
  const axisY = PAD.top + plotH;
  return html`<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="Attempt outcomes over time">
<line x1="${PAD.left}" y1="${axisY}" x2="${WIDTH - PAD.right}" y2="${axisY}" stroke="#d8dde3"/>
<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${axisY}" stroke="#d8dde3"/>
<text x="${PAD.left - 4}" y="${PAD.top + 10}" font-size="10" text-anchor="end" fill="#5b6470">${max}</text>
<text x="${PAD.left - 4}" y="${axisY}" font-size="10" text-anchor="end" fill="#5b6470">0</text>
<text x="${PAD.left}" y="${HEIGHT - 6}" font-size="10" fill="#5b6470">${formatTime(from).slice(11, 16)}</text>
<text x="${WIDTH - PAD.right}" y="${HEIGHT - 6}" font-size="10" text-anchor="end" fill="#5b6470">${formatTime(to).slice(11, 16)} UTC · ${formatDuration(bucketMs)} per bar</text>
${bars}
</svg>
<div class="legend"><span class="sw ok-bg"></span>delivered <span class="sw bad-bg"></span>failed</div>`;
}
