// MixPay's answers as a client reads them: the `data` of each answer (once envelope.ts has said
// it succeeded) decoded leniently (MIXPAY-API.md §10). The decoders check only what a
// decision needs and keep every other field as sent; judging a result is the kit's job, so a
// field it needs but cannot use is left out here and refused there (fail closed), never guessed.
import { z } from 'zod';
import type { PaymentStatus } from './payment.js';

// ---------------------------------------------------------------------------------------------
// Lenient field decoders: a field of the wrong type is dropped (undefined), never an error.

/** Any string, `""` included (display fields: `""` is what MixPay sends for "none"). */
const text = z
  .unknown()
  .transform((v) => (typeof v === 'string' ? v : undefined))
  .optional();

/** A non-empty string (ids and amounts: `""` means absent). */
const token = z
  .unknown()
  .transform((v) => (typeof v === 'string' && v !== '' ? v : undefined))
  .optional();

/** The one field an answer cannot do without (its id): a non-empty string, else the answer is refused. */
const requiredToken = z.string({ error: 'is required' }).min(1, 'is required');

/** An integer as a JSON number or a numeric string (`confirmations` is `-1` outside `pending`). */
const integer = z
  .unknown()
  .transform((v) => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : Number.NaN;
    return Number.isSafeInteger(n) ? n : undefined;
  })
  .optional();

/** A boolean as JSON, `0`/`1` or their strings. */
const flag = z
  .unknown()
  .transform((v) => {
    if (v === true || v === 1 || v === '1' || v === 'true') return true;
    if (v === false || v === 0 || v === '0' || v === 'false') return false;
    return undefined;
  })
  .optional();

/**
 * `payments_result.date` has no stable type at MixPay (§10.1): a Unix-seconds number (maybe
 * fractional), a numeric string, an ISO-8601 string, `""` or `null`. Answers Unix seconds, or
 * null for "no date". A number too large to be seconds is taken as milliseconds.
 */
export function unixSecondsOf(value: unknown): number | null {
  let seconds: number;
  if (typeof value === 'number') seconds = value;
  else if (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)) seconds = Number(value);
  else if (typeof value === 'string' && value.trim() !== '') seconds = Date.parse(value) / 1000;
  else return null;
  if (!Number.isFinite(seconds) || seconds <= 0) return null;
  return seconds > 1e11 ? seconds / 1000 : seconds;
}

/**
 * `failureCode` as a canonical string (§10.2): MixPay documents `"0"`, SDKs see numbers.
 * `0`, `"0"`, `""` and `null` all mean no failure and answer `"0"`; integers compare as integers
 * (`40000`, `"40000"` and `"040000"` all answer `"40000"`); anything else is kept as text.
 */
export function failureCodeOf(value: unknown): string {
  if (value === null || value === undefined) return '0';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '0';
  if (typeof value === 'string') {
    const s = value.trim();
    if (s === '') return '0';
    return /^-?\d{1,15}$/.test(s) ? String(Number.parseInt(s, 10)) : s;
  }
  return JSON.stringify(value);
}

// ---------------------------------------------------------------------------------------------
// payments_result

/** The `payment` object of `with=payment` (§3.5): how far a multi-pay payment got. */
export interface PaymentProgress {
  isMultiPay?: boolean | undefined;
  isFullyPaid?: boolean | undefined;
  /** Sum of the transfers, a decimal string in the payment asset. */
  totalTransactionsAmount?: string | undefined;
  [field: string]: unknown;
}

/** One `transactions[]` item of `with=transactions`, in MixPay's documented shape (§3.5). */
export interface PaymentTransaction {
  paymentAmount?: string | undefined;
  paymentAssetId?: string | undefined;
  paymentAssetSymbol?: string | undefined;
  paymentAssetVersion?: string | undefined;
  requiredConfirms?: number | undefined;
  confirmations?: number | undefined;
  txid?: string | undefined;
  blockExplorerUrl?: string | undefined;
  /** ISO-8601, e.g. `2023-06-25T13:47:23.000000Z`. */
  broadcastAt?: string | undefined;
  confirmSeconds?: number | undefined;
  [field: string]: unknown;
}

/**
 * `data` of `GET /v1/payments_result` as the kit reads it. Only `status` must be there (a string,
 * known or not). Every other field is optional, because MixPay added them over the years (§10.4):
 * a field the judgement needs (`payeeId`, `quoteAmount`, `quoteAssetId`) that is missing or of the
 * wrong type is undefined here, and the judgement refuses to pay on it. Unknown fields are kept.
 */
