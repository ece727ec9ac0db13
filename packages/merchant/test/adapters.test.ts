// One suite, four real servers on loopback: plain node:http, Express 5 without and with
// express.json() in front, and Fastify. Each must hand the handler the body and the caller's
// address, and hand its answer back unchanged.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listenOnLoopback } from '../../../test-support/net.js';
import { expressCallbackHandler } from '../src/adapters/express.js';
import { fastifyCallbackPlugin } from '../src/adapters/fastify.js';
import { nodeCallbackHandler } from '../src/adapters/node.js';
import { type CallbackHandler, type CallbackRecord, createCallbackHandler } from '../src/handler.js';
import type { Order } from '../src/order.js';
import { MemoryOrderStore } from '../src/stores/memory-store.js';
import { resultFor, ScriptedResultSource, signCallback } from '../src/testing.js';
import { lookupFor } from '../src/verify.js';
import { makeOrder, PAYEE } from './helpers/orders.js';

const PATH = '/mixpay/callback';

interface Running {
  origin: string;
  close(): Promise<void>;
}

interface ServerKind {
  name: string;
  /** The framework parses JSON before the adapter sees it (the body is then re-serialised). */
  parsesJson: boolean;
  start(handler: CallbackHandler): Promise<Running>;
}

const listen = (server: Server): Promise<Running> => listenOnLoopback(server);

const kinds: ServerKind[] = [
  {
    name: 'node:http with nodeCallbackHandler',
    parsesJson: false,
    start: (handler) => listen(createServer(nodeCallbackHandler(handler))),
  },
  {
    name: 'Express 5 with expressCallbackHandler',
    parsesJson: false,
    start: (handler) => {
      const app = express();
      app.post(PATH, expressCallbackHandler(handler));
      return listen(createServer(app));
    },
  },
  {
    name: 'Express 5 with express.json() in front',
    parsesJson: true,
    start: (handler) => {
      const app = express();
      app.use(express.json());
      app.post(PATH, expressCallbackHandler(handler));
      return listen(createServer(app));
    },
  },
  {
    name: 'Fastify with fastifyCallbackPlugin',
    parsesJson: false,
    start: async (handler) => {
      const app = Fastify();
      await app.register(fastifyCallbackPlugin, { handler, path: PATH });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as AddressInfo;
      return { origin: `http://127.0.0.1:${port}`, close: () => app.close() };
    },
  },
];

