// `payhook recover`: select deliveries (state, time range, payee, event, URL, last error) and
// count them (--dry-run), redeliver them (to --to-url if the shop moved) or make pending ones due
// now (--retry-now). The gateway records the recovery and runs it in batches; this prints its
// progress until it is done.
import type { DeliverySelection, Recovery, RecoveryAction, RecoveryPreview } from '@payhook/protocol';
import type { GatewayClient } from '../client.js';
import { RefusedError } from '../errors.js';
import { count, deliveriesTable } from '../format.js';
import type { Output } from '../output.js';
import { pollUntil } from '../poll.js';
import { startProgress } from '../progress.js';

export interface RecoverOptions {
  selection: DeliverySelection;
  action: RecoveryAction;
  /** Only count (and show a few): change nothing. */
  dryRun: boolean;
  toUrl?: string | undefined;
  actor?: string | undefined;
  /** How long to follow the recovery before leaving it running (it goes on in the gateway). */
  waitTimeoutMs: number;
}

const DONE = { redeliver: 'redelivered', retry_now: 'made due now' } as const;

export async function recover(client: GatewayClient, options: RecoverOptions, out: Output): Promise<void> {
  const { selection, action, toUrl, actor } = options;
  if (options.dryRun) {
    const preview = await client.post<RecoveryPreview>('/admin/recoveries', {
      selection,
      action,
      ...(toUrl === undefined ? {} : { newUrl: toUrl }),
      dryRun: true,
    });
    if (out.json) return out.data(preview);
    out.line(`${count(preview.matched, 'delivery', 'deliveries')} match`);
    if (preview.sample.length > 0) {
      out.line(deliveriesTable(preview.sample));
      if (preview.matched > preview.sample.length) out.line(`(the first ${preview.sample.length})`);
    }
    return;
  }
  const started = await client.post<Recovery>('/admin/recoveries', {
    selection,
    action,
    ...(toUrl === undefined ? {} : { newUrl: toUrl }),
    ...(actor === undefined ? {} : { actor }),
  });
  const verb =
    action === 'retry_now' ? 'retrying now' : toUrl === undefined ? 'redelivering' : `redelivering to ${toUrl}`;
  out.note(`recovery ${started.id}: ${verb} ${count(started.matched, 'delivery', 'deliveries')}`);
  const progress = startProgress(`recovery ${started.id}: 0 of ${started.matched}`, out.stderr);
  let last = started;
  try {
    await pollUntil(
      async () => {
        last = await client.get<Recovery>(`/admin/recoveries/${encodeURIComponent(started.id)}`);
        progress.update(`recovery ${last.id}: ${last.processed} of ${last.matched}`);
        return last.state === 'running' ? undefined : last;
      },
      { timeoutMs: options.waitTimeoutMs, intervalMs: 200 },
    );
  } finally {
    progress.stop();
  }
  if (out.json) out.data(last);
  else {
    const skipped = last.skipped > 0 ? `, ${last.skipped} skipped (in flight or changed meanwhile)` : '';
    const what = `${last.processed} of ${count(last.matched, 'delivery', 'deliveries')} ${DONE[last.action]}${skipped}`;
    out.line(
      last.state === 'done'
        ? `done: ${what}`
        : last.state === 'failed'
          ? `failed: ${what}: ${last.error ?? 'no reason given'}`
          : `still running: ${what}; follow it with GET /admin/recoveries/${last.id}`,
    );
  }
  if (last.state === 'failed') throw new RefusedError(`recovery ${last.id} failed: ${last.error ?? ''}`);
}
