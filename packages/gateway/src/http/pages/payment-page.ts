// The dashboard's page of one payment: its summary, transfers, and life cycle (events in order,
// each event's deliveries, each delivery's attempts with the request each sent and the answer
// it got), with the retry-now and redelivery buttons.
import {
  type DeliveryWithAttempts,
  type EventDetail,
  FAILURE_REASONS,
  type PaymentDetail,
  type RetrySchedule,
} from '@payhook/protocol';
import { deliveryProgress } from '../../domain/delivery-progress.js';
import { attemptExchange } from './attempt-exchange.js';
import { formatDuration, formatTime, type HtmlValue, html, relative, type SafeHtml } from './html.js';
import { page } from './layout.js';
import { badge, shortId, shownState } from './parts.js';

export interface PaymentPageData {
  detail: PaymentDetail;
  symbolOf: (assetId: string | null) => string;
  requiredConfirmations: (assetId: string) => number;
  now: number;
  /** The schedule deliveries run: "attempt n of N · gives up at". */
  schedule: RetrySchedule;
  signOut: boolean;
  /** When each paused callback URL among the pending deliveries was paused (its endpoint's pause). */
  pausedSince?: ReadonlyMap<string, number> | undefined;
  /** What the last action did, shown once after its redirect. */
  notice?: string | undefined;
}

/** The notices an action may ask for by name; free text never travels in a URL. */
export const NOTICES = {
  redelivered: 'Redelivery scheduled: a new delivery starts its schedule now.',
  'retrying-now': 'Retrying now: the next attempt is due at once, its count and the schedule after it unchanged.',
  resent: 'Exhausted deliveries to this URL scheduled again.',
  'nothing-to-resend': 'No exhausted delivery to this URL is waiting for a redelivery.',
} as const;
export type NoticeName = keyof typeof NOTICES;

export function paymentPage(data: PaymentPageData): SafeHtml {
  const { payment: p } = data.detail;
  const notice = data.notice !== undefined && data.notice in NOTICES ? NOTICES[data.notice as NoticeName] : undefined;
  return page({
    title: `Payment ${p.orderId ?? p.traceId}`,
    nav: { active: 'payments', signOut: data.signOut },
    liveSource: [`/admin/payments/${p.traceId}`],
    main: html`<h1>Payment ${p.orderId ?? p.traceId} <span id="status" data-live>${badge(p.status)}</span></h1>
${notice ? html`<div class="notice" role="status">${notice}</div>` : ''}
${summary(data)}
${transfers(data)}
<section class="card" id="lifecycle" data-live>
<h2>Life cycle</h2>
${data.detail.events.length === 0 ? html`<p class="muted">No event yet: the payment is waiting for money.</p>` : html`<ol class="timeline">${data.detail.events.map((e) => eventItem(e, data))}</ol>`}
</section>`,
  });
}

function summary({ detail: { payment: p }, symbolOf, now }: PaymentPageData): SafeHtml {
  const row = (label: string, value: HtmlValue) => html`<tr><th>${label}</th><td>${value}</td></tr>`;
  const checkout = p.code ? `/code/${encodeURIComponent(p.code)}` : `/checkout/${p.traceId}`;
  return html`<section class="card" id="summary" data-live><table class="kv">
${row('traceId', html`<code>${p.traceId}</code>`)}
${row('orderId', html`<code>${p.orderId ?? '(none)'}</code>`)}
${row('payee', html`<code>${p.payeeId}</code>`)}
${row('kind', p.kind)}
${row('status', html`${badge(p.status)}${p.failureCode ? html` ${p.failureCode} ${FAILURE_REASONS[p.failureCode]}` : ''}`)}
${row('price', `${p.quoteAmount} ${symbolOf(p.quoteAssetId)}`)}
${row('to pay', p.payableAmount === null ? 'asset not chosen yet' : `${p.payableAmount} ${symbolOf(p.paymentAssetId)}`)}
${row('paid', `${p.paidAmount} ${symbolOf(p.paymentAssetId)}${p.isMultiPay ? ' (multi-pay)' : ''}`)}
${p.surplusAmount !== '0' ? row('surplus', `${p.surplusAmount} (${p.surplusStatus})`) : ''}
${row('settlement', p.settleStatus === '' ? '—' : `${p.settleStatus}${p.settleAmount ? ` · ${p.settleAmount} ${symbolOf(p.settleAssetId)}` : ''}`)}
${row('callbackUrl', p.callbackUrl ? html`<code>${p.callbackUrl}</code>` : html`<span class="muted">none</span>`)}
${row('optional events', p.callbackEvents.length > 0 ? p.callbackEvents.join(', ') : 'none (success and fail are always sent)')}
${p.remark ? row('remark', p.remark) : ''}
${row('created', formatTime(p.createdAt))}
${row('expires', p.expireAt === null ? 'no deadline' : `${formatTime(p.expireAt)} (${relative(p.expireAt, now)})`)}
${p.completedAt !== null ? row('completed', formatTime(p.completedAt)) : ''}
${row('checkout page', html`<a href="${checkout}">${checkout}</a>`)}
</table></section>`;
}

function transfers({ detail, symbolOf, requiredConfirmations }: PaymentPageData): SafeHtml {
  // Always present (if empty), so the live view can fill it in when money arrives.
  if (detail.transfers.length === 0) return html`<section id="transfers" data-live></section>`;
  return html`<section class="card" id="transfers" data-live><h2>Transfers</h2><table>
<thead><tr><th>Received</th><th>txid</th><th>Amount</th><th>Confirmations</th></tr></thead><tbody>
${detail.transfers.map(
  (
    t,
  ) => html`<tr><td>${formatTime(t.createdAt)}</td><td><code>${t.txid}</code></td><td>${t.amount} ${symbolOf(t.assetId)}</td>
<td>${t.confirmations} / ${requiredConfirmations(t.assetId)}</td></tr>`,
)}
</tbody></table></section>`;
}

