// One order, checked against the truth: look the result up with the order's own identifiers,
// judge it, move the order forward at most once, tell the shop. The callback handler and
// the reconciler both run this; neither has a second way to mark an order paid.
import type { Clock, PaymentResult, ResultInclude } from '@payhook/protocol';
import type { Order } from './order.js';
import type { Budget } from './rate-limiter.js';
import type { RecentLookups } from './recent-lookups.js';
import type { OrderStore } from './store.js';
import { type Judgement, judge, type Lookup, lookupFor, type Mismatch } from './verify.js';

/** Where results come from: MixPayClient in production, a scripted source in tests. */
export interface ResultSource {
  getPaymentResult(
    lookup: Lookup,
    include?: readonly ResultInclude[],
    options?: { budget?: Budget },
  ): Promise<PaymentResult>;
}

export interface PaidLessInfo {
  /** What the transfers add up to, in the payment asset; null when the result did not say. */
  paidAmount: string | null;
  remainingAmount: string | null;
  /** The link to send the payer back to (a one-time payment's original link). */
  paymentUrl: string | null;
}

/**
 * The shop's reactions. They run after the new state is durably recorded, once per
 * transition (onPaidLess: each time an underpayment is seen). A hook that throws is
 * reported to onHookError and changes neither the order nor the answer.
 */
export interface OrderHooks {
  onPaid?(order: Order, result: PaymentResult): unknown;
  onFailed?(order: Order, result: PaymentResult): unknown;
  onPaidLess?(order: Order, result: PaymentResult, info: PaidLessInfo): unknown;
  onSettled?(order: Order, result: PaymentResult): unknown;
  /** A final result that is not this order's deal: the tampered-paylink attack, a foreign payee. */
  onMismatch?(order: Order, result: PaymentResult, mismatches: Mismatch[]): unknown;
  onHookError?(error: unknown, hook: string, order: Order): unknown;
}

export type CheckOutcome =
  | { kind: 'paid' | 'failed' | 'suspicious'; changed: boolean; result: PaymentResult; judgement: Judgement }
  | { kind: 'settled'; changed: boolean; result: PaymentResult }
  | { kind: 'paid_less' | 'waiting'; result: PaymentResult; judgement: Judgement }
  /**
   * Already final. `result` is there when a paid order was looked up for its settlement and
   * the result settled nothing (record/replay needs it); a settled or unpaid final order is not looked up.
   */
  | { kind: 'final'; status: Order['status']; result?: PaymentResult }
  /**
   * Not looked up: a lookup that started less than the window ago found the order still waiting
   * (or still unsettled), and nothing ran. The caller answers as for a waiting order: come back.
   */
  | { kind: 'recent'; status: Order['status'] };

export interface CheckDeps {
  source: ResultSource;
  store: OrderStore;
  hooks: OrderHooks;
  /** Whether paid orders still wait for settlement (the shop subscribed to `settle`). Default true. */
  settlement?: boolean;
  now: Clock['now'];
  /** Shares concurrent lookups and remembers "still waiting" for a moment (see RecentLookups). */
  lookups?: RecentLookups;
  /** Look up even if the order was seen waiting a moment ago (a signed or allow-listed callback). */
  fresh?: boolean;
  /** Which share of the API's request budget the lookup spends. Default `callback`. */
  budget?: Budget;
}

export async function checkOrder(order: Order, deps: CheckDeps): Promise<CheckOutcome> {
  // A paid order is looked up again only by a shop that waits for the settle event.
  const awaitingSettlement = order.status === 'paid' && order.settledAt === null && deps.settlement !== false;
  if (order.status !== 'waiting' && !awaitingSettlement) return { kind: 'final', status: order.status };

  const lookup = lookupFor(order);
  const { lookups } = deps;
  if (lookups && !deps.fresh && lookups.seenWaiting(lookup)) return { kind: 'recent', status: order.status };
  const request = () => deps.source.getPaymentResult(lookup, ['payment'], { budget: deps.budget ?? 'callback' });
  const { result, startedAt } = lookups
    ? await lookups.get(lookup, request, { join: !deps.fresh })
    : { result: await request(), startedAt: 0 };
  const judgement = judge(order, result);
  const stillWaiting =
    judgement.kind === 'waiting' ||
    judgement.kind === 'paid_less' ||
    (awaitingSettlement && (judgement.kind !== 'paid' || result.settleStatus !== 'success'));
  if (stillWaiting) lookups?.noteWaiting(lookup, startedAt);
  else lookups?.forget(lookup);

  if (awaitingSettlement) {
    if (judgement.kind !== 'paid' || result.settleStatus !== 'success') {
      return { kind: 'final', status: order.status, result };
    }
    return settle(order, result, deps);
  }

  switch (judgement.kind) {
    case 'paid': {
      const changed = await deps.store.transition(order.orderId, 'paid', deps.now());
      if (changed) await runHook(deps, 'onPaid', order, (h) => h.onPaid?.({ ...order, status: 'paid' }, result));
      if (changed && result.settleStatus === 'success') await settle({ ...order, status: 'paid' }, result, deps);
      return { kind: 'paid', changed, result, judgement };
    }
    case 'failed': {
      const changed = await deps.store.transition(order.orderId, 'failed', deps.now());
      if (changed) await runHook(deps, 'onFailed', order, (h) => h.onFailed?.({ ...order, status: 'failed' }, result));
      return { kind: 'failed', changed, result, judgement };
    }
    case 'mismatch': {
      const changed = await deps.store.transition(order.orderId, 'suspicious', deps.now());
      if (changed) {
        await runHook(deps, 'onMismatch', order, (h) =>
          h.onMismatch?.({ ...order, status: 'suspicious' }, result, judgement.mismatches),
        );
      }
      return { kind: 'suspicious', changed, result, judgement };
    }
    case 'paid_less':
      await runHook(deps, 'onPaidLess', order, (h) =>
        h.onPaidLess?.(order, result, {
          paidAmount: judgement.paidAmount,
          remainingAmount: judgement.remainingAmount,
          paymentUrl: order.paymentUrl,
        }),
      );
      return { kind: 'paid_less', result, judgement };
    case 'waiting':
      return { kind: 'waiting', result, judgement };
  }
}

async function settle(order: Order, result: PaymentResult, deps: CheckDeps): Promise<CheckOutcome> {
  const changed = await deps.store.markSettled(order.orderId, deps.now());
  if (changed) await runHook(deps, 'onSettled', order, (h) => h.onSettled?.(order, result));
  return { kind: 'settled', changed, result };
}

async function runHook(deps: CheckDeps, name: string, order: Order, call: (hooks: OrderHooks) => unknown) {
  try {
    await call(deps.hooks);
  } catch (error) {
    try {
      await deps.hooks.onHookError?.(error, name, order);
    } catch {
      // The error reporter itself failed; the order's state is already safe.
    }
  }
}
