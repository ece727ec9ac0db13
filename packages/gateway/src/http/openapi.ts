// The OpenAPI 3.1 document of the gateway's JSON API, generated from the same zod schemas the
// routes validate with (z.toJSONSchema), so the document cannot drift from what is accepted.
// Served at /openapi.json and rendered at /docs.
import {
  assetListQuery,
  createOneTimePaymentRequest,
  createPaymentRequest,
  ErrorCode,
  multisigRequest,
  payeeIdSchema,
  paymentsEstimatedQuery,
  paymentsResultQuery,
  refreshPaymentRequest,
} from '@payhook/protocol';
import { z } from 'zod';
import { USDT_ID } from '../assets.js';
import {
  traceParams as adminTraceParams,
  deliveriesQuery,
  feedQuery,
  idParams,
  paymentsQuery,
  redeliverByUrl,
  timelineQuery,
} from './routes/admin.js';
import { paymentsInfoQuery } from './routes/api.js';
import { confirmationsBody, traceParams, transferBody, txidParams } from './routes/sandbox.js';
import { mixinParams } from './routes/settings.js';

export type JsonSchema = { [key: string]: unknown };

type Tag = 'payments' | 'sandbox' | 'admin' | 'operations';

/** One route as the document describes it; `route` is Fastify's template (`/admin/deliveries/:id`). */
export interface OperationSpec {
  method: 'get' | 'post' | 'put' | 'delete';
  route: string;
  tag: Tag;
  summary: string;
  description?: string;
  query?: z.ZodType;
  params?: z.ZodType;
  body?: z.ZodType;
  /** Form bodies too (MixPay's create endpoints). */
  form?: boolean;
  /** A body the route accepts, shown in the docs (and sent by the tests). */
  example?: Record<string, unknown>;
  /** The answer's `data`, where a schema exists. */
  data?: z.ZodType;
  /** Needs the admin token when one is configured. */
  guarded?: boolean;
  /** Refusals beyond parameter errors. */
  notFound?: boolean;
  /** Answers other than the JSON envelope. */
  produces?: 'text/plain' | 'text/html' | 'application/openapi+json';
}

const payeeParams = z.object({ payeeId: payeeIdSchema });

const EXAMPLE_PAYMENT = {
  payeeId: 'my-payee',
  orderId: 'order-1001',
  quoteAmount: '10',
  quoteAssetId: 'usd',
  paymentAssetId: USDT_ID,
  settlementAssetId: USDT_ID,
  callbackUrl: 'https://shop.example/mixpay/callback',
  callbackEvent: 'pending|settle',
};

