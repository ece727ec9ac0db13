// A stored payment row for tests that build one by hand (the store suites, the outbox): an
// unpaid (the life cycle's own UNPAID) 10 USD payment in USDT, every timestamp `at`; `overrides` win.
import { USDT_ID } from '../../src/domain/assets.js';
import { UNPAID } from '../../src/domain/new-payment.js';
import type { Payment } from '../../src/interfaces.js';

export function storedPayment(at: number, overrides: Partial<Payment> = {}): Payment {
  return {
    traceId: '0b1f3a2e-6c2d-4a59-9a51-7f0c1e2d3b4a',
    orderId: 'order-0001',
    payeeId: 'payee-1',
    kind: 'payment',
    code: null,
    quoteAmount: '10',
    quoteAssetId: 'usd',
    paymentAssetId: USDT_ID,
    payableAmount: '10',
    settlementAssetId: USDT_ID,
    strictMode: false,
    isMultiPay: false,
    callbackUrl: 'https://shop.example/callback',
    callbackEvents: [],
    returnTo: null,
    failedReturnTo: null,
    remark: null,
    settlementMemo: null,
    expireAt: null,
    ...UNPAID,
    createdAt: at,
    updatedAt: at,
    completedAt: null,
    clientId: 'client-1',
    isChain: false,
    quotedAt: at,
    destination: null,
    tag: null,
    ...overrides,
  };
}
