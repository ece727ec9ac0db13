// `payhook endpoints`, `payhook pause <url>`, `payhook resume <url>`: callback URLs' health and
// their pause, through the admin API (GET /admin/endpoints, POST /admin/endpoints/pause, /resume).
import type { EndpointList, PausedEndpoint, ResumedEndpoint } from '@payhook/protocol';
import type { GatewayClient } from '../client.js';
import { count, endpointsTable, time } from '../format.js';
import type { Output } from '../output.js';

export interface EndpointsOptions {
  host?: string | undefined;
}

export async function endpoints(client: GatewayClient, options: EndpointsOptions, out: Output): Promise<void> {
  const list = await client.get<EndpointList>('/admin/endpoints', { host: options.host });
  if (out.json) return out.data(list);
  out.line(endpointsTable(list));
}

export interface PauseOptions {
  reason?: string | undefined;
  actor?: string | undefined;
}

export async function pause(client: GatewayClient, url: string, options: PauseOptions, out: Output): Promise<void> {
  const answer = await client.post<PausedEndpoint>('/admin/endpoints/pause', {
    url,
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    ...(options.actor === undefined ? {} : { actor: options.actor }),
  });
  if (out.json) return out.data(answer);
  const since = answer.endpoint.paused?.since ?? null;
  out.line(
    answer.changed
      ? `paused ${url}: nothing is sent to it until \`payhook resume\`; ${count(answer.endpoint.pending, 'pending delivery', 'pending deliveries')} held`
      : `${url} was paused already, since ${time(since)}; its pause is unchanged`,
  );
}

export async function resume(client: GatewayClient, url: string, out: Output): Promise<void> {
  const answer = await client.post<ResumedEndpoint>('/admin/endpoints/resume', { url });
  if (out.json) return out.data(answer);
  out.line(
    answer.changed
      ? `resumed ${url}: ${count(answer.rescheduled, 'delivery continues', 'deliveries continue')} with the gap each had left`
      : `${url} was not paused; nothing moved`,
  );
}
