// The attack of issue 10, replayed against the real example shop and the real gateway: forged
// callbacks at 10/s, naming unknown orders and real waiting ones, while customers create orders
// and pay them. The gateway runs MixPay's own retry schedule (15 s between the first attempts)
// and its own 60/min limit; the shop runs its defaults (no allow-list: the gateway is not MixPay,
// and unsigned, so nothing tells a forged callback from a genuine one). Figures: no false paid,
// no creation failed, every genuine callback answered SUCCESS on its first or second attempt.
import { DEFAULT_LOOKUP_WINDOW_MS } from '@payhook/merchant';
import { DEFAULT_RETRY_SCHEDULE_SECONDS } from '@payhook/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { killAllGateways } from '../../../packages/gateway/test/helpers/process.js';
import { waitFor } from '../../../packages/gateway/test/helpers/wait.js';
import { startApiProxy } from './helpers/fake-api.js';
import { type AdminDelivery, cleanupStacks, killAllShops, SHOP_PAYEE, Stack } from './helpers/stack.js';

const FLOOD_PER_SECOND = 10;
const FLOOD_MS = 25_000;
/** A customer order every so often during the flood, each paid a moment after it is created. */
const ORDER_EVERY_MS = 4_000;
const PAY_AFTER_MS = 1_000;
const ABANDONED = 2;

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all([killAllShops(), killAllGateways()]);
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

describe('a forged-callback flood against the example shop (real gateway and shop processes)', {
  timeout: 120_000,
}, () => {
  it('10 forged callbacks/s for 25 s: 0 false paid, 0 creations failed, genuine callbacks SUCCESS on attempt 1 or 2', async () => {
    // A counting hop between the shop and the gateway: how many requests the flood really cost.
    const proxy = await startApiProxy();
    servers.push(proxy);
    const stack = await Stack.start({
      apiBase: proxy.apiBase,
      gateway: { PAYHOOK_RETRY_SCHEDULE: DEFAULT_RETRY_SCHEDULE_SECONDS.join(','), PAYHOOK_RATE_LIMIT: '60' },
      shop: { CALLBACK_LOOKUP_WINDOW: String(DEFAULT_LOOKUP_WINDOW_MS / 1000) },
    });
    proxy.target = stack.gatewayUrl;

    // Orders nobody pays: the flood names them, over and over.
    const abandoned = await Promise.all(Array.from({ length: ABANDONED }, (_, i) => createOrder(stack, `${7 + i}`)));
    const known = abandoned.map((o) => ({ orderId: o.orderId, traceId: o.traceId }));

    const answers = new Map<string, number>();
    const inFlight: Promise<void>[] = [];
    let forgedAtRealOrders = 0;
    const forge = (i: number) => {
      const real = i % 2 === 0 && known.length > 0;
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
      while (sent < due && sent < (FLOOD_MS * FLOOD_PER_SECOND) / 1000) forge(sent++);
    }, 20);
    try {
      for (let at = 500; at < FLOOD_MS - 5_000; at += ORDER_EVERY_MS) {
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
      await waitFor(() => sent >= (FLOOD_MS * FLOOD_PER_SECOND) / 1000, {
        timeoutMs: FLOOD_MS + 10_000,
        what: 'the flood',
      });
    } finally {
      clearInterval(flood);
    }
    const genuine = await Promise.all(customers);
    await Promise.all(inFlight);
    const floodSeconds = (Date.now() - started) / 1000;

    // Every genuine order is paid and settled, by the gateway's own deliveries (at most two
    // attempts each: the second comes 15 s after the first).
    const deliveries = new Map<string, AdminDelivery[]>();
    await waitFor(
      async () => {
        for (const c of genuine) {
          if (deliveries.has(c.traceId)) continue;
          const events = await stack.events(c.traceId);
          const ds = ['success', 'settle'].map((type) => events.find((e) => e.type === type)?.deliveries[0]);
          if (ds.every((d) => d !== undefined && d.state !== 'pending'))
            deliveries.set(c.traceId, ds as AdminDelivery[]);
        }
        return deliveries.size === genuine.length;
      },
      { timeoutMs: 40_000, intervalMs: 1_000, what: 'every genuine delivery finished' },
    );
    const attempts = [...deliveries.values()].flat().map((d) => d.attemptList.map((a) => `${a.statusCode}`).join(','));

    const summary = {
      floodSeconds,
      forged: sent,
      forgedAtRealOrders,
      answers: Object.fromEntries(answers),
      lookups: proxy.resultRequests,
      customers: genuine.length,
      creationRetries: genuine.map((c) => c.retries),
      genuineAttempts: attempts,
    };
    console.log(`flood figures: ${JSON.stringify(summary)}`);

    // The flood was the attack: 10/s for at least 20 s, several times the 60/min budget.
    expect(sent).toBe((FLOOD_MS * FLOOD_PER_SECOND) / 1000);
    expect(forgedAtRealOrders).toBeGreaterThan(4 * 60 * (FLOOD_MS / 60_000));
    // 0 creations failed: every POST /orders was answered 200 at once, none ever answered 502.
    expect(genuine.map((c) => c.retries)).toEqual(genuine.map(() => 0));
    expect(genuine.length).toBeGreaterThanOrEqual(4);

    // Every genuine callback (success and settle of every order) answered SUCCESS on attempt 1 or 2.
    for (const [traceId, ds] of deliveries) {
      for (const d of ds) {
        expect(d.state, `${traceId} ${JSON.stringify(d.attemptList)}`).toBe('delivered');
        expect(d.attemptList.length, `${traceId} ${JSON.stringify(d.attemptList)}`).toBeLessThanOrEqual(2);
        expect(d.attemptList.at(-1)).toMatchObject({ success: true, statusCode: 200 });
      }
    }

    // 0 false paid: the abandoned orders still wait, no forged order exists, and every genuine
    // order was paid once, after its payment, with its own traceId.
    for (const o of abandoned) {
      expect((await stack.order(o.orderId)).status).toBe('waiting');
      expect(stack.row(o.orderId)?.status).toBe('waiting');
    }
    for (const c of genuine) {
      const order = await stack.order(c.orderId);
      expect(order).toMatchObject({ status: 'paid', settled: true, traceId: c.traceId });
      const paid = order.notes.filter((n) => n.kind === 'paid');
      expect(paid).toHaveLength(1);
      expect(paid[0]?.at).toBeGreaterThanOrEqual(c.paidAt);
      expect(paid[0]?.detail).toEqual({ traceId: c.traceId, paymentAmount: '10' });
    }
    expect(stack.row('forged-1')).toBeUndefined();

    // What the flood was answered: unknown orders 404, real ones NOT_FINAL or SUCCESS; never 503
    // (the budget held) and never anything that changed an order.
    expect(Object.keys(Object.fromEntries(answers)).sort()).toEqual(
      expect.arrayContaining(['202 NOT_FINAL', '404 UNKNOWN_ORDER']),
    );
    for (const key of answers.keys()) expect(['200 SUCCESS', '202 NOT_FINAL', '404 UNKNOWN_ORDER']).toContain(key);
    expect(answers.get('404 UNKNOWN_ORDER')).toBe(sent / 2);
    // The flood named real orders some 125 times; the shop looked them up a few dozen times, all told.
    expect(proxy.resultRequests).toBeLessThanOrEqual(60);
  });
});
