// Orders for tests: a waiting 10 USD order of the shop's own payee unless told otherwise.
import type { Order } from '../../src/order.js';

export const PAYEE = 'payee-shop';
let counter = 0;

export function makeOrder(overrides: Partial<Order> = {}): Order {
  counter += 1;
  const n = String(counter).padStart(4, '0');
  return {
    orderId: `order-${n}-${Math.random().toString(36).slice(2, 8)}`,
    traceId: crypto.randomUUID(),
    payeeId: PAYEE,
    amount: '10',
    assetId: 'usd',
    status: 'waiting',
    paymentUrl: `https://mixpay.me/code/code-${n}`,
    settledAt: null,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    ...overrides,
  };
}
