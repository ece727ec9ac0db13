// The gateway's settings, one entry per environment variable. loadConfig's schema, the flags of
// `payhook gateway` and the README's configuration table are all derived from this table, so a
// setting added here exists everywhere at once. The variable names and defaults are a contract
// that operators and outside tests rely on.
import { DEFAULT_RETRY_SCHEDULE_SECONDS } from '@payhook/protocol';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

interface SettingDescription {
  /** The flag of `payhook gateway`, in commander's spelling: `--port <port>`; `--sandbox` for a switch. */
  flag: string;
  /** Parses the variable's text; `name` is the variable, for messages that name it. */
  schema: (name: string) => z.ZodType;
  /** A switch: the values `--flag` and `--no-flag` stand for, and the help line of the latter. */
  switch?: { on: string; off: string; offHelp: string };
  /** A line of `payhook gateway --help`. */
  help: string;
  /** The "meaning" column of the README's table (markdown). */
  doc: string;
}

/** A setting is either a default, written and parsed as an operator's value would be, or says what unset means. */
export type GatewaySetting = SettingDescription &
  (
    | { default: string; unset?: never }
    | {
        default?: never;
        /** The README's "default" column (markdown): what loadConfig does when the variable is unset. */
        unset: string;
      }
  );

function isValidCidr(text: string): boolean {
  try {
    ipaddr.parseCIDR(text);
    return true;
  } catch {
    return false;
  }
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

/** The longest overlap of a payee secret's rotation (the setting's and the admin API's bound): 30 days. */
export const MAX_SECRET_ROTATION_OVERLAP_SECONDS = 30 * 86_400;

/** How to make a Standard Webhooks secret by hand, for messages that ask for one. */
export const MAKE_A_SECRET = 'echo "whsec_$(openssl rand -base64 32)"';

/** Keyed by environment variable; the order is the README's and `--help`'s. */
export const GATEWAY_SETTINGS = {
  PORT: {
    flag: '--port <port>',
    schema: (name) =>
      z
        .string()
        .regex(/^\d+$/, `${name} must be a port number`)
        .transform(Number)
        .pipe(z.number().max(65535, `${name} must be at most 65535`)),
    default: '8080',
    help: 'HTTP port (0: any free port)',
    doc: 'HTTP port',
  },
  HOST: {
    flag: '--host <host>',
    schema: () => z.string().min(1),
    default: '127.0.0.1',
    help: 'bind address',
    doc: 'bind address (`0.0.0.0` to expose)',
  },
  DATABASE_URL: {
    flag: '--database-url <url>',
    // The scheme is checked by loadConfig, on the raw value, so that it is reported with the others.
    schema: () => z.string().min(1),
    default: 'sqlite:./data/payhook.sqlite',
    help: 'sqlite:PATH, a bare path or postgres://…',
    doc: '`sqlite:PATH`, `file:PATH` or a bare path; `postgres://user@host/db` for PostgreSQL (many processes)',
  },
  PAYHOOK_MODE: {
    flag: '--mode <mode>',
    schema: (name) => z.enum(['sandbox', 'production'], { error: `${name} must be sandbox or production` }),
    default: 'sandbox',
    help: 'sandbox or production',
    doc: '`production` accepts HTTPS callbacks only, disables the sandbox, requires the admin token',
  },
  PAYHOOK_RETRY_SCHEDULE: {
    flag: '--retry-schedule <seconds>',
    // Parsed by loadConfig with parseRetrySchedule, whose messages say which entry is wrong.
    schema: () => z.string(),
    default: DEFAULT_RETRY_SCHEDULE_SECONDS.join(','),
    help: 'comma-separated delays between attempts',
    doc: 'seconds (fractions allowed); its length is the number of attempts',
  },
  PAYHOOK_ATTEMPT_TIMEOUT: {
    flag: '--attempt-timeout <seconds>',
    schema: seconds,
    default: '10',
    help: 'total deadline of one attempt',
    doc: 'seconds, total deadline of one attempt',
  },
  PAYHOOK_MAX_ANSWER_BYTES: {
    flag: '--max-answer-bytes <bytes>',
    schema: positiveInt,
    default: '65536',
    help: 'larger answers fail as too_large',
    doc: 'larger answers fail as `too_large`',
  },
  PAYHOOK_CONCURRENCY: {
    flag: '--concurrency <n>',
    schema: positiveInt,
    default: '64',
    help: 'attempts in flight',
    doc: 'attempts in flight per process',
  },
  PAYHOOK_LEASE: {
    flag: '--lease <seconds>',
    schema: (name) => seconds(name).optional(),
    unset: 'timeout + 30',
    help: 'how long a claim holds a delivery',
    doc: 'seconds a claim holds a delivery; must exceed the timeout',
  },
  PAYHOOK_POLL_INTERVAL: {
    flag: '--poll-interval <seconds>',
    schema: seconds,
    default: '1',
    help: 'longest sleep of the background loops',
    doc: 'seconds, longest sleep of the background loops',
  },
  PAYHOOK_RECORD_WINDOW: {
    flag: '--record-window <seconds>',
    schema: seconds,
    default: '0',
    help: 'longest wait of a finished attempt for others to be recorded with it',
    doc:
      'seconds a finished attempt may wait for others to be recorded in the same transaction (`0`: those that end ' +
      'in the same event-loop turn, and while one batch is written the next gathers)',
  },
  PAYHOOK_ATTEMPT_RETENTION: {
    flag: '--attempt-retention <days>',
    schema: (name) =>
      z
        .string()
        .regex(/^\d+(\.\d+)?$/, `${name} must be a number of days (0: keep every attempt)`)
        .transform((v) => Math.round(Number(v) * 86_400_000)),
    default: '30',
    help: "days an attempt is kept, except each delivery's last (0: keep all)",
    doc:
      'days (fractions allowed) an attempt and its answer excerpt are kept; older ones are pruned, except each ' +
      "delivery's last attempt, and deliveries are never pruned; `0` keeps every attempt (see Operations)",
  },
  PAYHOOK_RETENTION_INTERVAL: {
    flag: '--retention-interval <seconds>',
    schema: (name) => seconds(name).pipe(z.number().positive(`${name} must be more than 0`)),
    default: '300',
    help: 'from one pruning pass to the next',
    doc: 'seconds from one pruning pass of the dispatcher to the next',
  },
  PAYHOOK_RETENTION_BATCH: {
    flag: '--retention-batch <n>',
    schema: positiveInt,
    default: '1000',
    help: 'attempts looked at per pruning transaction',
    doc: 'attempts looked at per pruning transaction (the pruner yields between two)',
  },
  PAYHOOK_SETTLE_DELAY: {
    flag: '--settle-delay <seconds>',
    schema: seconds,
    default: '5',
    help: 'from success to settlement (sandbox)',
    doc: 'seconds from success to settlement (sandbox)',
  },
  PAYHOOK_QUOTE_WINDOW: {
    flag: '--quote-window <seconds>',
    schema: seconds,
    // 15 minutes, as the tolerate period of MixPay's payments_info example (900 s).
    default: '900',
    help: "how long a quote holds (MixPay's tolerate period)",
    doc:
      "seconds a quote holds (MixPay's `expire`/`seconds`, the tolerate period; not `expiredTimestamp`); a re-sent " +
      'create request or `/v1/payments/refresh` starts a new one',
  },
  PAYHOOK_PUBLIC_URL: {
    flag: '--public-url <url>',
    schema: (name) => z.url({ error: `${name} must be a URL` }).optional(),
    unset: '`http://HOST:PORT`',
    help: 'base of checkout links',
    doc:
      'base of checkout links; also the origin forms must come from and, without a token, a host name the gateway ' +
      "answers to (set it behind a proxy that keeps the client's Host)",
  },
  PAYHOOK_CALLBACK_ALLOWED_SUBNETS: {
    flag: '--callback-allowed-subnets <cidrs>',
    schema: (name) =>
      z
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
              error: (issue) => `${name}: "${String(issue.input)}" is not a subnet such as 10.0.0.0/8`,
            }),
          ),
        )
        .default([]),
    unset: '—',
    help: 'production: private subnets callbacks may still reach (comma-separated)',
    doc: 'production: private subnets (CIDR, comma-separated) callbacks may still reach',
  },
  PAYHOOK_HOST_CONCURRENCY: {
    flag: '--host-concurrency <n>',
    schema: positiveInt,
    default: '16',
    help: 'attempts in flight to one host',
    doc: 'attempts in flight to one host per process, so a dead receiver cannot take every slot',
  },
  PAYHOOK_ROLE: {
    flag: '--role <role>',
    schema: (name) => z.enum(['all', 'api', 'dispatcher'], { error: `${name} must be all, api or dispatcher` }),
    default: 'all',
    help: 'all, api or dispatcher',
    doc: '`api` (HTTP only), `dispatcher` (delivery loops only), `all`; also `payhook-gateway --role`',
  },
  PAYHOOK_DB_POOL: {
    flag: '--db-pool <n>',
    schema: positiveInt,
    default: '10',
    help: 'PostgreSQL connections',
    doc: 'PostgreSQL connections per process',
  },
  PAYHOOK_ADMIN_TOKEN: {
    flag: '--admin-token <token>',
    schema: (name) => z.string().min(16, `${name} must be at least 16 characters`).optional(),
    unset: '—',
    help: 'guards admin and sandbox routes',
    doc: "when set, admin and sandbox routes need `Authorization: Bearer …` (or the dashboard's sign-in cookie)",
  },
  PAYHOOK_SANDBOX: {
    flag: '--sandbox',
    schema: () => z.enum(['0', '1', 'true', 'false']).optional(),
    switch: { on: '1', off: '0', offHelp: 'do not serve /v1/sandbox/*' },
    unset: 'on in sandbox mode',
    help: 'serve /v1/sandbox/* even in production mode',
    doc: 'serve `/v1/sandbox/*` (also in production when `1`)',
  },
  PAYHOOK_RATE_LIMIT: {
    flag: '--rate-limit <n>',
    schema: (name) =>
      z
        .string()
        .regex(/^\d{1,7}$/, `${name} must be a number of requests per minute (0: no limit)`)
        .transform(Number),
    default: '60',
    help: 'requests per client IP and minute on the public API (0: no limit)',
    doc:
      'requests per client IP and minute on the public API and checkout pages (admin, sandbox, dashboard, ' +
      'metrics: 10×); `0` turns limiting off (see Security)',
  },
  PAYHOOK_MAX_EVENT_LOOP_DELAY: {
    flag: '--max-event-loop-delay <ms>',
    schema: (name) =>
      z
        .string()
        .regex(/^\d{1,6}$/, `${name} must be a number of milliseconds (0: never shed load)`)
        .transform(Number),
    default: '100',
    help: 'mean event-loop delay past which the API answers 503 at once (0: never)',
    doc:
      'ms of mean event-loop delay (sampled every 250 ms) past which the API answers `503` at once, ' +
      "MixPay's envelope with code `1429` and `retry-after: 1`, instead of queueing requests until clients " +
      'time out; `/healthz` and `/metrics` are never shed; `0` turns shedding off',
  },
  LOG_LEVEL: {
    flag: '--log-level <level>',
    schema: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    default: 'info',
    help: 'pino level, or silent',
    doc:
      'pino level; logs are JSON lines with the delivery id on every delivery line, credentials redacted. ' +
      'Failed and exhausted attempts log at `info`/`warn`; a line per successful callback (`delivered`) only ' +
      'at `debug`',
  },
  PAYHOOK_SECRET_ROTATION_OVERLAP: {
    flag: '--secret-rotation-overlap <seconds>',
    schema: (name) =>
      seconds(name).refine((ms) => ms <= MAX_SECRET_ROTATION_OVERLAP_SECONDS * 1000, {
        error: `${name} must be at most ${MAX_SECRET_ROTATION_OVERLAP_SECONDS} seconds (30 days)`,
      }),
    default: '86400',
    help: 'how long a rotated payee secret keeps signing beside the new one (0: switch at once)',
    doc:
      "seconds a payee's replaced signing secret keeps signing beside the new one (callbacks carry both " +
      'signatures); `PUT …/secret` may ask another (`overlapSeconds`); `0` switches at once (see Security)',
  },
  PAYHOOK_OPERATOR_WEBHOOK_URL: {
    flag: '--operator-webhook-url <url>',
    schema: (name) => z.url({ protocol: /^https?$/, error: `${name} must be an http:// or https:// URL` }).optional(),
    unset: '—',
    help: 'told of exhausted deliveries and endpoint health by signed JSON POSTs',
    doc:
      '`http(s)://` URL told of exhausted deliveries and endpoint health by JSON POSTs, signed with ' +
      '`PAYHOOK_OPERATOR_WEBHOOK_SECRET`, which it requires (see Operations)',
  },
  PAYHOOK_OPERATOR_WEBHOOK_SECRET: {
    flag: '--operator-webhook-secret <whsec>',
    schema: (name) =>
      z
        .string()
        .refine((v) => /^whsec_[A-Za-z0-9+/]+={0,2}$/.test(v) && Buffer.from(v.slice(6), 'base64').length >= 24, {
          error: `${name} must be whsec_ and at least 24 random bytes in base64; make one: ${MAKE_A_SECRET}`,
        })
        .optional(),
    unset: '—',
    help: 'signs operator notices (Standard Webhooks, whsec_…); required with the URL',
    doc:
      "`whsec_…` secret that signs the operator webhook's notices (Standard Webhooks); required when the URL is " +
      `set, so a notice cannot be forged; make one with \`${MAKE_A_SECRET}\``,
  },
  PAYHOOK_OPERATOR_WEBHOOK_RETRIES: {
    flag: '--operator-webhook-retries <seconds>',
    schema: (name) =>
      z
        .string()
        .regex(/^\d+(\.\d+)?(,\d+(\.\d+)?){0,9}$/, `${name} must be up to 10 comma-separated numbers of seconds`)
        .transform((v) => v.split(',').map((d) => Math.round(Number(d) * 1000))),
    default: '1,10,60',
    help: 'delays before each retry of an operator notice',
    doc: 'seconds before each retry of an operator notice that was not answered with a `2xx`; its length is the number of retries',
  },
  PAYHOOK_RECOVERY_BATCH: {
    flag: '--recovery-batch <n>',
    schema: (name) => positiveInt(name).pipe(z.number().max(5_000, `${name} must be at most 5000`)),
    default: '500',
    help: 'deliveries a recovery takes per transaction',
    doc: 'deliveries a recovery (filtered redelivery or retry-now, `/admin/recoveries`) takes per transaction; at most 5000',
  },
  PAYHOOK_ENDPOINT_FAILING_AFTER: {
    flag: '--endpoint-failing-after <n>',
    schema: positiveInt,
    default: '5',
    help: 'consecutive failed attempts that make a callback URL failing',
    doc:
      'consecutive failed attempts after which a callback URL is `failing` (until its next success); shown by ' +
      '`GET /admin/endpoints`, the Endpoints page and `payhook endpoints`',
  },
  PAYHOOK_ENDPOINT_AUTO_PAUSE_AFTER: {
    flag: '--endpoint-auto-pause-after <n>',
    schema: (name) =>
      z
        .string()
        .regex(/^\d{1,6}$/, `${name} must be a number of attempts (0: never pause by itself)`)
        .transform(Number),
    default: '0',
    help: 'consecutive failed attempts that pause a callback URL (0: never)',
    doc:
      "consecutive failed attempts after which a callback URL is paused by itself (`0`: never, MixPay's own " +
      "behaviour of trying on); a pause keeps every delivery's remaining attempts and gaps until it is resumed",
  },
} satisfies Record<string, GatewaySetting>;

type Settings = typeof GATEWAY_SETTINGS;

/** The settings that have a default: their text is never missing once defaults are filled in. */
type Defaulted = { [Name in keyof Settings as Settings[Name] extends { default: string } ? Name : never]: string };

/** The variables' texts with the defaults filled in where a variable is missing. */
export function withDefaults(present: Readonly<Record<string, string>>): Record<string, string> & Defaulted {
  const defaults: Record<string, string> = {};
  for (const [name, setting] of Object.entries(GATEWAY_SETTINGS)) {
    if ('default' in setting) defaults[name] = setting.default;
  }
  return { ...defaults, ...present } as Record<string, string> & Defaulted;
}

/** One schema over every variable, so that zod reports every problem at once. */
export const settingsSchema = z.object(
  Object.fromEntries(Object.entries(GATEWAY_SETTINGS).map(([name, setting]) => [name, setting.schema(name)])) as {
    [Name in keyof Settings]: ReturnType<Settings[Name]['schema']>;
  },
);
