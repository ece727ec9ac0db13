// The shop's side of a payment, and the words the kit uses.
//
// Glossary (shared with the gateway's)
// - order:     the shop's record of a sale: what it charges (amount + asset) and whether it is paid.
// - payee:     the shop's MixPay account (`payeeId`). Results are only ever looked up with the shop's own.
// - result:    `GET /payments_result` for the order's payment: the only source of truth.
// - callback:  a POST saying "look again"; its body is a hint, never evidence.
// - judgement: what a result means for an order (paid, failed, paid_less, waiting, mismatch).

/** Orders only move forward: waiting → paid | failed | suspicious. */
export type OrderStatus = 'waiting' | 'paid' | 'failed' | 'suspicious';

export interface Order {
  orderId: string;
  /** Set when the shop created the payment itself (API or one-time payment); then it is the lookup key. */
  traceId: string | null;
  /** The shop's own payee: with orderId, the lookup key when there is no traceId (paylinks). */
  payeeId: string;
  /** What the shop charges: compared as decimals with the result's quoteAmount. */
  amount: string;
  /** The quote asset, e.g. `usd`; compared with the result's quoteAssetId. */
  assetId: string;
  status: OrderStatus;
  /** The payer's link, kept so an underpaying payer can be sent back to it. */
  paymentUrl: string | null;
  /** Set once the `settle` result has been seen and handed to the shop. */
  settledAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export type FinalOrderStatus = Exclude<OrderStatus, 'waiting'>;
