// The dashboard's payment list: filters by status and delivery state, search by orderId or
// traceId, newest first, paged with the admin API's cursor.
import { PAYMENT_STATUSES } from '@payhook/protocol';
import type { Delivery, Payment, PaymentEvent } from '../../interfaces.js';
import { formatTime, html, type SafeHtml } from './html.js';
import { page } from './layout.js';
import { badge, shownState } from './parts.js';

export interface ListedPayment {
  payment: Payment;
  /** Each event with its latest delivery (a redelivery replaces the one it redelivers). */
  events: { event: PaymentEvent; latest: Delivery | undefined }[];
}

export interface PaymentFilters {
  status?: string | undefined;
  search?: string | undefined;
  deliveryState?: string | undefined;
  limit: number;
  before?: string | undefined;
}

export interface PaymentsListData {
  rows: ListedPayment[];
  filters: PaymentFilters;
  next: string | null;
  symbolOf: (assetId: string | null) => string;
  signOut: boolean;
}

const DELIVERY_FILTERS = ['delivered', 'retrying', 'exhausted', 'pending'] as const;

/** The list's own URL with some filters changed, for paging links. */
export function listHref(filters: PaymentFilters, change: Partial<PaymentFilters>): string {
  const merged = { ...filters, ...change };
  const query = new URLSearchParams();
  for (const key of ['status', 'deliveryState', 'search', 'before'] as const) {
    const value = merged[key];
    if (value !== undefined && value !== '') query.set(key, value);
  }
  if (merged.limit !== 50) query.set('limit', String(merged.limit));
  const text = query.toString();
  return text === '' ? '/dashboard/payments' : `/dashboard/payments?${text}`;
}

export function paymentsListPage(data: PaymentsListData): SafeHtml {
  const { filters } = data;
  const option = (value: string, current: string | undefined, label = value) =>
    html`<option value="${value}"${value === (current ?? '') ? html` selected` : ''}>${label}</option>`;
  const apiQuery = listHref(filters, {}).replace('/dashboard/payments', '/admin/payments');
  return page({
    title: 'Payments',
    nav: { active: 'payments', signOut: data.signOut },
    liveSource: [apiQuery],
    main: html`<h1>Payments</h1>
<form class="filters card" method="get" action="/dashboard/payments">
<label>Status <select name="status">${option('', filters.status, 'any')}${PAYMENT_STATUSES.map((s) => option(s, filters.status))}</select></label>
<label>Deliveries <select name="deliveryState">${option('', filters.deliveryState, 'any')}${DELIVERY_FILTERS.map((s) => option(s, filters.deliveryState))}</select></label>
<label>orderId or traceId <input type="search" name="search" value="${filters.search ?? ''}" size="38"></label>
<button type="submit">Filter</button>
<a href="/dashboard/payments">Clear</a>
</form>
<section class="card" id="payments" data-live>
${data.rows.length === 0 ? html`<p class="muted">No payments match.</p>` : table(data)}
<div class="pager">
${filters.before ? html`<a href="${listHref(filters, { before: undefined })}">« Newest</a>` : ''}
${data.next ? html`<a href="${listHref(filters, { before: data.next })}" rel="next">Older »</a>` : ''}
</div>
</section>`,
  });
}

function table({ rows, symbolOf }: PaymentsListData): SafeHtml {
  return html`<table><thead><tr><th>Created</th><th>Order</th><th>traceId</th><th>Payee</th><th>Status</th><th>Price</th><th>Paid</th><th>Events</th></tr></thead><tbody>
${rows.map(({ payment: p, events }) => {
  const paySymbol = symbolOf(p.paymentAssetId);
  return html`<tr data-trace-id="${p.traceId}">
<td>${formatTime(p.createdAt)}</td>
<td><a href="/dashboard/payments/${p.traceId}">${p.orderId ?? '(none)'}</a></td>
<td><a href="/dashboard/payments/${p.traceId}"><code>${p.traceId}</code></a></td>
<td>${p.payeeId}</td>
<td>${badge(p.status)}</td>
<td>${p.quoteAmount} ${symbolOf(p.quoteAssetId)}</td>
<td>${p.paidAmount}${p.payableAmount === null ? '' : html` / ${p.payableAmount}`} ${paySymbol}</td>
<td>${events.length === 0 ? html`<span class="muted">none</span>` : events.map(({ event, latest }) => html`<div>${event.type} ${latest ? badge(shownState(latest)) : html`<span class="muted">${p.callbackUrl === null ? 'no callback' : 'not subscribed'}</span>`}</div>`)}</td>
</tr>`;
})}
</tbody></table>`;
}