/** Every route of the JSON API, sandbox and operations endpoints; pages for browsers are not API. */
export const OPERATIONS: readonly OperationSpec[] = [
  {
    method: 'post',
    route: '/v1/payments',
    tag: 'payments',
    summary: 'Create a payment',
    description:
      "A traceId is generated when none is given. Re-sending the same request (same traceId, or same payeeId and orderId) refreshes the payment: a new quote window. paymentAmount, when given, wins over quoteAmount. isChain answers a sandbox deposit destination (and tag). callbackUrl must be https:// in production; callbackEvent is a |-separated subset of settle, pending, paid_less (success and fail are always sent). Answers MixPay's payment (docs/compatibility.md).",
    body: createPaymentRequest,
    form: true,
    example: EXAMPLE_PAYMENT,
  },
  {
    method: 'post',
    route: '/v1/one_time_payment',
    tag: 'payments',
    summary: 'Create a one-time payment (answers code and paymentUrl)',
    description:
      "The code is the payment's traceId (a given traceId becomes the code); paymentAssetId may be left to the payer. Re-sending refreshes, as /v1/payments does.",
    body: createOneTimePaymentRequest,
    form: true,
    example: { ...EXAMPLE_PAYMENT, orderId: 'order-1002', paymentAssetId: undefined },
  },
  {
    method: 'get',
    route: '/v1/payments_result',
    tag: 'payments',
    summary: "A payment's result: the only place a merchant may learn it",
    description: 'traceId, or orderId with payeeId, is required. with: payment, transactions or both, comma-separated.',
    query: paymentsResultQuery,
    notFound: true,
  },
  {
    method: 'post',
    route: '/v1/payments/refresh',
    tag: 'payments',
    summary: 'A new quote window for a payment (traceId, or a one-time code)',
    body: refreshPaymentRequest,
    form: true,
    notFound: true,
  },
  {
    method: 'get',
    route: '/v1/payments_estimated',
    tag: 'payments',
    summary: 'The price of a payment before creating it (paymentAmount wins over quoteAmount)',
    query: paymentsEstimatedQuery,
  },
  {
    method: 'get',
    route: '/v1/setting/payment_assets',
    tag: 'payments',
    summary: 'Assets a payer can pay in (bounds specific to quoteAssetId and quoteAmount when given)',
    query: assetListQuery,
  },
  {
    method: 'get',
    route: '/v1/setting/quote_assets',
    tag: 'payments',
    summary: 'Assets and fiat currencies a price can be quoted in',
    query: assetListQuery,
  },
  {
    method: 'get',
    route: '/v1/setting/settlement_assets',
    tag: 'payments',
    summary: 'Assets a payee can be settled in',
    query: assetListQuery,
  },
  {
    method: 'get',
    route: '/v1/user/mixin_uuid/:mixinId',
    tag: 'payments',
    summary: "A Mixin number's payeeId (sandbox: a deterministic stand-in)",
    params: mixinParams,
  },
  {
    method: 'post',
    route: '/v1/multisig',
    tag: 'payments',
    summary: "A multisig group's payee id (sandbox: a deterministic stand-in from members and threshold)",
    description: 'receivers as a JSON array, repeated receivers[]=, or receivers[0]=, receivers[1]=…',
    body: multisigRequest,
    form: true,
  },
  {
    method: 'get',
    route: '/v1/payments_info',
    tag: 'payments',
    summary: 'What the payer owes, where to and for how long (traceId)',
    query: paymentsInfoQuery,
    notFound: true,
  },
  {
    method: 'post',
    route: '/v1/sandbox/transfers',
    tag: 'sandbox',
    summary: 'Feed a transfer to a payment (default: the rest of what is owed, fully confirmed)',
    description: "traceId, code, or an on-chain payment's destination (and tag) is required.",
    body: transferBody,
    guarded: true,
    notFound: true,
  },
  {
    method: 'post',
    route: '/v1/sandbox/transfers/:txid/confirmations',
    tag: 'sandbox',
    summary: "Set a transfer's confirmations",
    params: txidParams,
    body: confirmationsBody,
    example: { confirmations: 1 },
    guarded: true,
    notFound: true,
  },
  {
    method: 'post',
    route: '/v1/sandbox/payments/:traceId/expire',
    tag: 'sandbox',
    summary: "Run a payment's deadline now",
    params: traceParams,
    guarded: true,
    notFound: true,
  },
  {
    method: 'post',
    route: '/v1/sandbox/payments/:traceId/settle',
    tag: 'sandbox',
    summary: 'Settle a successful payment now',
    params: traceParams,
    guarded: true,
    notFound: true,
  },
  { method: 'get', route: '/v1/sandbox/assets', tag: 'sandbox', summary: 'The sandbox assets', guarded: true },
  {
    method: 'get',
    route: '/admin/payments',
    tag: 'admin',
    summary: 'Payments, newest first, with filters and a paging cursor',
    query: paymentsQuery,
    guarded: true,
  },
  {
    method: 'get',
    route: '/admin/payments/:traceId',
    tag: 'admin',
    summary: 'One payment with its transfers, events, deliveries and attempts',
    params: adminTraceParams,
    guarded: true,
    notFound: true,
  },
  {
    method: 'get',
    route: '/admin/deliveries',
    tag: 'admin',
    summary: 'Deliveries, newest first',
    query: deliveriesQuery,
    guarded: true,
  },
  {
    method: 'get',
    route: '/admin/deliveries/:id',
    tag: 'admin',
    summary: 'One delivery with its attempts',
    params: idParams,
    guarded: true,
    notFound: true,
  },
  {
    method: 'post',
    route: '/admin/deliveries/:id/redeliver',
    tag: 'admin',
    summary: 'Send a delivered or exhausted event again, on a fresh schedule',
    params: idParams,
    guarded: true,
    notFound: true,
  },
  {
    method: 'post',
    route: '/admin/deliveries/redeliver-exhausted',
    tag: 'admin',
    summary: 'Redeliver every exhausted delivery to one URL',
    body: redeliverByUrl,
    example: { url: 'https://shop.example/mixpay/callback' },
    guarded: true,
  },
  {
    method: 'get',
    route: '/admin/attempts',
    tag: 'admin',
    summary: 'Attempts in the order they ended (a live feed with a cursor)',
    query: feedQuery,
    guarded: true,
  },
  {
    method: 'get',
    route: '/admin/stats',
    tag: 'admin',
    summary: 'Delivery counts, retrying, lateness',
    guarded: true,
  },
  {
    method: 'get',
    route: '/admin/stats/timeline',
    tag: 'admin',
    summary: 'Attempt outcomes per time bucket',
    query: timelineQuery,
    guarded: true,
  },
  {
    method: 'put',
    route: '/admin/payees/:payeeId/secret',
    tag: 'admin',
    summary: "Set or rotate a payee's signing secret (signed callbacks); the answer shows it, once",
    params: payeeParams,
    guarded: true,
  },
  {
    method: 'get',
    route: '/admin/payees/:payeeId/secret',
    tag: 'admin',
    summary: "Whether a payee's callbacks are signed, and since when (never the secret)",
    params: payeeParams,
    guarded: true,
    notFound: true,
  },
  {
    method: 'delete',
    route: '/admin/payees/:payeeId/secret',
    tag: 'admin',
    summary: "Stop signing a payee's callbacks",
    params: payeeParams,
    guarded: true,
    notFound: true,
  },
  {
    method: 'get',
    route: '/healthz',
    tag: 'operations',
    summary: 'Checks the database: 200, or 503 in the envelope when it is unreachable',
  },
  {
    method: 'get',
    route: '/metrics',
    tag: 'operations',
    summary: 'Prometheus metrics (text exposition format)',
    guarded: true,
    produces: 'text/plain',
  },
  {
    method: 'get',
    route: '/openapi.json',
    tag: 'operations',
    summary: 'This document',
    produces: 'application/openapi+json',
  },
  { method: 'get', route: '/docs', tag: 'operations', summary: 'This document as a page', produces: 'text/html' },
];

