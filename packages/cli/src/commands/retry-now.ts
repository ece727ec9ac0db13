// `payhook retry-now <deliveryId>`: attempt a delivery that is still being retried now, instead of
// at its next due time; its attempt count and the schedule after it are kept. Then shows the attempt.
import type { Delivery, DeliveryDetail } from '@payhook/protocol';
import { awaitFirstAttempts } from '../await-deliveries.js';
import type { GatewayClient } from '../client.js';
import { deliveryOutcome } from '../format.js';
import type { Output } from '../output.js';

export interface RetryNowOptions {
  wait: boolean;
  waitTimeoutMs: number;
}

export async function retryNow(
  client: GatewayClient,
  deliveryId: string,
  options: RetryNowOptions,
  out: Output,
): Promise<void> {
  const delivery = await client.post<Delivery>(`/admin/deliveries/${encodeURIComponent(deliveryId)}/retry-now`);
  if (!out.json) {
    out.line(
      `retrying ${delivery.eventType} of ${delivery.traceId} now: attempt ${delivery.attempts + 1} of delivery ${delivery.id}`,
    );
  }
  const [detail]: DeliveryDetail[] = options.wait
    ? await awaitFirstAttempts(client, [delivery.id], {
        timeoutMs: options.waitTimeoutMs,
        out,
        madeBefore: new Map([[delivery.id, delivery.attempts]]),
      })
    : [{ delivery, attempts: [] }];
  if (out.json) return out.data(detail);
  if (options.wait && detail) out.line(deliveryOutcome(detail));
}
