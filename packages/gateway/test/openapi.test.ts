// /openapi.json and /docs against the running routes: the document is generated from the routes
// as registered (http/api-route.ts), so these check what it says of them: every /v1 and /admin
// route is in it, each operation as its route was declared and guarded, examples and required
// fields as the routes' schemas have them, and request bodies as documented are accepted.
import { createOneTimePaymentRequest, createPaymentRequest } from '@payhook/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { type RegisteredRoute, registeredRoutes } from '../src/http/access.js';
import { toOpenApiPath } from '../src/http/openapi.js';
import { call, newOrderId } from './helpers/api.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';
import { servedRoutes } from './helpers/routes.js';

const TOKEN = 'openapi-admin-token-0123456789';
let gw: TestGateway | undefined;

afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

type Doc = { openapi: string; paths: Record<string, Record<string, any>> };

async function documentOf(g: TestGateway): Promise<Doc> {
  const res = await call(g, 'GET', '/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return JSON.parse(res.raw) as Doc;
}

/** The operations of `doc` as `METHOD /path/{param}`. */
function documented(doc: Doc): string[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
  );
}

/** The routes registered with a declaration for the document. */
function apiRoutes(g: TestGateway): (RegisteredRoute & { api: NonNullable<RegisteredRoute['api']> })[] {
  return registeredRoutes(g.gateway.app).filter(
    (r): r is RegisteredRoute & { api: NonNullable<RegisteredRoute['api']> } => Boolean(r.api),
  );
}

