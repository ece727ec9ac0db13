// A recovery survives its gateway: the process running it is SIGKILLed mid-run, another gateway
// started on the same database takes it back at once (the dead runner's liveness lock is free)
// and goes on from the stored cursor, so every delivery is redelivered exactly once.
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../../test-support/wait.js';
import { seedPaidPayments } from '../src/seed.js';
import { type GatewayProcess, spawnGateway } from './helpers/process.js';
import { processSuite } from './helpers/process-suite.js';
import { refusedUrl } from './helpers/receiver.js';

const suite = processSuite('payhook-recovery-crash-');

/** One delivery per transaction: a recovery of this many is long enough to be killed half-way. */
const DELIVERIES = 2_000;

async function recovery(gw: GatewayProcess, id: string) {
  const res = await gw.get(`/admin/recoveries/${id}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data as { state: string; processed: number; matched: number; cursor: string | null };
}

describe('a recovery across a crash', { timeout: 180_000 }, () => {
  it('SIGKILL mid-run: the next gateway finishes it from its cursor, nothing twice', async () => {
    const url = await refusedUrl();
    await seedPaidPayments(suite.database.url, {
      payments: DELIVERIES,
      callbackUrl: url,
      now: Date.now() - 60_000,
      schedule: () => ({ attempts: 10, nextAttemptAt: null, state: 'exhausted' }),
    });
    // API only: no dispatcher sends the redeliveries meanwhile (every role runs recoveries).
    const env = { DATABASE_URL: suite.database.url, PAYHOOK_RECOVERY_BATCH: '1', PAYHOOK_ROLE: 'api' };
    const first = await spawnGateway(env, 60_000);
    const started = await first.post('/admin/recoveries', { selection: { state: 'exhausted' }, action: 'redeliver' });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const id = started.body.data.id as string;
    expect(started.body.data.matched).toBe(DELIVERIES);
    await waitFor(async () => (await recovery(first, id)).processed > 0, { what: 'the first batches', intervalMs: 5 });
    const exit = await first.signal('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');

    const [atKill] = await suite.database.rows<{ state: string; processed: number; locked_by: string | null }>(
      `select state, processed, locked_by from recoveries where id = '${id}'`,
    );
    // Killed half-way, its lease still naming the dead process.
    expect(atKill?.state).toBe('running');
    expect(atKill?.processed).toBeGreaterThan(0);
    expect(atKill?.processed).toBeLessThan(DELIVERIES);
    expect(atKill?.locked_by).not.toBeNull();
    console.log(`recovery crash: killed after ${atKill?.processed} of ${DELIVERIES}`);

    const second = await spawnGateway(env, 60_000);
    const done = await waitFor(
      async () => {
        const r = await recovery(second, id);
        return r.state === 'running' ? undefined : r;
      },
      { what: 'the recovery to finish on the second gateway', timeoutMs: 120_000, intervalMs: 100 },
    );
    expect(done).toMatchObject({ state: 'done', processed: DELIVERIES, matched: DELIVERIES });
    const [redone] = await suite.database.rows<{ n: number; originals: number }>(
      'select count(*) as n, count(distinct redelivery_of) as originals from deliveries where redelivery_of is not null',
    );
    expect(Number(redone?.n)).toBe(DELIVERIES);
    expect(Number(redone?.originals)).toBe(DELIVERIES);
  });
});
