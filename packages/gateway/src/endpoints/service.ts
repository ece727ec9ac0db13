// Endpoints for the admin API, the dashboard and the CLI: health reads, pause and resume. A
// resume wakes this process's dispatcher at once (the store wakes the others' on commit).
import type { EndpointList, EndpointStatus, PausedEndpoint, ResumedEndpoint, RetrySchedule } from '@payhook/protocol';
import { freshEndpoint } from '../domain/endpoint-health.js';
import { pausedBy } from '../domain/endpoint-pause.js';
import { endpointStatus, hostHealth } from '../domain/endpoint-status.js';
import { NotFoundError, ParameterError } from '../errors.js';
import type { Clock } from '../interfaces.js';
import { type Logger, urlForLog } from '../logger.js';
import type { EndpointFilter, EndpointStore } from '../storage/store.js';

/** The success rate's window: attempts of the last hour, from the start of its first minute (endpoint_minutes). */
export const HEALTH_WINDOW_MS = 3_600_000;

export interface EndpointServiceOptions {
  store: EndpointStore;
  clock: Clock;
  schedule: RetrySchedule;
  attemptTimeoutMs: number;
  /** Called after a resume moved deliveries (wakes the dispatcher). */
  onResume?: () => void;
  /** Where pauses and resumes are logged (who, why, how many deliveries moved). */
  logger?: Logger;
}

export interface PauseInput {
  /** How the request authenticated: `bearer`, `session`, or `local` (a token-less sandbox). */
  auth: string;
  actor?: string | undefined;
  reason?: string | undefined;
}

export class EndpointService {
  constructor(private readonly options: EndpointServiceOptions) {}

  /** Every endpoint known (attempted, paused, or with pending deliveries), and each host's roll-up. */
  async list(filter: EndpointFilter = {}): Promise<EndpointList> {
    const { store, clock, schedule, attemptTimeoutMs } = this.options;
    const since = clock.now() - HEALTH_WINDOW_MS;
    const [states, counts] = await Promise.all([store.list(filter), store.counts(since, filter)]);
    const byUrl = new Map(counts.map((c) => [c.url, c]));
    const known = new Map(states.map((s) => [s.url, s]));
    for (const c of counts) if (!known.has(c.url)) known.set(c.url, freshEndpoint(c.url, c.host));
    const terms = { schedule, attemptTimeoutMs };
    const endpoints = [...known.values()]
      .sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0))
      .map((s) => endpointStatus(s, byUrl.get(s.url), terms));
    const hosts = new Map<string, EndpointStatus[]>();
    for (const e of endpoints) hosts.set(e.host, [...(hosts.get(e.host) ?? []), e]);
    return {
      windowMs: HEALTH_WINDOW_MS,
      endpoints,
      hosts: [...hosts].map(([host, list]) => hostHealth(host, list)),
    };
  }

  /** One endpoint's health; NotFoundError when nothing is known of the URL. */
  async status(url: string): Promise<EndpointStatus> {
    const [found] = (await this.list({ url })).endpoints;
    if (!found) throw new NotFoundError(`no delivery, attempt or pause is known for endpoint ${url}`);
    return found;
  }

  async pause(url: string, input: PauseInput): Promise<PausedEndpoint> {
    const { store, clock } = this.options;
    const pause = { at: clock.now(), by: pausedBy(input.auth, input.actor), reason: input.reason ?? null };
    const { changed } = await store.pause(url, hostOf(url), pause);
    if (changed)
      this.options.logger?.info({ url: urlForLog(url), by: pause.by, reason: pause.reason }, 'endpoint paused');
    return { endpoint: await this.status(url), changed };
  }

  async resume(url: string): Promise<ResumedEndpoint> {
    const { store, clock } = this.options;
    const result = await store.resume(url, clock.now());
    if (!result.endpoint) throw new NotFoundError(`endpoint ${url} was never paused nor attempted`);
    if (result.changed) {
      this.options.logger?.info({ url: urlForLog(url), rescheduled: result.rescheduled }, 'endpoint resumed');
      this.options.onResume?.();
    }
    return { endpoint: await this.status(url), changed: result.changed, rescheduled: result.rescheduled };
  }
}

/** host:port, as deliveries store it; the URL must be one a delivery could have. */
function hostOf(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ParameterError('url: must be an absolute http(s) URL, exactly as the payments name it');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ParameterError('url: must be an http:// or https:// URL');
  }
  return parsed.host;
}
