// The operator signal without a network: what is sent and signed, when it is retried, what is
// dropped, and that it never waits on the operator's endpoint (the dispatcher calls onAttempt
// inline). test/operator-signal.test.ts sends to real receivers.
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { endpointNotice as endpointFixture } from '../../../test-support/fixtures.js';
import type { CallbackRequest, CallbackSender, SendResult } from './delivery/sender.js';
import type { Attempt, Delivery } from './interfaces.js';
import type { Logger } from './logger.js';
import {
  type EndpointNotice,
  exhaustionNotice,
  OperatorSignal,
  type OperatorSignalOptions,
  webhookOrigin,
} from './operator-signal.js';

const delivery: Delivery = {
  id: 'del-1',
  eventId: 'evt-1',
  traceId: '0b1c2d3e-0000-4000-8000-000000000001',
  eventType: 'success',
  url: 'https://shop.example/mixpay/callback',
  body: '{}',
  state: 'exhausted',
  attempts: 10,
  nextAttemptAt: null,
  lockedUntil: null,
  redeliveryOf: null,
  createdAt: 1,
  updatedAt: 2,
};

const lastAttempt: Attempt = {
  deliveryId: 'del-1',
  attemptNo: 10,
  dueAt: 1_000,
  startedAt: 1_001,
  endedAt: 1_050,
  success: false,
  statusCode: 500,
  latencyMs: 49,
  errorClass: 'bad_status',
  errorMessage: 'answered HTTP 500; only 200 counts',
  responseExcerpt: null,
  request: null,
};

const ok: SendResult = {
  success: false,
  statusCode: 204,
  errorClass: 'bad_status',
  errorMessage: null,
  latencyMs: 1,
  responseExcerpt: null,
  requestHeaders: {},
};

/** A sender whose answers the test releases by hand. */
function heldSender() {
  const sent: { req: CallbackRequest; signal?: AbortSignal; answer: (r: SendResult) => void }[] = [];
  let closed = false;
  const sender: CallbackSender = {
    send: (req, signal) =>
      new Promise<SendResult>((resolve) => {
        const entry = { req, signal, answer: resolve };
        sent.push(entry);
        signal?.addEventListener('abort', () =>
          resolve({ ...ok, statusCode: null, errorClass: 'network', errorMessage: 'aborted' }),
        );
      }),
    close: async () => {
      closed = true;
    },
  };
  return { sender, sent, isClosed: () => closed };
}

function recordingLogger() {
  const lines: { level: string; obj: Record<string, unknown>; msg?: string }[] = [];
  const make = (bindings: Record<string, unknown>): Logger => ({
    debug: (obj, msg) => lines.push({ level: 'debug', obj: { ...bindings, ...obj }, msg }),
    info: (obj, msg) => lines.push({ level: 'info', obj: { ...bindings, ...obj }, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj: { ...bindings, ...obj }, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj: { ...bindings, ...obj }, msg }),
    child: (more) => make({ ...bindings, ...more }),
  });
  return { logger: make({}), lines };
}

const URL_WITH_KEY = 'https://hooks.example.com/services/T000/B000/very-secret-key';
const SECRET = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;

/** A signal on a held sender whose retries wait for nothing, noting each delay asked. */
function heldSignal(options: Partial<OperatorSignalOptions> = {}) {
  const held = heldSender();
  const { logger, lines } = recordingLogger();
  const delays: number[] = [];
  const signal = new OperatorSignal({
    url: URL_WITH_KEY,
    secret: SECRET,
    sender: held.sender,
    logger,
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...options,
  });
  return { ...held, signal, lines, delays };
}

