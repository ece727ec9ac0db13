// The admin read API: the payment list with its filters, search and paging, and the stats.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { call, expectOk } from './helpers/api.js';
import { closeTestServers, startClockedGateway, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { type Receiver, refusedUrl, startReceiver } from './helpers/receiver.js';

let gw: TestGateway;
let receiver: Receiver | undefined;

afterEach(closeTestServers);

interface Listed {
  traceId: string;
  orderId: string | null;
  status: string;
  createdAt: number;
}

async function list(query = ''): Promise<{ payments: Listed[]; next: string | null }> {
  return expectOk(await call(gw, 'GET', `/admin/payments${query}`));
}

const traceIds = (payments: Listed[]) => payments.map((p) => p.traceId).sort();

async function stats(): Promise<Record<string, number>> {
  return expectOk(await call(gw, 'GET', '/admin/stats')).deliveries;
}

describe('GET /admin/payments', () => {
  it('filters by status', async () => {
    gw = await startTestGateway({ PAYHOOK_SETTLE_DELAY: '3600' });
    const unpaid = await gw.createPayment();
    const success = await gw.createPayment();
    const failed = await gw.createPayment();
    const pending = await gw.createPayment();
    await call(gw, 'POST', '/v1/sandbox/transfers', { json: { traceId: success.traceId } });
    await call(gw, 'POST', `/v1/sandbox/payments/${failed.traceId}/expire`);
    await call(gw, 'POST', '/v1/sandbox/transfers', { json: { traceId: pending.traceId, confirmations: 0 } });

    expect(traceIds((await list()).payments)).toEqual(
      [unpaid.traceId, success.traceId, failed.traceId, pending.traceId].sort(),
    );
    const expected: [string, string][] = [
      ['unpaid', unpaid.traceId],
      ['success', success.traceId],
      ['failed', failed.traceId],
      ['pending', pending.traceId],
    ];
    for (const [status, traceId] of expected) {
      const { payments, next } = await list(`?status=${status}`);
      expect(payments.map((p) => p.traceId)).toEqual([traceId]);
      expect(payments[0]?.status).toBe(status);
      expect(next).toBeNull();
    }
    expect((await list('?status=auditing')).payments).toEqual([]);
  });

  it('searches by orderId and by traceId (any case)', async () => {
    gw = await startTestGateway();
    const a = await gw.createPayment({ orderId: 'order-search-a' });
    const b = await gw.createPayment({ orderId: 'order-search-b' });
    // The same orderId under another payee is a different payment, and search finds both.
    const c = await gw.createPayment({ orderId: 'order-search-a', payeeId: 'payee-2' });

    expect(traceIds((await list('?search=order-search-a')).payments)).toEqual([a.traceId, c.traceId].sort());
    expect((await list('?search=order-search-b')).payments.map((p) => p.orderId)).toEqual(['order-search-b']);
    expect((await list(`?search=${b.traceId}`)).payments.map((p) => p.traceId)).toEqual([b.traceId]);
    expect((await list(`?search=${b.traceId.toUpperCase()}`)).payments.map((p) => p.traceId)).toEqual([b.traceId]);
    // Search is exact, not a prefix match.
    expect((await list('?search=order-search')).payments).toEqual([]);
    expect((await list('?search=order-search-a&status=success')).payments).toEqual([]);
  });

  it('filters by delivery state', async () => {
    receiver = await startReceiver();
    gw = await startTestGateway();
    const delivered = await gw.createPayment({ callbackUrl: receiver.url });
    const exhausted = await gw.createPayment({ callbackUrl: await refusedUrl() });
    const silent = await gw.createPayment();
    for (const p of [delivered, exhausted, silent]) {
      await call(gw, 'POST', '/v1/sandbox/transfers', { json: { traceId: p.traceId } });
    }
    await gw.afterAttempts(async () => {
      const s = await stats();
      return s.delivered === 1 && s.exhausted === 1 ? s : undefined;
    }, 'one delivered and one exhausted delivery');
    expect((await list('?deliveryState=delivered')).payments.map((p) => p.traceId)).toEqual([delivered.traceId]);
    expect((await list('?deliveryState=exhausted')).payments.map((p) => p.traceId)).toEqual([exhausted.traceId]);
    expect((await list('?deliveryState=pending')).payments).toEqual([]);
    expect(traceIds((await list('?status=success')).payments)).toEqual(
      [delivered.traceId, exhausted.traceId, silent.traceId].sort(),
    );
  });

  it('lists a payment once per delivery state, however many deliveries it has', async () => {
    receiver = await startReceiver();
    gw = await startTestGateway({ PAYHOOK_SETTLE_DELAY: '0.05' });
    const payment = await gw.createPayment({ callbackUrl: receiver.url, callbackEvent: 'pending|settle' });
    const t = expectOk(
      await call(gw, 'POST', '/v1/sandbox/transfers', { json: { traceId: payment.traceId, confirmations: 0 } }),
    );
    await call(gw, 'POST', `/v1/sandbox/transfers/${t.transfer.txid}/confirmations`, { json: { confirmations: 1 } });
    await gw.afterAttempts(async () => ((await stats()).delivered === 3 ? true : undefined), 'three deliveries');
    expect((await list('?deliveryState=delivered')).payments.map((p) => p.traceId)).toEqual([payment.traceId]);
  });

  it('pages newest first with limit, next and before, even when creation times tie', async () => {
    // A clock that never moves: every payment has the same createdAt, so only the traceId orders them.
    const clock = new ManualClock(Date.UTC(2026, 4, 1));
    gw = await startTestGateway({}, { clock }, { listen: false });
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await gw.createPayment()).traceId);
    clock.advance(1000);
    for (let i = 0; i < 2; i++) created.push((await gw.createPayment()).traceId);

    const all = await list('?limit=500');
    expect(all.next).toBeNull();
    expect(all.payments).toHaveLength(7);
    const order = all.payments.map((p) => `${p.createdAt}:${p.traceId}`);
    expect(order).toEqual([...order].sort().reverse());

    const pages: Listed[][] = [];
    let cursor: string | null = null;
    for (let n = 0; n < 10; n++) {
      const page: { payments: Listed[]; next: string | null } = await list(
        `?limit=3${cursor === null ? '' : `&before=${cursor}`}`,
      );
      pages.push(page.payments);
      if (page.payments.length === 3) {
        const last = page.payments[2] as Listed;
        expect(page.next).toBe(`${last.createdAt}:${last.traceId}`);
      } else {
        expect(page.next).toBeNull();
      }
      cursor = page.next;
      if (cursor === null) break;
    }
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat().map((p) => p.traceId)).toEqual(all.payments.map((p) => p.traceId));
    expect(traceIds(pages.flat())).toEqual([...created].sort());
  });

  it('ends paging with an empty page when the last page was exactly full', async () => {
    gw = await startTestGateway();
    for (let i = 0; i < 4; i++) await gw.createPayment();
    const first = await list('?limit=2');
    const second = await list(`?limit=2&before=${first.next}`);
    expect(second.payments).toHaveLength(2);
    expect(second.next).not.toBeNull();
    const third = await list(`?limit=2&before=${second.next}`);
    expect(third).toEqual({ payments: [], next: null });
    expect(new Set([...first.payments, ...second.payments].map((p) => p.traceId)).size).toBe(4);
  });

  it('pages within a filter', async () => {
    gw = await startTestGateway({ PAYHOOK_SETTLE_DELAY: '3600' });
    const paid: string[] = [];
    for (let i = 0; i < 5; i++) {
      const p = await gw.createPayment();
      await gw.createPayment();
      await call(gw, 'POST', '/v1/sandbox/transfers', { json: { traceId: p.traceId } });
      paid.push(p.traceId);
    }
    const first = await list('?status=success&limit=3');
    const second = await list(`?status=success&limit=3&before=${first.next}`);
    expect(second.next).toBeNull();
    const seen = [...first.payments, ...second.payments];
    expect(seen.every((p) => p.status === 'success')).toBe(true);
    expect(traceIds(seen)).toEqual([...paid].sort());
  });
});

