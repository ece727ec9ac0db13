// Attempt retention on a real gateway: a hand-moved clock walks deliveries through their schedule
// against real receivers, then past the retention; the pruner's pass keeps each delivery's last
// attempt, and the admin API, /metrics and the logs tell what it did. `0` keeps everything.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { waitFor } from '../../../test-support/wait.js';
import { ManualClock } from '../src/clock.js';
import type { PrunedBatch } from '../src/storage/store.js';
import { call } from './helpers/api.js';
import { closeTestServers, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { captureLogs } from './helpers/logs.js';
import { parseExposition, sampleValue } from './helpers/metrics.js';
import { startReceiver } from './helpers/receiver.js';

const DAY = 86_400_000;

afterEach(closeTestServers);

/**
 * Three paid payments whose callbacks end as: delivered at the third attempt, exhausted after three,
 * delivered at the first. The dispatcher runs only when told (no background loops).
 */
async function threeDeliveries(gw: TestGateway, clock: ManualClock) {
  const flaky = await startReceiver();
  flaky.script(['status500', 'status500'], 'success');
  const dead = await startReceiver();
  dead.script([], 'status500');
  const ok = await startReceiver();
  const payments = [];
  for (const r of [flaky, dead, ok]) {
    const payment = await gw.createPayment({ callbackUrl: r.url });
    await gw.post('/v1/sandbox/transfers', { traceId: payment.traceId });
    payments.push(payment);
  }
  expect(await gw.gateway.dispatcher.runDue()).toBe(3);
  for (let i = 0; i < 2; i++) {
    clock.advance(10_000);
    expect(await gw.gateway.dispatcher.runDue()).toBe(2);
  }
  return payments.map((p) => p.traceId as string);
}

/** Each delivery of a payment: its state and the numbers of the attempts it still has. */
async function deliveriesOf(gw: TestGateway, traceId: string) {
  const { body } = await gw.get(`/admin/payments/${traceId}`);
  return body.data.events.flatMap((e: any) =>
    e.deliveries.map((d: any) => ({
      state: d.state,
      attempts: d.attempts,
      kept: d.attemptList.map((a: any) => a.attemptNo),
    })),
  );
}

describe('attempt retention', () => {
  it("prunes attempts past the retention in bounded batches, keeping each delivery's last", async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
    const logs = captureLogs();
    const gw = await startTestGateway(
      { PAYHOOK_RETRY_SCHEDULE: '0,10,10', PAYHOOK_ATTEMPT_RETENTION: '1', PAYHOOK_RETENTION_BATCH: '2' },
      { clock, logger: logs.logger },
      { listen: false },
    );
    const [flaky, dead, ok] = await threeDeliveries(gw, clock);
    const stats = (await gw.get('/admin/stats')).body.data.deliveries;
    expect(stats).toEqual({ pending: 0, delivered: 2, exhausted: 1 });

    // Within the retention nothing goes.
    expect(await gw.gateway.pruner.runPass()).toMatchObject({ pruned: 0 });
    expect(await deliveriesOf(gw, flaky as string)).toEqual([{ state: 'delivered', attempts: 3, kept: [1, 2, 3] }]);

    clock.advance(2 * DAY);
    const batches = vi.spyOn(gw.gateway.store.retention, 'pruneBatch');
    const pass = await gw.gateway.pruner.runPass();
    expect(pass).toMatchObject({ pruned: 4, cutoff: clock.now() - DAY });

    // Seven attempts older than the cutoff, two per transaction.
    expect(batches.mock.calls.map(([, limit]) => limit)).toEqual([2, 2, 2, 2]);
    const answers = await Promise.all(batches.mock.results.map((r) => r.value as Promise<PrunedBatch>));
    expect(answers.map((a) => a.scanned)).toEqual([2, 2, 2, 1]);
    for (const a of answers) expect(a.pruned).toBeLessThanOrEqual(2);

    // Deliveries keep their state and count; each keeps its last attempt, shown as before.
    expect(await deliveriesOf(gw, flaky as string)).toEqual([{ state: 'delivered', attempts: 3, kept: [3] }]);
    expect(await deliveriesOf(gw, dead as string)).toEqual([{ state: 'exhausted', attempts: 3, kept: [3] }]);
    expect(await deliveriesOf(gw, ok as string)).toEqual([{ state: 'delivered', attempts: 1, kept: [1] }]);
    expect((await gw.get('/admin/stats')).body.data.deliveries).toEqual(stats);
    expect((await gw.get('/admin/attempts?limit=50')).body.data.attempts).toHaveLength(3);

    expect((await gw.get('/admin/retention')).body.data).toEqual({ retentionMs: DAY, prunedTotal: 4, lastPass: pass });
    const samples = parseExposition((await call(gw, 'GET', '/metrics')).raw);
    expect(sampleValue(samples, 'payhook_attempts_pruned_total')).toBe(4);
    const lines = logs.lines().filter((l) => l.msg === 'attempt retention pass');
    expect(lines.map((l) => l.pruned)).toEqual([0, 4]);

    // Done: a later pass finds nothing more.
    expect(await gw.gateway.pruner.runPass()).toMatchObject({ pruned: 0 });
  });

  it('keeps every attempt with a retention of 0', async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
    const gw = await startTestGateway(
      { PAYHOOK_RETRY_SCHEDULE: '0,10,10', PAYHOOK_ATTEMPT_RETENTION: '0' },
      { clock },
      { listen: false },
    );
    const [flaky] = await threeDeliveries(gw, clock);
    clock.advance(3650 * DAY);
    expect(await gw.gateway.pruner.runPass()).toBeNull();
    expect(await deliveriesOf(gw, flaky as string)).toEqual([{ state: 'delivered', attempts: 3, kept: [1, 2, 3] }]);
    expect((await gw.get('/admin/attempts?limit=50')).body.data.attempts).toHaveLength(7);
    expect((await gw.get('/admin/retention')).body.data).toEqual({ retentionMs: 0, prunedTotal: 0, lastPass: null });
  });

  it('runs with the dispatcher, a first pass as it starts', async () => {
    const gw = await startTestGateway({ PAYHOOK_ATTEMPT_RETENTION: '30', PAYHOOK_RETENTION_INTERVAL: '3600' });
    const status = await waitFor(
      async () => {
        const { body } = await gw.get('/admin/retention');
        return body.data.lastPass === null ? undefined : body.data;
      },
      { what: 'the first pruning pass' },
    );
    expect(status).toMatchObject({ retentionMs: 30 * DAY, prunedTotal: 0, lastPass: { pruned: 0 } });
  });
});
