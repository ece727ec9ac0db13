// BullMQ 5 on Redis: a job per callback, Worker concurrency C, attempts 10 with a custom backoff
// returning MixPay's delays (the worker side is bench/lib/worker.ts).
import { performance } from 'node:perf_hooks';
import { loadBullmq, loadIoredis } from '../lib/peers.js';
import { callbackJobs } from '../lib/seeding.js';
import { ATTEMPTS, type CallbackJob } from '../lib/shared.js';
import { type Ctx, type Result, runPeer, summarise } from './common.js';

export async function bullmqScenario(ctx: Ctx): Promise<Result> {
  const { params, receiver } = ctx;
  const { Queue } = await loadBullmq();
  const { Redis } = await loadIoredis();
  const prefix = `payhook-cmp-${process.pid}`;
  const queueName = 'callbacks';
  const connection = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
  const queue = new Queue<CallbackJob>(queueName, { connection, prefix });
  try {
    const jobs = callbackJobs(params.callbacks, receiver.url);
    const t0 = performance.now();
    for (let i = 0; i < jobs.length; i += 1000) {
      await queue.addBulk(
        jobs.slice(i, i + 1000).map((data) => ({
          name: 'callback',
          data,
          opts: { attempts: ATTEMPTS, backoff: { type: 'mixpay' } },
        })),
      );
    }
    ctx.log(`bullmq: ${jobs.length} jobs added in ${Math.round(performance.now() - t0)} ms`);
    const before = await receiver.stats();
    const { result, rssMb, cpu, timedOut } = await runPeer(
      ctx,
      { kind: 'bullmq', total: jobs.length, concurrency: params.concurrency, queue: queueName, prefix },
      [],
    );
    const after = await receiver.stats();
    const counts = await queue.getJobCounts('completed', 'failed', 'delayed', 'wait', 'active');
    const memory = /used_memory:(\d+)/.exec(await connection.info('memory'))?.[1];
    return {
      scenario: 'bullmq',
      label: 'BullMQ 5 (Redis)',
      procs: 1,
      total: jobs.length,
      done: result.done,
      timedOut,
      ...summarise(result.times, result.done),
      rssMb: [rssMb],
      cpu,
      checks:
        `jobs ${JSON.stringify(counts)}; receiver saw ${after.requests - before.requests} POSTs for ` +
        `${after.distinctDeliveries - before.distinctDeliveries} distinct deliveries`,
      notes: memory ? [`Redis used_memory after the run ${(Number(memory) / 2 ** 20).toFixed(0)} MB`] : [],
    };
  } finally {
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    connection.disconnect();
  }
}
