// Request schemas: what the gateway accepts from a merchant, as JSON or as a form body.
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  createOneTimePaymentRequest,
  createPaymentRequest,
  describeIssues,
  multisigRequest,
  paymentsResultQuery,
  withoutAbsent,
} from './schemas.js';

const TRACE_ID = '0b1f3a2e-6c2d-4a59-9a51-7f0c1e2d3b4a';
const BTC = 'c6d0c728-2624-429b-8e0d-d9d19b6592fa';

const validPayment = {
  payeeId: 'payee-1',
  orderId: 'order-0001',
  quoteAmount: '10.50',
  quoteAssetId: 'usd',
  settlementAssetId: BTC,
  paymentAssetId: BTC,
};

/** Parses as the gateway does (reportInput lets describeIssues tell missing from wrong-typed). */
function issuesOf(schema: z.ZodType, input: unknown): string {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) throw new Error(`expected ${JSON.stringify(input)} to be refused`);
  return describeIssues(result.error);
}

describe('createPaymentRequest', () => {
  it('accepts a minimal JSON request and keeps the amount a string', () => {
    const parsed = createPaymentRequest.parse(validPayment);
    expect(parsed).toEqual(validPayment);
    expect(typeof parsed.quoteAmount).toBe('string');
  });

  it('accepts form-string values: strictMode "1"/"0" and expiredTimestamp as a string', () => {
    const parsed = createPaymentRequest.parse({ ...validPayment, strictMode: '1', expiredTimestamp: '1767225600' });
    expect(parsed.strictMode).toBe(true);
    expect(parsed.expiredTimestamp).toBe(1_767_225_600);
    expect(createPaymentRequest.parse({ ...validPayment, strictMode: '0' }).strictMode).toBe(false);
    expect(createPaymentRequest.parse({ ...validPayment, strictMode: 'true' }).strictMode).toBe(true);
    expect(createPaymentRequest.parse({ ...validPayment, strictMode: 'false' }).strictMode).toBe(false);
  });

  it('accepts JSON booleans and integers', () => {
    const parsed = createPaymentRequest.parse({ ...validPayment, strictMode: true, expiredTimestamp: 1_767_225_600 });
    expect(parsed.strictMode).toBe(true);
    expect(parsed.expiredTimestamp).toBe(1_767_225_600);
  });

  it('accepts a traceId instead of an orderId', () => {
    const { orderId: _omit, ...rest } = validPayment;
    expect(createPaymentRequest.parse({ ...rest, traceId: TRACE_ID }).traceId).toBe(TRACE_ID);
  });

  it('accepts a traceId in upper case or as 32 hex digits, and spells it dashed lower case', () => {
    for (const spelt of [TRACE_ID.toUpperCase(), TRACE_ID.replaceAll('-', '')]) {
      expect(createPaymentRequest.parse({ ...validPayment, traceId: spelt }).traceId).toBe(TRACE_ID);
    }
  });

  it('normalises asset ids and fiat codes, and an undashed UUID payeeId', () => {
    const parsed = createPaymentRequest.parse({
      ...validPayment,
      payeeId: TRACE_ID.replaceAll('-', '').toUpperCase(),
      quoteAssetId: 'USD',
      settlementAssetId: BTC.toUpperCase(),
      paymentAssetId: BTC.replaceAll('-', ''),
    });
    expect(parsed).toMatchObject({
      payeeId: TRACE_ID,
      quoteAssetId: 'usd',
      settlementAssetId: BTC,
      paymentAssetId: BTC,
    });
  });

  it('accepts booleans as true/"true"/1/"1", with "" false (MixPay §11.1)', () => {
    for (const yes of [true, 'true', 1, '1'])
      expect(createPaymentRequest.parse({ ...validPayment, isChain: yes }).isChain).toBe(true);
    for (const no of [false, 'false', 0, '0', ''])
      expect(createPaymentRequest.parse({ ...validPayment, isChain: no }).isChain).toBe(false);
  });

  it('accepts an amount as a JSON number or a string with trailing zeros, keeping its digits', () => {
    expect(createPaymentRequest.parse({ ...validPayment, quoteAmount: '12.50000000' }).quoteAmount).toBe('12.50000000');
    expect(createPaymentRequest.parse({ ...validPayment, quoteAmount: 10 }).quoteAmount).toBe('10');
  });

  it('takes paymentAmount instead of quoteAmount', () => {
    const { quoteAmount: _omit, ...rest } = validPayment;
    expect(createPaymentRequest.parse({ ...rest, paymentAmount: '0.001' })).toMatchObject({ paymentAmount: '0.001' });
  });

  it('ignores unknown parameters (linkId, isTemp, settlementMethod, …)', () => {
    const parsed = createPaymentRequest.parse({ ...validPayment, linkId: 0, settlementMethod: 'mixin', tagname: 'x' });
    expect(parsed).not.toHaveProperty('linkId');
  });

  it('drops "" and null before validation (withoutAbsent): they mean absent', () => {
    expect(withoutAbsent({ a: '', b: null, c: 0, d: 'x', e: false })).toEqual({ c: 0, d: 'x', e: false });
  });

  it('accepts orderIds of exactly 6 and 36 characters with dashes and underscores', () => {
    expect(createPaymentRequest.safeParse({ ...validPayment, orderId: 'ab_-12' }).success).toBe(true);
    expect(createPaymentRequest.safeParse({ ...validPayment, orderId: 'a'.repeat(36) }).success).toBe(true);
  });

  it('keeps the optional texts it echoes', () => {
    const parsed = createPaymentRequest.parse({
      ...validPayment,
      callbackUrl: 'https://shop.example/cb',
      callbackEvent: 'settle|pending',
      returnTo: 'https://shop.example/ok',
      remark: 'r'.repeat(50),
      settlementMemo: 'm'.repeat(200),
    });
    expect(parsed.remark).toHaveLength(50);
    expect(parsed.settlementMemo).toHaveLength(200);
    expect(parsed.callbackEvent).toBe('settle|pending');
  });

  it.each([
    ['5 characters', 'abcde'],
    ['37 characters', 'a'.repeat(37)],
    ['a space', 'order 001'],
    ['a dot', 'order.001'],
  ])('refuses an orderId with %s', (_label, orderId) => {
    expect(issuesOf(createPaymentRequest, { ...validPayment, orderId })).toBe(
      'orderId: must be 6-36 letters, digits, dashes or underscores',
    );
  });

  it('refuses a traceId that is not a UUID', () => {
    expect(issuesOf(createPaymentRequest, { ...validPayment, traceId: 'not-a-uuid' })).toBe('traceId: must be a UUID');
    expect(issuesOf(createPaymentRequest, { ...validPayment, traceId: `${TRACE_ID}0` })).toBe(
      'traceId: must be a UUID',
    );
  });

  it('refuses an amount that is neither a string nor a number, saying what it must be', () => {
    expect(issuesOf(createPaymentRequest, { ...validPayment, quoteAmount: true })).toBe(
      'quoteAmount: must be a decimal such as "10.5"',
    );
  });

  it.each(['-1', '0', '0.00', '1e3', 'ten', '', -1, 0])('refuses quoteAmount %j', (quoteAmount) => {
    expect(issuesOf(createPaymentRequest, { ...validPayment, quoteAmount })).toBe(
      'quoteAmount: must be a positive decimal such as "10.5"',
    );
  });

  it('needs neither orderId nor traceId (the gateway generates a traceId), but an amount', () => {
    const { orderId: _omit, quoteAmount: _amount, ...rest } = validPayment;
    expect(createPaymentRequest.safeParse({ ...rest, quoteAmount: '1' }).success).toBe(true);
    expect(issuesOf(createPaymentRequest, rest)).toBe('quoteAmount: is required (or paymentAmount)');
  });

  it('requires paymentAssetId on /v1/payments', () => {
    const { paymentAssetId: _omit, ...rest } = validPayment;
    expect(issuesOf(createPaymentRequest, rest)).toBe('paymentAssetId: is required');
  });

  it('says "is required" for each missing field', () => {
    expect(issuesOf(createPaymentRequest, { orderId: 'order-0001' })).toBe(
      [
        'payeeId: is required',
        'quoteAssetId: is required',
        'settlementAssetId: is required',
        'paymentAssetId: is required',
      ].join('; '),
    );
  });

  it('refuses a remark over 50 characters and a settlementMemo over 200', () => {
    expect(issuesOf(createPaymentRequest, { ...validPayment, remark: 'r'.repeat(51) })).toBe(
      'remark: must be at most 50 characters',
    );
    expect(issuesOf(createPaymentRequest, { ...validPayment, settlementMemo: 'm'.repeat(201) })).toBe(
      'settlementMemo: must be at most 200 characters',
    );
  });

  it('refuses strictMode values other than booleans and 1/0/true/false', () => {
    expect(issuesOf(createPaymentRequest, { ...validPayment, strictMode: 'yes' })).toMatch(/^strictMode: /);
  });

  it('refuses an expiredTimestamp that is not unix seconds', () => {
    expect(issuesOf(createPaymentRequest, { ...validPayment, expiredTimestamp: 'tomorrow' })).toMatch(
      /^expiredTimestamp: /,
    );
    expect(issuesOf(createPaymentRequest, { ...validPayment, expiredTimestamp: 1.5 })).toMatch(/^expiredTimestamp: /);
  });

  it('reports several problems at once', () => {
    expect(issuesOf(createPaymentRequest, { ...validPayment, orderId: 'abc', quoteAmount: '-1' })).toBe(
      'orderId: must be 6-36 letters, digits, dashes or underscores; quoteAmount: must be a positive decimal such as "10.5"',
    );
  });
});

