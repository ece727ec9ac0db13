// Zod schemas of MixPay's requests: the gateway validates requests with them, read as leniently
// as MixPay's own clients send them (shared/MIXPAY-API.md §11). MixPay's answers, as a client
// reads them, are in answers.ts.
import { z } from 'zod';
import { isPositiveDecimal } from './decimal.js';
import { ORDER_ID_PATTERN, UUID_PATTERN } from './payment.js';

/**
 * A positive decimal amount, as a string or a JSON number (MixPay takes both). The gateway's JSON
 * parser hands number literals over as their source text, so no float ever touches an amount.
 */
export const positiveAmount = z
  .union([z.string(), z.number()], { error: 'must be a decimal such as "10.5"' })
  .transform((v) => (typeof v === 'number' ? String(v) : v.trim()))
  .refine(isPositiveDecimal, 'must be a positive decimal such as "10.5"');

/**
 * An optional parameter. `""` and `null` mean "absent" too (older MixPay SDKs send them for every
 * unset option): the gateway drops such values before validating (see `withoutAbsent`), so the
 * schemas' input types stay what a caller writes.
 */
const optional = <T extends z.ZodType>(schema: T) => schema.optional();

/** The parameters without those MixPay treats as absent: `""` and `null`. */
export function withoutAbsent(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== '' && v !== null && v !== undefined));
}

const UNDASHED_UUID = /^[0-9a-fA-F]{32}$/;

/** A UUID dashed or as 32 hex digits, in any case, spelt the one way MixPay issues it: dashed lower case. */
export function normalizeId(value: string): string {
  const v = value.trim();
  if (UNDASHED_UUID.test(v)) {
    const h = v.toLowerCase();
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  return UUID_PATTERN.test(v) ? v.toLowerCase() : v;
}

export const traceIdSchema = z.string().transform(normalizeId).pipe(z.string().regex(UUID_PATTERN, 'must be a UUID'));
export const orderIdSchema = z.string().regex(ORDER_ID_PATTERN, 'must be 6-36 letters, digits, dashes or underscores');
export const payeeIdSchema = z
  .string()
  .min(1, 'is required')
  .max(64)
  .regex(/^[A-Za-z0-9-]+$/, 'must be letters, digits and dashes')
  .transform(normalizeId);
/** A crypto asset's UUID (normalised) or a fiat code (any case, normalised to lower case). */
export const assetIdSchema = z
  .string()
  .min(1)
  .max(64)
  .transform((v) => {
    const id = normalizeId(v);
    return UUID_PATTERN.test(id) ? id : id.toLowerCase();
  });

/** Booleans as MixPay's clients send them: `true`/`false`, `"true"`/`"false"`, `1`/`0`, `"1"`/`"0"`; `""` is false. */
export const formBoolean = z
  .union([z.boolean(), z.literal(1), z.literal(0), z.enum(['1', '0', 'true', 'false', ''])], {
    error: 'must be true, false, 1 or 0',
  })
  .transform((v) => v === true || v === 1 || v === '1' || v === 'true');

/** A non-negative integer, as a JSON number or a string of digits. */
const integer = (pattern: RegExp, message: string) =>
  z.union([z.number().int(), z.string().trim().regex(pattern, message)], { error: message }).transform(Number);

/** Unix seconds, as a JSON integer or a form string. */
const unixSeconds = integer(/^\d{1,12}$/, 'must be unix seconds');

const optionalText = (max: number) => optional(z.string().max(max, `must be at most ${max} characters`));

const paymentFields = {
  payeeId: payeeIdSchema,
  orderId: optional(orderIdSchema),
  traceId: optional(traceIdSchema),
  /** Absent is allowed when `paymentAmount` is given: MixPay then ignores it anyway. */
  quoteAmount: optional(positiveAmount),
  /** When given, wins over `quoteAmount` (MixPay: "quoteAmount is ignored"). */
  paymentAmount: optional(positiveAmount),
  quoteAssetId: assetIdSchema,
  settlementAssetId: assetIdSchema,
  paymentAssetId: optional(assetIdSchema),
  isChain: optional(formBoolean),
  callbackUrl: optional(z.string().max(2048)),
  callbackEvent: optional(z.string().max(200)),
  expiredTimestamp: optional(unixSeconds),
  returnTo: optionalText(2048),
  failedReturnTo: optionalText(2048),
  remark: optionalText(50),
  note: optionalText(50),
  settlementMemo: optionalText(200),
  strictMode: optional(formBoolean),
  clientId: optional(z.string().max(64).transform(normalizeId)),
};

const requireAmount = (v: { quoteAmount?: string | undefined; paymentAmount?: string | undefined }) =>
  v.quoteAmount !== undefined || v.paymentAmount !== undefined;
const amountMessage = { message: 'is required (or paymentAmount)', path: ['quoteAmount'] };

/**
 * `POST /v1/payments`. Neither orderId nor traceId is fine (MixPay's own on-chain example
 * sends neither): a traceId is generated.
 */
export const createPaymentRequest = z
  .object({ ...paymentFields, paymentAssetId: assetIdSchema })
  .refine(requireAmount, amountMessage);
export type CreatePaymentRequest = z.infer<typeof createPaymentRequest>;

/** `POST /v1/one_time_payment`: the payer may pick the payment asset at checkout. */
export const createOneTimePaymentRequest = z
  .object({
    ...paymentFields,
    isTemp: optional(formBoolean),
    expireSeconds: optional(
      integer(/^\d{1,9}$/, 'must be a number of seconds').pipe(z.number().int().min(1).max(31_536_000)),
    ),
  })
  .refine(requireAmount, amountMessage);
export type CreateOneTimePaymentRequest = z.infer<typeof createOneTimePaymentRequest>;

/** `POST /v1/payments/refresh`: traceId (a one-time payment's code is its traceId). */
export const refreshPaymentRequest = z.object({
  traceId: traceIdSchema,
  clientId: optional(z.string().max(64)),
});
export type RefreshPaymentRequest = z.infer<typeof refreshPaymentRequest>;

export const RESULT_INCLUDES = ['payment', 'transactions'] as const;
export type ResultInclude = (typeof RESULT_INCLUDES)[number];

/** `with`: comma-separated, and may be repeated (`with=payment&with=transactions`). */
const includes = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v, ctx) => {
    const parts = [v ?? []]
      .flat()
      .flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = parts.filter((p) => !(RESULT_INCLUDES as readonly string[]).includes(p));
    if (bad.length > 0) {
      ctx.addIssue({ code: 'custom', message: `unknown value ${bad.join(', ')}; use payment, transactions` });
      return z.NEVER;
    }
    return [...new Set(parts)] as ResultInclude[];
  });

