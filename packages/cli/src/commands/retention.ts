// `payhook retention`: the attempt retention, through the admin API (GET /admin/retention): the
// gateway's setting, the latest pruning pass on its database and the attempts pruned in all.
import type { RetentionStatus } from '@payhook/protocol';
import type { GatewayClient } from '../client.js';
import { retentionText } from '../format.js';
import type { Output } from '../output.js';

export async function retention(client: GatewayClient, out: Output): Promise<void> {
  const status = await client.get<RetentionStatus>('/admin/retention');
  if (out.json) return out.data(status);
  out.line(retentionText(status));
}
