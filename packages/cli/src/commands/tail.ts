// `payhook tail`: follows callback attempts as they end, by polling `GET /admin/attempts` with
// its cursor; one line per attempt (or NDJSON with --json) until Ctrl-C.
import { setTimeout as sleep } from 'node:timers/promises';
import type { AttemptPage, FeedAttempt } from '@payhook/protocol';
import type { GatewayClient } from '../client.js';
import { UnreachableError } from '../errors.js';
import { attemptLine } from '../format.js';
import type { Output } from '../output.js';

export interface TailOptions {
  /** Attempts already made to show first (the latest ones); 0: only new ones. */
  lines: number;
  intervalMs: number;
  traceId?: string | undefined;
  event?: string | undefined;
}

/** A cursor before every attempt: used when the gateway had none yet, so none is missed. */
const FROM_START = '0:0:0';
/** A full page means more are waiting: fetch again at once instead of sleeping. */
const PAGE = 200;

export async function tail(client: GatewayClient, options: TailOptions, out: Output, signal: AbortSignal) {
  const show = (a: FeedAttempt) => {
    if (options.traceId !== undefined && a.traceId !== options.traceId) return;
    if (options.event !== undefined && a.eventType !== options.event) return;
    if (out.json) out.data(a, true);
    else out.line(attemptLine(a));
  };
  const first = await client.get<AttemptPage>('/admin/attempts', { limit: Math.max(1, options.lines) }, signal);
  if (options.lines > 0) first.attempts.forEach(show);
  let cursor = first.next ?? FROM_START;
  out.note(`following attempts at ${client.url} (Ctrl-C to stop)`);

  let lost = false;
  while (!signal.aborted) {
    let page: AttemptPage;
    try {
      page = await client.get<AttemptPage>('/admin/attempts', { after: cursor, limit: PAGE }, signal);
    } catch (error) {
      if (signal.aborted) break;
      // A restarting gateway is normal while tailing: say so once and keep trying.
      if (!(error instanceof UnreachableError)) throw error;
      if (!lost) out.note(`${error.message}; retrying`);
      lost = true;
      await pause(Math.max(options.intervalMs, 1000), signal);
      continue;
    }
    if (lost) out.note(`reconnected to ${client.url}`);
    lost = false;
    page.attempts.forEach(show);
    if (page.next !== null) cursor = page.next;
    if (page.attempts.length < PAGE) await pause(options.intervalMs, signal);
  }
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // Aborted: Ctrl-C ends the loop.
  }
}