/** `GET /v1/payments_result`: a traceId, or an orderId with its payeeId. */
export const paymentsResultQuery = z
  .object({
    traceId: optional(traceIdSchema),
    orderId: optional(orderIdSchema),
    payeeId: optional(payeeIdSchema),
    with: includes,
  })
  .refine((q) => q.traceId !== undefined || (q.orderId !== undefined && q.payeeId !== undefined), {
    message: 'traceId, or orderId with payeeId, is required',
    path: ['traceId'],
  });
export type PaymentsResultQuery = z.infer<typeof paymentsResultQuery>;

/** `GET /v1/payments_estimated`: `paymentAmount` may stand in for `quoteAmount` and wins over it. */
export const paymentsEstimatedQuery = z
  .object({
    paymentAssetId: assetIdSchema,
    settlementAssetId: assetIdSchema,
    quoteAssetId: assetIdSchema,
    quoteAmount: optional(positiveAmount),
    paymentAmount: optional(positiveAmount),
  })
  .refine(requireAmount, amountMessage);
export type PaymentsEstimatedQuery = z.infer<typeof paymentsEstimatedQuery>;

/** The asset lists' filters; `quoteAmount` counts only together with `quoteAssetId`. */
export const assetListQuery = z.object({
  payeeId: optional(payeeIdSchema),
  quoteAssetId: optional(assetIdSchema),
  quoteAmount: optional(positiveAmount),
});
export type AssetListQuery = z.infer<typeof assetListQuery>;

/** `POST /v1/multisig`: 3–256 members, a threshold no larger than their number. */
export const multisigRequest = z.object({
  receivers: z
    .array(traceIdSchema, { error: 'must be a list of Mixin user ids' })
    .min(3, 'must name at least 3 members')
    .max(256, 'must name at most 256 members'),
  threshold: integer(/^\d{1,3}$/, 'must be a positive integer').pipe(z.number().int().min(1, 'must be at least 1')),
});
export type MultisigRequest = z.infer<typeof multisigRequest>;

/**
 * Formats zod issues as one readable line: `quoteAmount: must be a positive decimal…; payeeId: is required`.
 * Parse with `{ reportInput: true }`: zod keeps an issue's input only then, and only with it can a
 * missing field ("is required") be told from a wrong-typed one (which keeps its own message).
 */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join('.');
      const missing = issue.code === 'invalid_type' && 'input' in issue && issue.input === undefined;
      const message = missing ? 'is required' : issue.message;
      return path ? `${path}: ${message}` : message;
    })
    .join('; ');
}
