// Domain → MixPay wire format. The only place that knows how MixPay spells a payment.
import {
  compareDecimals,
  FAILURE_REASONS,
  type PaymentResultData,
  type ResultInclude,
  subtractDecimals,
} from '@payhook/protocol';
import type { AssetCatalog } from '../assets.js';
import type { Payment } from '../interfaces.js';
import type { PaymentState } from '../lifecycle.js';

const seconds = (ms: number) => Math.floor(ms / 1000);

/** `data` of `GET /v1/payments_result`. */
export function presentResult(
  { payment: p, transfers }: PaymentState,
  catalog: AssetCatalog,
  include: readonly ResultInclude[],
): PaymentResultData {
  const counted = transfers.filter((t) => t.assetId === p.paymentAssetId);
  const last = transfers.at(-1);
  const first = transfers[0];
  const data: PaymentResultData = {
    status: p.status,
    traceId: p.traceId,
    orderId: p.orderId ?? '',
    payeeId: p.payeeId,
    quoteAmount: p.quoteAmount,
    quoteSymbol: catalog.symbolOf(p.quoteAssetId),
    quoteAssetId: p.quoteAssetId,
    // Before payment: what to pay. After: what was paid (a failed payment says what the payer sent).
    paymentAmount: p.status === 'unpaid' ? (p.payableAmount ?? '') : p.paidAmount,
    paymentSymbol: catalog.symbolOf(p.paymentAssetId),
    paymentAssetId: p.paymentAssetId ?? '',
    payableAmount: p.payableAmount ?? '',
    txid: last?.txid ?? '',
    date: seconds(first?.createdAt ?? p.createdAt),
    surplusAmount: p.surplusAmount,
    surplusStatus: p.surplusStatus,
    confirmations: p.status === 'pending' && counted.length > 0 ? Math.min(...counted.map((t) => t.confirmations)) : -1,
    failureCode: p.failureCode ?? '0',
    failureReason: FAILURE_REASONS[p.failureCode ?? '0'],
    returnTo: (p.status === 'success' ? p.returnTo : p.status === 'failed' ? p.failedReturnTo : null) ?? '',
    settleStatus: p.settleStatus,
    settleAmount: p.settleAmount ?? '',
    settleSymbol: catalog.symbolOf(p.settleAssetId),
    settleAsset: p.settleAssetId ?? '',
  };
  if (include.includes('payment')) data.payment = presentMultiPay(p);
  if (include.includes('transactions')) {
    data.transactions = transfers.map((t) => ({
      txid: t.txid,
      amount: t.amount,
      assetId: t.assetId,
      symbol: catalog.symbolOf(t.assetId),
      confirmations: t.confirmations,
      date: seconds(t.createdAt),
    }));
  }
  return data;
}

function presentMultiPay(p: Payment) {
  const fullyPaid = p.payableAmount !== null && compareDecimals(p.paidAmount, p.payableAmount) >= 0;
  return {
    isMultiPay: p.isMultiPay,
    isFullyPaid: fullyPaid,
    totalTransactionsAmount: p.paidAmount,
    remainingAmount: p.payableAmount === null || fullyPaid ? '0' : subtractDecimals(p.payableAmount, p.paidAmount),
  };
}

/** `data` of `POST /v1/payments` and `GET /v1/payments_info`: what the payer must send. */
export function presentInfo({ payment: p }: PaymentState, catalog: AssetCatalog, now: number) {
  const settlementAsset = catalog.getPayable(p.settlementAssetId);
  const paymentAsset = p.paymentAssetId === null ? undefined : catalog.getPayable(p.paymentAssetId);
  return {
    isChain: false,
    expire: p.expireAt === null ? 0 : seconds(p.expireAt),
    seconds: p.expireAt === null ? 0 : Math.max(0, seconds(p.expireAt - now)),
    traceId: p.traceId,
    orderId: p.orderId ?? '',
    payeeId: p.payeeId,
    code: p.code ?? '',
    status: p.status,
    paymentAssetId: p.paymentAssetId ?? '',
    paymentAmount: p.payableAmount ?? '',
    paymentAssetSymbol: catalog.symbolOf(p.paymentAssetId),
    quoteAssetId: p.quoteAssetId,
    quoteAmount: p.quoteAmount,
    quoteAssetSymbol: catalog.symbolOf(p.quoteAssetId),
    settlementAssetId: p.settlementAssetId,
    settlementAssetSymbol: catalog.symbolOf(p.settlementAssetId),
    estimatedSettlementAmount:
      paymentAsset && settlementAsset && p.payableAmount !== null
        ? catalog.settle(p.payableAmount, paymentAsset, settlementAsset)
        : '',
    isMultiPay: p.isMultiPay,
    remainingAmount: p.payableAmount === null ? '' : presentMultiPay(p).remainingAmount,
    remark: p.remark ?? '',
    returnTo: p.returnTo ?? '',
    failedReturnTo: p.failedReturnTo ?? '',
    memo: '',
    recipient: '',
    destination: '',
    tag: '',
  };
}
