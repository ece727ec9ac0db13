// The payer's checkout page (`/code/{code}`, `/pay?…`, `/checkout/{traceId}`): what is owed and
// where the payment stands. With the sandbox on, its forms feed the same ingestion path as the
// sandbox API: pay in full, pay another amount or asset, add confirmations, let it expire.
import { FAILURE_REASONS } from '@payhook/protocol';
import type { AssetCatalog } from '../../domain/assets.js';
import type { PaymentState } from '../../domain/lifecycle.js';
import { formatTime, html, relative, type SafeHtml, safeHref } from './html.js';
import { page } from './layout.js';
import { badge } from './parts.js';

export interface CheckoutPageData {
  state: PaymentState;
  catalog: AssetCatalog;
  now: number;
  /** Pay, confirm and expire forms are offered only when the sandbox is on. */
  sandbox: boolean;
  /** Set when the forms need a sign-in this visitor lacks: the page links there instead. */
  signInHref?: string | undefined;
  error?: string | undefined;
  /** What the remaining amount is, as `presentInfo` computes it. */
  remainingAmount: string;
}

export function checkoutPage(data: CheckoutPageData): SafeHtml {
  const { payment: p } = data.state;
  const { catalog } = data;
  const final = p.status === 'success' || p.status === 'failed';
  const owed =
    p.payableAmount === null
      ? `${p.quoteAmount} ${catalog.symbolOf(p.quoteAssetId)}`
      : `${p.payableAmount} ${catalog.symbolOf(p.paymentAssetId)}`;
  return page({
    title: `Pay ${owed}`,
    ...(final ? {} : { liveSource: [`/v1/payments_result?traceId=${p.traceId}&with=payment,transactions`] }),
    liveIntervalMs: 5000,
    main: html`<div class="checkout">
<h1 id="checkout-title" data-live>Pay <span class="amount" id="owed">${owed}</span></h1>
${data.error ? html`<div class="error" role="alert">${data.error}</div>` : ''}
${outcome(data)}
${stateTable(data)}
${transfersTable(data)}
<div id="checkout-actions" data-live>
${data.sandbox && !final ? (data.signInHref ? locked(data.signInHref) : actions(data)) : ''}
${!data.sandbox && !final ? html`<p class="muted">Send ${owed} from your wallet; this page updates when it arrives.</p>` : ''}
</div>
</div>`,
  });
}

function outcome({ state: { payment: p } }: CheckoutPageData): SafeHtml {
  if (p.status === 'success') {
    const back = safeHref(p.returnTo);
    return html`<div class="final-success" id="outcome" data-live role="status"><strong>Payment received.</strong> Thank you.
${back ? html` <a href="${back}" class="return">Return to the shop</a>` : ''}</div>`;
  }
  if (p.status === 'failed') {
    const back = safeHref(p.failedReturnTo);
    const reason = p.failureCode ? FAILURE_REASONS[p.failureCode] : '';
    return html`<div class="final-failed" id="outcome" data-live role="status"><strong>Payment failed</strong>${reason ? html`: ${reason}` : ''}.
${back ? html` <a href="${back}" class="return">Return to the shop</a>` : ''}</div>`;
  }
  return html`<div id="outcome" data-live></div>`;
}

