// Creating a payment: the rules that need the clock, the mode and the asset catalog.
import { type CreatePaymentRequest, ErrorCode } from '@payhook/protocol';
import { describe, expect, it } from 'vitest';
import { storedPayment } from '../../test/helpers/payments.js';
import { ParameterError } from '../errors.js';
import { answerTo } from '../http/error-answers.js';
import { AssetCatalog, USDT_ID } from './assets.js';
import { checkCallbackUrl, isLoopbackHost } from './callback-url.js';
import {
  differingTerm,
  MAX_EXPIRY_SECONDS,
  MIN_EXPIRY_SECONDS,
  type NewPaymentContext,
  newPayment,
} from './new-payment.js';

const catalog = new AssetCatalog();
const BTC = 'c6d0c728-2624-429b-8e0d-d9d19b6592fa';
const NOW = Date.UTC(2026, 0, 1, 12); // a whole second, so bounds are exact
const NOW_S = NOW / 1000;
const GENERATED = '11111111-2222-4333-8444-555555555555';

const ctx = (mode: 'sandbox' | 'production' = 'production'): NewPaymentContext => ({
  now: NOW,
  mode,
  catalog,
  newTraceId: () => GENERATED,
});

const request: CreatePaymentRequest = {
  payeeId: 'payee-1',
  orderId: 'order-0001',
  quoteAmount: '10',
  quoteAssetId: 'usd',
  settlementAssetId: USDT_ID,
  paymentAssetId: BTC,
};

const create = (overrides: Partial<CreatePaymentRequest> = {}, mode: 'sandbox' | 'production' = 'production') =>
  newPayment({ kind: 'payment', request: { ...request, ...overrides } }, ctx(mode));

/** Runs `fn`, expecting a ParameterError, and returns it. */
function parameterError(fn: () => unknown): ParameterError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ParameterError);
    return error as ParameterError;
  }
  throw new Error('expected a ParameterError');
}

