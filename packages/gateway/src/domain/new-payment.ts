// Turns a validated create request into a new Payment, applying the rules that need
// context (the clock, the mode, the asset catalog). Pure: ids and time are passed in.
import {
  type CreateOneTimePaymentRequest,
  type CreatePaymentRequest,
  compareDecimals,
  ErrorCode,
  isPositiveDecimal,
  parseCallbackEvents,
} from '@payhook/protocol';
import type { AddressPolicy } from '../delivery/ssrf.js';
import { ParameterError } from '../errors.js';
import type { Payment, PaymentKind } from '../interfaces.js';
import type { AssetCatalog } from './assets.js';
import { checkCallbackUrl, type GatewayMode } from './callback-url.js';

export interface NewPaymentContext {
  now: number;
  mode: GatewayMode;
  /** Production's address policy for callback URLs (SSRF guard). */
  addressPolicy?: AddressPolicy;
  catalog: AssetCatalog;
  /** Generates the traceId and clientId a request did not give. */
  newTraceId: () => string;
}

/** `expiredTimestamp` must lie more than 10 s and less than 2880 min ahead. */
export const MIN_EXPIRY_SECONDS = 10;
export const MAX_EXPIRY_SECONDS = 2880 * 60;

/**
 * Where every payment's life cycle starts: unpaid, nothing paid, nothing to refund or settle.
 * Exported so that whatever builds a payment by hand (a test, a seed) starts it the same way.
 */
export const UNPAID: Readonly<
  Pick<
    Payment,
    | 'status'
    | 'failureCode'
    | 'paidAmount'
    | 'surplusAmount'
    | 'surplusStatus'
    | 'settleStatus'
    | 'settleDueAt'
    | 'settleAmount'
    | 'settleAssetId'
  >
> = {
  status: 'unpaid',
  failureCode: null,
  paidAmount: '0',
  surplusAmount: '0',
  surplusStatus: 'no',
  settleStatus: '',
  settleDueAt: null,
  settleAmount: null,
  settleAssetId: null,
};

export type CreateRequest =
  | { kind: 'payment'; request: CreatePaymentRequest }
  /** Its one-time `code` is its traceId (MixPay: a given traceId becomes the code). */
  | { kind: 'one_time'; request: CreateOneTimePaymentRequest }
  /** Opened from a `/pay?…` link: its parameters came from the payer's browser. */
  | { kind: 'paylink'; request: CreateOneTimePaymentRequest };

