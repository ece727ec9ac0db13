// The payment life cycle as a pure function: transition(state, input, context) → { next, writes, events }.
// No I/O and no clock reads: the store persists what `writes` names, in one transaction with
// the deliveries its events create (the outbox). See docs/lifecycle.md for the diagram.
import { addDecimals, type CallbackEventName, compareDecimals, FailureCode, subtractDecimals } from '@payhook/protocol';
import { ConflictError, ParameterError } from '../errors.js';
import type { Payment, PaymentState, StateWrites, Transfer } from '../interfaces.js';
import type { AssetCatalog } from './assets.js';

export type { PaymentState } from '../interfaces.js';

export type LifecycleInput =
  /** Money arrived (from the sandbox, or a chain watcher in production). */
  | { type: 'transfer'; transfer: Transfer }
  /** A transfer gained confirmations. */
  | { type: 'confirmations'; txid: string; confirmations: number }
  /** The payment's deadline passed (raised by the sweeper; `force`: the sandbox's "let it expire"). */
  | { type: 'expire'; force?: boolean }
  /** Settlement to the payee completed (raised by the sweeper; `force`: settle before the delay). */
  | { type: 'settle'; force?: boolean };

export interface LifecycleContext {
  now: number;
  catalog: AssetCatalog;
  /** How long after success settlement completes. */
  settleDelayMs: number;
}

export interface Transition {
  next: PaymentState;
  /** What of `next` differs from the state the step started from, for the store to write. */
  writes: StateWrites;
  /** Events raised, in order. Which of them are delivered is decided by the subscription. */
  events: CallbackEventName[];
}

/**
 * Where a payment stands, finer than its wire status: `underpaid` and `confirming`
 * both show as `pending`, but entering each raises a different event.
 */
export type Phase = 'unpaid' | 'underpaid' | 'confirming' | 'success' | 'failed';

export function phaseOf({ payment, transfers }: PaymentState, catalog: AssetCatalog): Phase {
  if (payment.status === 'success') return 'success';
  if (payment.status === 'failed') return 'failed';
  const counted = countedTransfers(payment, transfers);
  if (counted.length === 0) return 'unpaid';
  if (payment.payableAmount === null || compareDecimals(payment.paidAmount, payment.payableAmount) < 0) {
    return 'underpaid';
  }
  const required = catalog.get(payment.paymentAssetId ?? '')?.requiredConfirmations ?? 0;
  return counted.every((t) => t.confirmations >= required) ? 'success' : 'confirming';
}

export function transition(state: PaymentState, input: LifecycleInput, ctx: LifecycleContext): Transition {
  switch (input.type) {
    case 'transfer':
      return receiveTransfer(state, input.transfer, ctx);
    case 'confirmations':
      return confirm(state, input.txid, input.confirmations, ctx);
    case 'expire':
      return expire(state, ctx, input.force ?? false);
    case 'settle':
      return settle(state, ctx, input.force ?? false);
  }
}

const isFinal = (p: Payment) => p.status === 'success' || p.status === 'failed';

const PAYMENT_ONLY: StateWrites = { payment: true, addedTransfers: [], confirmedTransfers: [] };

function unchanged(state: PaymentState): Transition {
  return { next: state, writes: { payment: false, addedTransfers: [], confirmedTransfers: [] }, events: [] };
}

function countedTransfers(payment: Payment, transfers: readonly Transfer[]): Transfer[] {
  return transfers.filter((t) => t.assetId === payment.paymentAssetId);
}

function receiveTransfer(state: PaymentState, transfer: Transfer, ctx: LifecycleContext): Transition {
  if (transfer.traceId !== state.payment.traceId) {
    throw new ParameterError(`transfer ${transfer.txid} belongs to another payment`);
  }
  if (state.transfers.some((t) => t.txid === transfer.txid)) {
    throw new ConflictError(`txid ${transfer.txid} was already received`);
  }
  // Money that arrives after the deadline finds the payment already failed.
  const expired = expire(state, ctx);
  const before = expired.next;
  const transfers = [...before.transfers, transfer];
  let payment = { ...before.payment, updatedAt: ctx.now };
  const writes: StateWrites = { payment: true, addedTransfers: [transfer], confirmedTransfers: [] };

  if (isFinal(payment)) {
    // Late money is recorded; on a successful payment it is surplus to refund.
    if (payment.status === 'success' && transfer.assetId === payment.paymentAssetId) {
      payment = {
        ...payment,
        surplusAmount: addDecimals(payment.surplusAmount, transfer.amount),
        surplusStatus: 'pending',
      };
    }
    return { next: { payment, transfers }, writes, events: expired.events };
  }

  if (payment.paymentAssetId === null) {
    // A one-time payment without a fixed asset: the payer's choice fixes it and its price.
    const quoteAsset = ctx.catalog.get(payment.quoteAssetId);
    const paidAsset = ctx.catalog.getPayable(transfer.assetId);
    if (!quoteAsset || !paidAsset) throw new ParameterError(`asset ${transfer.assetId} cannot be paid with`);
    payment = {
      ...payment,
      paymentAssetId: paidAsset.id,
      payableAmount: ctx.catalog.quote(payment.quoteAmount, quoteAsset, paidAsset),
    };
  }

  if (transfer.assetId !== payment.paymentAssetId) {
    return { next: { payment: fail(payment, FailureCode.wrongAsset, ctx), transfers }, writes, events: ['fail'] };
  }
  payment = { ...payment, paidAmount: addDecimals(payment.paidAmount, transfer.amount) };
  return enterPhase({ payment, transfers }, writes, phaseOf(state, ctx.catalog), 'transfer', ctx);
}

