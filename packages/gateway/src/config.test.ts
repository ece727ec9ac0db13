// Configuration from the environment: defaults, every variable, and every problem reported at once.
import { DEFAULT_RETRY_SCHEDULE_SECONDS } from '@payhook/protocol';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const TOKEN = 'a-very-secret-admin-token';

/** The environment of rows that start with a variable and its text. */
function envOf(rows: ReadonlyArray<readonly [string, string, ...unknown[]]>): Record<string, string> {
  return Object.fromEntries(rows.map(([variable, text]) => [variable, text]));
}

/** Runs loadConfig expecting a ConfigError, and returns the problems it lists. */
const OPERATOR_SECRET = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const [head, ...lines] = (error as Error).message.split('\n');
    expect(head).toBe('invalid configuration:');
    return lines.map((l) => l.replace(/^ {2}- /, ''));
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig defaults', () => {
  it('runs a local sandbox on port 8080 with the MixPay schedule', () => {
    expect(loadConfig({})).toEqual({
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: 'sqlite:./data/payhook.sqlite',
      mode: 'sandbox',
      schedule: DEFAULT_RETRY_SCHEDULE_SECONDS.map((s) => s * 1000),
      attemptTimeoutMs: 10_000,
      maxAnswerBytes: 65_536,
      concurrency: 64,
      hostConcurrency: 16,
      callbackAllowedSubnets: [],
      role: 'all',
      poolSize: 10,
      leaseMs: 40_000,
      pollIntervalMs: 1_000,
      recordWindowMs: 0,
      settleDelayMs: 5_000,
      attemptRetentionMs: 30 * 86_400_000,
      retentionIntervalMs: 300_000,
      retentionBatch: 1_000,
      quoteWindowMs: 900_000,
      publicUrl: 'http://127.0.0.1:8080',
      adminToken: undefined,
      sandboxEnabled: true,
      rateLimitPerMinute: 60,
      maxEventLoopDelayMs: 100,
      logLevel: 'info',
      operatorWebhookUrl: undefined,
      operatorWebhookSecret: undefined,
      operatorWebhookRetriesMs: [1_000, 10_000, 60_000],
      secretRotationOverlapMs: 86_400_000,
      recoveryBatch: 500,
      endpointFailingAfter: 5,
      endpointAutoPauseAfter: 0,
    });
  });

  it('treats empty strings as unset', () => {
    const empty = {
      PORT: '',
      HOST: '',
      DATABASE_URL: '',
      PAYHOOK_MODE: '',
      PAYHOOK_RETRY_SCHEDULE: '',
      PAYHOOK_ATTEMPT_TIMEOUT: '',
      PAYHOOK_LEASE: '',
      PAYHOOK_PUBLIC_URL: '',
      PAYHOOK_ADMIN_TOKEN: '',
      PAYHOOK_SANDBOX: '',
      PAYHOOK_RATE_LIMIT: '',
      PAYHOOK_MAX_EVENT_LOOP_DELAY: '',
      LOG_LEVEL: '',
    };
    expect(loadConfig(empty)).toEqual(loadConfig({}));
  });

  it('ignores unrelated variables', () => {
    expect(loadConfig({ PATH: '/usr/bin', HOME: '/root', UNRELATED: 'x' })).toEqual(loadConfig({}));
  });

  it('derives the lease from the attempt timeout', () => {
    expect(loadConfig({ PAYHOOK_ATTEMPT_TIMEOUT: '2' }).leaseMs).toBe(32_000);
  });
});

