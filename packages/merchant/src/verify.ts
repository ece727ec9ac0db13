// What a payments_result means for an order. Pure: the four duties of MixPay's security
// guidelines, minus the I/O. The handler and the reconciler both judge through here.
import { decimalEquals, isDecimalString, type PaymentResultData } from '@payhook/protocol';
import type { Order } from './order.js';

/** How a result is looked up: always with identifiers the shop stored, never the callback's. */
export type Lookup = { traceId: string } | { orderId: string; payeeId: string };

export function lookupFor(order: Order): Lookup {
  return order.traceId !== null ? { traceId: order.traceId } : { orderId: order.orderId, payeeId: order.payeeId };
}

export interface Mismatch {
  field: 'payeeId' | 'quoteAmount' | 'quoteAssetId' | 'traceId' | 'orderId';
  expected: string;
  actual: string;
}

export type Judgement =
  /** status success and every field matches: mark the order paid. */
  | { kind: 'paid' }
  /** status failed for this very order: mark it failed. */
  | { kind: 'failed'; failureCode: string; failureReason: string }
  /** A multi-pay payment received less than owed: remind the payer, keep waiting. */
  | { kind: 'paid_less'; paidAmount: string; remainingAmount: string | null }
  /** No result yet (unpaid, confirming, auditing): keep waiting. */
  | { kind: 'waiting'; status: PaymentResultData['status'] }
  /** A final result that is not this order's deal (tampered paylink, foreign payee): never pay. */
  | { kind: 'mismatch'; status: PaymentResultData['status']; mismatches: Mismatch[] };

const sameAmount = (a: string, b: string) => isDecimalString(a) && isDecimalString(b) && decimalEquals(a, b);
const sameId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Every field of the result that contradicts the order. */
export function findMismatches(order: Order, result: PaymentResultData): Mismatch[] {
  const out: Mismatch[] = [];
  const check = (
    field: Mismatch['field'],
    expected: string,
    actual: string,
    same: (a: string, b: string) => boolean,
  ) => {
    if (!same(expected, actual)) out.push({ field, expected, actual });
  };
  check('payeeId', order.payeeId, result.payeeId, (a, b) => a === b);
  check('quoteAmount', order.amount, result.quoteAmount, sameAmount);
  check('quoteAssetId', order.assetId, result.quoteAssetId, sameId);
  if (order.traceId !== null) check('traceId', order.traceId, result.traceId, sameId);
  // MixPay may leave orderId out of a result; when it is there it must be ours.
  if (result.orderId) check('orderId', order.orderId, result.orderId, (a, b) => a === b);
  return out;
}

export function judge(order: Order, result: PaymentResultData): Judgement {
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
        const remaining = (p as { remainingAmount?: unknown }).remainingAmount;
        return {
          kind: 'paid_less',
          paidAmount: p.totalTransactionsAmount,
          remainingAmount: typeof remaining === 'string' ? remaining : null,
        };
      }
      return { kind: 'waiting', status: result.status };
    }
    default:
      return { kind: 'waiting', status: result.status };
  }
}