function confirm(state: PaymentState, txid: string, confirmations: number, ctx: LifecycleContext): Transition {
  const existing = state.transfers.find((t) => t.txid === txid);
  if (!existing) throw new ParameterError(`transfer ${txid} does not belong to payment ${state.payment.traceId}`);
  if (confirmations < existing.confirmations) {
    throw new ParameterError(`confirmations cannot go down (has ${existing.confirmations}, got ${confirmations})`);
  }
  const confirmed: Transfer = { ...existing, confirmations, updatedAt: ctx.now };
  const transfers = state.transfers.map((t) => (t.txid === txid ? confirmed : t));
  if (isFinal(state.payment)) {
    const writes: StateWrites = { payment: false, addedTransfers: [], confirmedTransfers: [confirmed] };
    return { next: { payment: state.payment, transfers }, writes, events: [] };
  }
  const payment = { ...state.payment, updatedAt: ctx.now };
  const writes: StateWrites = { payment: true, addedTransfers: [], confirmedTransfers: [confirmed] };
  return enterPhase({ payment, transfers }, writes, phaseOf(state, ctx.catalog), 'confirmations', ctx);
}

/**
 * Moves a non-final payment into the phase its transfers now justify, raising the events of
 * entering it. (Not to be confused with the `settleStatus` field: settlement is `settle`'s.)
 */
function enterPhase(
  state: PaymentState,
  writes: StateWrites,
  before: Phase,
  cause: 'transfer' | 'confirmations',
  ctx: LifecycleContext,
): Transition {
  const { payment, transfers } = state;
  const after = phaseOf(state, ctx.catalog);
  switch (after) {
    case 'success': {
      const surplus = subtractDecimals(payment.paidAmount, payment.payableAmount ?? payment.paidAmount);
      const next: Payment = {
        ...payment,
        status: 'success',
        failureCode: null,
        surplusAmount: surplus,
        surplusStatus: compareDecimals(surplus, '0') > 0 ? 'pending' : 'no',
        settleStatus: 'pending',
        settleDueAt: ctx.now + ctx.settleDelayMs,
        completedAt: ctx.now,
      };
      return { next: { payment: next, transfers }, writes, events: ['success'] };
    }
    case 'confirming':
      // Paid in full before the deadline: the deadline no longer applies, only confirmations.
      return {
        next: { payment: { ...payment, status: 'pending', expireAt: null }, transfers },
        writes,
        events: before === 'confirming' ? [] : ['pending'],
      };
    case 'underpaid':
      if (!payment.isMultiPay) {
        return { next: { payment: fail(payment, FailureCode.wrongAmount, ctx), transfers }, writes, events: ['fail'] };
      }
      return {
        next: { payment: { ...payment, status: 'pending' }, transfers },
        writes,
        events: cause === 'transfer' ? ['paid_less'] : [],
      };
    default:
      return { next: state, writes, events: [] };
  }
}

function fail(payment: Payment, code: FailureCode, ctx: LifecycleContext): Payment {
  return { ...payment, status: 'failed', failureCode: code, completedAt: ctx.now, updatedAt: ctx.now };
}

function expire(state: PaymentState, ctx: LifecycleContext, force = false): Transition {
  const { payment } = state;
  const due = force || (payment.expireAt !== null && ctx.now >= payment.expireAt);
  // Money that arrived in full before the deadline only waits for confirmations: it does not expire.
  if (!due || isFinal(payment) || phaseOf(state, ctx.catalog) === 'confirming') return unchanged(state);
  return {
    next: { ...state, payment: fail(payment, FailureCode.overtime, ctx) },
    writes: PAYMENT_ONLY,
    events: ['fail'],
  };
}

function settle(state: PaymentState, ctx: LifecycleContext, force: boolean): Transition {
  const { payment } = state;
  const due = force || (payment.settleDueAt !== null && ctx.now >= payment.settleDueAt);
  if (payment.settleStatus !== 'pending' || !due) return unchanged(state);
  const paidAsset = ctx.catalog.getPayable(payment.paymentAssetId ?? '');
  if (!paidAsset || payment.payableAmount === null) return unchanged(state);
  // Creation guarantees a strict-mode settlement asset is known; a non-strict payment whose
  // settlement asset the platform cannot settle in is settled in what was paid, as MixPay does.
  const wanted = ctx.catalog.getPayable(payment.settlementAssetId);
  const settleAsset = wanted ?? paidAsset;
  const next: Payment = {
    ...payment,
    settleStatus: 'success',
    settleDueAt: null,
    settleAssetId: settleAsset.id,
    settleAmount: ctx.catalog.settle(payment.payableAmount, paidAsset, settleAsset),
    updatedAt: ctx.now,
  };
  return { next: { ...state, payment: next }, writes: PAYMENT_ONLY, events: ['settle'] };
}