describe('createOneTimePaymentRequest', () => {
  const { paymentAssetId: _omit, ...oneTime } = validPayment;

  it('accepts a request without paymentAssetId', () => {
    expect(createOneTimePaymentRequest.parse(oneTime).paymentAssetId).toBeUndefined();
  });

  it('parses form strings: isTemp, expireSeconds, strictMode', () => {
    const formStrings = { isTemp: '1', expireSeconds: '600', strictMode: '0' };
    const parsed = createOneTimePaymentRequest.parse({ ...oneTime, ...formStrings });
    expect(parsed).toMatchObject({ isTemp: true, expireSeconds: 600, strictMode: false });
  });

  it('refuses expireSeconds of 0', () => {
    expect(issuesOf(createOneTimePaymentRequest, { ...oneTime, expireSeconds: '0' })).toMatch(/^expireSeconds: /);
  });

  it('applies the same field rules as /v1/payments', () => {
    expect(issuesOf(createOneTimePaymentRequest, { ...oneTime, quoteAmount: 'five' })).toBe(
      'quoteAmount: must be a positive decimal such as "10.5"',
    );
    // MixPay's own one-time example sends neither orderId nor traceId: the code is generated.
    const { orderId: _orderId, ...noIds } = oneTime;
    expect(createOneTimePaymentRequest.safeParse(noIds).success).toBe(true);
  });
});

