// Gateway configuration from the environment, by the settings of settings.ts; every problem
// is reported at once, at start.
import { parseRetrySchedule, type RetrySchedule } from '@payhook/protocol';
import type { GatewayMode } from './domain/callback-url.js';
import { MAKE_A_SECRET, settingsSchema, withDefaults } from './settings.js';

export interface GatewayConfig {
  port: number;
  host: string;
  /** `sqlite:PATH`, `file:PATH`, a bare path, or `postgres://…`. */
  databaseUrl: string;
  mode: GatewayMode;
  schedule: RetrySchedule;
  attemptTimeoutMs: number;
  maxAnswerBytes: number;
  concurrency: number;
  /** Attempts in flight to one host, per process. */
  hostConcurrency: number;
  /** `all`: API and background loops; `api`: HTTP only; `dispatcher`: loops only, no HTTP. */
  role: GatewayRole;
  /** PostgreSQL connections per process. */
  poolSize: number;
  leaseMs: number;
  pollIntervalMs: number;
  /** Longest a finished attempt waits for others to be recorded in the same transaction; 0: its event-loop turn. */
  recordWindowMs: number;
  settleDelayMs: number;
  /** Attempts that ended longer ago are pruned, except each delivery's last; 0: every attempt is kept. */
  attemptRetentionMs: number;
  /** From one pruning pass to the next. */
  retentionIntervalMs: number;
  /** Attempts looked at per pruning transaction. */
  retentionBatch: number;
  /** Length of a quote's tolerate period (MixPay's `expire`/`seconds`); a refresh starts a new one. */
  quoteWindowMs: number;
  publicUrl: string;
  adminToken: string | undefined;
  /** Production: private subnets callbacks may still go to (the operator's own network). */
  callbackAllowedSubnets: string[];
  sandboxEnabled: boolean;
  /** Requests per client IP and minute on the public API (control routes get 10×); 0: no limit. */
  rateLimitPerMinute: number;
  /** Past this mean event-loop delay (ms) the API answers 503 at once instead of queueing; 0: never shed. */
  maxEventLoopDelayMs: number;
  logLevel: string;
  /** Told of exhausted deliveries and endpoint health by signed JSON POSTs; unset: logs and metrics only. */
  operatorWebhookUrl: string | undefined;
  /** Signs the operator notices (Standard Webhooks); set whenever the URL is. */
  operatorWebhookSecret: string | undefined;
  /** Delays before each retry of an operator notice. */
  operatorWebhookRetriesMs: number[];
  /** How long a rotated payee secret keeps signing beside the new one; 0: it stops at once. */
  secretRotationOverlapMs: number;
  /** Deliveries a recovery takes per transaction. */
  recoveryBatch: number;
  /** Consecutive failed attempts after which a callback URL is `failing`. */
  endpointFailingAfter: number;
  /** Consecutive failed attempts after which a callback URL pauses itself; 0: never. */
  endpointAutoPauseAfter: number;
}

