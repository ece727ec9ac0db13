// pg-boss 10 on its own fresh database, two ways: its work() (C workers, batchSize 1, polling
// 0.5 s, its minimum) and its fetch()/complete() in a loop of our own with C slots. Each attempt
// is a job; a failure sends the next with startAfter = MixPay's delay (bench/lib/worker.ts).
import { performance } from 'node:perf_hooks';
import { createDatabase, dropDatabase, pgQuery, pgUrl } from '../lib/databases.js';
import { loadPgBoss } from '../lib/peers.js';
import { callbackJobs } from '../lib/seeding.js';
import { type Ctx, DB_PREFIX, type Result, runPeer, summarise } from './common.js';

export async function pgbossScenario(ctx: Ctx, kind: 'pgboss' | 'pgboss-loop'): Promise<Result> {
  const { params, receiver } = ctx;
  const PgBoss = await loadPgBoss();
  const dbName = await createDatabase(DB_PREFIX, kind);
  const queueName = 'callbacks';
  try {
    // Install pg-boss's schema and the queue, and add the jobs, from a short-lived instance.
    const boss = new PgBoss({ connectionString: pgUrl(dbName), supervise: false, schedule: false });
    boss.on('error', (error: Error) => ctx.log(`pg-boss (loader): ${error.message}`));
    await boss.start();
    // Its own retry is for a worker that died mid-job (the job expires after the attempt timeout
    // + 30 s, as payhook's lease); failed callbacks are retried by the handler on MixPay's schedule.
    await boss.createQueue(queueName, { name: queueName, retryLimit: 1, retryDelay: 0, expireInSeconds: 40 });
    const jobs = callbackJobs(params.callbacks, receiver.url);
    const t0 = performance.now();
    for (let i = 0; i < jobs.length; i += 2000) {
      await boss.insert(jobs.slice(i, i + 2000).map((data) => ({ name: queueName, data })));
    }
    await boss.stop({ graceful: false, wait: true });
    ctx.log(`${kind}: ${jobs.length} jobs inserted in ${Math.round(performance.now() - t0)} ms`);
    const before = await receiver.stats();
    const { result, rssMb, cpu, timedOut } = await runPeer(
      ctx,
      { kind, total: jobs.length, concurrency: params.concurrency, queue: queueName, connectionString: pgUrl(dbName) },
      [dbName],
    );
    const after = await receiver.stats();
    const states = await pgQuery<{ state: string; n: string }>(
      dbName,
      'select state, count(*) as n from pgboss.job where name = $1 group by state order by state',
      [queueName],
    );
    return {
      scenario: kind,
      label: kind === 'pgboss' ? 'pg-boss 10 work()' : 'pg-boss 10 fetch loop',
      procs: 1,
      total: jobs.length,
      done: result.done,
      timedOut,
      ...summarise(result.times, result.done),
      rssMb: [rssMb],
      cpu,
      checks:
        `jobs ${states.map((s) => `${s.state} ${s.n}`).join(', ')}; receiver saw ${after.requests - before.requests} ` +
        `POSTs for ${after.distinctDeliveries - before.distinctDeliveries} distinct deliveries`,
      notes: [],
    };
  } finally {
    await dropDatabase(dbName);
  }
}
