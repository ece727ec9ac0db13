// judge() is where "never trust the callback" becomes concrete: every status, every field.
import { describe, expect, it } from 'vitest';
import type { Order } from './order.js';
import { resultFor } from './testing.js';
import { findMismatches, judge, lookupFor } from './verify.js';

const TRACE = '5a3e1c9e-2f4b-4d6a-9c1e-7b8d0f2a4c6e';

function order(overrides: Partial<Order> = {}): Order {
  return {
    orderId: 'order-0001',
    traceId: TRACE,
    payeeId: 'payee-shop',
    amount: '10',
    assetId: 'usd',
    status: 'waiting',
    paymentUrl: 'https://mixpay.me/code/abc',
    settledAt: null,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    ...overrides,
  };
}

const multiPay = (fullyPaid: boolean, total = '4') => ({
  isMultiPay: true,
  isFullyPaid: fullyPaid,
  totalTransactionsAmount: total,
});

/** Judges an order of `mine` against a result quoting `theirs`, every other field matching. */
function judgeAmount(mine: string, theirs: string) {
  const o = order({ amount: mine });
  return judge(o, resultFor(o, { quoteAmount: theirs }));
}

describe('judge: status success', () => {
  it('is paid when every field matches', () => {
    expect(judge(order(), resultFor(order()))).toEqual({ kind: 'paid' });
  });

  it.each([
    ['10', '10.00'],
    ['10.00', '10'],
    ['0.5', '0.500000'],
    ['1000', '1000.0'],
  ])('compares amounts as decimals: order %j equals result %j', (mine, theirs) => {
    expect(judgeAmount(mine, theirs).kind).toBe('paid');
  });

  it.each([
    ['10', '10.000001'],
    ['10', '9.99'],
    ['1', '1.000000000000000001'],
    ['1000', '0.01'],
    ['10', '100'],
  ])('order %j is not paid by a result of %j', (mine, theirs) => {
    expect(judgeAmount(mine, theirs)).toEqual({
      kind: 'mismatch',
      status: 'success',
      mismatches: [{ field: 'quoteAmount', expected: mine, actual: theirs }],
    });
  });

  it('never pays an amount that is not a decimal string', () => {
    for (const bad of ['1e1', '10 ', '+10', '']) expect(judgeAmount('10', bad).kind).toBe('mismatch');
  });

  it('compares the quote asset id case-insensitively', () => {
    const o = order({ assetId: 'USD' });
    expect(judge(o, resultFor(o, { quoteAssetId: 'usd' })).kind).toBe('paid');
    const uuid = order({ assetId: '4d8c508b-91c5-375b-92b0-ee702ed2dac5' });
    expect(judge(uuid, resultFor(uuid, { quoteAssetId: '4D8C508B-91C5-375B-92B0-EE702ED2DAC5' })).kind).toBe('paid');
  });

  it('reports another quote asset as a mismatch', () => {
    const o = order({ assetId: 'usd' });
    const verdict = judge(o, resultFor(o, { quoteAssetId: 'eur' }));
    expect(verdict).toMatchObject({ kind: 'mismatch', mismatches: [{ field: 'quoteAssetId', actual: 'eur' }] });
  });

  it('reports a foreign payee (exact comparison)', () => {
    const o = order();
    expect(judge(o, resultFor(o, { payeeId: 'payee-attacker' }))).toMatchObject({
      kind: 'mismatch',
      mismatches: [{ field: 'payeeId', expected: 'payee-shop', actual: 'payee-attacker' }],
    });
    expect(judge(o, resultFor(o, { payeeId: 'PAYEE-SHOP' })).kind).toBe('mismatch');
  });

  it('reports a traceId that is not the stored one, and accepts another case of the same', () => {
    const o = order();
    expect(judge(o, resultFor(o, { traceId: '11111111-2222-4333-8444-555555555555' }))).toMatchObject({
      kind: 'mismatch',
      mismatches: [{ field: 'traceId', expected: TRACE }],
    });
    expect(judge(o, resultFor(o, { traceId: TRACE.toUpperCase() })).kind).toBe('paid');
  });

  it('does not compare traceIds when the order has none (paylink)', () => {
    const o = order({ traceId: null });
    expect(judge(o, resultFor(o, { traceId: '11111111-2222-4333-8444-555555555555' })).kind).toBe('paid');
  });

  it('reports another orderId, and tolerates a result without one', () => {
    const o = order();
    expect(judge(o, resultFor(o, { orderId: 'order-9999' }))).toMatchObject({
      kind: 'mismatch',
      mismatches: [{ field: 'orderId', expected: 'order-0001', actual: 'order-9999' }],
    });
    const noOrderId = resultFor(o);
    delete noOrderId.orderId;
    expect(judge(o, noOrderId).kind).toBe('paid');
  });

  it('lists every contradicting field', () => {
    const o = order();
    const verdict = findMismatches(
      o,
      resultFor(o, { payeeId: 'x', quoteAmount: '0.01', quoteAssetId: 'eur', traceId: 'y', orderId: 'z' }),
    );
    expect(verdict.map((m) => m.field).sort()).toEqual([
      'orderId',
      'payeeId',
      'quoteAmount',
      'quoteAssetId',
      'traceId',
    ]);
  });
});

