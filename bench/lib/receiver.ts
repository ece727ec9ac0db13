// The loopback callback receiver every benchmark sends to: a child process (bench/lib/worker.ts,
// role `receiver`) answering MixPay's 200 {"code":"SUCCESS"}, counting POSTs and distinct
// deliveries, and, with `timestamps`, noting when each traceId's first callback arrived.
import { Child } from './processes.js';
import type { ReceiverStats } from './shared.js';

export interface Receiver {
  url: string;
  pid: number;
  stats(): Promise<ReceiverStats>;
  /** [traceId, epoch ms] of first arrivals since the last call (a receiver started with timestamps). */
  arrivals(): Promise<[string, number][]>;
  close(): Promise<void>;
}

export async function startReceiver(log: (msg: string) => void, options: { timestamps?: boolean } = {}) {
  const child = new Child(['receiver', options.timestamps ? 'timestamps' : ''], log);
  const ready = await child.next('ready', 30_000);
  const receiver: Receiver = {
    url: `http://127.0.0.1:${ready.port}/callback`,
    pid: child.pid,
    async stats() {
      child.send({ type: 'stats' });
      const { type: _, ...stats } = await child.next('stats', 10_000);
      return stats;
    },
    async arrivals() {
      child.send({ type: 'arrivals' });
      return (await child.next('arrivals', 10_000)).items;
    },
    async close() {
      child.send({ type: 'stop' });
      const timer = setTimeout(() => void child.kill(), 5_000);
      await child.exited;
      clearTimeout(timer);
    },
  };
  return receiver;
}
