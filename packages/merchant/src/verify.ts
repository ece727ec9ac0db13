// What a payments_result means for an order. Pure: the four duties of MixPay's security
// guidelines, minus the I/O. The handler and the reconciler both judge through here.
import {
  compareDecimals,
  decimalEquals,
  isDecimalString,
  type PaymentResult,
  sameId,
  samePayeeId,
  subtractDecimals,
} from '@payhook/protocol';
import type { Order } from './order.js';

/** How a result is looked up: always with identifiers the shop stored, never the callback's. */
export type Lookup = { traceId: string } | { orderId: string; payeeId: string };

export function lookupFor(order: Order): Lookup {
  return order.traceId !== null ? { traceId: order.traceId } : { orderId: order.orderId, payeeId: order.payeeId };
}

export interface Mismatch {
  field: 'payeeId' | 'quoteAmount' | 'quoteAssetId' | 'traceId' | 'orderId';
  expected: string;
  /**
   * What the result says; null when it carried no usable value (missing, empty, not a string). A
   * result that cannot be checked is treated like one that contradicts the order: it never pays.
   */
  actual: string | null;
}

export type Judgement =
  /** status success and every field matches: mark the order paid. */
  | { kind: 'paid' }
  /** status failed for this very order: mark it failed. */
  | { kind: 'failed'; failureCode: string; failureReason: string }
  /** A multi-pay payment received less than owed: remind the payer, keep waiting. */
  | { kind: 'paid_less'; paidAmount: string | null; remainingAmount: string | null }
  /** No result yet (unpaid, pending, processing, auditing, or a status this kit does not know): keep waiting. */
  | { kind: 'waiting'; status: PaymentResult['status'] }
  /**
   * A final result that is not this order's deal (tampered paylink, foreign payee), or that lacks
   * a field needed to tell (payeeId, quoteAmount, quoteAssetId): never pay.
   */
  | { kind: 'mismatch'; status: PaymentResult['status']; mismatches: Mismatch[] };

const sameAmount = (a: string, b: string) => isDecimalString(a) && isDecimalString(b) && decimalEquals(a, b);

/** Every field of the result that contradicts the order, or that the result does not carry. */
export function findMismatches(order: Order, result: PaymentResult): Mismatch[] {
  const out: Mismatch[] = [];
  const check = (
    field: Mismatch['field'],
    expected: string,
    actual: string | undefined,
    same: (a: string, b: string) => boolean,
  ) => {
    if (actual === undefined) out.push({ field, expected, actual: null });
    else if (!same(expected, actual)) out.push({ field, expected, actual });
  };
  // The three MixPay's guidelines name: missing means "cannot tell", and that never pays (§10.4).
  check('payeeId', order.payeeId, result.payeeId, samePayeeId);
  check('quoteAmount', order.amount, result.quoteAmount, sameAmount);
  check('quoteAssetId', order.assetId, result.quoteAssetId, sameId);
  // traceId and orderId came later, or not at all (orderId is not in MixPay's answer): when
  // there they must be ours; when absent the lookup, made with our own identifiers, vouches.
  if (order.traceId !== null && result.traceId !== undefined) check('traceId', order.traceId, result.traceId, sameId);
  if (result.orderId !== undefined) check('orderId', order.orderId, result.orderId, (a, b) => a === b);
  return out;
}

export function judge(order: Order, result: PaymentResult): Judgement {
  const mismatches = findMismatches(order, result);
  switch (result.status) {
    case 'success':
      return mismatches.length === 0 ? { kind: 'paid' } : { kind: 'mismatch', status: result.status, mismatches };
    case 'failed':
      // A failure only cancels the order it belongs to; anything else changes nothing but is reported.
      return mismatches.length === 0
        ? { kind: 'failed', failureCode: result.failureCode, failureReason: result.failureReason }
        : { kind: 'mismatch', status: result.status, mismatches };
    case 'pending': {
      const p = result.payment;
      if (p?.isMultiPay === true && p.isFullyPaid === false && mismatches.length === 0) {
        const paid = decimalOrNull(p.totalTransactionsAmount);
        return { kind: 'paid_less', paidAmount: paid, remainingAmount: remainingOf(result, paid) };
      }
      return { kind: 'waiting', status: result.status };
    }
    default:
      // unpaid, auditing, processing and statuses MixPay adds later: only `success` ever pays.
      return { kind: 'waiting', status: result.status };
  }
}

const decimalOrNull = (v: unknown) => (typeof v === 'string' && isDecimalString(v) ? v : null);

/** payhook's `payment.remainingAmount` when sent, else MixPay's rule: payableAmount − totalTransactionsAmount. */
function remainingOf(result: PaymentResult, paid: string | null): string | null {
  const sent = decimalOrNull(result.payment?.remainingAmount);
  if (sent !== null) return sent;
  const payable = decimalOrNull(result.payableAmount);
  if (payable === null || paid === null || compareDecimals(payable, paid) < 0) return null;
  return subtractDecimals(payable, paid);
}
