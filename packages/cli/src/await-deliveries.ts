// Waits for deliveries to get their first attempt, or their next one (or to end), with progress on
// stderr: how `trigger`, `redeliver` and `retry-now` show what the receiver answered without
// waiting out the schedule.
import type { DeliveryDetail } from '@payhook/protocol';
import type { GatewayClient } from './client.js';
import { count } from './format.js';
import type { Output } from './output.js';
import { pollUntil } from './poll.js';
import { startProgress } from './progress.js';

export interface AwaitOptions {
  timeoutMs: number;
  out: Output;
  /** Attempts each delivery had already made (default 0): wait for the one after them. */
  madeBefore?: ReadonlyMap<string, number>;
}

/** The deliveries as they stand once each was attempted (again), or when `timeoutMs` ran out. */
export async function awaitFirstAttempts(
  client: GatewayClient,
  ids: readonly string[],
  { timeoutMs, out, madeBefore }: AwaitOptions,
): Promise<DeliveryDetail[]> {
  if (ids.length === 0) return [];
  const attempted = (d: DeliveryDetail | undefined): boolean =>
    d !== undefined && (d.attempts.length > (madeBefore?.get(d.delivery.id) ?? 0) || d.delivery.state !== 'pending');
  const latest = new Map<string, DeliveryDetail>();
  const progress = startProgress(
    `waiting for the ${madeBefore ? 'next' : 'first'} attempt of ${count(ids.length, 'delivery', 'deliveries')}`,
    out.stderr,
  );
  const refresh = async (batch: readonly string[]) => {
    for (let i = 0; i < batch.length; i += 8) {
      const slice = batch.slice(i, i + 8);
      const details = await Promise.all(slice.map((id) => client.get<DeliveryDetail>(`/admin/deliveries/${id}`)));
      for (const detail of details) latest.set(detail.delivery.id, detail);
    }
  };
  try {
    await pollUntil(
      async () => {
        await refresh(ids.filter((id) => !attempted(latest.get(id))));
        const done = ids.filter((id) => attempted(latest.get(id))).length;
        progress.update(`waiting for callbacks: ${done} of ${ids.length} attempted`);
        return done === ids.length ? true : undefined;
      },
      { timeoutMs },
    );
  } finally {
    progress.stop();
  }
  return ids.map((id) => latest.get(id) as DeliveryDetail);
}
