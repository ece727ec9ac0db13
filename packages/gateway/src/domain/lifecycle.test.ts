// The payment state machine, driven input by input with an explicit clock.
// States are built the way the gateway builds them: newPayment() over the sandbox catalog.
import { FailureCode } from '@payhook/protocol';
import { describe, expect, it } from 'vitest';
import { ParameterError } from '../errors.js';
import type { Transfer } from '../interfaces.js';
import { AssetCatalog, USDT_ID } from './assets.js';
import { type LifecycleInput, type PaymentState, phaseOf, type Transition, transition } from './lifecycle.js';
import { newPayment } from './new-payment.js';

const catalog = new AssetCatalog();
const BTC = 'c6d0c728-2624-429b-8e0d-d9d19b6592fa'; // 60000 USD, 2 confirmations
const ETH = '43d61dcd-e413-450d-80b8-101d5e903357'; // 3000 USD, 6 confirmations
const TRACE_ID = '0b1f3a2e-6c2d-4a59-9a51-7f0c1e2d3b4a';
const CREATED = Date.UTC(2026, 0, 1, 12);
const DEADLINE = CREATED + 15 * 60_000;
const SETTLE_DELAY = 5_000;

const ctx = (now: number) => ({ now, catalog, settleDelayMs: SETTLE_DELAY });

interface Options {
  kind?: 'payment' | 'one_time';
  quoteAmount?: string;
  paymentAssetId?: string | undefined;
  settlementAssetId?: string;
  /** false: no deadline. */
  deadline?: number | false;
}

/** A fresh payment of 10 USD paid in USDT (1 confirmation) unless told otherwise. */
function start(options: Options = {}): PaymentState {
  const request = {
    payeeId: 'payee-1',
    orderId: 'order-0001',
    traceId: TRACE_ID,
    quoteAmount: options.quoteAmount ?? '10',
    quoteAssetId: 'usd',
    settlementAssetId: options.settlementAssetId ?? USDT_ID,
    paymentAssetId: 'paymentAssetId' in options ? options.paymentAssetId : USDT_ID,
    callbackUrl: 'https://shop.example/callback',
    expiredTimestamp: options.deadline === false ? undefined : (options.deadline ?? DEADLINE) / 1000,
  };
  const newCtx = { now: CREATED, mode: 'production' as const, catalog, newTraceId: () => TRACE_ID };
  const payment =
    options.kind === 'one_time'
      ? newPayment({ kind: 'one_time', request }, newCtx)
      : newPayment(
          { kind: 'payment', request: { ...request, paymentAssetId: request.paymentAssetId ?? USDT_ID } },
          newCtx,
        );
  return { payment, transfers: [] };
}

let txCounter = 0;
function transfer(amount: string, assetId = USDT_ID, confirmations = 1, txid = `tx-${++txCounter}`): LifecycleInput {
  const t: Transfer = { txid, traceId: TRACE_ID, amount, assetId, confirmations, createdAt: 0, updatedAt: 0 };
  return { type: 'transfer', transfer: t };
}

/** Applies inputs in order, each at its own instant, and returns every step. */
function run(state: PaymentState, steps: Array<[number, LifecycleInput]>): Transition[] {
  const out: Transition[] = [];
  let current = state;
  for (const [now, input] of steps) {
    const step = transition(current, input, ctx(now));
    out.push(step);
    current = step.next;
  }
  return out;
}

/** The state one input leads to. */
const after = (state: PaymentState, now: number, input: LifecycleInput) => transition(state, input, ctx(now)).next;