export type GatewayRole = 'all' | 'api' | 'dispatcher';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  // An empty variable means "not set", as shells and compose files usually intend.
  const present = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
  const raw = withDefaults(present);
  const parsed = settingsSchema.safeParse(raw);
  // Every problem is reported at once: the schema's, then the checks below, which read the
  // raw values so that one malformed variable does not hide the others.
  const problems: string[] = parsed.success
    ? []
    : parsed.error.issues.map((i) => {
        const name = String(i.path[0] ?? '');
        return name !== '' && !i.message.includes(name) ? `${name}: ${i.message}` : i.message;
      });
  const fail = () => new ConfigError(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  let schedule: RetrySchedule = [];
  try {
    schedule = parseRetrySchedule(raw.PAYHOOK_RETRY_SCHEDULE);
  } catch (error) {
    problems.push(`PAYHOOK_RETRY_SCHEDULE: ${(error as Error).message}`);
  }
  const databaseUrl = present.DATABASE_URL;
  if (
    databaseUrl !== undefined &&
    !/^(sqlite:|file:|postgres:\/\/|postgresql:\/\/)/.test(databaseUrl) &&
    databaseUrl.includes('://')
  ) {
    problems.push(`DATABASE_URL: unsupported scheme in "${databaseUrl}"; use sqlite:PATH or postgres://…`);
  }
  if (present.PAYHOOK_MODE === 'production' && present.PAYHOOK_ADMIN_TOKEN === undefined) {
    problems.push('PAYHOOK_ADMIN_TOKEN is required in production mode (it guards the admin API)');
  }
  // An unsigned notice could be forged by anyone who learns the URL (it is often a chat hook).
  if (present.PAYHOOK_OPERATOR_WEBHOOK_URL !== undefined && present.PAYHOOK_OPERATOR_WEBHOOK_SECRET === undefined) {
    problems.push(
      'PAYHOOK_OPERATOR_WEBHOOK_SECRET is required with PAYHOOK_OPERATOR_WEBHOOK_URL (notices are signed so they ' +
        `cannot be forged); make one with ${MAKE_A_SECRET} and verify notices with it`,
    );
  }
  if (!parsed.success) throw fail();
  const e = parsed.data;
  // The lease must outlast the attempt, or a slow answer could be sent twice at once.
  const leaseMs = e.PAYHOOK_LEASE ?? e.PAYHOOK_ATTEMPT_TIMEOUT + 30_000;
  if (leaseMs <= e.PAYHOOK_ATTEMPT_TIMEOUT) {
    problems.push('PAYHOOK_LEASE must be longer than PAYHOOK_ATTEMPT_TIMEOUT');
  }
  if (problems.length > 0) throw fail();
  const shownHost = e.HOST === '0.0.0.0' || e.HOST === '::' ? '127.0.0.1' : e.HOST;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    mode: e.PAYHOOK_MODE,
    schedule,
    attemptTimeoutMs: e.PAYHOOK_ATTEMPT_TIMEOUT,
    maxAnswerBytes: e.PAYHOOK_MAX_ANSWER_BYTES,
    concurrency: e.PAYHOOK_CONCURRENCY,
    hostConcurrency: e.PAYHOOK_HOST_CONCURRENCY,
    role: e.PAYHOOK_ROLE,
    poolSize: e.PAYHOOK_DB_POOL,
    leaseMs,
    pollIntervalMs: e.PAYHOOK_POLL_INTERVAL,
    recordWindowMs: e.PAYHOOK_RECORD_WINDOW,
    settleDelayMs: e.PAYHOOK_SETTLE_DELAY,
    attemptRetentionMs: e.PAYHOOK_ATTEMPT_RETENTION,
    retentionIntervalMs: e.PAYHOOK_RETENTION_INTERVAL,
    retentionBatch: e.PAYHOOK_RETENTION_BATCH,
    quoteWindowMs: e.PAYHOOK_QUOTE_WINDOW,
    publicUrl: (
      e.PAYHOOK_PUBLIC_URL ?? `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${e.PORT}`
    ).replace(/\/$/, ''),
    adminToken: e.PAYHOOK_ADMIN_TOKEN,
    callbackAllowedSubnets: e.PAYHOOK_CALLBACK_ALLOWED_SUBNETS,
    sandboxEnabled:
      e.PAYHOOK_SANDBOX === undefined ? e.PAYHOOK_MODE === 'sandbox' : ['1', 'true'].includes(e.PAYHOOK_SANDBOX),
    rateLimitPerMinute: e.PAYHOOK_RATE_LIMIT,
    maxEventLoopDelayMs: e.PAYHOOK_MAX_EVENT_LOOP_DELAY,
    logLevel: e.LOG_LEVEL,
    operatorWebhookUrl: e.PAYHOOK_OPERATOR_WEBHOOK_URL,
    operatorWebhookSecret: e.PAYHOOK_OPERATOR_WEBHOOK_SECRET,
    operatorWebhookRetriesMs: e.PAYHOOK_OPERATOR_WEBHOOK_RETRIES,
    secretRotationOverlapMs: e.PAYHOOK_SECRET_ROTATION_OVERLAP,
    recoveryBatch: e.PAYHOOK_RECOVERY_BATCH,
    endpointFailingAfter: e.PAYHOOK_ENDPOINT_FAILING_AFTER,
    endpointAutoPauseAfter: e.PAYHOOK_ENDPOINT_AUTO_PAUSE_AFTER,
  };
}
