// The gateway's metrics without a server: what an attempt and a request add, the queue read at
// scrape time, a database that does not answer, and two gateways in one process.
import { describe, expect, it } from 'vitest';
import type { Attempt } from './interfaces.js';
import { GatewayMetrics, METRIC } from './metrics.js';
import type { QueueDepth } from './storage/store.js';

function attempt(overrides: Partial<Attempt> = {}): Attempt {
  return {
    deliveryId: 'd-1',
    attemptNo: 1,
    dueAt: 1_000_000,
    startedAt: 1_000_000,
    endedAt: 1_000_120,
    success: true,
    statusCode: 200,
    latencyMs: 120,
    errorClass: null,
    errorMessage: null,
    responseExcerpt: null,
    request: null,
    ...overrides,
  };
}

const failed = (overrides: Partial<Attempt> = {}) =>
  attempt({
    success: false,
    statusCode: 500,
    errorClass: 'bad_status',
    errorMessage: 'answered HTTP 500',
    ...overrides,
  });

async function values(metrics: GatewayMetrics, name: string) {
  const all = await metrics.registry.getMetricsAsJSON();
  const metric = all.find((m) => m.name === name);
  if (!metric) throw new Error(`no metric ${name}`);
  return metric.values as { labels: Record<string, string | number>; value: number; metricName?: string }[];
}

async function value(metrics: GatewayMetrics, name: string, labels: Record<string, string>, sampleName = name) {
  const found = (await values(metrics, name)).filter(
    (v) => (v.metricName ?? name) === sampleName && Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l),
  );
  return found.length === 1 ? found[0]?.value : found.length === 0 ? undefined : Number.NaN;
}

const store = (depth: QueueDepth | Error) => ({
  queueDepth: async () => {
    if (depth instanceof Error) throw depth;
    return depth;
  },
});
const idle = store({ notTriedYet: 0, retrying: 0, exhausted: 0 });

describe('GatewayMetrics', () => {
  it('counts attempts by outcome and error class, and exhaustion by event', async () => {
    const metrics = new GatewayMetrics({ store: idle });
    const pending = { state: 'pending' as const, nextAttemptAt: 2 };
    metrics.recordAttempt(failed(), { eventType: 'success' }, pending);
    metrics.recordAttempt(failed({ errorClass: 'timeout', statusCode: null }), { eventType: 'success' }, pending);
    metrics.recordAttempt(failed(), { eventType: 'settle' }, { state: 'exhausted', nextAttemptAt: null });
    metrics.recordAttempt(attempt(), { eventType: 'success' }, { state: 'delivered', nextAttemptAt: null });

    expect(await value(metrics, METRIC.attempts, { outcome: 'failure', error_class: 'bad_status' })).toBe(2);
    expect(await value(metrics, METRIC.attempts, { outcome: 'failure', error_class: 'timeout' })).toBe(1);
    expect(await value(metrics, METRIC.attempts, { outcome: 'success', error_class: 'none' })).toBe(1);
    expect(await value(metrics, METRIC.exhausted, { event: 'settle' })).toBe(1);
    expect(await value(metrics, METRIC.exhausted, { event: 'success' })).toBeUndefined();
  });

  it('observes latency in seconds and lateness against the due time, never negative', async () => {
    const metrics = new GatewayMetrics({ store: idle });
    const delivered = { state: 'delivered' as const, nextAttemptAt: null };
    metrics.recordAttempt(
      attempt({ latencyMs: 120, dueAt: 10_000, startedAt: 13_000 }),
      { eventType: 'success' },
      delivered,
    );
    // Another process's clock a little behind: counted as on time, not as -0.5 s.
    metrics.recordAttempt(
      attempt({ latencyMs: 40, dueAt: 10_000, startedAt: 9_500 }),
      { eventType: 'success' },
      delivered,
    );

    const latency = `${METRIC.attemptDuration}_sum`;
    expect(await value(metrics, METRIC.attemptDuration, { outcome: 'success' }, latency)).toBeCloseTo(0.16, 6);
    const lateness = METRIC.lateness;
    expect(await value(metrics, lateness, {}, `${lateness}_count`)).toBe(2);
    expect(await value(metrics, lateness, {}, `${lateness}_sum`)).toBe(3);
    expect(await value(metrics, lateness, { le: '0.01' }, `${lateness}_bucket`)).toBe(1);
    expect(await value(metrics, lateness, { le: '2' }, `${lateness}_bucket`)).toBe(1);
    expect(await value(metrics, lateness, { le: '5' }, `${lateness}_bucket`)).toBe(2);
  });

  it('reads the queue from the store at every scrape', async () => {
    let depth: QueueDepth = { notTriedYet: 3, retrying: 2, exhausted: 1 };
    const metrics = new GatewayMetrics({ store: { queueDepth: async () => depth } });
    const first = await metrics.render();
    expect(first.body).toContain(`${METRIC.queueDepth}{state="due"} 3`);
    expect(first.body).toContain(`${METRIC.queueDepth}{state="retrying"} 2`);
    expect(first.body).toContain(`${METRIC.queueDepth}{state="exhausted"} 1`);
    expect(first.body).toContain(`${METRIC.storeUp} 1`);
    expect(first.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    depth = { notTriedYet: 0, retrying: 0, exhausted: 7 };
    const second = (await metrics.render()).body;
    expect(second).toContain(`${METRIC.queueDepth}{state="due"} 0`);
    expect(second).toContain(`${METRIC.queueDepth}{state="exhausted"} 7`);
  });

  it('still answers when the database does not, with store_up 0 and no stale depth', async () => {
    let down = false;
    const logged: string[] = [];
    const logger = {
      debug() {},
      info() {},
      error() {},
      warn(_obj: object, msg?: string) {
        logged.push(msg ?? '');
      },
      child() {
        return logger;
      },
    };
    const metrics = new GatewayMetrics({
      store: {
        queueDepth: async () => {
          if (down) throw new Error('connection refused');
          return { notTriedYet: 5, retrying: 0, exhausted: 0 };
        },
      },
      logger,
    });
    expect((await metrics.render()).body).toContain(`${METRIC.queueDepth}{state="due"} 5`);
    down = true;
    const body = (await metrics.render()).body;
    expect(body).toContain(`${METRIC.storeUp} 0`);
    expect(body).not.toContain(`${METRIC.queueDepth}{`);
    expect(logged).toEqual(['metrics: could not read the delivery queue']);
  });

  it('times requests by route template and status code', async () => {
    const metrics = new GatewayMetrics({ store: idle });
    metrics.recordRequest('GET', '/admin/deliveries/:id', 200, 0.004);
    metrics.recordRequest('GET', '/admin/deliveries/:id', 200, 0.02);
    metrics.recordRequest('GET', '/admin/deliveries/:id', 404, 0.001);
    const count = `${METRIC.requestDuration}_count`;
    const labels = { method: 'GET', route: '/admin/deliveries/:id' };
    expect(await value(metrics, METRIC.requestDuration, { ...labels, status_code: '200' }, count)).toBe(2);
    expect(await value(metrics, METRIC.requestDuration, { ...labels, status_code: '404' }, count)).toBe(1);
  });

  it('keeps two gateways in one process apart', async () => {
    const a = new GatewayMetrics({ store: idle });
    const b = new GatewayMetrics({ store: idle });
    a.recordAttempt(attempt(), { eventType: 'success' }, { state: 'delivered', nextAttemptAt: null });
    expect(await value(a, METRIC.attempts, { outcome: 'success' })).toBe(1);
    expect(await value(b, METRIC.attempts, { outcome: 'success' })).toBeUndefined();
  });
});