describe('newPayment: MixPay request forms', () => {
  it('lets paymentAmount win over quoteAmount, pricing the quote from it (rounded down)', () => {
    const payment = create({ paymentAmount: '0.001', quoteAmount: '99' });
    expect(payment).toMatchObject({ payableAmount: '0.001', quoteAmount: '60' });
    const { quoteAmount: _omit, ...withoutQuote } = request;
    const only = (paymentAmount: string) =>
      newPayment({ kind: 'payment', request: { ...withoutQuote, paymentAmount } }, ctx());
    expect(only('0.0005')).toMatchObject({ payableAmount: '0.0005', quoteAmount: '30' });
    // Worth less than a cent: no price to quote.
    expect(parameterError(() => only('0.00000001')).message).toMatch(/^paymentAmount: .* worth less than/);
  });

  it('keeps a given clientId and generates one otherwise', () => {
    expect(create({ clientId: 'c0ffee00-0000-4000-8000-000000000000' }).clientId).toBe(
      'c0ffee00-0000-4000-8000-000000000000',
    );
    expect(create().clientId).toBe(GENERATED);
  });

  it('gives an on-chain payment a deposit derived from its traceId, with a tag where the chain needs one', () => {
    const btc = create({ isChain: true, traceId: '0b1f3a2e-6c2d-4a59-9a51-7f0c1e2d3b4a' });
    expect(btc).toMatchObject({ isChain: true, tag: '' });
    expect(btc.destination).toMatch(/^bc1q[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{38}$/);
    expect(create({ isChain: true, traceId: '0b1f3a2e-6c2d-4a59-9a51-7f0c1e2d3b4a' }).destination).toBe(
      btc.destination,
    );
    expect(create({ isChain: true, traceId: '1b1f3a2e-6c2d-4a59-9a51-7f0c1e2d3b4a' }).destination).not.toBe(
      btc.destination,
    );
    const eos = create({ isChain: true, paymentAssetId: '6cfe566e-4aad-470b-8c9a-2fd35b49c68d' });
    expect(eos).toMatchObject({ destination: 'payhooksandb' });
    expect(eos.tag).toMatch(/^\d{1,12}$/);
    expect(create().destination).toBeNull();
  });

  it('refuses isChain for an asset without a chain to pay on', () => {
    const error = parameterError(() =>
      create({ isChain: true, paymentAssetId: '31d2ea9c-95eb-3355-b65b-ba096853bc18' }),
    );
    expect(error.message).toMatch(/^isChain: pUSD cannot be paid on-chain/);
  });
});

describe('differingTerm: what makes a re-sent request a refresh', () => {
  it('is undefined for the same terms, whatever the spelling of the amount or the texts', () => {
    expect(differingTerm(create(), create({ quoteAmount: '10.000', remark: 'other' }))).toBeUndefined();
    expect(differingTerm(create(), create({ orderId: undefined }))).toBeUndefined();
  });

  it('names the first term that differs', () => {
    expect(differingTerm(create(), create({ quoteAmount: '11' }))).toBe('quoteAmount');
    expect(differingTerm(create(), create({ payeeId: 'payee-2' }))).toBe('payeeId');
    expect(differingTerm(create(), create({ orderId: 'order-0002' }))).toBe('orderId');
    expect(differingTerm(create(), create({ quoteAssetId: 'eur' }))).toBe('quoteAssetId');
    expect(differingTerm(create(), create({ settlementAssetId: BTC }))).toBe('settlementAssetId');
    expect(differingTerm(create(), create({ paymentAssetId: USDT_ID }))).toBe('paymentAssetId');
    expect(differingTerm(create(), create({ isChain: true }))).toBe('isChain');
    expect(differingTerm(create(), create({ paymentAmount: '0.1' }))).toBe('quoteAmount');
    const { paymentAssetId: _omit, ...rest } = request;
    expect(differingTerm(create(), newPayment({ kind: 'one_time', request: rest }, ctx()))).toBe('kind');
  });
});

describe('newPayment', () => {
  it('builds an unpaid payment priced in the payment asset', () => {
    // Every field: the test fixture's unpaid row is exactly what newPayment builds, but these.
    expect(create()).toEqual(
      storedPayment(NOW, {
        traceId: GENERATED,
        paymentAssetId: BTC,
        payableAmount: '0.00016667',
        callbackUrl: null,
        // The generator gives the clientId too when the request has none.
        clientId: GENERATED,
      }),
    );
  });

  it('makes one-time payments multi-pay, their code their traceId, and leaves the asset open when not given', () => {
    const { paymentAssetId: _omit, ...rest } = request;
    const payment = newPayment({ kind: 'one_time', request: rest }, ctx());
    expect(payment).toMatchObject({
      kind: 'one_time',
      traceId: GENERATED,
      code: GENERATED,
      isMultiPay: true,
      paymentAssetId: null,
      payableAmount: null,
    });
  });

  it('stores the echoed fields and the subscribed events', () => {
    const payment = create({
      returnTo: 'https://shop.example/ok',
      failedReturnTo: 'https://shop.example/ko',
      remark: 'thanks',
      settlementMemo: 'memo',
      strictMode: true,
      callbackEvent: 'pending|settle',
    });
    expect(payment).toMatchObject({
      returnTo: 'https://shop.example/ok',
      failedReturnTo: 'https://shop.example/ko',
      remark: 'thanks',
      settlementMemo: 'memo',
      strictMode: true,
      callbackEvents: ['settle', 'pending'],
    });
  });

  describe('traceId', () => {
    it('is generated when absent', () => {
      expect(create().traceId).toBe(GENERATED);
    });

    it('is kept, lower-cased, when given', () => {
      expect(create({ traceId: 'ABCDEF12-3456-4789-ABCD-EF0123456789' }).traceId).toBe(
        'abcdef12-3456-4789-abcd-ef0123456789',
      );
    });

    it('keeps a payment with only a traceId without orderId', () => {
      expect(create({ orderId: undefined, traceId: GENERATED }).orderId).toBeNull();
    });
  });

  describe('expiredTimestamp', () => {
    it(`must be more than ${MIN_EXPIRY_SECONDS} s ahead (exclusive)`, () => {
      expect(() => create({ expiredTimestamp: NOW_S + 10 })).toThrow(/more than 10 seconds/);
      expect(create({ expiredTimestamp: NOW_S + 11 }).expireAt).toBe((NOW_S + 11) * 1000);
    });

    it(`must be less than 2880 min ahead (exclusive)`, () => {
      expect(MAX_EXPIRY_SECONDS).toBe(172_800);
      expect(() => create({ expiredTimestamp: NOW_S + 2880 * 60 })).toThrow(ParameterError);
      expect(create({ expiredTimestamp: NOW_S + 2880 * 60 - 1 }).expireAt).toBe((NOW_S + 172_799) * 1000);
    });

    it('refuses a timestamp in the past or now', () => {
      expect(() => create({ expiredTimestamp: NOW_S })).toThrow(ParameterError);
      expect(() => create({ expiredTimestamp: NOW_S - 60 })).toThrow(ParameterError);
    });

    it('refuses milliseconds mistaken for seconds', () => {
      expect(() => create({ expiredTimestamp: NOW + 60_000 })).toThrow(ParameterError);
    });

    it('counts from the injected clock, to the millisecond', () => {
      // 10.5 s ahead of a clock 500 ms past the second: exactly 10 s, still refused.
      const at = (now: number, ts: number) =>
        newPayment({ kind: 'payment', request: { ...request, expiredTimestamp: ts } }, { ...ctx(), now });
      expect(() => at(NOW + 500, NOW_S + 10.5)).toThrow(ParameterError);
      expect(at(NOW + 500, NOW_S + 11).expireAt).toBe((NOW_S + 11) * 1000);
    });
  });

  describe('assets', () => {
    it('refuses an unknown quote asset with 10003', () => {
      const error = parameterError(() => create({ quoteAssetId: 'jpy' }));
      expect(error.code).toBe(ErrorCode.unsupportedQuoteAsset);
      expect(error.code).toBe(10003);
      expect(error.message).toMatch(/^quoteAssetId: /);
    });

    it('refuses an unknown or fiat payment asset with 10002', () => {
      for (const paymentAssetId of ['no-such-asset', 'usd']) {
        const error = parameterError(() => create({ paymentAssetId }));
        expect(error.code).toBe(ErrorCode.unsupportedAsset);
        expect(error.message).toMatch(/^paymentAssetId: /);
      }
    });

    it('matches asset ids case-insensitively and stores the canonical id', () => {
      const payment = create({ quoteAssetId: 'USD', paymentAssetId: BTC.toUpperCase() });
      expect(payment).toMatchObject({ quoteAssetId: 'usd', paymentAssetId: BTC });
    });

    it('refuses strict mode with a settlement asset that cannot be settled in', () => {
      for (const settlementAssetId of ['usd', 'no-such-asset']) {
        const error = parameterError(() => create({ strictMode: true, settlementAssetId }));
        expect(error.code).toBe(ErrorCode.unsupportedAsset);
        expect(error.message).toMatch(/^settlementAssetId: /);
      }
    });

    it('accepts such a settlement asset without strict mode (settled in what was paid)', () => {
      expect(create({ strictMode: false, settlementAssetId: 'usd' }).settlementAssetId).toBe('usd');
    });
  });

  describe('callbackEvent', () => {
    it('refuses unknown events, naming them', () => {
      const error = parameterError(() => create({ callbackEvent: 'settle|paidless' }));
      expect(answerTo(error).code).toBe(ErrorCode.parameterError);
      expect(error.message).toContain('paidless');
    });
  });

  describe('callbackUrl', () => {
    it('stores a valid HTTPS URL, normalised', () => {
      expect(create({ callbackUrl: 'HTTPS://Shop.Example/cb?x=1' }).callbackUrl).toBe('https://shop.example/cb?x=1');
    });

    it('treats an empty callbackUrl as none', () => {
      expect(create({ callbackUrl: '' }).callbackUrl).toBeNull();
    });

    it('refuses plain HTTP in production, even to loopback', () => {
      expect(() => create({ callbackUrl: 'http://shop.example/cb' })).toThrow(/only HTTPS/);
      expect(() => create({ callbackUrl: 'http://127.0.0.1:3000/cb' })).toThrow(ParameterError);
    });

    it('allows plain HTTP to loopback in sandbox mode', () => {
      expect(create({ callbackUrl: 'http://127.0.0.1:3000/cb' }, 'sandbox').callbackUrl).toBe(
        'http://127.0.0.1:3000/cb',
      );
    });
  });
});

describe('checkCallbackUrl', () => {
  it.each(['https://shop.example/cb', 'https://10.0.0.1/cb', 'https://[2001:db8::1]/cb'])(
    'production accepts %s (addresses are checked again at connect time)',
    (url) => {
      expect(checkCallbackUrl(url, 'production')).toBe(url);
    },
  );

  it.each(['http://shop.example/cb', 'http://localhost/cb', 'http://127.0.0.1/cb', 'http://[::1]/cb'])(
    'production refuses %s',
    (url) => {
      expect(() => checkCallbackUrl(url, 'production')).toThrow('callbackUrl: only HTTPS is supported');
    },
  );

  it.each([
    'http://127.0.0.1:8080/cb',
    'http://127.1.2.3/cb',
    'http://localhost:3000/cb',
    'http://LOCALHOST/cb',
    'http://[::1]:3000/cb',
    'http://shop.localhost/cb',
    'https://shop.example/cb',
  ])('sandbox accepts %s', (url) => {
    expect(() => checkCallbackUrl(url, 'sandbox')).not.toThrow();
  });

  it.each([
    'http://shop.example/cb',
    'http://10.0.0.1/cb',
    'http://192.168.1.1/cb',
    'http://0.0.0.0/cb',
    'http://localhost.evil.example/cb',
    'http://127.0.0.1.nip.io/cb',
    'http://[::ffff:10.0.0.1]/cb',
  ])('sandbox refuses plain HTTP to the non-loopback %s', (url) => {
    expect(() => checkCallbackUrl(url, 'sandbox')).toThrow(
      'callbackUrl: only HTTPS (or HTTP to loopback in sandbox mode) is supported',
    );
  });

  it.each(['https://user:pass@shop.example/cb', 'https://user@shop.example/cb', 'http://user@127.0.0.1/cb'])(
    'refuses credentials in %s',
    (url) => {
      for (const mode of ['sandbox', 'production'] as const) {
        expect(() => checkCallbackUrl(url, mode)).toThrow('callbackUrl: must not carry credentials');
      }
    },
  );

  it.each(['not a url', '/callback', 'shop.example/cb', 'https://', ''])('refuses the non-URL %j', (url) => {
    expect(() => checkCallbackUrl(url, 'sandbox')).toThrow('callbackUrl: must be an absolute URL');
  });

  it.each(['ftp://shop.example/cb', 'javascript:alert(1)', 'file:///etc/passwd', 'data:text/plain,hi'])(
    'refuses the scheme of %s',
    (url) => {
      expect(() => checkCallbackUrl(url, 'sandbox')).toThrow(/only HTTPS/);
    },
  );

  it('throws ParameterErrors, answered with the parameter-error code and 400', () => {
    const error = parameterError(() => checkCallbackUrl('http://shop.example', 'production'));
    expect(answerTo(error)).toMatchObject({ status: 400, code: ErrorCode.parameterError });
  });
});

describe('isLoopbackHost', () => {
  it('knows loopback names and addresses', () => {
    expect(['localhost', '127.0.0.1', '127.255.255.254', '::1', '[::1]', 'a.localhost'].map(isLoopbackHost)).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(['128.0.0.1', '127.0.0.1.example', 'localhostx', '10.0.0.1', '::2'].map(isLoopbackHost)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
