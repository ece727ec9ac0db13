// Test helpers for shops: build the callback MixPay would send, script what
// payments_result answers, and build results from an order.
import { type PaymentResult, type ResultInclude, serializeCallbackBody, signatureHeaders } from '@payhook/protocol';
import type { ResultSource } from './check-order.js';
import type { Order } from './order.js';
import type { Lookup } from './verify.js';

export interface SigningOptions {
  /** One secret, or several as a gateway signs while a payee's secret is rotated (one signature each). */
  secret: string | readonly string[];
  /** `webhook-id`; a payhook gateway sends the event id. Default `evt_test`. */
  id?: string;
  /** When it was signed (ms). Default now. */
  timestampMs?: number;
}

/**
 * The Standard Webhooks headers a payhook gateway adds to a callback for a payee with a signing
 * secret: sign a test payload exactly as the gateway would.
 */
export function signCallback(body: string, signing: SigningOptions): Record<string, string> {
  return signatureHeaders(signing.secret, signing.id ?? 'evt_test', signing.timestampMs ?? Date.now(), body);
}

/** The exact callback MixPay POSTs for an order (identifiers only); signed if `signing` is given. */
export function buildCallbackRequest(
  ids: { orderId: string; traceId?: string | null; payeeId: string },
  url = 'http://shop.test/mixpay/callback',
  signing?: SigningOptions,
): Request {
  const body = serializeCallbackBody({ orderId: ids.orderId, traceId: ids.traceId ?? '', payeeId: ids.payeeId });
  return new Request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signing ? signCallback(body, signing) : {}) },
    body,
  });
}

/**
 * A payments_result for an order, every documented field present: a paid, matching result unless
 * overridden (`{ payeeId: undefined }` leaves a field out, as older MixPay answers do).
 */
export function resultFor(order: Order, overrides: Partial<PaymentResult> = {}): PaymentResult {
  return {
    status: 'success',
    traceId: order.traceId ?? '00000000-0000-4000-8000-000000000000',
    orderId: order.orderId,
    payeeId: order.payeeId,
    quoteAmount: order.amount,
    quoteSymbol: order.assetId.toUpperCase(),
    quoteAssetId: order.assetId,
    paymentAmount: order.amount,
    paymentSymbol: 'USDT',
    paymentAssetId: '4d8c508b-91c5-375b-92b0-ee702ed2dac5',
    payableAmount: order.amount,
    txid: '',
    date: Math.floor(order.createdAt / 1000),
    surplusAmount: '0',
    surplusStatus: 'no',
    confirmations: -1,
    failureCode: '0',
    failureReason: '',
    returnTo: '',
    settleStatus: '',
    settleAmount: '',
    settleSymbol: '',
    settleAsset: '',
    payment: { isMultiPay: false, isFullyPaid: true, totalTransactionsAmount: order.amount },
    ...overrides,
  };
}

type Scripted = PaymentResult | Error | (() => PaymentResult | Promise<PaymentResult>);

const keyOf = (lookup: Lookup) =>
  'traceId' in lookup ? `trace:${lookup.traceId.toLowerCase()}` : `order:${lookup.payeeId}:${lookup.orderId}`;

/**
 * A ResultSource that answers what the test says. Unscripted lookups throw, like an
 * unknown payment at MixPay. Every lookup is kept in `calls`.
 */
export class ScriptedResultSource implements ResultSource {
  readonly calls: Lookup[] = [];
  private readonly answers = new Map<string, Scripted[]>();

  /** Answers `lookup` with `answer` from now on (the last scripted answer repeats). */
  set(lookup: Lookup, ...answers: Scripted[]): this {
    this.answers.set(keyOf(lookup), answers);
    return this;
  }

  async getPaymentResult(lookup: Lookup, _include?: readonly ResultInclude[]): Promise<PaymentResult> {
    this.calls.push(lookup);
    const queue = this.answers.get(keyOf(lookup));
    if (!queue || queue.length === 0) throw new Error(`no scripted result for ${keyOf(lookup)}`);
    const answer = queue.length > 1 ? queue.shift() : queue[0];
    if (answer instanceof Error) throw answer;
    return typeof answer === 'function' ? answer() : structuredClone(answer as PaymentResult);
  }
}
