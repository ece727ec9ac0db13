// Payment vocabulary shared by the gateway and the merchant kit.

export const PAYMENT_STATUSES = ['unpaid', 'pending', 'failed', 'auditing', 'success'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Failure codes MixPay reports in `failureCode` (as strings, like MixPay). */
export const FailureCode = {
  none: '0',
  overtime: '40000',
  wrongAsset: '40020',
  doublePayment: '40021',
  traceIdMissing: '40022',
  wrongAmount: '40024',
} as const;
export type FailureCode = (typeof FailureCode)[keyof typeof FailureCode];

export const FAILURE_REASONS: Record<FailureCode, string> = {
  '0': '',
  '40000': 'Payment overtime',
  '40020': 'Wrong asset paid',
  '40021': 'Double payment',
  '40022': 'TraceID does not exist',
  '40024': 'Wrong Amount paid',
};

export const SURPLUS_STATUSES = ['no', 'pending', 'sending', 'success'] as const;
export type SurplusStatus = (typeof SURPLUS_STATUSES)[number];

/** `""` until the payment succeeds, then `pending`, then `success` once settled. */
export const SETTLE_STATUSES = ['', 'pending', 'success'] as const;
export type SettleStatus = (typeof SETTLE_STATUSES)[number];

/** orderId: 6–36 letters, digits, dashes and underscores. */
export const ORDER_ID_PATTERN = /^[A-Za-z0-9_-]{6,36}$/;

/** traceId: a UUID of any version, as MixPay accepts. */
export const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