function eventItem(event: EventDetail, data: PaymentPageData): SafeHtml {
  const p = data.detail.payment;
  const deliveries = [...event.deliveries].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  const latest = deliveries.at(-1);
  const cls =
    latest === undefined ? '' : latest.state === 'delivered' ? 't-ok' : latest.state === 'exhausted' ? 't-bad' : '';
  const why =
    p.callbackUrl === null
      ? 'no callback: the payment has no callbackUrl'
      : 'not subscribed: the payment did not subscribe to this event';
  return html`<li class="${cls}" data-event="${event.type}" data-event-id="${event.id}">
<h3>${event.type} <span class="muted">· status ${event.status} · ${formatTime(event.createdAt)}</span></h3>
${deliveries.length === 0 ? html`<p class="muted">${why}</p>` : deliveries.map((d) => deliveryBlock(d, data))}
</li>`;
}

function deliveryBlock(d: DeliveryWithAttempts, data: PaymentPageData): SafeHtml {
  const state = shownState(d);
  const traceId = data.detail.payment.traceId;
  return html`<div class="card delivery" data-delivery-id="${d.id}" data-state="${state}">
<div><strong>Delivery</strong> ${shortId(d.id)} ${badge(state)} to <code>${d.url}</code>
· ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}
${d.redeliveryOf ? html` · redelivers ${shortId(d.redeliveryOf)}` : ''}
${d.nextAttemptAt !== null ? html` · next attempt due <span class="next-due">${formatTime(d.nextAttemptAt)} (${relative(d.nextAttemptAt, data.now)})</span>` : ''}</div>
${progressLine(d, data)}
${d.attemptList.length === 0 ? html`<p class="muted">No attempt yet.</p>` : attemptTable(d)}
<div class="actions">
${
  // Not while its endpoint is paused: it waits for the resume (retryNowRefusal).
  d.state === 'pending' && (d.lockedUntil === null || d.lockedUntil <= data.now) && !data.pausedSince?.has(d.url)
    ? html`<form method="post" action="/dashboard/deliveries/${d.id}/retry-now"><button type="submit" class="retry-now">Retry now</button></form>`
    : ''
}
${d.state !== 'pending' ? html`<form method="post" action="/dashboard/deliveries/${d.id}/redeliver"><button type="submit" class="redeliver">Redeliver</button></form>` : ''}
${
  d.state === 'exhausted'
    ? html`<form method="post" action="/dashboard/deliveries/redeliver-exhausted">
<input type="hidden" name="url" value="${d.url}"><input type="hidden" name="back" value="${traceId}">
<button type="submit" class="resend-exhausted">Resend all exhausted deliveries to this URL</button></form>`
    : ''
}
</div>
</div>`;
}

/**
 * "attempt 4 of 10 · gives up at …" for a pending delivery ("paused since …" while its URL is
 * paused); when it ended for a final one.
 */
function progressLine(d: DeliveryWithAttempts, data: PaymentPageData): SafeHtml {
  const p = deliveryProgress(d, d.attemptList.at(-1)?.endedAt ?? null, data.schedule);
  const when = (at: number) => html`<time datetime="${new Date(at).toISOString()}">${formatTime(at)}</time>`;
  const pausedAt = d.state === 'pending' ? data.pausedSince?.get(d.url) : undefined;
  if (p.kind === 'pending' && pausedAt !== undefined) {
    // Nothing gives up while paused: the resume moves every due time on by the time paused.
    return html`<p class="progress paused" title="no attempt is sent and no time passes on its schedule until the URL is resumed">attempt ${p.attemptNo} of ${p.of} · paused since ${when(pausedAt)} (endpoint paused)</p>`;
  }
  if (p.kind === 'pending') {
    return html`<p class="progress" title="if every attempt left fails, each taking no time">attempt ${p.attemptNo} of ${p.of} · gives up at ${when(p.givesUpAt)} at the earliest (${relative(p.givesUpAt, data.now)})</p>`;
  }
  const after = `after ${p.attempts} attempt${p.attempts === 1 ? '' : 's'}`;
  return html`<p class="progress">${p.kind === 'delivered' ? 'delivered' : 'gave up'} at ${when(p.at)} · ${after}</p>`;
}

function attemptTable(d: DeliveryWithAttempts): SafeHtml {
  const attempts = d.attemptList;
  return html`<table class="attempts"><thead><tr><th>#</th><th>Started</th><th>Late</th><th>Result</th><th>Status</th><th>Latency</th><th>Error</th><th>Answer</th></tr></thead><tbody>
${attempts.map(
  (a) => html`<tr data-attempt="${a.attemptNo}" data-success="${String(a.success)}">
<td>${a.attemptNo}</td><td>${formatTime(a.startedAt)}</td><td>${formatDuration(Math.max(0, a.startedAt - a.dueAt))}</td>
<td>${a.success ? badge('delivered', 'ok') : badge('failed', 'failed')}</td>
<td>${a.statusCode ?? '—'}</td><td>${formatDuration(a.latencyMs)}</td>
<td>${a.errorClass ? html`<code>${a.errorClass}</code> ${a.errorMessage ?? ''}` : ''}</td>
<td><code class="excerpt">${a.responseExcerpt ?? ''}</code></td></tr>
<tr class="exchange-row"><td colspan="8">${attemptExchange(a, d)}</td></tr>`,
)}
</tbody></table>`;
}
