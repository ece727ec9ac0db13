// `payhook redeliver <deliveryId>` and `payhook redeliver --exhausted-url <url>`: send events
// again on a fresh schedule (the old deliveries keep their history), then show the first attempts.
import type { Delivery, DeliveryDetail } from '@payhook/protocol';
import { awaitFirstAttempts } from '../await-deliveries.js';
import type { GatewayClient } from '../client.js';
import { count, deliveriesTable, deliveryOutcome } from '../format.js';
import type { Output } from '../output.js';
import { startProgress } from '../progress.js';

export interface RedeliverOptions {
  wait: boolean;
  waitTimeoutMs: number;
}

export async function redeliverOne(
  client: GatewayClient,
  deliveryId: string,
  options: RedeliverOptions,
  out: Output,
): Promise<void> {
  const delivery = await client.post<Delivery>(`/admin/deliveries/${encodeURIComponent(deliveryId)}/redeliver`);
  if (!out.json) out.line(`redelivering ${delivery.eventType} of ${delivery.traceId} as delivery ${delivery.id}`);
  await report(client, [delivery], options, out);
}

export async function redeliverExhausted(
  client: GatewayClient,
  url: string,
  options: RedeliverOptions,
  out: Output,
): Promise<void> {
  const progress = startProgress(`redelivering exhausted deliveries to ${url}`, out.stderr);
  let answer: { count: number; deliveries: Delivery[] };
  try {
    answer = await client.post('/admin/deliveries/redeliver-exhausted', { url });
  } finally {
    progress.stop();
  }
  if (!out.json) {
    out.line(
      answer.count === 0
        ? `no exhausted delivery to ${url} is waiting for a redelivery`
        : `redelivering ${count(answer.count, 'exhausted delivery', 'exhausted deliveries')} to ${url}`,
    );
  }
  await report(client, answer.deliveries, options, out);
}

async function report(client: GatewayClient, created: Delivery[], options: RedeliverOptions, out: Output) {
  const details: DeliveryDetail[] = options.wait
    ? await awaitFirstAttempts(
        client,
        created.map((d) => d.id),
        { timeoutMs: options.waitTimeoutMs, out },
      )
    : created.map((delivery) => ({ delivery, attempts: [] }));
  if (out.json) return out.data({ count: created.length, deliveries: details });
  if (created.length === 0) return;
  if (!options.wait) return out.line(deliveriesTable(created));
  for (const d of details) out.line(deliveryOutcome(d));
}
