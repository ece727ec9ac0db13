// Gateway configuration from the environment. These names are a contract that outside
// tests and operators rely on; every problem is reported at once, at start.
import {
  DEFAULT_RETRY_SCHEDULE_SECONDS,
  parseRetrySchedule,
  type RetrySchedule,
  scheduleFromSeconds,
} from '@payhook/protocol';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import type { GatewayMode } from './callback-url.js';

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
  /** Told of every exhausted delivery by a JSON POST (best effort); unset: logs and metrics only. */
  operatorWebhookUrl: string | undefined;
}

function isValidCidr(text: string): boolean {
  try {
    ipaddr.parseCIDR(text);
    return true;
  } catch {
    return false;
  }
}

export type GatewayRole = 'all' | 'api' | 'dispatcher';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const seconds = (name: string) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, `${name} must be a number of seconds`)
    .transform((v) => Math.round(Number(v) * 1000));

const positiveInt = (name: string) =>
  z
    .string()
    .regex(/^[1-9]\d*$/, `${name} must be a positive integer`)
    .transform(Number);

const envSchema = z.object({
  PORT: z
    .string()
    .regex(/^\d+$/, 'PORT must be a port number')
    .transform(Number)
    .pipe(z.number().max(65535, 'PORT must be at most 65535'))
    .default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z.string().min(1).default('sqlite:./data/payhook.sqlite'),
  PAYHOOK_MODE: z
    .enum(['sandbox', 'production'], { error: 'PAYHOOK_MODE must be sandbox or production' })
    .default('sandbox'),
  PAYHOOK_RETRY_SCHEDULE: z.string().optional(),
  PAYHOOK_ATTEMPT_TIMEOUT: seconds('PAYHOOK_ATTEMPT_TIMEOUT').default(10_000),
  PAYHOOK_MAX_ANSWER_BYTES: positiveInt('PAYHOOK_MAX_ANSWER_BYTES').default(64 * 1024),
  PAYHOOK_CONCURRENCY: positiveInt('PAYHOOK_CONCURRENCY').default(64),
  PAYHOOK_HOST_CONCURRENCY: positiveInt('PAYHOOK_HOST_CONCURRENCY').default(16),
  PAYHOOK_ROLE: z
    .enum(['all', 'api', 'dispatcher'], { error: 'PAYHOOK_ROLE must be all, api or dispatcher' })
    .default('all'),
  PAYHOOK_DB_POOL: positiveInt('PAYHOOK_DB_POOL').default(10),
  PAYHOOK_LEASE: seconds('PAYHOOK_LEASE').optional(),
  PAYHOOK_POLL_INTERVAL: seconds('PAYHOOK_POLL_INTERVAL').default(1_000),
  PAYHOOK_RECORD_WINDOW: seconds('PAYHOOK_RECORD_WINDOW').default(0),
  PAYHOOK_SETTLE_DELAY: seconds('PAYHOOK_SETTLE_DELAY').default(5_000),
  // 15 minutes, as the tolerate period of MixPay's payments_info example (900 s).
  PAYHOOK_QUOTE_WINDOW: seconds('PAYHOOK_QUOTE_WINDOW').default(900_000),
  PAYHOOK_PUBLIC_URL: z.url({ error: 'PAYHOOK_PUBLIC_URL must be a URL' }).optional(),
  PAYHOOK_ADMIN_TOKEN: z.string().min(16, 'PAYHOOK_ADMIN_TOKEN must be at least 16 characters').optional(),
  PAYHOOK_SANDBOX: z.enum(['0', '1', 'true', 'false']).optional(),
  PAYHOOK_RATE_LIMIT: z
    .string()
    .regex(/^\d{1,7}$/, 'PAYHOOK_RATE_LIMIT must be a number of requests per minute (0: no limit)')
    .transform(Number)
    .default(60),
  PAYHOOK_MAX_EVENT_LOOP_DELAY: z
    .string()
    .regex(/^\d{1,6}$/, 'PAYHOOK_MAX_EVENT_LOOP_DELAY must be a number of milliseconds (0: never shed load)')
    .transform(Number)
    .default(100),
  PAYHOOK_CALLBACK_ALLOWED_SUBNETS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z.string().refine((cidr) => isValidCidr(cidr), {
          error: (issue) =>
            `PAYHOOK_CALLBACK_ALLOWED_SUBNETS: "${String(issue.input)}" is not a subnet such as 10.0.0.0/8`,
        }),
      ),
    )
    .default([]),
  PAYHOOK_OPERATOR_WEBHOOK_URL: z
    .url({
      protocol: /^https?$/,
      error: 'PAYHOOK_OPERATOR_WEBHOOK_URL must be an http:// or https:// URL',
    })
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export function loadConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  // An empty variable means "not set", as shells and compose files usually intend.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  // Every problem is reported at once: the schema's, then the checks below, which read the
  // raw values so that one malformed variable does not hide the others.
  const problems: string[] = parsed.success
    ? []
    : parsed.error.issues.map((i) => {
        const name = String(i.path[0] ?? '');
        return name !== '' && !i.message.includes(name) ? `${name}: ${i.message}` : i.message;
      });
  const fail = () => new ConfigError(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  let schedule = scheduleFromSeconds(DEFAULT_RETRY_SCHEDULE_SECONDS);
  if (present.PAYHOOK_RETRY_SCHEDULE !== undefined) {
    try {
      schedule = parseRetrySchedule(present.PAYHOOK_RETRY_SCHEDULE);
    } catch (error) {
      problems.push(`PAYHOOK_RETRY_SCHEDULE: ${(error as Error).message}`);
    }
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
  };
}