/** Error codes the envelope carries, with what they mean. */
export const ERROR_CODES: readonly { code: number; meaning: string }[] = [
  { code: ErrorCode.ok, meaning: 'success' },
  { code: ErrorCode.parameterError, meaning: 'parameter error: the message names the field; nothing changed' },
  { code: ErrorCode.legacyParameterError, meaning: 'parameter error (older MixPay code, same meaning)' },
  { code: ErrorCode.unsupportedAsset, meaning: 'unsupported payment or settlement asset' },
  { code: ErrorCode.unsupportedQuoteAsset, meaning: 'unsupported quote asset' },
  { code: ErrorCode.notFound, meaning: 'not found (payment, delivery, route)' },
  { code: 2000, meaning: 'insufficient permissions: the admin token is missing or wrong, or a cross-site request' },
  { code: ErrorCode.rateLimited, meaning: 'rate limited: slow down (see x-ratelimit-* headers)' },
  { code: ErrorCode.serverError, meaning: 'server error, or the database is unreachable (/healthz)' },
];

/** `/admin/deliveries/:id` → `/admin/deliveries/{id}`. */
export function toOpenApiPath(route: string): string {
  return route.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** JSON Schema of what a client sends (`input`) or receives (`output`), without the draft header. */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  const { $schema: _draft, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function parameters(schema: z.ZodType | undefined, where: 'query' | 'path'): JsonSchema[] {
  if (!schema) return [];
  const object = jsonSchema(schema);
  const required = new Set((object.required as string[] | undefined) ?? []);
  return Object.entries((object.properties as Record<string, JsonSchema>) ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: property,
  }));
}

const errorRef = { $ref: '#/components/responses/Error' };

