// Turns a validated create request into a new Payment, applying the rules that need
// context (the clock, the mode, the asset catalog). Pure: ids and time are passed in.
import {
  type CreateOneTimePaymentRequest,
  type CreatePaymentRequest,
  ErrorCode,
  parseCallbackEvents,
} from '@payhook/protocol';
import type { AssetCatalog } from './assets.js';
import { checkCallbackUrl, type GatewayMode } from './callback-url.js';
import type { AddressPolicy } from './delivery/ssrf.js';
import { ParameterError } from './errors.js';
import type { Payment, PaymentKind } from './interfaces.js';

export interface NewPaymentContext {
  now: number;
  mode: GatewayMode;
  /** Production's address policy for callback URLs (SSRF guard). */
  addressPolicy?: AddressPolicy;
  catalog: AssetCatalog;
  newTraceId: () => string;
}

/** `expiredTimestamp` must lie more than 10 s and less than 2880 min ahead. */
export const MIN_EXPIRY_SECONDS = 10;
export const MAX_EXPIRY_SECONDS = 2880 * 60;

export type CreateRequest =
  | { kind: 'payment'; request: CreatePaymentRequest }
  | { kind: 'one_time'; request: CreateOneTimePaymentRequest; code: string }
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
  return {
    traceId: (r.traceId ?? ctx.newTraceId()).toLowerCase(),
    orderId: r.orderId ?? null,
    payeeId: r.payeeId,
    kind,
    code: input.kind === 'one_time' ? input.code : null,
    quoteAmount: r.quoteAmount,
    quoteAssetId: quoteAsset.id,
    paymentAssetId: paymentAsset?.id ?? null,
    payableAmount: paymentAsset ? ctx.catalog.quote(r.quoteAmount, quoteAsset, paymentAsset) : null,
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
    status: 'unpaid',
    failureCode: null,
    paidAmount: '0',
    surplusAmount: '0',
    surplusStatus: 'no',
    settleStatus: '',
    settleDueAt: null,
    settleAmount: null,
    settleAssetId: null,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    completedAt: null,
  };
}
