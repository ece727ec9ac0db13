// The OpenAPI 3.1 document of the gateway's JSON API, generated from the routes as registered:
// each API route's declaration (api-route.ts: method, path, the zod schemas it validates with, as
// z.toJSONSchema) and the access of the scope it was registered in (access.ts), so the document
// cannot drift from what is served and accepted. Served at /openapi.json and rendered at /docs.
import { ErrorCode } from '@payhook/protocol';
import { z } from 'zod';
import type { RegisteredRoute } from './access.js';
import type { ApiRouteSpec, ApiTag } from './api-route.js';

export type JsonSchema = { [key: string]: unknown };

/** The document's sections, in the order the page shows them. */
const TAGS: Record<ApiTag, string> = {
  payments: "MixPay's public API",
  sandbox: 'Drive payments without a chain (sandbox mode, or PAYHOOK_SANDBOX=1)',
  admin: 'Payments, deliveries and attempts; redelivery',
  operations: 'Health, metrics and this document',
};

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

/** One operation; `guarded`: registered in an operator scope, so behind the token when one is set. */
function operation(spec: ApiRouteSpec, guarded: boolean, tokenConfigured: boolean): JsonSchema {
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
  if (spec.body && spec.url.startsWith('/v1/') && !guarded) responses['409'] = errorRef;
  if (guarded) {
    responses['401'] = errorRef;
    responses['403'] = errorRef;
  }
  if (spec.url.startsWith('/v1/')) responses['429'] = errorRef;
  if (spec.unavailable) responses['503'] = errorRef;
  responses['500'] = errorRef;

  const op: JsonSchema = {
    operationId: `${spec.method.toLowerCase()}${spec.url.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
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
      // The route reads a missing body as `{}` (parseInput): optional when that is valid.
      required: !spec.body.safeParse({}).success,
      content: {
        'application/json': media,
        ...(spec.form ? { 'application/x-www-form-urlencoded': media } : {}),
      },
    };
  }
  if (guarded) op.security = tokenConfigured ? [{ adminToken: [] }] : [{}, { adminToken: [] }];
  return op;
}

export interface OpenApiOptions {
  /** With an admin token, guarded routes require it; without one, they are open. */
  tokenConfigured: boolean;
  publicUrl: string;
  version?: string;
}

/**
 * The document of the API routes among `routes` (the app's route record, complete once it is
 * ready): exactly those served, so the sandbox's only where it is on.
 */
export function buildOpenApiDocument(routes: readonly RegisteredRoute[], options: OpenApiOptions): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { api, access } of routes) {
    if (!api) continue;
    const path = toOpenApiPath(api.url);
    const guarded = access === 'operator';
    paths[path] = { ...paths[path], [api.method.toLowerCase()]: operation(api, guarded, options.tokenConfigured) };
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
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
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