function operation(spec: OperationSpec, tokenConfigured: boolean): JsonSchema {
  const responses: Record<string, unknown> = {};
  if (spec.produces === undefined) {
    responses['200'] = {
      description: 'Success, in the envelope',
      content: {
        'application/json': {
          schema: {
            allOf: [
              { $ref: '#/components/schemas/Envelope' },
              ...(spec.data ? [{ type: 'object', properties: { data: jsonSchema(spec.data, 'output') } }] : []),
            ],
          },
        },
      },
    };
  } else {
    responses['200'] = { description: 'Success', content: { [spec.produces]: { schema: { type: 'string' } } } };
  }
  if (spec.query || spec.params || spec.body) responses['400'] = errorRef;
  if (spec.body) responses['415'] = errorRef;
  if (spec.notFound) responses['404'] = errorRef;
  if (spec.body && spec.route.startsWith('/v1/') && !spec.guarded) responses['409'] = errorRef;
  if (spec.guarded) {
    responses['401'] = errorRef;
    responses['403'] = errorRef;
  }
  if (spec.route.startsWith('/v1/')) responses['429'] = errorRef;
  if (spec.route === '/healthz') responses['503'] = errorRef;
  responses['500'] = errorRef;

  const op: JsonSchema = {
    operationId: `${spec.method}${spec.route.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
    tags: [spec.tag],
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    parameters: [...parameters(spec.params, 'path'), ...parameters(spec.query, 'query')],
    responses,
  };
  if (spec.body) {
    const schema = jsonSchema(spec.body);
    const example = spec.example ? JSON.parse(JSON.stringify(spec.example)) : undefined;
    const media = { schema, ...(example ? { example } : {}) };
    op.requestBody = {
      required: true,
      content: {
        'application/json': media,
        ...(spec.form ? { 'application/x-www-form-urlencoded': media } : {}),
      },
    };
  }
  if (spec.guarded) op.security = tokenConfigured ? [{ adminToken: [] }] : [{}, { adminToken: [] }];
  return op;
}

export interface OpenApiOptions {
  /** Sandbox routes are documented only where they are served. */
  sandboxEnabled: boolean;
  /** With an admin token, guarded routes require it; without one, they are open. */
  tokenConfigured: boolean;
  publicUrl: string;
  version?: string;
}

/** The operations this gateway serves, as its options decide. */
export function servedOperations(options: Pick<OpenApiOptions, 'sandboxEnabled'>): OperationSpec[] {
  return OPERATIONS.filter((op) => op.tag !== 'sandbox' || options.sandboxEnabled);
}

export function buildOpenApiDocument(options: OpenApiOptions): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of servedOperations(options)) {
    const path = toOpenApiPath(spec.route);
    paths[path] = { ...paths[path], [spec.method]: operation(spec, options.tokenConfigured) };
  }
  const codes = ERROR_CODES.map((c) => c.code);
  return {
    openapi: '3.1.0',
    info: {
      title: 'payhook gateway',
      version: options.version ?? '0.1.0',
      description:
        "A MixPay-compatible payment gateway. Every JSON answer is MixPay's envelope; errors carry success: false, a non-zero code and a message naming the field at fault.\n\n" +
        ERROR_CODES.map((c) => `- \`${c.code}\`: ${c.meaning}`).join('\n'),
    },
    servers: [{ url: options.publicUrl }],
    tags: [
      { name: 'payments', description: "MixPay's public API" },
      { name: 'sandbox', description: 'Drive payments without a chain (sandbox mode, or PAYHOOK_SANDBOX=1)' },
      { name: 'admin', description: 'Payments, deliveries and attempts; redelivery' },
      { name: 'operations', description: 'Health, metrics and this document' },
    ],
    paths,
    components: {
      securitySchemes: {
        adminToken: {
          type: 'http',
          scheme: 'bearer',
          description:
            'PAYHOOK_ADMIN_TOKEN as `Authorization: Bearer …` (or the dashboard session cookie). Required in production.',
        },
      },
      schemas: {
        Envelope: {
          type: 'object',
          required: ['code', 'success', 'message', 'data', 'timestampMs'],
          properties: {
            code: { type: 'integer', enum: codes, description: '0 on success' },
            success: { type: 'boolean' },
            message: { type: 'string' },
            data: {},
            timestampMs: { type: 'integer', description: 'Server time, epoch milliseconds' },
          },
        },
        ErrorEnvelope: {
          allOf: [
            { $ref: '#/components/schemas/Envelope' },
            {
              type: 'object',
              properties: {
                code: { type: 'integer', enum: codes.filter((c) => c !== ErrorCode.ok) },
                success: { const: false },
                data: { type: 'array', maxItems: 0 },
              },
            },
          ],
        },
      },
      responses: {
        Error: {
          description: 'Refused or failed, in the envelope (see the error codes above)',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } },
        },
      },
    },
  };
}