describe('loadConfig parses every variable', () => {
  // Each variable with a value other than its default, and the field it sets to what.
  const EVERY_VARIABLE: ReadonlyArray<readonly [string, string, string, unknown]> = [
    ['PORT', '9090', 'port', 9090],
    ['HOST', '0.0.0.0', 'host', '0.0.0.0'],
    ['DATABASE_URL', 'postgres://payhook@db/payhook', 'databaseUrl', 'postgres://payhook@db/payhook'],
    ['PAYHOOK_MODE', 'production', 'mode', 'production'],
    ['PAYHOOK_RETRY_SCHEDULE', '0,0.05,0.1', 'schedule', [0, 50, 100]],
    ['PAYHOOK_ATTEMPT_TIMEOUT', '2.5', 'attemptTimeoutMs', 2_500],
    ['PAYHOOK_MAX_ANSWER_BYTES', '1024', 'maxAnswerBytes', 1024],
    ['PAYHOOK_CONCURRENCY', '8', 'concurrency', 8],
    ['PAYHOOK_HOST_CONCURRENCY', '2', 'hostConcurrency', 2],
    [
      'PAYHOOK_CALLBACK_ALLOWED_SUBNETS',
      '10.20.0.0/16, fd00::/8',
      'callbackAllowedSubnets',
      ['10.20.0.0/16', 'fd00::/8'],
    ],
    ['PAYHOOK_ROLE', 'dispatcher', 'role', 'dispatcher'],
    ['PAYHOOK_DB_POOL', '4', 'poolSize', 4],
    ['PAYHOOK_LEASE', '3', 'leaseMs', 3_000],
    ['PAYHOOK_POLL_INTERVAL', '0.2', 'pollIntervalMs', 200],
    ['PAYHOOK_RECORD_WINDOW', '0.005', 'recordWindowMs', 5],
    ['PAYHOOK_ATTEMPT_RETENTION', '0.5', 'attemptRetentionMs', 43_200_000],
    ['PAYHOOK_RETENTION_INTERVAL', '60', 'retentionIntervalMs', 60_000],
    ['PAYHOOK_RETENTION_BATCH', '500', 'retentionBatch', 500],
    ['PAYHOOK_SETTLE_DELAY', '60', 'settleDelayMs', 60_000],
    ['PAYHOOK_QUOTE_WINDOW', '600', 'quoteWindowMs', 600_000],
    ['PAYHOOK_PUBLIC_URL', 'https://pay.example.com/', 'publicUrl', 'https://pay.example.com'],
    ['PAYHOOK_ADMIN_TOKEN', TOKEN, 'adminToken', TOKEN],
    ['PAYHOOK_SANDBOX', '1', 'sandboxEnabled', true],
    ['PAYHOOK_RATE_LIMIT', '120', 'rateLimitPerMinute', 120],
    ['PAYHOOK_MAX_EVENT_LOOP_DELAY', '250', 'maxEventLoopDelayMs', 250],
    ['LOG_LEVEL', 'debug', 'logLevel', 'debug'],
    ['PAYHOOK_SECRET_ROTATION_OVERLAP', '3600', 'secretRotationOverlapMs', 3_600_000],
    [
      'PAYHOOK_OPERATOR_WEBHOOK_URL',
      'https://ops.example.com/hook',
      'operatorWebhookUrl',
      'https://ops.example.com/hook',
    ],
    ['PAYHOOK_OPERATOR_WEBHOOK_SECRET', OPERATOR_SECRET, 'operatorWebhookSecret', OPERATOR_SECRET],
    ['PAYHOOK_OPERATOR_WEBHOOK_RETRIES', '2,20', 'operatorWebhookRetriesMs', [2_000, 20_000]],
    ['PAYHOOK_RECOVERY_BATCH', '50', 'recoveryBatch', 50],
    ['PAYHOOK_ENDPOINT_FAILING_AFTER', '3', 'endpointFailingAfter', 3],
    ['PAYHOOK_ENDPOINT_AUTO_PAUSE_AFTER', '20', 'endpointAutoPauseAfter', 20],
  ];

  it('reads them all', () => {
    const config = loadConfig(envOf(EVERY_VARIABLE));
    expect(config).toEqual(Object.fromEntries(EVERY_VARIABLE.map(([, , field, value]) => [field, value])));
  });

  it.each(['sqlite:/tmp/x.db', 'file:/tmp/x.db', './data/x.sqlite', 'postgresql://u@h/db'])(
    'accepts DATABASE_URL %s',
    (url) => {
      expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
    },
  );

  it('disables the sandbox by default in production, and honours PAYHOOK_SANDBOX', () => {
    const production = { PAYHOOK_MODE: 'production', PAYHOOK_ADMIN_TOKEN: TOKEN };
    expect(loadConfig(production).sandboxEnabled).toBe(false);
    expect(loadConfig({ ...production, PAYHOOK_SANDBOX: 'true' }).sandboxEnabled).toBe(true);
    expect(loadConfig({ PAYHOOK_SANDBOX: '0' }).sandboxEnabled).toBe(false);
    expect(loadConfig({ PAYHOOK_SANDBOX: 'false' }).sandboxEnabled).toBe(false);
  });

  it('shows a reachable public URL for wildcard and IPv6 hosts', () => {
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '3000' }).publicUrl).toBe('http://127.0.0.1:3000');
    expect(loadConfig({ HOST: '::' }).publicUrl).toBe('http://127.0.0.1:8080');
    expect(loadConfig({ HOST: '::1' }).publicUrl).toBe('http://[::1]:8080');
  });
});

