// The shapes of the gateway's answers that the CLI reads (`data` of MixPay's envelope).
import type { Attempt, Delivery, PaymentEvent, Transfer } from '@payhook/gateway';
import type { PaymentResultData } from '@payhook/protocol';

export type { Attempt, Delivery, PaymentResultData };

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

/** `POST /v1/payments` and `GET /v1/payments_info` (the fields the CLI uses). */
export interface PaymentInfo {
  traceId: string;
  orderId: string;
  payeeId: string;
  code: string;
  status: string;
  paymentAmount: string;
  paymentAssetSymbol: string;
  paymentAssetId: string;
  quoteAmount: string;
  quoteAssetSymbol: string;
  isMultiPay: boolean;
  remainingAmount: string;
}

/** `POST /v1/one_time_payment`. */
export interface OneTimeAnswer {
  code: string;
  traceId: string;
  orderId: string;
  payeeId: string;
  paymentUrl: string;
}

export interface SandboxAsset {
  id: string;
  symbol: string;
  fiat: boolean;
  requiredConfirmations: number;
}
