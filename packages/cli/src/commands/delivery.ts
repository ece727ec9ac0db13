// `payhook delivery <deliveryId>`: one delivery as its receiver saw it — every attempt with the
// request it sent (each header, the body) and the answer it got. `--json`: the admin API's record.
import type { DeliveryDetail } from '@payhook/protocol';
import type { GatewayClient } from '../client.js';
import { deliveryDetailText } from '../format.js';
import type { Output } from '../output.js';

export async function delivery(client: GatewayClient, deliveryId: string, out: Output): Promise<void> {
  const detail = await client.get<DeliveryDetail>(`/admin/deliveries/${encodeURIComponent(deliveryId)}`);
  if (out.json) return out.data(detail);
  out.line(deliveryDetailText(detail));
}
