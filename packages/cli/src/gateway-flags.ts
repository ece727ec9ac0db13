// `payhook gateway` flags: each mirrors one environment variable of the gateway and overrides
// it. The gateway's own loadConfig validates the values, so the rules live in one place.

export interface GatewayFlag {
  /** Commander's flag spelling, e.g. `--port <port>`. */
  flags: string;
  /** Commander's camelCase key of the parsed value. */
  key: string;
  env: string;
  description: string;
}

export const GATEWAY_FLAGS: readonly GatewayFlag[] = [
  { flags: '--port <port>', key: 'port', env: 'PORT', description: 'HTTP port (0: any free port)' },
  { flags: '--host <host>', key: 'host', env: 'HOST', description: 'bind address' },
  {
    flags: '--database-url <url>',
    key: 'databaseUrl',
    env: 'DATABASE_URL',
    description: 'sqlite:PATH, a bare path or postgres://…',
  },
  { flags: '--mode <mode>', key: 'mode', env: 'PAYHOOK_MODE', description: 'sandbox or production' },
  {
    flags: '--retry-schedule <seconds>',
    key: 'retrySchedule',
    env: 'PAYHOOK_RETRY_SCHEDULE',
    description: 'comma-separated delays between attempts',
  },
  {
    flags: '--attempt-timeout <seconds>',
    key: 'attemptTimeout',
    env: 'PAYHOOK_ATTEMPT_TIMEOUT',
    description: 'total deadline of one attempt',
  },
  {
    flags: '--max-answer-bytes <bytes>',
    key: 'maxAnswerBytes',
    env: 'PAYHOOK_MAX_ANSWER_BYTES',
    description: 'larger answers fail as too_large',
  },
  { flags: '--concurrency <n>', key: 'concurrency', env: 'PAYHOOK_CONCURRENCY', description: 'attempts in flight' },
  {
    flags: '--host-concurrency <n>',
    key: 'hostConcurrency',
    env: 'PAYHOOK_HOST_CONCURRENCY',
    description: 'attempts in flight to one host',
  },
  { flags: '--role <role>', key: 'role', env: 'PAYHOOK_ROLE', description: 'all, api or dispatcher' },
  { flags: '--db-pool <n>', key: 'dbPool', env: 'PAYHOOK_DB_POOL', description: 'PostgreSQL connections' },
  { flags: '--lease <seconds>', key: 'lease', env: 'PAYHOOK_LEASE', description: 'how long a claim holds a delivery' },
  {
    flags: '--poll-interval <seconds>',
    key: 'pollInterval',
    env: 'PAYHOOK_POLL_INTERVAL',
    description: 'longest sleep of the background loops',
  },
  {
    flags: '--settle-delay <seconds>',
    key: 'settleDelay',
    env: 'PAYHOOK_SETTLE_DELAY',
    description: 'from success to settlement (sandbox)',
  },
  {
    flags: '--public-url <url>',
    key: 'publicUrl',
    env: 'PAYHOOK_PUBLIC_URL',
    description: 'base of checkout links',
  },
  {
    flags: '--admin-token <token>',
    key: 'adminToken',
    env: 'PAYHOOK_ADMIN_TOKEN',
    description: 'guards admin and sandbox routes',
  },
  { flags: '--log-level <level>', key: 'logLevel', env: 'LOG_LEVEL', description: 'pino level, or silent' },
];

/** Environment overrides from parsed flags; `sandbox` is the boolean `--sandbox`/`--no-sandbox`. */
export function envFromFlags(values: Record<string, unknown>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const flag of GATEWAY_FLAGS) {
    const value = values[flag.key];
    if (typeof value === 'string') env[flag.env] = value;
  }
  if (typeof values.sandbox === 'boolean') env.PAYHOOK_SANDBOX = values.sandbox ? '1' : '0';
  return env;
}