describe('paymentsResultQuery', () => {
  it('accepts a traceId alone and defaults `with` to nothing', () => {
    expect(paymentsResultQuery.parse({ traceId: TRACE_ID })).toEqual({ traceId: TRACE_ID, with: [] });
  });

  it('accepts an orderId with its payeeId', () => {
    expect(paymentsResultQuery.parse({ orderId: 'order-0001', payeeId: 'payee-1' })).toMatchObject({
      orderId: 'order-0001',
      payeeId: 'payee-1',
    });
  });

  it.each([
    ['payment', ['payment']],
    ['transactions', ['transactions']],
    ['payment,transactions', ['payment', 'transactions']],
    [' payment , transactions ', ['payment', 'transactions']],
    ['', []],
    [
      ['payment', 'transactions'],
      ['payment', 'transactions'],
    ],
    [['payment', 'payment'], ['payment']],
  ])('parses with=%j (comma-separated or repeated)', (value, expected) => {
    expect(paymentsResultQuery.parse({ traceId: TRACE_ID, with: value }).with).toEqual(expected);
  });

  it('refuses an unknown `with` value, naming it', () => {
    expect(issuesOf(paymentsResultQuery, { traceId: TRACE_ID, with: 'payment,refunds' })).toBe(
      'with: unknown value refunds; use payment, transactions',
    );
  });

  it('refuses an orderId without payeeId, since orderId is unique only per payee', () => {
    expect(issuesOf(paymentsResultQuery, { orderId: 'order-0001' })).toBe(
      'traceId: traceId, or orderId with payeeId, is required',
    );
  });

  it('refuses an empty query', () => {
    expect(issuesOf(paymentsResultQuery, {})).toBe('traceId: traceId, or orderId with payeeId, is required');
  });

  it('refuses a malformed traceId', () => {
    expect(issuesOf(paymentsResultQuery, { traceId: 'abc' })).toBe('traceId: must be a UUID');
  });
});

describe('describeIssues', () => {
  it('never calls a present but wrong-typed field "required", even without reportInput', () => {
    // Without reportInput zod drops the input, so missing and wrong-typed cannot be told apart;
    // the field's own message is the honest one.
    const result = createPaymentRequest.safeParse({ ...validPayment, quoteAmount: true });
    expect(result.success).toBe(false);
    if (!result.success) {
      expect(describeIssues(result.error)).toBe('quoteAmount: must be a decimal such as "10.5"');
    }
  });

  it('joins path segments with dots', () => {
    const receivers = [TRACE_ID, TRACE_ID, 'not-a-uuid'];
    const result = multisigRequest.safeParse({ receivers, threshold: 2 }, { reportInput: true });
    expect(result.success).toBe(false);
    if (!result.success) expect(describeIssues(result.error)).toBe('receivers.2: must be a UUID');
  });
});
