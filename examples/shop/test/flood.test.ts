// The attack of issue 10, replayed against the real example shop and the real gateway: forged
// callbacks at 10/s, naming unknown orders and real ones, while customers create orders and pay
// them. The gateway runs MixPay's own retry schedule (15 s between the first two attempts) and
// its 60/min limit. First the shop as it runs against a payhook gateway by default: no allow-list
// (the gateway is not MixPay's address) and unsigned, so nothing tells a forged callback from a
// genuine one; then with the gateway signing and the shop holding the secret.
import { DEFAULT_LOOKUP_WINDOW_MS } from '@payhook/merchant';
import { DEFAULT_RETRY_SCHEDULE_SECONDS } from '@payhook/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { killAllProcesses } from '../../../test-support/process.js';
import { waitFor } from '../../../test-support/wait.js';
import { startApiProxy } from './helpers/fake-api.js';
import { type AdminDelivery, cleanupStacks, SHOP_PAYEE, Stack } from './helpers/stack.js';

const FLOOD_PER_SECOND = 10;
/** A customer order every so often during the flood, each paid a moment after it is created. */
const ORDER_EVERY_MS = 4_000;
const PAY_AFTER_MS = 1_000;
const ABANDONED = 2;

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await killAllProcesses();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await cleanupStacks();
});

interface Customer {
  orderId: string;
  traceId: string;
  /** POST /orders answers before the one that created it (503s), none expected. */
  retries: number;
  paidAt: number;
}