function stateTable({ state: { payment: p }, catalog, now, remainingAmount }: CheckoutPageData): SafeHtml {
  const paySymbol = catalog.symbolOf(p.paymentAssetId);
  return html`<section class="card" id="checkout-state" data-live><table class="kv">
<tr><th>Status</th><td id="payment-status">${badge(p.status)}</td></tr>
<tr><th>Price</th><td>${p.quoteAmount} ${catalog.symbolOf(p.quoteAssetId)}</td></tr>
<tr><th>To pay</th><td>${p.payableAmount === null ? 'in the asset you choose' : `${p.payableAmount} ${paySymbol}`}</td></tr>
${p.isChain && p.destination !== null ? html`<tr><th>Send on-chain to</th><td><code id="destination">${p.destination}</code>${p.tag ? html` with tag <code id="tag">${p.tag}</code>` : ''}</td></tr>` : ''}
<tr><th>Paid so far</th><td id="paid">${p.paidAmount} ${paySymbol}</td></tr>
${p.isMultiPay && p.payableAmount !== null ? html`<tr><th>Remaining</th><td id="remaining">${remainingAmount} ${paySymbol}</td></tr>` : ''}
${p.surplusAmount !== '0' ? html`<tr><th>Overpaid</th><td>${p.surplusAmount} ${paySymbol} (to be refunded)</td></tr>` : ''}
<tr><th>Expires</th><td id="expires">${p.expireAt === null ? 'no deadline' : `${formatTime(p.expireAt)} (${relative(p.expireAt, now)})`}</td></tr>
<tr><th>Order</th><td><code>${p.orderId ?? p.traceId}</code></td></tr>
<tr><th>Payee</th><td><code>${p.payeeId}</code></td></tr>
${p.remark ? html`<tr><th>Remark</th><td>${p.remark}</td></tr>` : ''}
</table></section>`;
}

function transfersTable({ state, catalog, sandbox, signInHref }: CheckoutPageData): SafeHtml {
  if (state.transfers.length === 0) return html`<section id="checkout-transfers" data-live></section>`;
  return html`<section class="card" id="checkout-transfers" data-live><h2>Transfers</h2><table>
<thead><tr><th>Received</th><th>Amount</th><th>Confirmations</th><th></th></tr></thead><tbody>
${state.transfers.map((t) => {
  const required = catalog.get(t.assetId)?.requiredConfirmations ?? 0;
  const confirming = t.confirmations < required;
  return html`<tr data-txid="${t.txid}"><td>${formatTime(t.createdAt)}</td><td>${t.amount} ${catalog.symbolOf(t.assetId)}</td>
<td>${t.confirmations} of ${required}${confirming ? ' (confirming)' : ''}</td>
<td>${
    sandbox && confirming && !signInHref
      ? html`<form method="post" action="/checkout/${state.payment.traceId}/transfers/${encodeURIComponent(t.txid)}/confirmations">
<input type="number" name="confirmations" min="${t.confirmations}" value="${required}" aria-label="confirmations" size="4">
<button type="submit" class="confirm">Add confirmations</button></form>`
      : ''
  }</td></tr>`;
})}
</tbody></table></section>`;
}

/** In place of the sandbox forms while they need the admin token. */
function locked(signInHref: string): SafeHtml {
  return html`<section class="card sandbox-locked">
<h2>Sandbox payer</h2>
<p>This gateway has an admin token: paying, confirming and expiring from this page need it, as the sandbox API does. <a href="${signInHref}" class="sign-in">Sign in</a> with <code>PAYHOOK_ADMIN_TOKEN</code> to use them.</p>
</section>`;
}

function actions({ state: { payment: p }, catalog }: CheckoutPageData): SafeHtml {
  const base = `/checkout/${p.traceId}`;
  const selected = p.paymentAssetId ?? catalog.getPayable(p.quoteAssetId)?.id ?? '';
  const assets = catalog.list().filter((a) => !a.fiat);
  return html`<section class="card">
<h2>Sandbox payer</h2>
<div class="actions">
<form method="post" action="${base}/pay"><button type="submit" class="primary pay-full">Pay in full</button></form>
<form method="post" action="${base}/pay" class="pay-amount">
<label>Amount <input name="amount" inputmode="decimal" placeholder="what is owed" size="12"></label>
<label>Asset <select name="assetId">${assets.map((a) => html`<option value="${a.id}"${a.id === selected ? html` selected` : ''}>${a.symbol}</option>`)}</select></label>
<label>Confirmations <input type="number" name="confirmations" min="0" placeholder="enough" size="6"></label>
<button type="submit" class="pay-some">Pay this</button>
</form>
<form method="post" action="${base}/expire"><button type="submit" class="danger expire">Let it expire</button></form>
</div>
<p class="muted">Pay less or more by typing an amount; choose another asset to pay with the wrong one; fewer confirmations than the asset needs leave the transfer confirming.</p>
</section>`;
}
