import type { FeedAttempt } from '@payhook/protocol';
import { describe, expect, it } from 'vitest';
import { attemptLine, attemptOutcome, count, table } from './format.js';
import { envFromFlags } from './gateway-flags.js';

const attempt = (overrides: Partial<FeedAttempt> = {}): FeedAttempt => ({
  deliveryId: 'd1',
  attemptNo: 1,
  dueAt: 0,
  startedAt: 0,
  endedAt: Date.UTC(2025, 0, 2, 3, 4, 5, 678),
  success: true,
  statusCode: 200,
  latencyMs: 12,
  errorClass: null,
  errorMessage: null,
  responseExcerpt: null,
  request: null,
  traceId: 'trace-1',
  eventType: 'success',
  url: 'https://shop.example/cb',
  ...overrides,
});

describe('format', () => {
  it('aligns table columns and leaves the last one unpadded', () => {
    expect(
      table(
        ['A', 'BB', 'C'],
        [
          ['xxx', 'y', 'z'],
          ['', 'yyy', 'long cell'],
        ],
      ),
    ).toBe(['A    BB   C', 'xxx  y    z', '     yyy  long cell'].join('\n'));
  });

  it('names the outcome of an attempt', () => {
    expect(attemptOutcome(attempt())).toBe('200 SUCCESS');
    expect(attemptOutcome(attempt({ success: false, errorClass: 'bad_status', statusCode: 500 }))).toBe(
      'bad_status 500',
    );
    expect(attemptOutcome(attempt({ success: false, errorClass: 'timeout', statusCode: null }))).toBe('timeout');
  });

  it('prints one tail line per attempt', () => {
    expect(attemptLine(attempt())).toBe(
      '2025-01-02T03:04:05.678Z  success    trace-1  #1   ok 200 SUCCESS             12ms  https://shop.example/cb',
    );
    expect(
      attemptLine(attempt({ attemptNo: 10, success: false, errorClass: 'connect_refused', statusCode: null })),
    ).toBe(
      '2025-01-02T03:04:05.678Z  success    trace-1  #10  FAIL connect_refused       12ms  https://shop.example/cb',
    );
  });

  it('counts in words', () => {
    expect(count(1, 'delivery', 'deliveries')).toBe('1 delivery');
    expect(count(2, 'delivery', 'deliveries')).toBe('2 deliveries');
    expect(count(0, 'confirmation')).toBe('0 confirmations');
  });
});

describe('gateway flags', () => {
  it('become the environment variables loadConfig reads', () => {
    expect(envFromFlags({ port: '0', databaseUrl: 'sqlite:x', settleDelay: '1', sandbox: false, json: true })).toEqual({
      PORT: '0',
      DATABASE_URL: 'sqlite:x',
      PAYHOOK_SETTLE_DELAY: '1',
      PAYHOOK_SANDBOX: '0',
    });
    expect(envFromFlags({})).toEqual({});
  });
});