describe('GET /admin/stats', () => {
  it('counts deliveries by state, zero included', async () => {
    receiver = await startReceiver();
    receiver.script([], 'hang');
    gw = await startTestGateway({ PAYHOOK_ATTEMPT_TIMEOUT: '5' });
    expect(await stats()).toEqual({ pending: 0, delivered: 0, exhausted: 0 });

    const hanging = await gw.createPayment({ callbackUrl: receiver.url });
    await call(gw, 'POST', '/v1/sandbox/transfers', { json: { traceId: hanging.traceId } });
    expect(await stats()).toEqual({ pending: 1, delivered: 0, exhausted: 0 });

    const refused = await gw.createPayment({ callbackUrl: await refusedUrl() });
    await call(gw, 'POST', '/v1/sandbox/transfers', { json: { traceId: refused.traceId } });
    await gw.afterAttempts(async () => ((await stats()).exhausted === 1 ? true : undefined), 'exhaustion');
    expect(await stats()).toEqual({ pending: 1, delivered: 0, exhausted: 1 });

    // A failed payment raises `fail`, delivered always.
    const answering = await startReceiver();
    try {
      const failing = await gw.createPayment({ callbackUrl: answering.url });
      await call(gw, 'POST', `/v1/sandbox/payments/${failing.traceId}/expire`);
      await gw.afterAttempts(async () => ((await stats()).delivered === 1 ? true : undefined), 'delivery');
      expect(await stats()).toEqual({ pending: 1, delivered: 1, exhausted: 1 });
      expect(answering.received.map((r) => r.headers['x-payhook-event'])).toEqual(['fail']);
    } finally {
      await answering.close();
    }
  });
});

describe('GET /admin/deliveries?state=retrying', () => {
  it('lists the pending deliveries that failed at least once, the dashboard’s “retrying”', async () => {
    const { gw, receiver } = await startClockedGateway('0,3600');
    receiver.script([], 'status500');
    const failed = await gw.createPayment({ callbackUrl: receiver.url });
    expectOk(await call(gw, 'POST', '/v1/sandbox/transfers', { json: { traceId: failed.traceId } }));
    expect(await gw.gateway.dispatcher.runDue()).toBe(1);
    const untried = await gw.createPayment({ callbackUrl: receiver.url });
    expectOk(await call(gw, 'POST', '/v1/sandbox/transfers', { json: { traceId: untried.traceId } }));

    const traces = async (state: string) =>
      (expectOk(await call(gw, 'GET', `/admin/deliveries?state=${state}`)) as { traceId: string }[])
        .map((d) => d.traceId)
        .sort();
    expect(await traces('retrying')).toEqual([failed.traceId]);
    expect(await traces('pending')).toEqual([failed.traceId, untried.traceId].sort());
    expect(await traces('exhausted')).toEqual([]);
  });
});
