// `payhook deliveries`: the deliveries the gateway keeps, newest first, as a table or JSON.
import type { Delivery } from '@payhook/protocol';
import type { GatewayClient } from '../client.js';
import { deliveriesTable } from '../format.js';
import type { Output } from '../output.js';

export interface DeliveriesOptions {
  state?: 'pending' | 'delivered' | 'exhausted' | undefined;
  traceId?: string | undefined;
  limit: number;
}

export async function deliveries(client: GatewayClient, options: DeliveriesOptions, out: Output): Promise<void> {
  const list = await client.get<Delivery[]>('/admin/deliveries', {
    state: options.state,
    traceId: options.traceId,
    limit: options.limit,
  });
  if (out.json) return out.data(list);
  out.line(deliveriesTable(list));
}
