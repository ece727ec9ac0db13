// Two small stand-ins for the MixPay API, for what the real gateway never does on its own:
// - FakeMixPay answers payments_result with whatever the test scripts (auditing, a failure
//   after success, a foreign payee…), and creates one-time payments like MixPay;
// - ApiProxy sits between the shop and the real gateway and can make payments_result answer
//   garbage, or vanish with the gateway behind it.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Order } from '@payhook/merchant';
import { resultFor } from '@payhook/merchant/testing';
import type { PaymentResult } from '@payhook/protocol';

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const ok = (data: unknown) => ({ code: 0, success: true, message: '', data, timestampMs: Date.now() });

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
}

export interface FakeMixPay {
  /** `http://127.0.0.1:PORT/v1`: the shop's MIXPAY_API_BASE. */
  apiBase: string;
  /** Every payments_result lookup, as its query string. */
  lookups: string[];
  /** What payments_result answers for this traceId from now on: the order's deal with `overrides`. */
  script(traceId: string, overrides: Partial<PaymentResult>): void;
  close(): Promise<void>;
}

export async function startFakeMixPay(): Promise<FakeMixPay> {
  const payments = new Map<string, Order>();
  const scripted = new Map<string, Partial<PaymentResult>>();
  const lookups: string[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://fake');
      if (req.method === 'POST' && url.pathname === '/v1/one_time_payment') {
        const p = new URLSearchParams(body);
        const traceId = (p.get('traceId') ?? '').toLowerCase();
        payments.set(traceId, {
          orderId: p.get('orderId') ?? '',
          traceId,
          payeeId: p.get('payeeId') ?? '',
          amount: p.get('quoteAmount') ?? '',
          assetId: p.get('quoteAssetId') ?? '',
          status: 'waiting',
          paymentUrl: null,
          settledAt: null,
          createdAt: Date.now(),
          updatedAt: Date.now(),
        });
        return sendJson(res, 200, ok({ code: `code-${traceId}`, traceId, paymentUrl: `https://pay.test/${traceId}` }));
      }
      if (req.method === 'GET' && url.pathname === '/v1/payments_result') {
        lookups.push(url.search);
        const traceId = (url.searchParams.get('traceId') ?? '').toLowerCase();
        const payment = payments.get(traceId);
        if (!payment) return sendJson(res, 200, { code: 404, success: false, message: 'not found', data: [] });
        return sendJson(res, 200, ok(resultFor(payment, { status: 'unpaid', ...scripted.get(traceId) })));
      }
      sendJson(res, 404, { code: 404, success: false, message: 'no such route', data: [] });
    })();
  });
  const origin = await listen(server);
  return {
    apiBase: `${origin}/v1`,
    lookups,
    script(traceId, overrides) {
      scripted.set(traceId.toLowerCase(), overrides);
    },
    close: () => close(server),
  };
}

export interface ApiProxy {
  apiBase: string;
  /** The gateway's origin, where requests are forwarded. */
  target: string;
  /** `forward`: pass everything to the gateway; `garbage`: payments_result answers an HTML error page. */
  mode: 'forward' | 'garbage';
  /** payments_result requests seen, whatever the mode. */
  resultRequests: number;
  /** one_time_payment requests the gateway answered (lost answers included). */
  createRequests: number;
  /** How many more one_time_payment answers to lose: forwarded, then the connection is cut. */
  loseCreateAnswers: number;
  close(): Promise<void>;
}

export async function startApiProxy(target = ''): Promise<ApiProxy> {
  const proxy: ApiProxy = {
    apiBase: '',
    target,
    mode: 'forward',
    resultRequests: 0,
    createRequests: 0,
    loseCreateAnswers: 0,
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if ((req.url ?? '').startsWith('/v1/payments_result')) {
        proxy.resultRequests++;
        if (proxy.mode === 'garbage') {
          res.writeHead(200, { 'content-type': 'text/html' });
          res.end('<html><body>502 Bad Gateway</body></html>');
          return;
        }
      }
      try {
        const upstream = await fetch(`${proxy.target}${req.url}`, {
          method: req.method,
          headers: { 'content-type': req.headers['content-type'] ?? 'application/json', accept: 'application/json' },
          ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body }),
        });
        const payload = Buffer.from(await upstream.arrayBuffer());
        if ((req.url ?? '').startsWith('/v1/one_time_payment')) {
          proxy.createRequests++;
          if (proxy.loseCreateAnswers > 0) {
            // The payment now exists at the gateway; the shop never hears so.
            proxy.loseCreateAnswers--;
            req.socket.destroy();
            return;
          }
        }
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
        res.end(payload);
      } catch {
        // The gateway is down: so is the API, as far as the shop can tell.
        req.socket.destroy();
      }
    })();
  });
  const origin = await listen(server);
  proxy.apiBase = `${origin}/v1`;
  proxy.close = () => close(server);
  return proxy;
}