/** The state a step of run() led to; fails the test if there is no such step. */
function nextOf(step: Transition | undefined): PaymentState {
  if (!step) throw new Error('missing step');
  return step.next;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

describe('a single-pay payment (/v1/payments)', () => {
  it('succeeds at once on a full, confirmed transfer, with settlement pending', () => {
    const { next, events } = transition(start(), transfer('10'), ctx(CREATED + 1000));
    expect(events).toEqual(['success']);
    expect(next.payment).toMatchObject({
      status: 'success',
      failureCode: null,
      paidAmount: '10',
      payableAmount: '10',
      surplusAmount: '0',
      surplusStatus: 'no',
      settleStatus: 'pending',
      settleDueAt: CREATED + 1000 + SETTLE_DELAY,
      completedAt: CREATED + 1000,
      updatedAt: CREATED + 1000,
    });
    expect(next.transfers).toHaveLength(1);
  });

  it('accepts "10.00" for a payable of "10" (decimal comparison)', () => {
    expect(transition(start(), transfer('10.00'), ctx(CREATED)).next.payment.status).toBe('success');
  });

  it('waits for confirmations: pending + [pending], then success + [success], never a second pending', () => {
    const state = start({ paymentAssetId: BTC });
    expect(state.payment.payableAmount).toBe('0.00016667');
    const [paid, oneMore, enough] = run(state, [
      [CREATED + 1000, transfer('0.00016667', BTC, 0, 'btc-1')],
      [CREATED + 2000, { type: 'confirmations', txid: 'btc-1', confirmations: 1 }],
      [CREATED + 3000, { type: 'confirmations', txid: 'btc-1', confirmations: 2 }],
    ]);
    expect(paid?.events).toEqual(['pending']);
    expect(paid?.next.payment.status).toBe('pending');
    expect(phaseOf(nextOf(paid), catalog)).toBe('confirming');
    expect(oneMore?.events).toEqual([]);
    expect(oneMore?.next.payment.status).toBe('pending');
    expect(oneMore?.next.transfers[0]).toMatchObject({ confirmations: 1, updatedAt: CREATED + 2000 });
    expect(enough?.events).toEqual(['success']);
    expect(enough?.next.payment).toMatchObject({
      status: 'success',
      settleStatus: 'pending',
      completedAt: CREATED + 3000,
    });
  });

  it('succeeds on overpayment and reports the surplus', () => {
    const { next, events } = transition(start(), transfer('12.5'), ctx(CREATED));
    expect(events).toEqual(['success']);
    expect(next.payment).toMatchObject({
      status: 'success',
      paidAmount: '12.5',
      surplusAmount: '2.5',
      surplusStatus: 'pending',
    });
  });

  it('fails with 40024 on underpayment', () => {
    const { next, events } = transition(start(), transfer('9.99'), ctx(CREATED + 1000));
    expect(events).toEqual(['fail']);
    expect(next.payment).toMatchObject({
      status: 'failed',
      failureCode: FailureCode.wrongAmount,
      paidAmount: '9.99',
      completedAt: CREATED + 1000,
    });
  });

  it('fails with 40020 when another asset is paid, recording the transfer but not counting it', () => {
    const { next, events } = transition(start(), transfer('1', ETH), ctx(CREATED + 1000));
    expect(events).toEqual(['fail']);
    expect(next.payment).toMatchObject({ status: 'failed', failureCode: FailureCode.wrongAsset, paidAmount: '0' });
    expect(next.transfers.map((t) => t.assetId)).toEqual([ETH]);
  });

  it('refuses a transfer of another payment', () => {
    const input = transfer('10');
    if (input.type !== 'transfer') throw new Error('unreachable');
    const foreign: LifecycleInput = { type: 'transfer', transfer: { ...input.transfer, traceId: 'other' } };
    expect(() => transition(start(), foreign, ctx(CREATED))).toThrow(ParameterError);
  });
});

describe('a multi-pay payment (one-time)', () => {
  it('stays pending with [paid_less] on each partial transfer, then succeeds on the top-up', () => {
    const state = start({ kind: 'one_time' });
    expect(state.payment.isMultiPay).toBe(true);
    const [first, second, topUp] = run(state, [
      [CREATED + 1000, transfer('4')],
      [CREATED + 2000, transfer('3')],
      [CREATED + 3000, transfer('3')],
    ]);
    expect(first?.events).toEqual(['paid_less']);
    expect(first?.next.payment).toMatchObject({ status: 'pending', paidAmount: '4', failureCode: null });
    expect(phaseOf(nextOf(first), catalog)).toBe('underpaid');
    expect(second?.events).toEqual(['paid_less']);
    expect(second?.next.payment).toMatchObject({ status: 'pending', paidAmount: '7' });
    expect(topUp?.events).toEqual(['success']);
    expect(topUp?.next.payment).toMatchObject({ status: 'success', paidAmount: '10', surplusAmount: '0' });
    expect(topUp?.next.transfers).toHaveLength(3);
  });

  it('raises pending when the top-up completes the amount but is unconfirmed', () => {
    const [, topUp, confirmed] = run(start({ kind: 'one_time' }), [
      [CREATED + 1000, transfer('4')],
      [CREATED + 2000, transfer('6', USDT_ID, 0, 'late')],
      [CREATED + 3000, { type: 'confirmations', txid: 'late', confirmations: 1 }],
    ]);
    expect(topUp?.events).toEqual(['pending']);
    expect(topUp?.next.payment.expireAt).toBeNull();
    expect(confirmed?.events).toEqual(['success']);
  });

  it('raises nothing when an underpaid transfer only gains confirmations', () => {
    const [, confirmed] = run(start({ kind: 'one_time' }), [
      [CREATED + 1000, transfer('4', USDT_ID, 0, 'part')],
      [CREATED + 2000, { type: 'confirmations', txid: 'part', confirmations: 1 }],
    ]);
    expect(confirmed?.events).toEqual([]);
    expect(confirmed?.next.payment.status).toBe('pending');
  });

  it('fails with 40000 when the deadline passes while underpaid', () => {
    const [, expired] = run(start({ kind: 'one_time' }), [
      [CREATED + 1000, transfer('4')],
      [DEADLINE, { type: 'expire' }],
    ]);
    expect(expired?.events).toEqual(['fail']);
    expect(expired?.next.payment).toMatchObject({
      status: 'failed',
      failureCode: FailureCode.overtime,
      paidAmount: '4',
    });
  });
});

describe('a one-time payment without paymentAssetId', () => {
  it('is priced in the asset of its first transfer (10 USD in BTC at 60000, rounded up)', () => {
    const state = start({ kind: 'one_time', paymentAssetId: undefined });
    expect(state.payment).toMatchObject({ paymentAssetId: null, payableAmount: null });
    const { next, events } = transition(state, transfer('0.00016667', BTC, 2), ctx(CREATED + 1000));
    expect(next.payment).toMatchObject({ paymentAssetId: BTC, payableAmount: '0.00016667', paidAmount: '0.00016667' });
    expect(events).toEqual(['success']);
  });

  it('treats a first transfer short of the new price as a partial payment', () => {
    const state = start({ kind: 'one_time', paymentAssetId: undefined });
    const { next, events } = transition(state, transfer('0.00016666', BTC, 2), ctx(CREATED));
    expect(events).toEqual(['paid_less']);
    expect(next.payment).toMatchObject({ paymentAssetId: BTC, payableAmount: '0.00016667', status: 'pending' });
  });

  it('refuses a transfer in a fiat or unknown asset', () => {
    const state = start({ kind: 'one_time', paymentAssetId: undefined });
    expect(() => transition(state, transfer('10', 'usd'), ctx(CREATED))).toThrow(ParameterError);
    expect(() => transition(state, transfer('10', 'no-such-asset'), ctx(CREATED))).toThrow(ParameterError);
  });
});

describe('expiry', () => {
  it('does nothing before the deadline', () => {
    const state = start();
    const { next, events } = transition(state, { type: 'expire' }, ctx(DEADLINE - 1));
    expect(events).toEqual([]);
    expect(next).toEqual(state);
  });

  it('fails an unpaid payment with 40000 at the deadline', () => {
    const { next, events } = transition(start(), { type: 'expire' }, ctx(DEADLINE));
    expect(events).toEqual(['fail']);
    expect(next.payment).toMatchObject({
      status: 'failed',
      failureCode: FailureCode.overtime,
      completedAt: DEADLINE,
      paidAmount: '0',
    });
  });

  it('never expires a payment without a deadline, unless forced', () => {
    const state = start({ deadline: false });
    expect(state.payment.expireAt).toBeNull();
    expect(transition(state, { type: 'expire' }, ctx(CREATED + 365 * 86_400_000)).events).toEqual([]);
    const forced = transition(state, { type: 'expire', force: true }, ctx(CREATED + 1000));
    expect(forced.events).toEqual(['fail']);
    expect(forced.next.payment.failureCode).toBe(FailureCode.overtime);
  });

  it('expires early when forced (the sandbox "let it expire")', () => {
    const { events } = transition(start(), { type: 'expire', force: true }, ctx(CREATED + 1));
    expect(events).toEqual(['fail']);
  });

  it('does not expire a payment paid in full that only waits for confirmations', () => {
    const [paid] = run(start({ paymentAssetId: BTC }), [[CREATED + 1000, transfer('0.00016667', BTC, 0, 'btc')]]);
    // The deadline stops applying once the full amount arrived.
    expect(paid?.next.payment.expireAt).toBeNull();
    for (const input of [{ type: 'expire' }, { type: 'expire', force: true }] as const) {
      const { next, events } = transition(nextOf(paid), input, ctx(DEADLINE + 60_000));
      expect(events).toEqual([]);
      expect(next).toEqual(paid?.next);
    }
  });

  it('fails a transfer arriving after the deadline with 40000, keeping the transfer', () => {
    const { next, events } = transition(start(), transfer('10'), ctx(DEADLINE + 1));
    expect(events).toEqual(['fail']);
    expect(next.payment).toMatchObject({ status: 'failed', failureCode: FailureCode.overtime, paidAmount: '0' });
    expect(next.transfers).toHaveLength(1);
  });

  it('does nothing to a final payment', () => {
    const [success] = run(start(), [[CREATED, transfer('10')]]);
    const { next, events } = transition(nextOf(success), { type: 'expire', force: true }, ctx(DEADLINE));
    expect(events).toEqual([]);
    expect(next.payment.status).toBe('success');
  });
});

describe('money after the payment is final', () => {
  it('adds a late transfer of the payment asset to the surplus, raising no event', () => {
    const [, late] = run(start(), [
      [CREATED, transfer('10.5')],
      [CREATED + 1000, transfer('2')],
    ]);
    expect(late?.events).toEqual([]);
    expect(late?.next.payment).toMatchObject({
      status: 'success',
      surplusAmount: '2.5',
      surplusStatus: 'pending',
      paidAmount: '10.5',
    });
    expect(late?.next.transfers).toHaveLength(2);
  });

  it('records a late transfer in another asset without surplus', () => {
    const [, late] = run(start(), [
      [CREATED, transfer('10')],
      [CREATED + 1000, transfer('1', ETH)],
    ]);
    expect(late?.events).toEqual([]);
    expect(late?.next.payment).toMatchObject({ surplusAmount: '0', surplusStatus: 'no' });
    expect(late?.next.transfers).toHaveLength(2);
  });

  it('records money sent to a failed payment without reviving it', () => {
    const [, late] = run(start(), [
      [DEADLINE, { type: 'expire' }],
      [DEADLINE + 1000, transfer('10')],
    ]);
    expect(late?.events).toEqual([]);
    expect(late?.next.payment).toMatchObject({ status: 'failed', failureCode: FailureCode.overtime });
    expect(late?.next.transfers).toHaveLength(1);
  });

  it('records confirmations on a final payment without events', () => {
    const [, , confirmed] = run(start(), [
      [CREATED, transfer('9', USDT_ID, 0, 'short')],
      [CREATED + 1, { type: 'expire' }],
      [CREATED + 2, { type: 'confirmations', txid: 'short', confirmations: 3 }],
    ]);
    expect(confirmed?.events).toEqual([]);
    expect(confirmed?.next.payment.status).toBe('failed');
    expect(confirmed?.next.transfers[0]?.confirmations).toBe(3);
  });
});

describe('settlement', () => {
  const paidAt = CREATED + 1000;
  const succeeded = () => after(start(), paidAt, transfer('10'));

  it('does nothing before it is due', () => {
    const state = succeeded();
    const { next, events } = transition(state, { type: 'settle' }, ctx(paidAt + SETTLE_DELAY - 1));
    expect(events).toEqual([]);
    expect(next).toEqual(state);
  });

  it('completes when due: settleStatus success, amount and asset filled, [settle]', () => {
    const { next, events } = transition(succeeded(), { type: 'settle' }, ctx(paidAt + SETTLE_DELAY));
    expect(events).toEqual(['settle']);
    expect(next.payment).toMatchObject({
      status: 'success',
      settleStatus: 'success',
      settleDueAt: null,
      settleAssetId: USDT_ID,
      settleAmount: '10',
      updatedAt: paidAt + SETTLE_DELAY,
    });
  });

  it('settles only once', () => {
    const [, second] = run(succeeded(), [
      [paidAt + SETTLE_DELAY, { type: 'settle' }],
      [paidAt + SETTLE_DELAY + 1, { type: 'settle', force: true }],
    ]);
    expect(second?.events).toEqual([]);
  });

  it('settles early when forced', () => {
    expect(transition(succeeded(), { type: 'settle', force: true }, ctx(paidAt)).events).toEqual(['settle']);
  });

  it('does not settle a payment that has not succeeded, even when forced', () => {
    expect(transition(start(), { type: 'settle', force: true }, ctx(CREATED)).events).toEqual([]);
    const failed = after(start(), DEADLINE, { type: 'expire' });
    expect(transition(failed, { type: 'settle', force: true }, ctx(DEADLINE)).events).toEqual([]);
  });

  it('converts into the settlement asset, rounding down', () => {
    // 10 USDT paid, settled in BTC: 10 / 60000 = 0.000166666… → 0.00016666.
    const state = after(start({ settlementAssetId: BTC }), paidAt, transfer('10'));
    const { next } = transition(state, { type: 'settle', force: true }, ctx(paidAt));
    expect(next.payment).toMatchObject({ settleAssetId: BTC, settleAmount: '0.00016666' });
  });

  it('settles the payable amount, not the surplus', () => {
    const state = after(start(), paidAt, transfer('15'));
    const { next } = transition(state, { type: 'settle', force: true }, ctx(paidAt));
    expect(next.payment.settleAmount).toBe('10');
    expect(next.payment.surplusAmount).toBe('5');
  });

  it('settles in the paid asset when the settlement asset cannot be settled in (non-strict)', () => {
    const state = after(start({ settlementAssetId: 'usd' }), paidAt, transfer('10'));
    const { next } = transition(state, { type: 'settle', force: true }, ctx(paidAt));
    expect(next.payment).toMatchObject({ settleAssetId: USDT_ID, settleAmount: '10' });
  });
});

describe('bad inputs', () => {
  it('refuses confirmations for an unknown txid', () => {
    expect(() => transition(start(), { type: 'confirmations', txid: 'nope', confirmations: 1 }, ctx(CREATED))).toThrow(
      ParameterError,
    );
  });

  it('refuses confirmations going down', () => {
    const [paid] = run(start({ paymentAssetId: BTC }), [[CREATED, transfer('0.00016667', BTC, 1, 'btc')]]);
    expect(() =>
      transition(nextOf(paid), { type: 'confirmations', txid: 'btc', confirmations: 0 }, ctx(CREATED)),
    ).toThrow(/cannot go down/);
  });

  it('refuses the same txid twice', () => {
    const [partial] = run(start({ kind: 'one_time' }), [[CREATED, transfer('4', USDT_ID, 1, 'dup')]]);
    expect(() => transition(nextOf(partial), transfer('4', USDT_ID, 1, 'dup'), ctx(CREATED))).toThrow(
      /already received/,
    );
  });
});

describe('purity', () => {
  it('never mutates the state it is given', () => {
    const inputs: LifecycleInput[] = [
      transfer('4', USDT_ID, 0, 'p1'),
      { type: 'confirmations', txid: 'p1', confirmations: 1 },
      transfer('7', USDT_ID, 1, 'p2'),
      { type: 'settle', force: true },
      transfer('1', USDT_ID, 1, 'p3'),
      { type: 'expire', force: true },
    ];
    let state = start({ kind: 'one_time' });
    for (const [i, input] of inputs.entries()) {
      const snapshot = structuredClone(state);
      // Frozen: any in-place write throws (ES modules are strict), and the snapshot proves no change.
      const { next } = transition(deepFreeze(state), input, ctx(CREATED + i));
      expect(state).toEqual(snapshot);
      state = next;
    }
    expect(state.payment).toMatchObject({ status: 'success', settleStatus: 'success', surplusAmount: '2' });
  });
});
