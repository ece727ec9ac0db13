// An endpoint's health as operators read it, and its host's roll-up: pure, from the endpoint's
// row, the store's counts and the schedule.
import type { EndpointStatus, HealthFigures, HostHealth, RetrySchedule } from '@payhook/protocol';
import { exhaustionForecast, type RetryingGroup } from './endpoint-forecast.js';
import { AUTO_PAUSED_BY, type EndpointState } from './endpoint-health.js';

/** What a health read counts of one URL (the store's EndpointCounts). */
export interface UrlCounts {
  recentAttempts: number;
  recentSucceeded: number;
  notTriedYet: number;
  retrying: RetryingGroup[];
}

export interface ForecastTerms {
  schedule: RetrySchedule;
  attemptTimeoutMs: number;
}

const NO_COUNTS: UrlCounts = { recentAttempts: 0, recentSucceeded: 0, notTriedYet: 0, retrying: [] };

const rate = (attempts: number, succeeded: number) => (attempts === 0 ? null : succeeded / attempts);

export function endpointStatus(
  state: EndpointState,
  counts: UrlCounts = NO_COUNTS,
  terms: ForecastTerms,
): EndpointStatus {
  const retrying = counts.retrying.reduce((n, g) => n + g.count, 0);
  const paused = state.pausedAt !== null;
  return {
    url: state.url,
    host: state.host,
    health: state.health,
    paused: paused
      ? {
          since: state.pausedAt as number,
          by: state.pausedBy,
          reason: state.pauseReason,
          automatic: state.autoPaused || state.pausedBy === AUTO_PAUSED_BY,
        }
      : null,
    recent: {
      attempts: counts.recentAttempts,
      succeeded: counts.recentSucceeded,
      successRate: rate(counts.recentAttempts, counts.recentSucceeded),
    },
    consecutiveFailures: state.consecutiveFailures,
    lastAttemptAt: state.lastAttemptAt,
    lastSuccessAt: state.lastSuccessAt,
    lastFailureAt: state.lastFailureAt,
    lastError: state.lastError,
    pending: counts.notTriedYet + retrying,
    retrying,
    // Nothing gives up while paused: the schedule stands still until the resume.
    forecast: paused ? null : exhaustionForecast(counts.retrying, terms.schedule, terms.attemptTimeoutMs),
  };
}

const latest = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

/**
 * One host's endpoints rolled up: counts summed, the most consecutive failures, the latest
 * times and error, `failing` if any URL is, and the forecast over its URLs that are not paused.
 */
export function hostHealth(host: string, endpoints: readonly EndpointStatus[]): HostHealth {
  const figures: HealthFigures = {
    recent: { attempts: 0, succeeded: 0, successRate: null },
    consecutiveFailures: 0,
    lastAttemptAt: null,
    lastSuccessAt: null,
    lastFailureAt: null,
    lastError: null,
    pending: 0,
    retrying: 0,
    forecast: null,
  };
  for (const e of endpoints) {
    figures.recent.attempts += e.recent.attempts;
    figures.recent.succeeded += e.recent.succeeded;
    figures.consecutiveFailures = Math.max(figures.consecutiveFailures, e.consecutiveFailures);
    figures.lastAttemptAt = latest(figures.lastAttemptAt, e.lastAttemptAt);
    figures.lastSuccessAt = latest(figures.lastSuccessAt, e.lastSuccessAt);
    if (e.lastFailureAt !== null && (figures.lastFailureAt === null || e.lastFailureAt > figures.lastFailureAt)) {
      figures.lastFailureAt = e.lastFailureAt;
      figures.lastError = e.lastError;
    }
    figures.pending += e.pending;
    figures.retrying += e.retrying;
    if (e.forecast) {
      const f = figures.forecast;
      figures.forecast = f
        ? {
            deliveries: f.deliveries + e.forecast.deliveries,
            earliest: Math.min(f.earliest, e.forecast.earliest),
            latest: Math.max(f.latest, e.forecast.latest),
          }
        : { ...e.forecast };
    }
  }
  figures.recent.successRate = rate(figures.recent.attempts, figures.recent.succeeded);
  return {
    host,
    health: endpoints.some((e) => e.health === 'failing') ? 'failing' : 'healthy',
    urls: endpoints.length,
    pausedUrls: endpoints.filter((e) => e.paused !== null).length,
    ...figures,
  };
}
