// An endpoint's health as attempts end: pure. A callback URL is `failing` once
// PAYHOOK_ENDPOINT_FAILING_AFTER attempts in a row failed, `healthy` again at its next success;
// with PAYHOOK_ENDPOINT_AUTO_PAUSE_AFTER set, that many failures in a row also pause it. The
// store folds a batch of attempts through `applyAttempt` inside one transaction (endpoints.ts);
// what changed comes back as transitions, which operator notices are made of.
import type {
  AttemptError,
  AttemptErrorClass,
  EndpointHealthState,
  EndpointNotice,
  EndpointNoticeType,
} from '@payhook/protocol';

/** What an endpoint row holds, as the fold reads and writes it. */
export interface EndpointState {
  url: string;
  host: string;
  consecutiveFailures: number;
  lastAttemptAt: number | null;
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  lastError: AttemptError | null;
  health: EndpointHealthState;
  pausedAt: number | null;
  pausedBy: string | null;
  pauseReason: string | null;
  autoPaused: boolean;
}

/** One ended attempt, as health counts it. */
export interface EndpointAttempt {
  url: string;
  host: string;
  success: boolean;
  endedAt: number;
  errorClass: AttemptErrorClass | null;
  statusCode: number | null;
  errorMessage: string | null;
}

export interface HealthThresholds {
  /** Consecutive failures that make an endpoint `failing` (at least 1). */
  failingAfter: number;
  /** Consecutive failures that pause it; 0: never (MixPay keeps trying). */
  autoPauseAfter: number;
}

export type EndpointTransitionType = EndpointNoticeType;

/**
 * An endpoint changed health or was paused automatically: the operator notice itself, whose
 * error is always known here (for `recovered`: the failure it recovered from).
 */
export interface EndpointTransition extends EndpointNotice {
  lastError: AttemptError;
}

/** Who an automatic pause is recorded as. */
export const AUTO_PAUSED_BY = 'auto';

/** A URL never attempted nor paused. */
export function freshEndpoint(url: string, host: string): EndpointState {
  return {
    url,
    host,
    consecutiveFailures: 0,
    lastAttemptAt: null,
    lastSuccessAt: null,
    lastFailureAt: null,
    lastError: null,
    health: 'healthy',
    pausedAt: null,
    pausedBy: null,
    pauseReason: null,
    autoPaused: false,
  };
}

const NO_ERROR: AttemptError = { errorClass: null, statusCode: null, message: null };

/**
 * The endpoint after one more ended attempt, and what that changed. Several processes record
 * attempts, so one may arrive after a later one: a success older than the last failure does not
 * reset the count, and a failure older than the last success does not add to it.
 */
export function applyAttempt(
  state: EndpointState,
  attempt: EndpointAttempt,
  thresholds: HealthThresholds,
): { next: EndpointState; transitions: EndpointTransition[] } {
  const next: EndpointState = { ...state, lastAttemptAt: Math.max(state.lastAttemptAt ?? 0, attempt.endedAt) };
  const transitions: EndpointTransition[] = [];
  const emit = (type: EndpointTransitionType) =>
    transitions.push({
      type,
      url: state.url,
      host: state.host,
      consecutiveFailures: next.consecutiveFailures,
      lastError: next.lastError ?? NO_ERROR,
      at: attempt.endedAt,
    });
  if (attempt.success) {
    next.lastSuccessAt = Math.max(state.lastSuccessAt ?? 0, attempt.endedAt);
    if (state.lastFailureAt !== null && attempt.endedAt < state.lastFailureAt) return { next, transitions };
    next.consecutiveFailures = 0;
    if (state.health === 'failing') {
      next.health = 'healthy';
      emit('endpoint.recovered');
    }
    return { next, transitions };
  }
  if (state.lastSuccessAt !== null && attempt.endedAt < state.lastSuccessAt) return { next, transitions };
  next.consecutiveFailures = state.consecutiveFailures + 1;
  if (state.lastFailureAt === null || attempt.endedAt >= state.lastFailureAt) {
    next.lastFailureAt = attempt.endedAt;
    next.lastError = { errorClass: attempt.errorClass, statusCode: attempt.statusCode, message: attempt.errorMessage };
  }
  if (state.health === 'healthy' && next.consecutiveFailures >= Math.max(1, thresholds.failingAfter)) {
    next.health = 'failing';
    emit('endpoint.failing');
  }
  // Still failing after a resume: paused again at the next failure, so the schedule is kept.
  if (
    thresholds.autoPauseAfter > 0 &&
    next.consecutiveFailures >= thresholds.autoPauseAfter &&
    state.pausedAt === null
  ) {
    next.pausedAt = attempt.endedAt;
    next.pausedBy = AUTO_PAUSED_BY;
    next.pauseReason = `${next.consecutiveFailures} consecutive failed attempts`;
    next.autoPaused = true;
    emit('endpoint.paused');
  }
  return { next, transitions };
}

/** Folds attempts (in the order they ended) into the endpoint. */
export function applyAttempts(
  state: EndpointState,
  attempts: readonly EndpointAttempt[],
  thresholds: HealthThresholds,
): { next: EndpointState; transitions: EndpointTransition[] } {
  let next = state;
  const transitions: EndpointTransition[] = [];
  for (const attempt of [...attempts].sort((a, b) => a.endedAt - b.endedAt)) {
    const step = applyAttempt(next, attempt, thresholds);
    next = step.next;
    transitions.push(...step.transitions);
  }
  return { next, transitions };
}