describe('judge: status failed', () => {
  it('fails the order the result belongs to, with its code and reason', () => {
    const o = order();
    const verdict = judge(
      o,
      resultFor(o, { status: 'failed', failureCode: '40000', failureReason: 'Payment overtime' }),
    );
    expect(verdict).toEqual({ kind: 'failed', failureCode: '40000', failureReason: 'Payment overtime' });
  });

  it.each([
    ['payeeId', { payeeId: 'payee-attacker' }],
    ['quoteAmount', { quoteAmount: '0.01' }],
    ['quoteAssetId', { quoteAssetId: 'eur' }],
    ['traceId', { traceId: '11111111-2222-4333-8444-555555555555' }],
    ['orderId', { orderId: 'order-9999' }],
  ] as const)('a failure with a different %s is a mismatch, never a cancellation', (field, diff) => {
    const o = order();
    const verdict = judge(o, resultFor(o, { status: 'failed', failureCode: '40024', ...diff }));
    expect(verdict.kind).toBe('mismatch');
    expect(verdict).toMatchObject({ status: 'failed', mismatches: [{ field }] });
  });
});

describe('judge: results that are not final', () => {
  it('a multi-pay payment that is not fully paid is paid_less, owing payableAmount − totalTransactionsAmount', () => {
    const o = order();
    const verdict = judge(o, resultFor(o, { status: 'pending', payableAmount: '10.5', payment: multiPay(false, '4') }));
    expect(verdict).toEqual({ kind: 'paid_less', paidAmount: '4', remainingAmount: '6.5' });
  });

  it('paid_less without a usable payableAmount or total says so with null, and is still paid_less', () => {
    const o = order();
    expect(judge(o, resultFor(o, { status: 'pending', payableAmount: undefined, payment: multiPay(false) }))).toEqual({
      kind: 'paid_less',
      paidAmount: '4',
      remainingAmount: null,
    });
    const noTotal = { isMultiPay: true, isFullyPaid: false };
    expect(judge(o, resultFor(o, { status: 'pending', payment: noTotal }))).toEqual({
      kind: 'paid_less',
      paidAmount: null,
      remainingAmount: null,
    });
  });

  it('paid_less carries remainingAmount when MixPay gives it', () => {
    const o = order();
    const payment = { ...multiPay(false, '4'), remainingAmount: '6' };
    expect(judge(o, resultFor(o, { status: 'pending', payment }))).toEqual({
      kind: 'paid_less',
      paidAmount: '4',
      remainingAmount: '6',
    });
  });

  it('an underpaid multi-pay of another deal is not paid_less (no reminder for a foreign payment)', () => {
    const o = order();
    const verdict = judge(o, resultFor(o, { status: 'pending', payment: multiPay(false), payeeId: 'other' }));
    expect(verdict).toEqual({ kind: 'waiting', status: 'pending' });
  });

  it.each([
    ['a single payment confirming', { isMultiPay: false, isFullyPaid: true, totalTransactionsAmount: '10' }],
    ['a fully paid multi-pay confirming', multiPay(true, '10')],
    ['no payment details', undefined],
  ])('pending with %s keeps waiting', (_name, payment) => {
    const o = order();
    expect(judge(o, resultFor(o, { status: 'pending', payment }))).toEqual({ kind: 'waiting', status: 'pending' });
  });

  it.each(['unpaid', 'auditing'] as const)('%s keeps waiting', (status) => {
    const o = order();
    expect(judge(o, resultFor(o, { status }))).toEqual({ kind: 'waiting', status });
  });

  it.each(['unpaid', 'auditing', 'pending'] as const)('%s keeps waiting even when fields differ', (status) => {
    const o = order();
    expect(judge(o, resultFor(o, { status, quoteAmount: '0.01' })).kind).toBe('waiting');
  });
});

