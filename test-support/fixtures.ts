// What every suite creates payments with: MixPay's asset ids (wire literals, as MixPay sends
// them) and a /v1/payments body the gateway accepts, declared once.

/** USDT (ERC20) and BTC as MixPay names them. */
export const USDT_ID = '4d8c508b-91c5-375b-92b0-ee702ed2dac5';
export const BTC_ID = 'c6d0c728-2624-429b-8e0d-d9d19b6592fa';

/** A fresh order id that satisfies MixPay's pattern. */
export function newOrderId(prefix = 'order'): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 12)}`;
}

/**
 * A valid `/v1/payments` body: 10 USD, paid and settled in USDT, a fresh order id;
 * `overrides` win (pass a field as `undefined` to leave it out of the JSON).
 */
export function paymentBody<T extends Record<string, unknown>>(overrides?: T) {
  return {
    payeeId: 'payee-1',
    orderId: newOrderId(),
    quoteAmount: '10',
    quoteAssetId: 'usd',
    paymentAssetId: USDT_ID,
    settlementAssetId: USDT_ID,
    ...overrides,
  };
}

// What MixPay's `payments_result` (MIXPAY-API.md §3.5) says of the parts of a payment that have
// not happened yet, as wire literals: `toMatchObject` fixtures for the gateway's answers.

/** Nothing paid beyond what was asked (`surplusStatus` `no`), and no failure (`failureCode` `"0"`). */
export const NO_SURPLUS_NO_FAILURE = {
  surplusAmount: '0',
  surplusStatus: 'no',
  failureCode: '0',
  failureReason: '',
} as const;

/** Settlement not begun: it starts once the payment succeeds, until then every settle field is empty. */
export const NOT_SETTLING = {
  settleStatus: '',
  settleAmount: '',
  settleSymbol: '',
  settleAsset: '',
} as const;

/** An operator notice about an endpoint's health (protocol's EndpointNotice); `overrides` win. */
export function endpointNotice<T extends Record<string, unknown>>(overrides?: T) {
  return {
    type: 'endpoint.failing' as 'endpoint.failing' | 'endpoint.recovered' | 'endpoint.paused',
    url: 'https://shop.example/mixpay/callback',
    host: 'shop.example:443',
    consecutiveFailures: 5,
    lastError: { errorClass: 'timeout' as const, statusCode: null, message: 'no answer within 10 s' },
    at: 1_767_225_600_000,
    ...overrides,
  };
}