describe.each(kinds)('$name', (kind) => {
  let store: MemoryOrderStore;
  let source: ScriptedResultSource;
  let records: CallbackRecord[];
  let running: Running[];

  beforeEach(() => {
    store = new MemoryOrderStore();
    source = new ScriptedResultSource();
    records = [];
    running = [];
  });

  afterEach(async () => {
    await Promise.all(running.map((r) => r.close()));
  });

  async function serve(allowedIps: string[] = [], signingSecret?: string) {
    const handler = createCallbackHandler({
      payeeId: PAYEE,
      store,
      source,
      allowedIps,
      signingSecret,
      recorder: { record: (entry) => records.push(entry) },
    });
    const server = await kind.start(handler);
    running.push(server);
    return server;
  }

  async function paidOrder(overrides: Partial<Order> = {}) {
    const order = makeOrder(overrides);
    await store.insert(order);
    source.set(lookupFor(order), resultFor(order));
    return order;
  }

  /** The body MixPay sends, byte for byte. */
  const callbackBody = (order: Order) =>
    JSON.stringify({ orderId: order.orderId, traceId: order.traceId ?? '', payeeId: order.payeeId });

  async function post(server: Running, body: string | Blob, contentType: string | null = 'application/json') {
    const response = await fetch(`${server.origin}${PATH}`, {
      method: 'POST',
      headers: contentType ? { 'content-type': contentType } : {},
      body,
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, contentType: response.headers.get('content-type'), json, text };
  }

  it('answers 200 {"code":"SUCCESS"} as JSON and the order is paid', async () => {
    const server = await serve();
    const order = await paidOrder();
    const answer = await post(server, callbackBody(order));
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ code: 'SUCCESS' });
    expect(answer.contentType).toMatch(/^application\/json/);
    expect((await store.findByOrderId(order.orderId))?.status).toBe('paid');
    expect(source.calls).toEqual([{ traceId: order.traceId }]);
  });

  it('passes the body through exactly', async () => {
    const server = await serve();
    const order = await paidOrder();
    const body = callbackBody(order);
    await post(server, body);
    expect(records.map((r) => r.body)).toEqual([body]);
  });

  it('passes other answers through with their status (202, 404)', async () => {
    const server = await serve();
    const order = makeOrder();
    await store.insert(order);
    source.set(lookupFor(order), resultFor(order, { status: 'pending' }));
    expect(await post(server, callbackBody(order))).toMatchObject({ status: 202, json: { code: 'NOT_FINAL' } });
    expect(await post(server, callbackBody(makeOrder()))).toMatchObject({
      status: 404,
      json: { code: 'UNKNOWN_ORDER' },
    });
  });

  it('hands the socket address to the allow-list: 127.0.0.1 allowed passes', async () => {
    const server = await serve(['127.0.0.1']);
    const order = await paidOrder();
    expect(await post(server, callbackBody(order))).toMatchObject({ status: 200, json: { code: 'SUCCESS' } });
    expect(records[0]?.remoteAddress).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
  });

  it('hands the socket address to the allow-list: only 52.198.117.57 allowed refuses with 403', async () => {
    const server = await serve(['52.198.117.57']);
    const order = await paidOrder();
    expect(await post(server, callbackBody(order))).toMatchObject({ status: 403, json: { code: 'FORBIDDEN' } });
    expect(source.calls).toEqual([]);
    expect((await store.findByOrderId(order.orderId))?.status).toBe('waiting');
  });

  it('does not let X-Forwarded-For pass the allow-list', async () => {
    const server = await serve(['52.198.117.57']);
    const order = await paidOrder();
    const response = await fetch(`${server.origin}${PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '52.198.117.57' },
      body: callbackBody(order),
    });
    expect(response.status).toBe(403);
  });

  it('hands the signature headers and the signed bytes to the handler', async () => {
    const secret = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
    const server = await serve([], secret);
    const order = await paidOrder();
    const body = callbackBody(order);
    const signed = async (headers: Record<string, string>) =>
      fetch(`${server.origin}${PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    expect((await signed({})).status).toBe(401);
    const good = await signed(signCallback(body, { secret, id: 'evt-adapter' }));
    expect(good.status).toBe(200);
    expect(await good.json()).toEqual({ code: 'SUCCESS' });
    expect((await store.findByOrderId(order.orderId))?.status).toBe('paid');
  });

  it('refuses a malformed body with 400', async () => {
    const server = await serve();
    await paidOrder();
    const answer = await post(server, '{"orderId": "order-1", ');
    expect(answer.status).toBe(400);
    // With express.json() in front, Express answers the parse error itself; otherwise the kit does.
    if (!kind.parsesJson) expect(answer.json).toEqual({ code: 'BAD_REQUEST' });
    expect(source.calls).toEqual([]);
  });

  it('refuses JSON that is not a callback with 400 BAD_REQUEST', async () => {
    const server = await serve();
    for (const body of ['[1,2]', '42', '{"orderId":7}', '{}']) {
      const answer = await post(server, body);
      expect(answer.status).toBe(400);
      // express.json() (strict) answers a bare number itself; everything else reaches the kit.
      if (!(kind.parsesJson && body === '42')) expect(answer.json).toEqual({ code: 'BAD_REQUEST' });
    }
    expect(source.calls).toEqual([]);
  });

  it('reads a callback sent with a non-JSON content type', async () => {
    const server = await serve();
    const order = await paidOrder();
    const body = callbackBody(order);
    expect(await post(server, body, 'text/plain')).toMatchObject({ status: 200, json: { code: 'SUCCESS' } });
    expect(records[0]?.body).toBe(body);
  });

  it('reads a callback sent without a content type', async () => {
    const server = await serve();
    const order = await paidOrder();
    // A Blob without a type: fetch sends no content-type at all.
    expect(await post(server, new Blob([callbackBody(order)]), null)).toMatchObject({
      status: 200,
      json: { code: 'SUCCESS' },
    });
  });

  it('lets the kit refuse a form-encoded body (400 BAD_REQUEST, not the framework’s 415)', async () => {
    const server = await serve();
    const order = await paidOrder();
    const form = new URLSearchParams({ orderId: order.orderId, payeeId: PAYEE }).toString();
    expect(await post(server, form, 'application/x-www-form-urlencoded')).toMatchObject({
      status: 400,
      json: { code: 'BAD_REQUEST' },
    });
    expect(records).toHaveLength(1);
    expect(source.calls).toEqual([]);
  });

  it('refuses a huge body and keeps serving', async () => {
    const server = await serve();
    const order = await paidOrder();
    const huge = JSON.stringify({ orderId: order.orderId, pad: 'x'.repeat(2 * 1024 * 1024) });
    const answer = await post(server, huge);
    expect([400, 413]).toContain(answer.status);
    expect(source.calls).toEqual([]);
    expect((await store.findByOrderId(order.orderId))?.status).toBe('waiting');
    // The server is still up and the order can still be paid.
    expect(await post(server, callbackBody(order))).toMatchObject({ status: 200, json: { code: 'SUCCESS' } });
  });

  it('serves many callbacks at once on one server', async () => {
    const server = await serve();
    const orders = await Promise.all(Array.from({ length: 20 }, () => paidOrder()));
    const answers = await Promise.all(orders.map((o) => post(server, callbackBody(o))));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(store.all().every((o) => o.status === 'paid')).toBe(true);
  });

  if (!kind.parsesJson) {
    it('passes a body with spacing and unicode through byte for byte', async () => {
      const server = await serve();
      const order = await paidOrder();
      const body = `{ "orderId" : "${order.orderId}",\n  "traceId": "${order.traceId}", "payeeId": "${PAYEE}", "note": "café ✓" }`;
      expect(await post(server, body)).toMatchObject({ status: 200 });
      expect(records[0]?.body).toBe(body);
    });
  }
});

describe('Fastify plugin scope', () => {
  it('leaves the JSON parsing of the shop’s other routes as it was', async () => {
    const app = Fastify();
    const handler = createCallbackHandler({
      payeeId: PAYEE,
      store: new MemoryOrderStore(),
      source: new ScriptedResultSource(),
    });
    await app.register(fastifyCallbackPlugin, { handler });
    app.post('/shop/json', async (request) => ({ echo: request.body }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = app.server.address() as AddressInfo;
      const ok = await fetch(`http://127.0.0.1:${port}/shop/json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"a":1}',
      });
      expect(await ok.json()).toEqual({ echo: { a: 1 } });
      const form = await fetch(`http://127.0.0.1:${port}/shop/json`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'a=1',
      });
      expect(form.status).toBe(415);
      // The plugin's default path.
      const callback = await fetch(`http://127.0.0.1:${port}/mixpay/callback`, { method: 'POST', body: 'x' });
      expect(callback.status).toBe(400);
    } finally {
      await app.close();
    }
  });
});