describe('lookupFor', () => {
  it('uses the stored traceId when there is one', () => {
    expect(lookupFor(order())).toEqual({ traceId: TRACE });
  });

  it("otherwise uses the orderId with the ORDER's own payee", () => {
    expect(lookupFor(order({ traceId: null, payeeId: 'payee-shop' }))).toEqual({
      orderId: 'order-0001',
      payeeId: 'payee-shop',
    });
  });
});

describe('judge: fails closed on what a result does not say (MIXPAY-API.md §10.4)', () => {
  it.each(['payeeId', 'quoteAmount', 'quoteAssetId'] as const)('a success without %s is never paid', (field) => {
    // The decoder turns a missing, empty or non-string value into undefined.
    const o = order();
    const verdict = judge(o, resultFor(o, { [field]: undefined }));
    expect(verdict).toEqual({
      kind: 'mismatch',
      status: 'success',
      mismatches: [
        {
          field,
          expected: o[field === 'quoteAmount' ? 'amount' : field === 'quoteAssetId' ? 'assetId' : 'payeeId'],
          actual: null,
        },
      ],
    });
  });

  it('a success without traceId or orderId is paid: the lookup used our own identifiers', () => {
    const o = order();
    expect(judge(o, resultFor(o, { traceId: undefined, orderId: undefined })).kind).toBe('paid');
  });

  it('an unknown status is waiting, whatever else the result says', () => {
    const o = order();
    for (const status of ['processing', 'refunded', 'SUCCESS', 'paid', '']) {
      expect(judge(o, resultFor(o, { status }))).toEqual({ kind: 'waiting', status });
    }
  });
});

describe('judge: ids as MixPay issues them (§10.6)', () => {
  const PAYEE = '3539c3ce-52c0-4b0b-9573-c035ecb98d48';

  it('a UUID payee matches dashed or undashed, in any case', () => {
    const o = order({ payeeId: PAYEE });
    for (const spelling of [PAYEE.toUpperCase(), PAYEE.replaceAll('-', ''), PAYEE.replaceAll('-', '').toUpperCase()]) {
      expect(judge(o, resultFor(o, { payeeId: spelling })).kind).toBe('paid');
    }
  });

  it('a different payee never matches, however it is spelt', () => {
    const o = order({ payeeId: PAYEE });
    const other = '3539c3ce-52c0-4b0b-9573-c035ecb98d49';
    for (const spelling of [
      other,
      other.replaceAll('-', ''),
      `${PAYEE}0`,
      PAYEE.slice(1),
      '3539c3ce52c0-4b0b-9573-c035ecb98d48',
    ]) {
      expect(judge(o, resultFor(o, { payeeId: spelling })).kind).toBe('mismatch');
    }
  });

  it('an undashed traceId and quote asset UUID match the stored dashed ones', () => {
    const asset = '4d8c508b-91c5-375b-92b0-ee702ed2dac5';
    const o = order({ assetId: asset });
    const verdict = judge(
      o,
      resultFor(o, { traceId: TRACE.replaceAll('-', ''), quoteAssetId: asset.replaceAll('-', '') }),
    );
    expect(verdict.kind).toBe('paid');
  });
});
