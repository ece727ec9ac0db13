// The ceiling: raw undici POSTs at concurrency C to the receiver, nothing else (run first and last).
import { randomUUID } from 'node:crypto';
import { type Ctx, type Result, runPeer, summarise } from './common.js';

export async function ceilingScenario(ctx: Ctx, label: string): Promise<Result> {
  const { params, receiver } = ctx;
  const before = await receiver.stats();
  const body = JSON.stringify({ orderId: 'cmp-0', traceId: randomUUID(), payeeId: 'payee-bench' });
  const { result, rssMb, cpu, timedOut } = await runPeer(
    ctx,
    {
      kind: 'raw',
      total: params.ceilingRequests,
      concurrency: params.concurrency,
      url: receiver.url,
      body,
      warmup: Math.min(20_000, params.ceilingRequests),
    },
    [],
  );
  const after = await receiver.stats();
  return {
    scenario: 'ceiling',
    label,
    procs: 1,
    total: params.ceilingRequests,
    done: result.done,
    timedOut,
    ...summarise(result.times, result.done),
    rssMb: [rssMb],
    cpu,
    checks: `receiver saw ${after.requests - before.requests} POSTs, ${result.failedAttempts} failed`,
    notes: [],
    posts: after.requests - before.requests,
  };
}

/** Warms the receiver and undici; not measured. */
export async function warmUp(ctx: Ctx): Promise<void> {
  await runPeer(
    ctx,
    { kind: 'raw', total: 5_000, concurrency: ctx.params.concurrency, url: ctx.receiver.url, body: '{}' },
    [],
  );
}
