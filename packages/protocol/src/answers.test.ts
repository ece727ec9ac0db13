// Answers as a client reads them: lenient `data`, and the strict shape payhook's gateway presents.
import { describe, expect, it } from 'vitest';
import {
  failureCodeOf,
  hasSurplus,
  oneTimePaymentAnswer,
  paymentInfoAnswer,
  paymentResultAnswer,
  unixSecondsOf,
} from './answers.js';
import { dashedUuid, sameId, samePayeeId, uuidDigits } from './ids.js';

const TRACE_ID = '0b1f3a2e-6c2d-4a59-9a51-7f0c1e2d3b4a';
const BTC = 'c6d0c728-2624-429b-8e0d-d9d19b6592fa';

describe('unixSecondsOf', () => {
  it.each([
    [1_656_513_302, 1_656_513_302],
    [1_656_513_302.5, 1_656_513_302.5],
    ['1656513302', 1_656_513_302],
    [' 1656513302 ', 1_656_513_302],
    ['2022-06-29T14:35:02.000000Z', 1_656_513_302],
    ['2022-06-29T14:35:02Z', 1_656_513_302],
    [1_656_513_302_000, 1_656_513_302],
    ['', null],
    [null, null],
    [undefined, null],
    [0, null],
    [-5, null],
    ['yesterday', null],
    [Number.NaN, null],
    [{}, null],
  ])('%j → %j', (value, seconds) => {
    expect(unixSecondsOf(value)).toBe(seconds);
  });
});

describe('failureCodeOf', () => {
  it.each([
    [0, '0'],
    ['0', '0'],
    ['', '0'],
    [null, '0'],
    [undefined, '0'],
    [40000, '40000'],
    ['40000', '40000'],
    ['040000', '40000'],
    [' 40024 ', '40024'],
    ['E42', 'E42'],
  ])('%j → %j', (value, code) => {
    expect(failureCodeOf(value)).toBe(code);
  });
});

describe('paymentResultAnswer', () => {
  it('needs only a string status; everything else is optional and unknown fields are kept', () => {
    expect(paymentResultAnswer.parse({ status: 'processing', nonce: 1 })).toEqual({
      status: 'processing',
      date: null,
      failureCode: '0',
      failureReason: '',
      nonce: 1,
    });
  });

  it.each([null, [], 'success', { status: 1 }, {}])('refuses %j', (data) => {
    expect(paymentResultAnswer.safeParse(data).success).toBe(false);
  });

  it('drops a needed field of the wrong type instead of refusing the answer', () => {
    const parsed = paymentResultAnswer.parse({ status: 'success', payeeId: 7, quoteAmount: 10, quoteAssetId: '' });
    expect(parsed.payeeId).toBeUndefined();
    expect(parsed.quoteAmount).toBeUndefined();
    expect(parsed.quoteAssetId).toBeUndefined();
  });

  it('decodes payment flags leniently and drops a payment or transactions of another shape', () => {
    expect(
      paymentResultAnswer.parse({ status: 'pending', payment: { isMultiPay: 1, isFullyPaid: 'false' } }).payment,
    ).toEqual({
      isMultiPay: true,
      isFullyPaid: false,
    });
    const odd = paymentResultAnswer.parse({ status: 'success', payment: [], transactions: { txid: 'x' } });
    expect(odd.payment).toBeUndefined();
    expect(odd.transactions).toBeUndefined();
    const items = paymentResultAnswer.parse({ status: 'success', transactions: [null, { confirmations: '3' }] });
    expect(items.transactions).toEqual([{ confirmations: 3 }]);
  });
});

describe('hasSurplus', () => {
  it('anything but no (or nothing) is a surplus, the guide\'s "yes" included', () => {
    expect(['yes', 'pending', 'sending', 'success', 'later'].every((s) => hasSurplus({ surplusStatus: s }))).toBe(true);
    expect([undefined, '', 'no'].some((s) => hasSurplus({ surplusStatus: s }))).toBe(false);
  });
});

describe('paymentInfoAnswer and oneTimePaymentAnswer', () => {
  it('payments needs a traceId; expire may be missing, past or a string', () => {
    expect(paymentInfoAnswer.safeParse({ payeeId: 'p' }).success).toBe(false);
    expect(paymentInfoAnswer.parse({ traceId: TRACE_ID })).toEqual({ traceId: TRACE_ID });
    expect(paymentInfoAnswer.parse({ traceId: TRACE_ID, expire: '1659340995', seconds: '60' })).toMatchObject({
      expire: 1_659_340_995,
      seconds: 60,
    });
  });

  it('one-time needs a non-empty code and nothing else', () => {
    expect(oneTimePaymentAnswer.parse({ code: TRACE_ID })).toEqual({ code: TRACE_ID });
    expect(oneTimePaymentAnswer.safeParse({ code: '' }).success).toBe(false);
    expect(oneTimePaymentAnswer.safeParse({}).success).toBe(false);
  });
});

describe('ids', () => {
  const upper = TRACE_ID.toUpperCase();
  const bare = TRACE_ID.replaceAll('-', '');

  it('reads UUIDs dashed or undashed, in any case, and nothing else', () => {
    expect(uuidDigits(upper)).toBe(bare);
    expect(uuidDigits(bare.toUpperCase())).toBe(bare);
    expect(dashedUuid(bare)).toBe(TRACE_ID);
    for (const notOne of ['usd', `${bare}0`, '0b1f3a2e6c2d-4a59-9a51-7f0c1e2d3b4a', `${TRACE_ID} `, '']) {
      expect(uuidDigits(notOne)).toBeUndefined();
    }
  });

  it('sameId: UUIDs by value, other ids case-insensitively', () => {
    expect(sameId(TRACE_ID, bare.toUpperCase())).toBe(true);
    expect(sameId('usd', 'USD')).toBe(true);
    expect(sameId(TRACE_ID, BTC)).toBe(false);
    expect(sameId(bare, 'usd')).toBe(false);
  });

  it('samePayeeId: UUIDs by value, any other spelling exactly', () => {
    expect(samePayeeId(TRACE_ID, upper)).toBe(true);
    expect(samePayeeId(TRACE_ID, bare)).toBe(true);
    expect(samePayeeId(TRACE_ID, BTC)).toBe(false);
    expect(samePayeeId('payee-shop', 'PAYEE-SHOP')).toBe(false);
    expect(samePayeeId('payee-shop', 'payee-shop')).toBe(true);
  });
});