export interface PaymentResult {
  /** `success` is the only paid status; `pending`, `processing`, `auditing`, `unpaid` and unknown values are not final. */
  status: PaymentStatus | (string & {});
  traceId?: string | undefined;
  orderId?: string | undefined;
  payeeId?: string | undefined;
  /** As sent: a decimal string whose spelling may differ from the order's (`"10.00"`); compare as decimals. */
  quoteAmount?: string | undefined;
  /** `usd` or an asset UUID (dashed or not, any case). */
  quoteAssetId?: string | undefined;
  quoteSymbol?: string | undefined;
  /** What the payer paid (also on `failed`). */
  paymentAmount?: string | undefined;
  paymentSymbol?: string | undefined;
  paymentAssetId?: string | undefined;
  payableAmount?: string | undefined;
  txid?: string | undefined;
  /** Unix seconds, or null when MixPay sent none (`""`, `null`, an unreadable value). */
  date: number | null;
  surplusAmount?: string | undefined;
  /** `no` means no surplus; any other value (`pending`, `sending`, `success`, `yes`) means there is one. */
  surplusStatus?: string | undefined;
  /** `-1` except while `pending`. */
  confirmations?: number | undefined;
  /** `"0"` for no failure; otherwise the code as a canonical integer string (`"40000"`). */
  failureCode: string;
  failureReason: string;
  returnTo?: string | undefined;
  /** `pending` or `success`; absent from answers older than 2023-04. */
  settleStatus?: string | undefined;
  settleAmount?: string | undefined;
  settleSymbol?: string | undefined;
  /** The asset actually settled (no `Id` suffix): may differ from the requested one. */
  settleAsset?: string | undefined;
  payment?: PaymentProgress | undefined;
  transactions?: PaymentTransaction[] | undefined;
  [field: string]: unknown;
}

const paymentProgress = z.looseObject({ isMultiPay: flag, isFullyPaid: flag, totalTransactionsAmount: token });

const paymentTransaction = z.looseObject({
  paymentAmount: token,
  paymentAssetId: token,
  paymentAssetSymbol: text,
  paymentAssetVersion: text,
  requiredConfirms: integer,
  confirmations: integer,
  txid: text,
  blockExplorerUrl: text,
  broadcastAt: text,
  confirmSeconds: integer,
});

const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null && !Array.isArray(v);

export const paymentResultAnswer: z.ZodType<PaymentResult, unknown> = z.looseObject({
  status: z.string({ error: 'must be a string' }),
  traceId: token,
  orderId: token,
  payeeId: token,
  quoteAmount: token,
  quoteAssetId: token,
  quoteSymbol: text,
  paymentAmount: text,
  paymentSymbol: text,
  paymentAssetId: token,
  payableAmount: text,
  txid: text,
  date: z.unknown().optional().transform(unixSecondsOf),
  surplusAmount: text,
  surplusStatus: text,
  confirmations: integer,
  failureCode: z.unknown().optional().transform(failureCodeOf),
  failureReason: z
    .unknown()
    .optional()
    .transform((v) => (typeof v === 'string' ? v : '')),
  returnTo: text,
  settleStatus: text,
  settleAmount: text,
  settleSymbol: text,
  settleAsset: text,
  // `payment` and `transactions` come only when asked for; a value of another shape is dropped.
  payment: z
    .unknown()
    .transform((v) => (isObject(v) ? paymentProgress.parse(v) : undefined))
    .optional(),
  transactions: z
    .unknown()
    .transform((v) => (Array.isArray(v) ? v.filter(isObject).map((t) => paymentTransaction.parse(t)) : undefined))
    .optional(),
});

/** Whether a result's surplus status says there is an overpayment (§10.13: anything but `no`). */
export function hasSurplus(result: Pick<PaymentResult, 'surplusStatus'>): boolean {
  return result.surplusStatus !== undefined && result.surplusStatus !== '' && result.surplusStatus !== 'no';
}

// ---------------------------------------------------------------------------------------------
// payments / payments_info / payments/refresh, and one_time_payment

/**
 * `data` of `POST /v1/payments` and `GET /v1/payments_info` (§3.1, §3.4). `traceId` is required:
 * it is the payment's id. `expire` may be missing or already past (§10.18): refresh then.
 */
export interface PaymentInfo {
  traceId: string;
  payeeId?: string | undefined;
  orderId?: string | undefined;
  clientId?: string | undefined;
  /** Exactly what the payer must send, in `paymentAssetId`. */
  paymentAmount?: string | undefined;
  paymentAssetId?: string | undefined;
  quoteAmount?: string | undefined;
  quoteAssetId?: string | undefined;
  /** End of the quote window, Unix seconds. */
  expire?: number | undefined;
  /** Length of the quote window, for a countdown only. */
  seconds?: number | undefined;
  isChain?: boolean | undefined;
  [field: string]: unknown;
}

export const paymentInfoAnswer: z.ZodType<PaymentInfo, unknown> = z.looseObject({
  traceId: requiredToken,
  payeeId: token,
  orderId: token,
  clientId: token,
  paymentAmount: token,
  paymentAssetId: token,
  quoteAmount: token,
  quoteAssetId: token,
  expire: z
    .unknown()
    .transform((v) => unixSecondsOf(v) ?? undefined)
    .optional(),
  seconds: integer,
  isChain: flag,
});

/**
 * `data` of `POST /v1/one_time_payment` (§3.3): MixPay answers only `{code}`, and the code **is**
 * the payment's traceId. A payhook gateway may add `traceId` and `paymentUrl`.
 */
export const oneTimePaymentAnswer = z.looseObject({
  code: requiredToken,
  traceId: token,
  paymentUrl: token,
});
// Three fields: the schema says all there is, so the type is read off it.
export type OneTimePaymentAnswer = z.output<typeof oneTimePaymentAnswer>;