/** Lets queued promise callbacks run (the retry loop's awaits), without a timer. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

const exhausted = { state: 'exhausted', nextAttemptAt: null } as const;

const endpointNotice: EndpointNotice = endpointFixture();

describe('OperatorSignal', () => {
  it('POSTs a signed delivery.exhausted notice for an exhausted delivery only', async () => {
    const { sent, signal, lines } = heldSignal();
    signal.onAttempt({ ...lastAttempt, attemptNo: 3 }, delivery, { state: 'pending', nextAttemptAt: 5_000 });
    signal.onAttempt({ ...lastAttempt, success: true }, delivery, { state: 'delivered', nextAttemptAt: null });
    await settle();
    expect(sent).toHaveLength(0);

    signal.onAttempt(lastAttempt, delivery, exhausted);
    await settle();
    expect(sent).toHaveLength(1);
    const [request] = sent;
    expect(request?.req.url).toBe(URL_WITH_KEY);
    expect(request?.req.headers['x-payhook-signal']).toBe('delivery.exhausted');
    expect(JSON.parse(request?.req.body ?? '')).toEqual({
      type: 'delivery.exhausted',
      deliveryId: 'del-1',
      eventId: 'evt-1',
      traceId: delivery.traceId,
      event: 'success',
      url: 'https://shop.example/mixpay/callback',
      attempts: 10,
      lastError: { errorClass: 'bad_status', statusCode: 500, message: 'answered HTTP 500; only 200 counts' },
      at: 1_050,
    });
    // Standard Webhooks: the library's own verifier accepts it with the operator's secret only.
    const headers = request?.req.headers ?? {};
    expect(headers['webhook-id']).toMatch(/^ntc_[0-9a-f-]{36}$/);
    expect(new Webhook(SECRET).verify(request?.req.body ?? '', headers)).toMatchObject({ type: 'delivery.exhausted' });
    const other = `whsec_${Buffer.alloc(32, 4).toString('base64')}`;
    expect(() => new Webhook(other).verify(request?.req.body ?? '', headers)).toThrow();
    request?.answer(ok);
    await signal.close(1_000);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([['info', 'operator webhook told']]);
    // The webhook's path holds its key: logs name only the origin.
    expect(lines[0]?.obj).toMatchObject({
      signal: 'delivery.exhausted',
      deliveryId: 'del-1',
      noticeId: headers['webhook-id'],
      webhook: 'https://hooks.example.com',
    });
    expect(JSON.stringify(lines)).not.toContain('very-secret-key');
  });

  it('sends any notice given to notify, endpoint health included', async () => {
    const { sent, signal, lines } = heldSignal();
    signal.notify(endpointNotice);
    await settle();
    expect(JSON.parse(sent[0]?.req.body ?? '')).toEqual(endpointNotice);
    expect(sent[0]?.req.headers['x-payhook-signal']).toBe('endpoint.failing');
    sent[0]?.answer(ok);
    await signal.close(1_000);
    expect(lines[0]?.obj).toMatchObject({ signal: 'endpoint.failing', host: 'shop.example:443' });
  });

  it('returns at once while the operator endpoint has not answered', async () => {
    const { sent, signal } = heldSignal();
    const returned = signal.notify(endpointNotice);
    expect(returned).toBeUndefined();
    expect(signal.pending).toBe(1);
    await settle();
    expect(sent).toHaveLength(1);
  });

  it('retries a refusal or a failure on its schedule with the same webhook-id, then gives up and logs it', async () => {
    const { sent, signal, lines, delays } = heldSignal({ retriesMs: [1_000, 10_000, 60_000] });
    signal.onAttempt(lastAttempt, delivery, exhausted);
    for (let i = 0; i < 4; i++) {
      await settle();
      expect(sent).toHaveLength(i + 1);
      sent[i]?.answer({ ...ok, statusCode: 500 });
    }
    await signal.close(1_000);
    expect(delays).toEqual([1_000, 10_000, 60_000]);
    expect(new Set(sent.map((s) => s.req.headers['webhook-id'])).size).toBe(1);
    expect(lines.map((l) => l.level)).toEqual(['warn', 'warn', 'warn', 'error']);
    expect(lines[3]?.msg).toMatch(/^operator webhook failed; given up/);
    expect(lines[3]?.obj).toMatchObject({ deliveryId: 'del-1', traceId: delivery.traceId, statusCode: 500, tryNo: 4 });

    // A sender that throws is a failure like another.
    const { logger, lines: thrown } = recordingLogger();
    const throwing = new OperatorSignal({
      url: URL_WITH_KEY,
      secret: SECRET,
      retriesMs: [],
      sender: { send: async () => Promise.reject(new Error('boom')), close: async () => {} },
      logger,
    });
    throwing.notify(endpointNotice);
    await throwing.close(1_000);
    expect(thrown.map((l) => l.level)).toEqual(['error']);
    expect(thrown[0]?.obj.err).toBeInstanceOf(Error);
  });

  it('keeps at most maxQueued notices and logs each one it drops', async () => {
    const { sent, signal, lines } = heldSignal({ maxQueued: 2 });
    for (let i = 0; i < 4; i++) signal.notify({ ...endpointNotice, consecutiveFailures: i });
    expect(signal.pending).toBe(2);
    const dropped = lines.filter((l) => l.msg?.startsWith('operator notice dropped'));
    expect(dropped.map((l) => l.obj.signal)).toEqual(['endpoint.failing', 'endpoint.failing']);
    await settle();
    for (const s of sent) s.answer(ok);
    await signal.close(1_000);
    expect(sent.map((s) => JSON.parse(s.req.body).consecutiveFailures)).toEqual([0, 1]);
  });

  it('sends at most `concurrency` at once; the others wait their turn', async () => {
    const { sent, signal } = heldSignal({ concurrency: 2 });
    for (let i = 0; i < 5; i++) signal.notify({ ...endpointNotice, consecutiveFailures: i });
    await settle();
    expect(sent).toHaveLength(2);
    sent[0]?.answer(ok);
    await settle();
    expect(sent).toHaveLength(3);
    for (const s of sent.slice(1)) s.answer(ok);
    await settle();
    expect(sent).toHaveLength(5);
    for (const s of sent.slice(3)) s.answer(ok);
    await signal.close(1_000);
    expect(sent.map((s) => JSON.parse(s.req.body).consecutiveFailures)).toEqual([0, 1, 2, 3, 4]);
  });

  it('on close, sends a notice waiting for a retry at once, takes no new one, and gives up after that try', async () => {
    const { sender, sent } = heldSender();
    const { logger, lines } = recordingLogger();
    // The real wait, an hour long: close must cut it short.
    const signal = new OperatorSignal({ url: URL_WITH_KEY, secret: SECRET, sender, logger, retriesMs: [3_600_000] });
    signal.notify(endpointNotice);
    await settle();
    sent[0]?.answer({ ...ok, statusCode: 503 });
    await settle();
    expect(signal.pending).toBe(1);
    const closing = signal.close(10_000);
    signal.notify(endpointNotice);
    await settle();
    expect(sent).toHaveLength(2);
    expect(sent[1]?.req.headers['webhook-id']).toBe(sent[0]?.req.headers['webhook-id']);
    sent[1]?.answer({ ...ok, statusCode: 503 });
    await closing;
    expect(lines.map((l) => [l.level, l.msg?.slice(0, 32)])).toEqual([
      ['warn', 'operator webhook failed; will re'],
      ['warn', 'operator notice dropped: too man'],
      ['error', 'operator webhook failed; given u'],
    ]);
  });

  it('on close, waits for the grace period, then aborts what is left and closes its sender', async () => {
    const { sent, signal, lines, isClosed } = heldSignal();
    signal.onAttempt(lastAttempt, delivery, exhausted);
    await settle();
    const started = Date.now();
    await signal.close(50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(sent[0]?.signal?.aborted).toBe(true);
    expect(sent).toHaveLength(1); // an aborted try is not retried
    expect(signal.pending).toBe(0);
    expect(isClosed()).toBe(true);
    expect(lines.map((l) => l.level)).toEqual(['error']);
  });
});

describe('exhaustionNotice and webhookOrigin', () => {
  it('builds the notice from the last attempt', () => {
    const notice = exhaustionNotice({ ...lastAttempt, errorClass: 'timeout', statusCode: null }, delivery);
    expect(notice.lastError).toEqual({
      errorClass: 'timeout',
      statusCode: null,
      message: 'answered HTTP 500; only 200 counts',
    });
  });

  it('keeps only the origin', () => {
    expect(webhookOrigin('https://user:pw@hooks.example.com:8443/a/b?key=1')).toBe('https://hooks.example.com:8443');
    expect(webhookOrigin('not a url')).toBe('(invalid url)');
  });
});