describe('loadConfig refuses bad values', () => {
  it.each([
    ['PORT', 'abc', 'PORT must be a port number'],
    ['PORT', '-1', 'PORT must be a port number'],
    ['PORT', '65536', 'PORT must be at most 65535'],
    ['PAYHOOK_MODE', 'prod', 'PAYHOOK_MODE must be sandbox or production'],
    ['PAYHOOK_ATTEMPT_TIMEOUT', '10s', 'PAYHOOK_ATTEMPT_TIMEOUT must be a number of seconds'],
    ['PAYHOOK_CONCURRENCY', '0', 'PAYHOOK_CONCURRENCY must be a positive integer'],
    ['PAYHOOK_ATTEMPT_RETENTION', '30d', 'PAYHOOK_ATTEMPT_RETENTION must be a number of days (0: keep every attempt)'],
    ['PAYHOOK_RETENTION_INTERVAL', '0', 'PAYHOOK_RETENTION_INTERVAL must be more than 0'],
    ['PAYHOOK_HOST_CONCURRENCY', 'x', 'PAYHOOK_HOST_CONCURRENCY must be a positive integer'],
    ['PAYHOOK_ROLE', 'worker', 'PAYHOOK_ROLE must be all, api or dispatcher'],
    [
      'PAYHOOK_CALLBACK_ALLOWED_SUBNETS',
      '10.0.0.0/8,nonsense',
      'PAYHOOK_CALLBACK_ALLOWED_SUBNETS: "nonsense" is not a subnet such as 10.0.0.0/8',
    ],
    ['PAYHOOK_MAX_ANSWER_BYTES', '1.5', 'PAYHOOK_MAX_ANSWER_BYTES must be a positive integer'],
    ['PAYHOOK_PUBLIC_URL', 'not a url', 'PAYHOOK_PUBLIC_URL must be a URL'],
    ['PAYHOOK_ADMIN_TOKEN', 'short', 'PAYHOOK_ADMIN_TOKEN must be at least 16 characters'],
    ['PAYHOOK_ENDPOINT_FAILING_AFTER', '0', 'PAYHOOK_ENDPOINT_FAILING_AFTER must be a positive integer'],
    [
      'PAYHOOK_ENDPOINT_AUTO_PAUSE_AFTER',
      '-1',
      'PAYHOOK_ENDPOINT_AUTO_PAUSE_AFTER must be a number of attempts (0: never pause by itself)',
    ],
  ])('%s=%j', (name, value, message) => {
    expect(problemsOf({ [name]: value })).toEqual([message]);
  });

  it.each([
    ['LOG_LEVEL', 'verbose'],
    ['PAYHOOK_SANDBOX', 'yes'],
  ])('names %s when its value is not one of the options', (name, value) => {
    const [problem] = problemsOf({ [name]: value });
    expect(problem).toMatch(new RegExp(`^${name}: `));
  });

  it('refuses a bad retry schedule', () => {
    const problems = problemsOf({ PAYHOOK_RETRY_SCHEDULE: '0,,15' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^PAYHOOK_RETRY_SCHEDULE: /);
  });

  it('refuses a lease that does not outlast the attempt', () => {
    expect(problemsOf({ PAYHOOK_ATTEMPT_TIMEOUT: '10', PAYHOOK_LEASE: '10' })).toEqual([
      'PAYHOOK_LEASE must be longer than PAYHOOK_ATTEMPT_TIMEOUT',
    ]);
    expect(loadConfig({ PAYHOOK_ATTEMPT_TIMEOUT: '10', PAYHOOK_LEASE: '10.001' }).leaseMs).toBe(10_001);
  });

  it('refuses an unknown DATABASE_URL scheme', () => {
    expect(problemsOf({ DATABASE_URL: 'mysql://u@h/db' })).toEqual([
      'DATABASE_URL: unsupported scheme in "mysql://u@h/db"; use sqlite:PATH or postgres://…',
    ]);
  });

  it('requires an admin token in production', () => {
    expect(problemsOf({ PAYHOOK_MODE: 'production' })).toEqual([
      'PAYHOOK_ADMIN_TOKEN is required in production mode (it guards the admin API)',
    ]);
    // An empty token is no token.
    expect(problemsOf({ PAYHOOK_MODE: 'production', PAYHOOK_ADMIN_TOKEN: '' })).toHaveLength(1);
  });

  it('lists every problem at once', () => {
    // Each bad variable, and the problem it makes, in the order they are listed.
    const bad = [
      ['PORT', 'abc', 'PORT must be a port number'],
      ['LOG_LEVEL', 'loud', expect.stringMatching(/^LOG_LEVEL: /)],
      ['PAYHOOK_RETRY_SCHEDULE', 'x', expect.stringMatching(/^PAYHOOK_RETRY_SCHEDULE: /)],
      ['DATABASE_URL', 'mysql://u@h/db', expect.stringMatching(/^DATABASE_URL: /)],
      ['PAYHOOK_MODE', 'production', expect.stringMatching(/^PAYHOOK_ADMIN_TOKEN is required/)],
    ] as const;
    expect(problemsOf(envOf(bad))).toEqual(bad.map(([, , problem]) => problem));
  });

  it('lists the lease problem together with the others when the values parse', () => {
    const problems = problemsOf({ PAYHOOK_LEASE: '1', PAYHOOK_RETRY_SCHEDULE: '-1', PAYHOOK_MODE: 'production' });
    expect(problems).toHaveLength(3);
    expect(problems).toContain('PAYHOOK_LEASE must be longer than PAYHOOK_ATTEMPT_TIMEOUT');
  });
});

describe('PAYHOOK_RECOVERY_BATCH', () => {
  it('is a positive integer of at most 5000', () => {
    expect(problemsOf({ PAYHOOK_RECOVERY_BATCH: '0' })).toEqual(['PAYHOOK_RECOVERY_BATCH must be a positive integer']);
    expect(problemsOf({ PAYHOOK_RECOVERY_BATCH: '5001' })).toEqual(['PAYHOOK_RECOVERY_BATCH must be at most 5000']);
  });
});

describe('PAYHOOK_OPERATOR_WEBHOOK_URL and _SECRET', () => {
  it('is unset by default and read as given', () => {
    expect(loadConfig({}).operatorWebhookUrl).toBeUndefined();
    expect(loadConfig({ PAYHOOK_OPERATOR_WEBHOOK_URL: '' }).operatorWebhookUrl).toBeUndefined();
    const url = 'https://alerts.example.com/hooks/payhook?key=abc';
    const config = loadConfig({ PAYHOOK_OPERATOR_WEBHOOK_URL: url, PAYHOOK_OPERATOR_WEBHOOK_SECRET: OPERATOR_SECRET });
    expect(config.operatorWebhookUrl).toBe(url);
    expect(config.operatorWebhookSecret).toBe(OPERATOR_SECRET);
    // The operator's own network is allowed, in either mode: the operator chose the address.
    expect(
      loadConfig({
        PAYHOOK_MODE: 'production',
        PAYHOOK_ADMIN_TOKEN: TOKEN,
        PAYHOOK_OPERATOR_WEBHOOK_URL: 'http://10.0.0.5:9093/hook',
        PAYHOOK_OPERATOR_WEBHOOK_SECRET: OPERATOR_SECRET,
      }).operatorWebhookUrl,
    ).toBe('http://10.0.0.5:9093/hook');
  });

  it('refuses a URL without a secret, saying how to make one (an unsigned notice could be forged)', () => {
    expect(problemsOf({ PAYHOOK_OPERATOR_WEBHOOK_URL: 'https://alerts.example.com/hook' })).toEqual([
      'PAYHOOK_OPERATOR_WEBHOOK_SECRET is required with PAYHOOK_OPERATOR_WEBHOOK_URL (notices are signed so they ' +
        'cannot be forged); make one with echo "whsec_$(openssl rand -base64 32)" and verify notices with it',
    ]);
  });

  it.each(['hunter2', 'whsec_', 'whsec_not base64!', `whsec_${Buffer.alloc(16).toString('base64')}`])(
    'refuses the secret %s, without echoing it',
    (secret) => {
      const problems = problemsOf({
        PAYHOOK_OPERATOR_WEBHOOK_URL: 'https://alerts.example.com/hook',
        PAYHOOK_OPERATOR_WEBHOOK_SECRET: secret,
      });
      expect(problems).toEqual([
        'PAYHOOK_OPERATOR_WEBHOOK_SECRET must be whsec_ and at least 24 random bytes in base64; make one: ' +
          'echo "whsec_$(openssl rand -base64 32)"',
      ]);
    },
  );

  it.each(['not a url', 'ftp://alerts.example.com/x', 'mailto:ops@example.com', '/relative/path'])(
    'refuses %s with a message naming the variable',
    (value) => {
      expect(
        problemsOf({ PAYHOOK_OPERATOR_WEBHOOK_URL: value, PAYHOOK_OPERATOR_WEBHOOK_SECRET: OPERATOR_SECRET }),
      ).toEqual(['PAYHOOK_OPERATOR_WEBHOOK_URL must be an http:// or https:// URL']);
    },
  );

  it('is listed with the other problems', () => {
    const problems = problemsOf({
      PORT: 'x',
      PAYHOOK_OPERATOR_WEBHOOK_URL: 'nope',
      PAYHOOK_OPERATOR_WEBHOOK_SECRET: OPERATOR_SECRET,
    });
    expect(problems).toEqual([
      'PORT must be a port number',
      'PAYHOOK_OPERATOR_WEBHOOK_URL must be an http:// or https:// URL',
    ]);
  });

  it('reads the retry schedule of notices as seconds', () => {
    expect(loadConfig({ PAYHOOK_OPERATOR_WEBHOOK_RETRIES: '0.5,2' }).operatorWebhookRetriesMs).toEqual([500, 2_000]);
    expect(problemsOf({ PAYHOOK_OPERATOR_WEBHOOK_RETRIES: '1,,2' })).toEqual([
      'PAYHOOK_OPERATOR_WEBHOOK_RETRIES must be up to 10 comma-separated numbers of seconds',
    ]);
  });
});

describe('PAYHOOK_SECRET_ROTATION_OVERLAP', () => {
  it('is 24 h by default, seconds when given, 0 to switch at once, at most 30 days', () => {
    expect(loadConfig({}).secretRotationOverlapMs).toBe(86_400_000);
    expect(loadConfig({ PAYHOOK_SECRET_ROTATION_OVERLAP: '3600' }).secretRotationOverlapMs).toBe(3_600_000);
    expect(loadConfig({ PAYHOOK_SECRET_ROTATION_OVERLAP: '0' }).secretRotationOverlapMs).toBe(0);
    expect(problemsOf({ PAYHOOK_SECRET_ROTATION_OVERLAP: '24h' })).toEqual([
      'PAYHOOK_SECRET_ROTATION_OVERLAP must be a number of seconds',
    ]);
    expect(problemsOf({ PAYHOOK_SECRET_ROTATION_OVERLAP: '2592001' })).toEqual([
      'PAYHOOK_SECRET_ROTATION_OVERLAP must be at most 2592000 seconds (30 days)',
    ]);
  });
});

// Two limits whose 0 means "off", each a whole number of its unit.
describe.each([
  {
    variable: 'PAYHOOK_RATE_LIMIT',
    field: 'rateLimitPerMinute',
    meaning: "is MixPay's 60 a minute by default; 0 turns limiting off",
    byDefault: 60,
    read: [
      ['0', 0],
      ['1000', 1000],
    ],
    refused: ['-1', '1.5', 'sixty', '60/min', '1e3', '10000000'],
    message: 'PAYHOOK_RATE_LIMIT must be a number of requests per minute (0: no limit)',
  },
  {
    variable: 'PAYHOOK_MAX_EVENT_LOOP_DELAY',
    field: 'maxEventLoopDelayMs',
    meaning: 'sheds load past a mean event-loop delay of 100 ms by default; 0 never sheds',
    byDefault: 100,
    read: [
      ['0', 0],
      ['40', 40],
    ],
    refused: ['-1', '1.5', '100ms', 'off', '1e3', '10000000'],
    message: 'PAYHOOK_MAX_EVENT_LOOP_DELAY must be a number of milliseconds (0: never shed load)',
  },
] as const)('$variable', ({ variable, field, meaning, byDefault, read, refused, message }) => {
  it(meaning, () => {
    expect(loadConfig({})[field]).toBe(byDefault);
    for (const [text, value] of read) expect(loadConfig({ [variable]: text })[field]).toBe(value);
  });

  it.each(refused)('refuses %s with a message naming the variable', (value) => {
    expect(problemsOf({ [variable]: value })).toEqual([message]);
  });
});