/** POST /orders as a careful client does: on 503, wait Retry-After and send the same order again. */
async function createOrder(
  stack: Stack,
  amount: string,
): Promise<{ orderId: string; traceId: string; retries: number }> {
  let orderId: string | undefined;
  for (let retries = 0; ; retries++) {
    const res = await fetch(`${stack.shop.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount, checkout: 'one_time', ...(orderId ? { orderId } : {}) }),
    });
    const body = (await res.json()) as { orderId: string; traceId: string; error?: string };
    if (res.status === 200) return { orderId: body.orderId, traceId: body.traceId, retries };
    if (res.status !== 503) throw new Error(`POST /orders answered ${res.status}: ${JSON.stringify(body)}`);
    orderId = body.orderId;
    await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after')) * 1000));
  }
}

interface Attack {
  sent: number;
  forgedAtRealOrders: number;
  answers: Map<string, number>;
  abandoned: { orderId: string; traceId: string }[];
  genuine: Customer[];
  /** The success and settle deliveries of every genuine order, once the gateway is done with them. */
  deliveries: Map<string, AdminDelivery[]>;
  seconds: number;
}

/**
 * Forged callbacks at FLOOD_PER_SECOND for `floodMs`, half naming unknown orders, half real ones
 * (abandoned orders and the customers' own, waiting or paid); meanwhile a customer creates an
 * order every ORDER_EVERY_MS and pays it PAY_AFTER_MS later. Returns when every genuine delivery
 * is finished.
 */
async function attack(stack: Stack, floodMs: number): Promise<Attack> {
  const abandoned = await Promise.all(Array.from({ length: ABANDONED }, (_, i) => createOrder(stack, `${7 + i}`)));
  const known = abandoned.map((o) => ({ orderId: o.orderId, traceId: o.traceId }));
  const total = (floodMs * FLOOD_PER_SECOND) / 1000;

  const answers = new Map<string, number>();
  const inFlight: Promise<void>[] = [];
  let forgedAtRealOrders = 0;
  const forge = (i: number) => {
    const real = i % 2 === 0;
    const target = real
      ? (known[(i / 2) % known.length] as { orderId: string; traceId: string })
      : { orderId: `forged-${i}`, traceId: crypto.randomUUID() };
    if (real) forgedAtRealOrders++;
    inFlight.push(
      stack.callback({ ...target, payeeId: SHOP_PAYEE }).then((a) => {
        const key = `${a.status} ${a.code}`;
        answers.set(key, (answers.get(key) ?? 0) + 1);
      }),
    );
  };

  const customers: Promise<Customer>[] = [];
  const started = Date.now();
  let sent = 0;
  const flood = setInterval(() => {
    // Catch up if the timer fell behind on the busy machine: the rate is the rate.
    const due = Math.floor(((Date.now() - started) * FLOOD_PER_SECOND) / 1000);
    while (sent < due && sent < total) forge(sent++);
  }, 20);
  try {
    for (let at = 500; at < floodMs - 5_000; at += ORDER_EVERY_MS) {
      await new Promise((r) => setTimeout(r, Math.max(0, started + at - Date.now())));
      customers.push(
        (async () => {
          const created = await createOrder(stack, '10');
          known.push({ orderId: created.orderId, traceId: created.traceId });
          await new Promise((r) => setTimeout(r, PAY_AFTER_MS));
          const paidAt = Date.now();
          expect((await stack.pay(created.traceId)).result.status).toBe('success');
          return { ...created, paidAt };
        })(),
      );
    }
    await waitFor(() => sent >= total, { timeoutMs: floodMs + 10_000, what: 'the flood' });
  } finally {
    clearInterval(flood);
  }
  const genuine = await Promise.all(customers);
  await Promise.all(inFlight);
  const seconds = (Date.now() - started) / 1000;

  // The gateway's own deliveries, polled gently (its control routes have a budget too).
  const deliveries = new Map<string, AdminDelivery[]>();
  await waitFor(
    async () => {
      for (const c of genuine) {
        if (deliveries.has(c.traceId)) continue;
        const events = await stack.events(c.traceId);
        const ds = ['success', 'settle'].map((type) => events.find((e) => e.type === type)?.deliveries[0]);
        if (ds.every((d) => d !== undefined && d.state !== 'pending')) deliveries.set(c.traceId, ds as AdminDelivery[]);
      }
      return deliveries.size === genuine.length;
    },
    { timeoutMs: 40_000, intervalMs: 1_000, what: 'every genuine delivery finished' },
  );
  return { sent, forgedAtRealOrders, answers, abandoned, genuine, deliveries, seconds };
}

/** 0 false paid: the abandoned orders still wait, no forged order exists, every genuine order was paid once, after its payment. */
async function expectNoFalsePaid(stack: Stack, a: Attack) {
  for (const o of a.abandoned) {
    expect((await stack.order(o.orderId)).status).toBe('waiting');
    expect(stack.row(o.orderId)?.status).toBe('waiting');
  }
  for (const c of a.genuine) {
    const order = await stack.order(c.orderId);
    expect(order).toMatchObject({ status: 'paid', settled: true, traceId: c.traceId });
    expect(stack.row(c.orderId)?.status).toBe('paid');
    const paid = order.notes.filter((n) => n.kind === 'paid');
    expect(paid).toHaveLength(1);
    expect(paid[0]?.at).toBeGreaterThanOrEqual(c.paidAt);
    expect(paid[0]?.detail).toEqual({ traceId: c.traceId, paymentAmount: '10' });
  }
  expect(stack.row('forged-1')).toBeUndefined();
}

/** Every genuine callback, success and settle of every order: delivered, within `maxAttempts`. */
function expectGenuineAnswered(a: Attack, maxAttempts: number) {
  for (const [traceId, ds] of a.deliveries) {
    for (const d of ds) {
      const seen = `${traceId} ${JSON.stringify(d.attemptList)}`;
      expect(d.state, seen).toBe('delivered');
      expect(d.attemptList.length, seen).toBeLessThanOrEqual(maxAttempts);
      expect(d.attemptList.at(-1), seen).toMatchObject({ success: true, statusCode: 200 });
    }
  }
}

function figures(a: Attack, lookups: number) {
  return {
    seconds: a.seconds,
    forged: a.sent,
    forgedAtRealOrders: a.forgedAtRealOrders,
    answers: Object.fromEntries(a.answers),
    lookups,
    customers: a.genuine.length,
    creationRetries: a.genuine.map((c) => c.retries),
    genuineAttempts: [...a.deliveries.values()].flat().map((d) => d.attemptList.map((x) => x.statusCode).join(',')),
  };
}

// MixPay's own schedule: the first retry of a callback comes 15 s after the first attempt.
const MIXPAY_SCHEDULE = { PAYHOOK_RETRY_SCHEDULE: DEFAULT_RETRY_SCHEDULE_SECONDS.join(','), PAYHOOK_RATE_LIMIT: '60' };

describe('a forged-callback flood against the example shop (real gateway and shop processes)', {
  timeout: 120_000,
}, () => {
  it('unsigned, from anyone: 0 false paid, 0 creations failed, genuine callbacks SUCCESS on attempt 1 or 2', async () => {
    // A counting hop between the shop and the gateway: how many lookups the flood really cost.
    const proxy = await startApiProxy();
    servers.push(proxy);
    const stack = await Stack.start({
      apiBase: proxy.apiBase,
      gateway: MIXPAY_SCHEDULE,
      // The shop's default window (the stack compresses it to 0 for its quick tests).
      shop: { CALLBACK_LOOKUP_WINDOW: String(DEFAULT_LOOKUP_WINDOW_MS / 1000) },
    });
    proxy.target = stack.gatewayUrl;
    const a = await attack(stack, 25_000);
    console.log(`flood figures (unsigned): ${JSON.stringify(figures(a, proxy.resultRequests))}`);

    // The attack: 10/s for 25 s, 250 callbacks, 125 naming real orders, several times 60/min.
    expect(a.sent).toBe(250);
    expect(a.forgedAtRealOrders).toBe(125);
    // 0 creations failed: every POST /orders answered 200 the first time (never 502, never 503).
    expect(a.genuine.map((c) => c.retries)).toEqual(a.genuine.map(() => 0));
    expect(a.genuine.length).toBeGreaterThanOrEqual(4);
    expectGenuineAnswered(a, 2);
    await expectNoFalsePaid(stack, a);
    // The flood was answered 404 (unknown) or NOT_FINAL / SUCCESS (real orders), never 503: the
    // budget held. The real orders were looked up a few dozen times in all, not 125.
    expect(a.answers.get('404 UNKNOWN_ORDER')).toBe(125);
    for (const key of a.answers.keys()) expect(['200 SUCCESS', '202 NOT_FINAL', '404 UNKNOWN_ORDER']).toContain(key);
    expect(proxy.resultRequests).toBeLessThanOrEqual(60);
  });

  it('signed (the gateway signs, the shop has the secret): forged refused unread, genuine SUCCESS on attempt 1', async () => {
    const proxy = await startApiProxy();
    servers.push(proxy);
    const stack = await Stack.start({ apiBase: proxy.apiBase, gateway: MIXPAY_SCHEDULE, shop: {} });
    proxy.target = stack.gatewayUrl;
    const res = await fetch(`${stack.gatewayUrl}/admin/payees/${SHOP_PAYEE}/secret`, { method: 'PUT' });
    const { secret } = ((await res.json()) as { data: { secret: string } }).data;
    await stack.shop.stop();
    // The safe default: a signing secret is configured, and every callback must carry its signature.
    await stack.startShop({ PAYHOOK_SIGNING_SECRET: secret });
    expect(stack.shop.output()).toContain('callbacks from anyone, signed');

    const a = await attack(stack, 20_000);
    console.log(`flood figures (signed): ${JSON.stringify(figures(a, proxy.resultRequests))}`);
    expect(a.sent).toBe(200);
    expect(Object.fromEntries(a.answers)).toEqual({ '401 BAD_SIGNATURE': 200 });
    expect(a.genuine.map((c) => c.retries)).toEqual(a.genuine.map(() => 0));
    expectGenuineAnswered(a, 1);
    await expectNoFalsePaid(stack, a);
    // Only genuine callbacks were looked up: at most the success and the settle of each paid order.
    expect(proxy.resultRequests).toBeGreaterThanOrEqual(a.genuine.length);
    expect(proxy.resultRequests).toBeLessThanOrEqual(2 * a.genuine.length);
  });
});