function resolve(doc: unknown, ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
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

describe('GET /openapi.json', () => {
  for (const [name, env] of [
    ['sandbox', {}],
    ['production', { PAYHOOK_MODE: 'production', PAYHOOK_ADMIN_TOKEN: TOKEN }],
  ] as const) {
    it(`documents every /v1 and /admin route, and only routes that exist (${name})`, async () => {
      gw = await startTestGateway(env, {}, { listen: false });
      const doc = await documentOf(gw);
      expect(doc.openapi).toBe('3.1.0');
      expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
      const served = servedRoutes(gw.gateway.app).map((r) => `${r.method} ${toOpenApiPath(r.path)}`);
      // The parser read the tree right: each route it found is one Fastify has.
      for (const { method, path } of servedRoutes(gw.gateway.app)) {
        expect(gw.gateway.app.hasRoute({ method: method as 'GET', url: path }), `${method} ${path}`).toBe(true);
      }
      const api = served.filter((r) => /^\/(v1|admin)\//.test(r.split(' ')[1] ?? ''));
      expect(api.filter((r) => r.includes(' /v1/')).length).toBeGreaterThanOrEqual(name === 'sandbox' ? 9 : 4);
      expect(api.filter((r) => r.includes(' /admin/')).length).toBeGreaterThanOrEqual(9);
      expect(documented(doc)).toEqual(expect.arrayContaining(api));
      expect(served).toEqual(expect.arrayContaining(documented(doc)));
      expect(documented(doc).some((r) => r.includes('/v1/sandbox/'))).toBe(name === 'sandbox');
      // One operation per declared route, with an id of its own; every $ref resolves.
      const declared = apiRoutes(gw).map((r) => `${r.method} ${toOpenApiPath(r.url)}`);
      expect([...documented(doc)].sort()).toEqual([...declared].sort());
      const ids = Object.values(doc.paths).flatMap((methods) => Object.values(methods).map((op) => op.operationId));
      expect(ids).toHaveLength(declared.length);
      expect(new Set(ids).size).toBe(ids.length);
      const refs = refsIn(doc);
      expect(refs.length).toBeGreaterThan(10);
      for (const ref of refs) expect(resolve(doc, ref), ref).toBeDefined();
    });
  }

  it('asks for the token on the operator routes, where one is configured', async () => {
    gw = await startTestGateway({ PAYHOOK_MODE: 'production', PAYHOOK_ADMIN_TOKEN: TOKEN }, {}, { listen: false });
    const production = await documentOf(gw);
    expect(production.paths['/admin/stats']?.get.security).toEqual([{ adminToken: [] }]);
    for (const route of apiRoutes(gw)) {
      const op = production.paths[toOpenApiPath(route.url)]?.[route.method.toLowerCase()];
      const where = `${route.method} ${route.url}`;
      if (route.access === 'operator') {
        expect(op.security, where).toEqual([{ adminToken: [] }]);
        expect(Object.keys(op.responses), where).toEqual(expect.arrayContaining(['401', '403']));
      } else {
        expect(op.security, where).toBeUndefined();
      }
    }
    // The guarded ones answer 401 without the token, as documented.
    expect((await call(gw, 'GET', '/admin/stats')).status).toBe(401);
    expect((await call(gw, 'GET', '/metrics')).status).toBe(401);
    await gw.close();

    // Without a token the admin API is open, and the document says so.
    gw = await startTestGateway({}, {}, { listen: false });
    const open = await documentOf(gw);
    expect(open.paths['/admin/stats']?.get.security).toEqual([{}, { adminToken: [] }]);
  });

  it('requires in the request body exactly what the zod schema requires', async () => {
    gw = await startTestGateway({}, {}, { listen: false });
    const doc = await documentOf(gw);
    const required = (path: string) => doc.paths[path]?.post.requestBody.content['application/json'].schema.required;
    expect([...required('/v1/payments')].sort()).toEqual(zodRequired(createPaymentRequest));
    expect([...required('/v1/one_time_payment')].sort()).toEqual(zodRequired(createOneTimePaymentRequest));
    // paymentAssetId: required to create a payment, optional for a one-time payment.
    expect(required('/v1/payments')).toContain('paymentAssetId');
    expect(required('/v1/one_time_payment')).not.toContain('paymentAssetId');
  });

  it('shows only examples that the route schemas accept', async () => {
    gw = await startTestGateway({}, {}, { listen: false });
    const doc = await documentOf(gw);
    const withExamples = apiRoutes(gw).filter((r) => r.api.example);
    expect(withExamples.length).toBeGreaterThanOrEqual(3);
    for (const { method, url, api } of withExamples) {
      const example = JSON.parse(JSON.stringify(api.example));
      const parsed = api.body?.safeParse(example);
      expect(parsed?.success, `${url}: ${parsed?.error?.message}`).toBe(true);
      const op = doc.paths[toOpenApiPath(url)]?.[method.toLowerCase()];
      expect(op.requestBody.content['application/json'].example, url).toEqual(example);
      // And the route takes it: whatever it answers, it is not a parameter error.
      const res = await call(gw, method as 'POST', url.replace(/:[A-Za-z]+/g, 'x'), { json: example });
      expect(res.status, `${method} ${url}: ${res.body.message}`).not.toBe(400);
    }
  });

  it('turns Fastify path parameters into OpenAPI ones', async () => {
    expect(toOpenApiPath('/v1/sandbox/transfers/:txid/confirmations')).toBe(
      '/v1/sandbox/transfers/{txid}/confirmations',
    );
    gw = await startTestGateway({}, {}, { listen: false });
    const doc = await documentOf(gw);
    expect(doc.paths['/admin/deliveries/{id}/redeliver']?.post.parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'string', minLength: 1, maxLength: 64 } },
    ]);
  });

  it('describes the bodies /v1/payments and /v1/one_time_payment accept', async () => {
    gw = await startTestGateway({}, {}, { listen: false });
    const doc = await documentOf(gw);
    for (const path of ['/v1/payments', '/v1/one_time_payment']) {
      const content = doc.paths[path]?.post.requestBody.content;
      expect(Object.keys(content)).toEqual(['application/json', 'application/x-www-form-urlencoded']);
      const { schema, example } = content['application/json'];
      const body = (overrides: Record<string, unknown> = {}) => ({ ...example, orderId: newOrderId(), ...overrides });

      // The documented example is accepted, as JSON and as a form.
      expect((await call(gw, 'POST', path, { json: body() })).status, path).toBe(200);
      expect((await call(gw, 'POST', path, { form: body() as Record<string, string> })).status, path).toBe(200);

      // Every field the document requires is required by the route.
      for (const field of schema.required as string[]) {
        const { [field]: _dropped, ...rest } = body();
        const res = await call(gw, 'POST', path, { json: rest });
        expect(res.status, `${path} without ${field}`).toBe(400);
        expect(res.body.message).toContain(`${field}: is required`);
      }
      // Every documented bound is the route's bound.
      for (const [field, property] of Object.entries(schema.properties as Record<string, any>)) {
        if (typeof property.maxLength === 'number') {
          const res = await call(gw, 'POST', path, { json: body({ [field]: 'a'.repeat(property.maxLength + 1) }) });
          expect(res.status, `${path} ${field} over maxLength`).toBe(400);
          expect(res.body.message).toContain(`${field}:`);
        }
        if (typeof property.pattern === 'string') {
          expect(new RegExp(property.pattern).test('!!')).toBe(false);
          const res = await call(gw, 'POST', path, { json: body({ [field]: '!!' }) });
          expect(res.status, `${path} ${field} against its pattern`).toBe(400);
          expect(res.body.message).toContain(`${field}:`);
        }
        if (Array.isArray(property.anyOf)) {
          // Alternatives such as integer | string: an object is neither.
          const res = await call(gw, 'POST', path, { json: body({ [field]: { nested: true } }) });
          expect(res.status, `${path} ${field} as an object`).toBe(400);
        }
      }
    }
  });

  it('names the query parameters payments_result reads', async () => {
    gw = await startTestGateway({}, {}, { listen: false });
    const doc = await documentOf(gw);
    const params = doc.paths['/v1/payments_result']?.get.parameters as { name: string; in: string }[];
    expect(params.map((p) => p.name).sort()).toEqual(['orderId', 'payeeId', 'traceId', 'with']);
    const payment = await gw.createPayment({ orderId: 'order-openapi-1' });
    const byOrder = await call(gw, 'GET', '/v1/payments_result?orderId=order-openapi-1&payeeId=payee-1&with=payment');
    expect(byOrder.status).toBe(200);
    expect(byOrder.body.data.traceId).toBe(payment.traceId);
    expect(byOrder.body.data.payment).toBeDefined();
  });
});

describe('GET /docs', () => {
  it('renders every documented operation in a self-contained page', async () => {
    gw = await startTestGateway({}, {}, { listen: false });
    const doc = await documentOf(gw);
    const res = await call(gw, 'GET', '/docs');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    const page = res.raw;
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        expect(page, `${method} ${path}`).toContain(`id="${op.operationId}"`);
        expect(page).toContain(`<code>${path}</code>`);
      }
    }
    expect(page).toContain('10011');
    expect(page).toContain('1429');
    // Nothing fetched from elsewhere, and no script at all.
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//);
  });
});
