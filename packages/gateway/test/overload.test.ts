// Overload is shed, not suffered: while the event loop lags past PAYHOOK_MAX_EVENT_LOOP_DELAY the
// API answers 503 in MixPay's envelope with retry-after, /healthz and /metrics still answer, and
// once the lag is gone requests succeed again. Nothing accepted is lost: every create answered 200
// is in the store, and a shed one was refused before any work.
//
// The lag is made deliberately: requests are written to raw sockets (the bytes are in the kernel
// before this process reads them), then the event loop is blocked. When it is free again the
// pressure sample runs before the requests are read, so they are judged under pressure. Which
// sample sees the block depends on timer order, so a round is repeated until one is shed.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { paymentBody } from '../../../test-support/fixtures.js';
import { RETRY_AFTER_S } from '../src/http/overload.js';
import { closeTestServers, startTestGateway, type TestGateway } from './helpers/gateway.js';

let gw: TestGateway | undefined;

afterEach(closeTestServers);

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: any;
}

/** Opens a connection and writes one request on it; the answer is read once the loop is free. */
async function send(url: string, method: string, path: string, json?: unknown): Promise<() => Promise<RawAnswer>> {
  const { hostname, port } = new URL(url);
  const socket: Socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => socket.once('end', resolve).once('error', reject));
  const body = json === undefined ? '' : JSON.stringify(json);
  socket.write(
    `${method} ${path} HTTP/1.1\r\nhost: ${hostname}:${port}\r\nconnection: close\r\n` +
      (json === undefined ? '' : `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`) +
      `\r\n${body}`,
  );
  return async () => {
    await ended;
    const text = Buffer.concat(chunks).toString('utf8');
    const [head = '', payload = ''] = text.split('\r\n\r\n');
    const [statusLine = '', ...lines] = head.split('\r\n');
    const headers = Object.fromEntries(
      lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
    );
    // Chunked or not, an envelope is the one JSON object in the payload.
    const isJson = headers['content-type']?.startsWith('application/json') === true;
    const json = payload.slice(payload.indexOf('{'), payload.lastIndexOf('}') + 1);
    return { status: Number(statusLine.split(' ')[1]), headers, body: isJson ? JSON.parse(json) : payload };
  };
}

function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy: this is the overload
  }
}

const newPayment = (orderId: string) => paymentBody({ orderId });

describe('overload shedding (PAYHOOK_MAX_EVENT_LOOP_DELAY)', () => {
  it('answers 503 + envelope + retry-after past the threshold, keeps /healthz and /metrics, recovers, loses nothing accepted', async () => {
    gw = await startTestGateway({ PAYHOOK_MAX_EVENT_LOOP_DELAY: '20' });
    // Accepted before any deliberate block; a loaded machine may lag past 20 ms on its own, so
    // it is retried while shed (the first 200 is what counts).
    let before: { traceId: string } | undefined;
    for (let i = 0; i < 200 && before === undefined; i++) {
      const res = await gw.post('/v1/payments', newPayment('overload-before'));
      if (res.status === 200) before = res.body.data;
      else await new Promise((r) => setTimeout(r, 50));
    }
    if (before === undefined) throw new Error('no create accepted before the block');

    const creates: Array<{ orderId: string; answer: RawAnswer }> = [];
    let shed: { api: RawAnswer; health: RawAnswer; metrics: RawAnswer } | undefined;
    for (let round = 0; round < 20 && shed === undefined; round++) {
      const orderId = `overload-${round}`;
      const pending = {
        api: await send(gw.url, 'GET', `/v1/payments_result?traceId=${before.traceId}`),
        create: await send(gw.url, 'POST', '/v1/payments', newPayment(orderId)),
        health: await send(gw.url, 'GET', '/healthz'),
        metrics: await send(gw.url, 'GET', '/metrics'),
      };
      blockEventLoop(1_000);
      const api = await pending.api();
      creates.push({ orderId, answer: await pending.create() });
      const health = await pending.health();
      const metrics = await pending.metrics();
      if (api.status === 503) shed = { api, health, metrics };
      else expect(api.status).toBe(200);
    }

    expect(shed, 'no request was shed in 20 rounds of a 1 s block').toBeDefined();
    const { api, health, metrics } = shed as NonNullable<typeof shed>;
    expect(api.body).toMatchObject({ code: 1429, success: false, data: [] });
    expect(api.body.message).toMatch(/overloaded/);
    expect(api.headers['retry-after']).toBe(String(RETRY_AFTER_S));
    // Judged under the same pressure, in the same turn of the loop: never shed.
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ code: 0, data: { status: 'ok' } });
    expect(metrics.status).toBe(200);

    // Once the lag is gone, the API answers again (the next samples see a free loop).
    let status = 0;
    for (let i = 0; i < 200 && status !== 200; i++) {
      status = (await gw.get(`/v1/payments_result?traceId=${before.traceId}`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(200);

    // Nothing accepted is lost: every create answered 200 is stored; a shed one never started.
    const store = gw.gateway.store.payments;
    expect(await store.find({ traceId: before.traceId })).toBeDefined();
    expect(creates.some((c) => c.answer.status === 503)).toBe(true);
    for (const { orderId, answer } of creates) {
      expect([200, 503]).toContain(answer.status);
      const stored = await store.find({ payeeId: 'payee-1', orderId });
      if (answer.status === 200) expect(stored?.payment.traceId).toBe(answer.body.data.traceId);
      else expect(stored).toBeUndefined();
    }
  });

  it('sheds nothing at 0', async () => {
    gw = await startTestGateway({ PAYHOOK_MAX_EVENT_LOOP_DELAY: '0' });
    const created = await gw.createPayment();
    const pending = await send(gw.url, 'GET', `/v1/payments_result?traceId=${created.traceId}`);
    blockEventLoop(500);
    expect((await pending()).status).toBe(200);
  });
});