export function newPayment(input: CreateRequest, ctx: NewPaymentContext): Payment {
  const r = input.request;
  const quoteAsset = ctx.catalog.get(r.quoteAssetId);
  if (!quoteAsset) {
    throw new ParameterError(
      `quoteAssetId: ${r.quoteAssetId} is not a supported quote asset`,
      ErrorCode.unsupportedQuoteAsset,
    );
  }
  const paymentAsset = r.paymentAssetId === undefined ? undefined : ctx.catalog.getPayable(r.paymentAssetId);
  if (r.paymentAssetId !== undefined && !paymentAsset) {
    throw new ParameterError(
      `paymentAssetId: ${r.paymentAssetId} is not a supported payment asset`,
      ErrorCode.unsupportedAsset,
    );
  }
  if (r.paymentAmount !== undefined && !paymentAsset) {
    throw new ParameterError('paymentAmount: needs paymentAssetId, the asset it is an amount of');
  }
  // MixPay: a paymentAmount wins and quoteAmount is ignored; the price is then what it is worth.
  const payableAmount =
    r.paymentAmount ??
    (paymentAsset && r.quoteAmount ? ctx.catalog.quote(r.quoteAmount, quoteAsset, paymentAsset) : null);
  const quoteAmount =
    r.paymentAmount !== undefined && paymentAsset
      ? ctx.catalog.settle(r.paymentAmount, paymentAsset, quoteAsset)
      : (r.quoteAmount as string);
  if (!isPositiveDecimal(quoteAmount)) {
    throw new ParameterError(
      `paymentAmount: ${r.paymentAmount} is worth less than the smallest ${quoteAsset.symbol} amount`,
    );
  }
  // On-chain needs a chain: a one-time payment's payer picks the way to pay at checkout.
  const isChain = (r.isChain ?? false) && paymentAsset !== undefined;
  if (isChain && paymentAsset && paymentAsset.deposit === null) {
    throw new ParameterError(
      `isChain: ${paymentAsset.symbol} cannot be paid on-chain; use one of the assets whose onChainSupported is true`,
      ErrorCode.unsupportedAsset,
    );
  }
  if (r.strictMode === true && !ctx.catalog.getPayable(r.settlementAssetId)) {
    throw new ParameterError(
      `settlementAssetId: ${r.settlementAssetId} cannot be settled in; strict mode needs a supported asset`,
      ErrorCode.unsupportedAsset,
    );
  }
  const events = parseCallbackEvents(r.callbackEvent);
  if (!events.ok) {
    throw new ParameterError(
      `callbackEvent: unknown event ${events.invalid.join(', ')}; use settle, pending, paid_less`,
    );
  }
  let expireAt: number | null = null;
  if (r.expiredTimestamp !== undefined) {
    const ahead = r.expiredTimestamp - ctx.now / 1000;
    if (!(ahead > MIN_EXPIRY_SECONDS && ahead < MAX_EXPIRY_SECONDS)) {
      throw new ParameterError('expiredTimestamp: must be more than 10 seconds and less than 2880 minutes from now');
    }
    expireAt = r.expiredTimestamp * 1000;
  }
  const kind: PaymentKind = input.kind;
  const traceId = (r.traceId ?? ctx.newTraceId()).toLowerCase();
  const deposit = isChain && paymentAsset ? ctx.catalog.depositFor(paymentAsset, traceId) : undefined;
  return {
    traceId,
    orderId: r.orderId ?? null,
    payeeId: r.payeeId,
    kind,
    code: input.kind === 'one_time' ? traceId : null,
    quoteAmount,
    quoteAssetId: quoteAsset.id,
    paymentAssetId: paymentAsset?.id ?? null,
    payableAmount,
    settlementAssetId: r.settlementAssetId,
    strictMode: r.strictMode ?? false,
    // One-time payments and paylinks let the payer pay the rest through the same link, as MixPay's docs say.
    isMultiPay: kind !== 'payment',
    callbackUrl:
      r.callbackUrl === undefined || r.callbackUrl === ''
        ? null
        : checkCallbackUrl(r.callbackUrl, ctx.mode, ctx.addressPolicy),
    callbackEvents: events.events,
    returnTo: r.returnTo ?? null,
    failedReturnTo: r.failedReturnTo ?? null,
    remark: r.remark ?? null,
    settlementMemo: r.settlementMemo ?? null,
    expireAt,
    ...UNPAID,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    completedAt: null,
    clientId: r.clientId ?? ctx.newTraceId(),
    isChain,
    quotedAt: ctx.now,
    destination: deposit?.destination ?? null,
    tag: deposit === undefined ? null : deposit.tag,
  };
}

/**
 * Re-sending a create request refreshes its payment when its terms are the same (MixPay: send
 * it again with the same parameters). Returns the first term that differs, to name it in the
 * error (`kind`: made by the other create route); undefined when `resent` may refresh `existing`. Texts (remark, callbackUrl…) are not
 * terms: the first request's stay.
 */
export function differingTerm(existing: Payment, resent: Payment): string | undefined {
  if (existing.kind !== resent.kind) return 'kind';
  if (existing.payeeId !== resent.payeeId) return 'payeeId';
  if (resent.orderId !== null && existing.orderId !== resent.orderId) return 'orderId';
  if (existing.quoteAssetId !== resent.quoteAssetId) return 'quoteAssetId';
  if (compareDecimals(existing.quoteAmount, resent.quoteAmount) !== 0) return 'quoteAmount';
  if (existing.settlementAssetId !== resent.settlementAssetId) return 'settlementAssetId';
  if (resent.paymentAssetId !== null && existing.paymentAssetId !== null) {
    if (existing.paymentAssetId !== resent.paymentAssetId) return 'paymentAssetId';
    if (
      existing.payableAmount !== null &&
      resent.payableAmount !== null &&
      compareDecimals(existing.payableAmount, resent.payableAmount) !== 0
    ) {
      return 'paymentAmount';
    }
  }
  if (existing.isChain !== resent.isChain) return 'isChain';
  return undefined;
}
