// The OpenAPI document against the zod schemas it is generated from, without a server.
import { createOneTimePaymentRequest, createPaymentRequest } from '@payhook/protocol';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { buildOpenApiDocument, type JsonSchema, OPERATIONS, servedOperations, toOpenApiPath } from './openapi.js';

const document = buildOpenApiDocument({ sandboxEnabled: true, tokenConfigured: false, publicUrl: 'http://x' });

function resolve(ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
}

function refsIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(refsIn);
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([k, v]) => (k === '$ref' && typeof v === 'string' ? [v] : refsIn(v)));
}

/** Keys a zod object requires: those that refuse `undefined`. */
function zodRequired(schema: z.ZodType): string[] {
  const shape = (schema as unknown as { shape: Record<string, z.ZodType> }).shape;
  return Object.entries(shape)
    .filter(([, field]) => !field.safeParse(undefined).success)
    .map(([key]) => key)
    .sort();
}

function bodySchema(path: string): JsonSchema {
  const op = (document.paths as Record<string, Record<string, any>>)[path]?.post;
  return op.requestBody.content['application/json'].schema;
}

describe('buildOpenApiDocument', () => {
  it('is OpenAPI 3.1 JSON whose every $ref resolves and whose operation ids are unique', () => {
    const copy = JSON.parse(JSON.stringify(document));
    expect(copy).toEqual(document);
    expect(document.openapi).toBe('3.1.0');
    const refs = refsIn(document);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) expect(resolve(ref), ref).toBeDefined();
    const ids = Object.values(document.paths as Record<string, Record<string, { operationId: string }>>).flatMap(
      (methods) => Object.values(methods).map((op) => op.operationId),
    );
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(OPERATIONS.length);
  });

  it('requires in the request body exactly what the zod schema requires', () => {
    expect([...(bodySchema('/v1/payments').required as string[])].sort()).toEqual(zodRequired(createPaymentRequest));
    expect([...(bodySchema('/v1/one_time_payment').required as string[])].sort()).toEqual(
      zodRequired(createOneTimePaymentRequest),
    );
    // paymentAssetId: required to create a payment, optional for a one-time payment.
    expect(bodySchema('/v1/payments').required).toContain('paymentAssetId');
    expect(bodySchema('/v1/one_time_payment').required).not.toContain('paymentAssetId');
  });

  it('shows only examples that the route schemas accept', () => {
    const withExamples = OPERATIONS.filter((op) => op.example);
    expect(withExamples.length).toBeGreaterThanOrEqual(3);
    for (const op of withExamples) {
      const parsed = op.body?.safeParse(JSON.parse(JSON.stringify(op.example)));
      expect(parsed?.success, `${op.route}: ${parsed?.error?.message}`).toBe(true);
    }
  });

  it('documents sandbox routes only where they are served, and the token where it is required', () => {
    const production = buildOpenApiDocument({ sandboxEnabled: false, tokenConfigured: true, publicUrl: 'https://x' });
    const paths = Object.keys(production.paths as object);
    expect(paths.some((p) => p.startsWith('/v1/sandbox'))).toBe(false);
    expect(paths).toContain('/v1/payments');
    expect(servedOperations({ sandboxEnabled: false })).toHaveLength(
      OPERATIONS.filter((op) => op.tag !== 'sandbox').length,
    );
    const stats = (production.paths as Record<string, Record<string, any>>)['/admin/stats']?.get;
    expect(stats.security).toEqual([{ adminToken: [] }]);
    // Without a token the admin API is open, and the document says so.
    const open = (document.paths as Record<string, Record<string, any>>)['/admin/stats']?.get;
    expect(open.security).toEqual([{}, { adminToken: [] }]);
  });

  it('turns Fastify path parameters into OpenAPI ones', () => {
    expect(toOpenApiPath('/v1/sandbox/transfers/:txid/confirmations')).toBe(
      '/v1/sandbox/transfers/{txid}/confirmations',
    );
    const op = (document.paths as Record<string, Record<string, any>>)['/admin/deliveries/{id}/redeliver']?.post;
    expect(op.parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'string', minLength: 1, maxLength: 64 } },
    ]);
  });
});
