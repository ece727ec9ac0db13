// Starts a real gateway (a real SQLite file or PostgreSQL database, real HTTP) on a free
// loopback port for a test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { paymentBody } from '../../../../test-support/fixtures.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { USDT_ID } from '../../src/domain/assets.js';
import { createGateway, type Gateway, type GatewayDeps } from '../../src/gateway.js';
import { call } from './api.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { closeReceivers, startReceiver } from './receiver.js';

export { USDT_ID };

export interface TestGateway {
  gateway: Gateway;
  url: string;
  database: TestDatabase;
  /** POSTs JSON and returns the parsed envelope with the HTTP status. */
  post(path: string, body: unknown): Promise<{ status: number; body: any }>;
  get(path: string): Promise<{ status: number; body: any }>;
  /** Creates a /v1/payments payment in USDT; `overrides` win. */
  createPayment(overrides?: Record<string, unknown>): Promise<any>;
  /**
   * Resolves with `check`'s first answer other than `undefined`, asked now and again after every
   * attempt the dispatcher records (its onAttempt, spied), so a test waits on the event that
   * changes the answer instead of polling on a timer; rejects after `timeoutMs` naming `what`.
   */
  afterAttempts<T>(check: () => Promise<T | undefined>, what: string, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

const open = new Set<TestGateway>();

export async function startTestGateway(
  env: Record<string, string> = {},
  deps: GatewayDeps = {},
  options: {
    dir?: string;
    listen?: boolean;
    /** Another test gateway's database: both run on it (several processes), and it stays for its owner. */
    database?: TestDatabase;
  } = {},
): Promise<TestGateway> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'payhook-test-'));
  const database = options.database ?? (await createTestDatabase(dir));
  const config = loadConfig({
    PORT: '0',
    DATABASE_URL: database.url,
    PAYHOOK_RETRY_SCHEDULE: '0,0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05',
    PAYHOOK_ATTEMPT_TIMEOUT: '1',
    PAYHOOK_POLL_INTERVAL: '0.05',
    PAYHOOK_SETTLE_DELAY: '0.1',
    LOG_LEVEL: 'silent',
    // Suites send far more than 60 requests a minute from one address; rate-limit tests set it.
    PAYHOOK_RATE_LIMIT: '0',
    // A loaded CI machine can lag past any threshold: no shedding unless a test asks (overload.test.ts).
    PAYHOOK_MAX_EVENT_LOOP_DELAY: '0',
    ...env,
  });
  const attempted = new Set<() => void>();
  const gateway = await createGateway(config, {
    logger: pino({ level: 'silent' }),
    ...deps,
    onAttempt: (...args) => {
      deps.onAttempt?.(...args);
      for (const wake of attempted) wake();
    },
  });
  const url = options.listen === false ? '' : await gateway.start();
  let closed = false;

  const request = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const { status, body: answer } = await call({ gateway }, method, path, body === undefined ? {} : { json: body });
    return { status, body: answer };
  };

  const testGateway: TestGateway = {
    gateway,
    url,
    database,
    post: (path, body) => request('POST', path, body),
    get: (path) => request('GET', path),
    async createPayment(overrides = {}) {
      const res = await request('POST', '/v1/payments', paymentBody(overrides));
      if (res.status !== 200) throw new Error(`createPayment failed: ${JSON.stringify(res.body)}`);
      return res.body.data;
    },
    afterAttempts: (check, what, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        // One check at a time; an attempt recorded during a check asks once more after it.
        let running = false;
        let again = false;
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          attempted.delete(wake);
          settle();
        };
        const timer = setTimeout(
          () => finish(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))),
          timeoutMs,
        );
        const wake = () => {
          if (running) {
            again = true;
            return;
          }
          running = true;
          check().then(
            (answer) => {
              running = false;
              if (answer !== undefined) finish(() => resolve(answer));
              else if (again) {
                again = false;
                wake();
              }
            },
            (error: unknown) => finish(() => reject(error)),
          );
        };
        attempted.add(wake);
        wake();
      }),
    async close() {
      if (closed) return;
      closed = true;
      open.delete(testGateway);
      await gateway.stop(200);
      if (!options.database) await database.drop();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
  open.add(testGateway);
  return testGateway;
}

/**
 * Closes every test gateway, then every receiver, a test left open: call it in afterEach of a
 * suite whose gateways live for one test.
 */
export async function closeTestServers(): Promise<void> {
  // Gateways that borrowed a database close before the one that owns (and drops) it.
  for (const gw of [...open].reverse()) await gw.close();
  await closeReceivers();
}

/**
 * A gateway on a hand-moved clock with `schedule` (PAYHOOK_RETRY_SCHEDULE) and `env`, listening nowhere,
 * and a receiver for its callbacks: the dispatcher runs when the test calls runDue().
 */
export async function startClockedGateway(schedule: string, env: Record<string, string> = {}) {
  const clock = new ManualClock(Date.UTC(2026, 10, 24, 12));
  const receiver = await startReceiver();
  const gw = await startTestGateway({ PAYHOOK_RETRY_SCHEDULE: schedule, ...env }, { clock }, { listen: false });
  return { clock, receiver, gw };
}
