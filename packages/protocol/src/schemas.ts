// Zod schemas of MixPay's requests: the gateway validates requests with them. MixPay's answers,
// as a client reads them, are in answers.ts.
import { z } from 'zod';
import { isPositiveDecimal } from './decimal.js';
import { ORDER_ID_PATTERN, UUID_PATTERN } from './payment.js';

/** A positive decimal given as a string; a JSON number is refused so no float ever touches an amount. */
export const positiveAmount = z
  .string({ error: 'must be a decimal string such as "10.5", not a number' })
  .refine(isPositiveDecimal, 'must be a positive decimal string such as "10.5"');

export const traceIdSchema = z.string().regex(UUID_PATTERN, 'must be a UUID');
export const orderIdSchema = z.string().regex(ORDER_ID_PATTERN, 'must be 6-36 letters, digits, dashes or underscores');
export const payeeIdSchema = z
  .string()
  .min(1, 'is required')
  .max(64)
  .regex(/^[A-Za-z0-9-]+$/, 'must be letters, digits and dashes');
const assetIdSchema = z.string().min(1).max(64);

/** Booleans arrive as JSON booleans or as form strings `1`/`0`/`true`/`false`. */
const formBoolean = z
  .union([z.boolean(), z.enum(['1', '0', 'true', 'false'])])
  .transform((v) => v === true || v === '1' || v === 'true');

/** Unix seconds, as a JSON integer or a form string. */
const unixSeconds = z
  .union([z.number().int(), z.string().regex(/^\d{1,12}$/, 'must be unix seconds')])
  .transform((v) => Number(v));

const optionalText = (max: number) => z.string().max(max, `must be at most ${max} characters`).optional();

const paymentFields = {
  payeeId: payeeIdSchema,
  orderId: orderIdSchema.optional(),
  traceId: traceIdSchema.optional(),
  quoteAmount: positiveAmount,
  quoteAssetId: assetIdSchema,
  settlementAssetId: assetIdSchema,
  paymentAssetId: assetIdSchema.optional(),
  callbackUrl: z.string().max(2048).optional(),
  callbackEvent: z.string().max(200).optional(),
  expiredTimestamp: unixSeconds.optional(),
  returnTo: optionalText(2048),
  failedReturnTo: optionalText(2048),
  remark: optionalText(50),
  note: optionalText(50),
  settlementMemo: optionalText(200),
  strictMode: formBoolean.optional(),
  clientId: z.string().max(64).optional(),
};

const requireOrderOrTrace = <T extends { orderId?: string | undefined; traceId?: string | undefined }>(v: T) =>
  v.orderId !== undefined || v.traceId !== undefined;
const orderOrTraceMessage = { message: 'orderId or traceId is required', path: ['orderId'] };

/** `POST /v1/payments`. */
export const createPaymentRequest = z
  .object({ ...paymentFields, paymentAssetId: assetIdSchema })
  .refine(requireOrderOrTrace, orderOrTraceMessage);
export type CreatePaymentRequest = z.infer<typeof createPaymentRequest>;

/** `POST /v1/one_time_payment`: the payer may pick the payment asset at checkout. */
export const createOneTimePaymentRequest = z
  .object({
    ...paymentFields,
    isTemp: formBoolean.optional(),
    expireSeconds: z
      .union([z.number().int(), z.string().regex(/^\d{1,9}$/)])
      .transform(Number)
      .pipe(z.number().int().min(1).max(31_536_000))
      .optional(),
  })
  .refine(requireOrderOrTrace, orderOrTraceMessage);
export type CreateOneTimePaymentRequest = z.infer<typeof createOneTimePaymentRequest>;

export const RESULT_INCLUDES = ['payment', 'transactions'] as const;
export type ResultInclude = (typeof RESULT_INCLUDES)[number];

/** `GET /v1/payments_result`: a traceId, or an orderId with its payeeId. */
export const paymentsResultQuery = z
  .object({
    traceId: traceIdSchema.optional(),
    orderId: orderIdSchema.optional(),
    payeeId: payeeIdSchema.optional(),
    with: z
      .string()
      .optional()
      .transform((v, ctx) => {
        const parts = (v ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const bad = parts.filter((p) => !(RESULT_INCLUDES as readonly string[]).includes(p));
        if (bad.length > 0) {
          ctx.addIssue({ code: 'custom', message: `unknown value ${bad.join(', ')}; use payment, transactions` });
          return z.NEVER;
        }
        return parts as ResultInclude[];
      }),
  })
  .refine((q) => q.traceId !== undefined || (q.orderId !== undefined && q.payeeId !== undefined), {
    message: 'traceId, or orderId with payeeId, is required',
    path: ['traceId'],
  });
export type PaymentsResultQuery = z.infer<typeof paymentsResultQuery>;

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
