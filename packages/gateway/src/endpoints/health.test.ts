// EndpointHealth's batching, against a store that only records what it is handed (the real
// store's fold is tested on both backends in test/store/endpoints.test.ts).
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import type { EndpointAttempt, EndpointTransition } from '../domain/endpoint-health.js';
import type { Attempt, Delivery } from '../interfaces.js';
import type { Logger } from '../logger.js';
import type { EndpointStore } from '../storage/store.js';
import { EndpointHealth } from './health.js';

function recordingStore(answer: (batch: readonly EndpointAttempt[]) => EndpointTransition[] = () => []) {
  const batches: EndpointAttempt[][] = [];
  const store = {
    async recordAttempts(batch: readonly EndpointAttempt[]) {
      batches.push([...batch]);
      await new Promise((r) => setImmediate(r));
      return answer(batch);
    },
  } as unknown as EndpointStore;
  return { store, batches };
}

const attempt = (n: number, success = false): Attempt => ({
  deliveryId: `d${n}`,
  attemptNo: 1,
  dueAt: n,
  startedAt: n,
  endedAt: n,
  success,
  statusCode: success ? 200 : 500,
  latencyMs: 1,
  errorClass: success ? null : 'bad_status',
  errorMessage: null,
  responseExcerpt: null,
  request: null,
});
const delivery = { url: 'http://shop.example:8080/cb' } as Delivery;
const logger = pino({ level: 'silent' }) as unknown as Logger;
const thresholds = { failingAfter: 1, autoPauseAfter: 0 };

describe('EndpointHealth', () => {
  it('gathers attempts into batches of at most maxBatch, written one at a time, with the host of the URL', async () => {
    const { store, batches } = recordingStore();
    const health = new EndpointHealth({ store, clock: new ManualClock(), thresholds, logger, maxBatch: 4 });
    for (let i = 0; i < 10; i++) health.onAttempt(attempt(i), delivery);
    expect(health.pending).toBe(10);
    await health.flush();
    expect(batches.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(batches[0]?.[0]).toMatchObject({ url: delivery.url, host: 'shop.example:8080', success: false, endedAt: 0 });
    expect(health.pending).toBe(0);
  });

  it('writes by itself after the window, and tells every listener of each transition, one failing listener aside', async () => {
    const transition: EndpointTransition = {
      type: 'endpoint.failing',
      url: delivery.url,
      host: 'shop.example:8080',
      consecutiveFailures: 1,
      lastError: { errorClass: 'bad_status', statusCode: 500, message: null },
      at: 1,
    };
    const { store, batches } = recordingStore(() => [transition]);
    const health = new EndpointHealth({ store, clock: new ManualClock(), thresholds, logger, windowMs: 1 });
    const told: EndpointTransition[] = [];
    health.onTransition(() => {
      throw new Error('a listener that fails');
    });
    const unsubscribe = health.onTransition((t) => told.push(t));
    health.onAttempt(attempt(1), delivery);
    await new Promise<void>((resolve) => {
      const check = () => (told.length > 0 ? resolve() : setTimeout(check, 1));
      check();
    });
    expect(batches).toHaveLength(1);
    expect(told).toEqual([transition]);
    unsubscribe();
    health.onAttempt(attempt(2), delivery);
    await health.flush();
    expect(batches).toHaveLength(2);
    expect(told).toHaveLength(1);
  });

  it('a batch the store refuses is dropped and the next one is still written', async () => {
    let calls = 0;
    const store = {
      async recordAttempts() {
        calls++;
        if (calls === 1) throw new Error('database down');
        return [];
      },
    } as unknown as EndpointStore;
    const health = new EndpointHealth({ store, clock: new ManualClock(), thresholds, logger });
    health.onAttempt(attempt(1), delivery);
    await health.flush();
    health.onAttempt(attempt(2), delivery);
    await health.flush();
    expect(calls).toBe(2);
    expect(health.pending).toBe(0);
  });
});
