// @payhook/merchant: take MixPay payments safely. Look up, verify every field, update once.

export type { PaymentProgress, PaymentResult, PaymentTransaction } from '@payhook/protocol';
export { type CheckOutcome, checkOrder, type OrderHooks, type PaidLessInfo, type ResultSource } from './check-order.js';
export {
  type CreateOneTimePaymentParams,
  type CreatePaymentParams,
  MIXPAY_API_BASE,
  MixPayClient,
  type MixPayClientOptions,
  type OneTimePayment,
  type PaymentInfo,
  type ReadOptions,
} from './client.js';
export * from './errors.js';
export {
  type AnswerReason,
  type CallbackHandler,
  type CallbackHandlerOptions,
  type CallbackRecord,
  type CallbackRecorder,
  type ConnectionInfo,
  createCallbackHandler,
} from './handler.js';
export { IpAllowList, MIXPAY_CALLBACK_IPS } from './ip-allowlist.js';
export type { FinalOrderStatus, Order, OrderStatus } from './order.js';
export { type Budget, type BudgetReserves, RateLimiter } from './rate-limiter.js';
export {
  DEFAULT_LOOKUP_WINDOW_MS,
  lookupKey,
  RecentLookups,
  type RecentLookupsOptions,
} from './recent-lookups.js';
export { type ReconcilePass, Reconciler, type ReconcilerOptions } from './reconciler.js';
export { JsonlRecorder, readRecords, replayCallback } from './recorder.js';
export {
  createSignatureVerifier,
  DEFAULT_SIGNATURE_TOLERANCE_MS,
  type SignatureVerdict,
  type SignatureVerifier,
} from './signature.js';
export type { OrderStore, WaitingCursor, WritableOrderStore } from './store.js';
export { MemoryOrderStore } from './stores/memory-store.js';
export { findMismatches, type Judgement, judge, type Lookup, lookupFor, type Mismatch } from './verify.js';
