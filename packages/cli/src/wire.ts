// The shapes of the gateway's answers that the CLI reads (`data` of MixPay's envelope).
import type { Attempt, Delivery, PaymentEvent, Transfer } from '@payhook/gateway';
import type { WireOneTimePayment, WirePayment, WirePaymentResult } from '@payhook/protocol';

/** `data` of `GET /v1/payments_result`, as the gateway emits it (MixPay's documented shape). */
export type PaymentResultData = WirePaymentResult;
export type { Attempt, Delivery };

/** One entry of `GET /admin/attempts`: an attempt with its delivery's event, payment and URL. */
export interface FeedAttempt extends Attempt {
  traceId: string;
  eventType: Delivery['eventType'];
  url: string;
}

export interface AttemptPage {
  attempts: FeedAttempt[];
  /** Cursor to pass as `after`; null when the gateway has no attempt yet. */
  next: string | null;
}

export interface DeliveryDetail {
  delivery: Delivery;
  attempts: Attempt[];
}

/** `GET /admin/payments/:traceId`. */
export interface PaymentDetail {
  transfers: Transfer[];
  events: (PaymentEvent & { deliveries: Delivery[] })[];
}

/** `POST /v1/sandbox/transfers`. */
export interface TransferAnswer {
  transfer: Transfer;
  result: PaymentResultData;
}

/** `POST /v1/payments` and `GET /v1/payments_info`. */
export type PaymentInfo = WirePayment;

/** `POST /v1/one_time_payment`: its code is the payment's traceId. */
export type OneTimeAnswer = WireOneTimePayment;

export interface SandboxAsset {
  id: string;
  symbol: string;
  fiat: boolean;
  requiredConfirmations: number;
}
