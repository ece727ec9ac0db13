// /openapi.json and /docs against the running routes: every /v1 route is documented, every
// documented route exists, and request bodies as documented are what the routes accept.
import { afterEach, describe, expect, it } from 'vitest';
import { call, newOrderId } from './helpers/api.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

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

/**
 * The routes Fastify serves, as `METHOD /path/{param}`, read from printRoutes' tree (one node a
 * line, four columns per level, methods in parentheses).
 */
function servedRoutes(g: TestGateway): string[] {
  const tree = g.gateway.app.printRoutes({ commonPrefix: false });
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] as string).length / 4;
    const path = (stack[depth - 1] ?? '') + (match[2] as string);
    stack[depth] = path;
    stack.length = depth + 1;
    for (const method of (match[3] ?? '').split(', ').filter((m) => m !== '' && m !== 'HEAD')) {
      routes.push(`${method} ${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    }
  }
  return routes;
}

function documented(doc: Doc): string[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
  );
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
      const served = servedRoutes(gw);
      // The parser read the tree right: each route it found is one Fastify has.
      for (const route of served) {
        const [method, path] = route.split(' ') as [string, string];
        const url = path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
        expect(gw.gateway.app.hasRoute({ method: method as 'GET', url }), route).toBe(true);
      }
      const api = served.filter((r) => /^\/(v1|admin)\//.test(r.split(' ')[1] ?? ''));
      expect(api.filter((r) => r.includes(' /v1/')).length).toBeGreaterThanOrEqual(name === 'sandbox' ? 9 : 4);
      expect(api.filter((r) => r.includes(' /admin/')).length).toBeGreaterThanOrEqual(9);
      expect(documented(doc)).toEqual(expect.arrayContaining(api));
      expect(served).toEqual(expect.arrayContaining(documented(doc)));
      expect(documented(doc).some((r) => r.includes('/v1/sandbox/'))).toBe(name === 'sandbox');
    });
  }

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
