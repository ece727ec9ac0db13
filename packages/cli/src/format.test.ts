import type { FeedAttempt } from '@payhook/protocol';
import { describe, expect, it } from 'vitest';
import { attemptLine, attemptOutcome, count, deliveryDetailText, printable, retentionText, table } from './format.js';
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

  it("prints a delivery's attempts with each request's headers and the answer, control characters shown", () => {
    const text = deliveryDetailText({
      delivery: {
        id: 'd1',
        eventId: 'e1',
        traceId: 'trace-1',
        eventType: 'success',
        url: 'https://shop.example/cb',
        body: '{"orderId":"o"}',
        state: 'pending',
        attempts: 2,
        nextAttemptAt: Date.UTC(2025, 0, 2, 4),
        lockedUntil: null,
        redeliveryOf: null,
        createdAt: 0,
        updatedAt: 0,
      },
      attempts: [
        attempt({ success: false, statusCode: 500, errorClass: 'bad_status', errorMessage: 'answered HTTP 500' }),
        attempt({
          attemptNo: 2,
          success: false,
          statusCode: 200,
          errorClass: 'not_json',
          errorMessage: 'not JSON',
          responseExcerpt: '<b>hi</b>\n\u001b]0;pwned\u0007\rok',
          request: { headers: { 'content-type': 'application/json', 'x-payhook-attempt': '2' } },
        }),
      ],
    });
    expect(text).toBe(
      [
        'delivery  d1',
        'event     success · event id e1',
        'traceId   trace-1',
        'url       https://shop.example/cb',
        'state     retrying · 2 attempts · attempt 3 due 2025-01-02T04:00:00.000Z',
        'body      {"orderId":"o"}',
        '',
        'attempt 1 · 1970-01-01T00:00:00.000Z · FAIL bad_status 500 · 12 ms',
        '  request   POST https://shop.example/cb',
        '            (headers not recorded: the attempt was made before the gateway kept them)',
        '  answer    500 · bad_status: answered HTTP 500',
        '',
        'attempt 2 · 1970-01-01T00:00:00.000Z · FAIL not_json 200 · 12 ms',
        '  request   POST https://shop.example/cb',
        '            content-type: application/json',
        '            x-payhook-attempt: 2',
        '  answer    200 · not_json: not JSON',
        '            <b>hi</b>',
        '            \\x1b]0;pwned\\x07\\x0dok',
      ].join('\n'),
    );
    expect(printable('tab\tand\nnewline stay')).toBe('tab\tand\nnewline stay');
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

describe('retentionText', () => {
  it('tells a retention in days, whole or not', () => {
    const line = (retentionMs: number) => retentionText({ retentionMs, prunedTotal: 0, lastPass: null }).split('\n')[0];
    expect(line(86_400_000)).toBe(
      "setting        attempts older than 1 day are pruned (each delivery's last attempt kept)",
    );
    expect(line(43_200_000)).toBe(
      "setting        attempts older than 0.5 days are pruned (each delivery's last attempt kept)",
    );
  });
});
