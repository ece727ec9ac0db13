// The operator signal without a network: what is sent, when, and that it never waits on the
// operator's endpoint (the dispatcher calls onAttempt inline).
import { describe, expect, it } from 'vitest';
import type { CallbackRequest, CallbackSender, SendResult } from './delivery/sender.js';
import type { Attempt, Delivery } from './interfaces.js';
import type { Logger } from './logger.js';
import { exhaustionNotice, OperatorSignal, webhookOrigin } from './operator-signal.js';

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

describe('OperatorSignal', () => {
  it('POSTs a delivery.exhausted notice for an exhausted delivery only', async () => {
    const { sender, sent } = heldSender();
    const { logger, lines } = recordingLogger();
    const signal = new OperatorSignal({ url: URL_WITH_KEY, sender, logger });
    signal.onAttempt({ ...lastAttempt, attemptNo: 3 }, delivery, { state: 'pending', nextAttemptAt: 5_000 });
    signal.onAttempt({ ...lastAttempt, success: true }, delivery, { state: 'delivered', nextAttemptAt: null });
    expect(sent).toHaveLength(0);

    signal.onAttempt(lastAttempt, delivery, { state: 'exhausted', nextAttemptAt: null });
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
    request?.answer(ok);
    await signal.close(1_000);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([['info', 'operator webhook told of the exhausted delivery']]);
    // The webhook's path holds its key: logs name only the origin.
    expect(lines[0]?.obj).toMatchObject({ deliveryId: 'del-1', webhook: 'https://hooks.example.com' });
    expect(JSON.stringify(lines)).not.toContain('very-secret-key');
  });

  it('returns at once while the operator endpoint has not answered', () => {
    const { sender, sent } = heldSender();
    const signal = new OperatorSignal({ url: URL_WITH_KEY, sender, logger: recordingLogger().logger });
    const returned = signal.onAttempt(lastAttempt, delivery, { state: 'exhausted', nextAttemptAt: null });
    expect(returned).toBeUndefined();
    expect(sent).toHaveLength(1);
    expect(signal.pending).toBe(1);
  });

  it('logs a refusal or a failure with the delivery id, and never throws', async () => {
    const { sender, sent } = heldSender();
    const { logger, lines } = recordingLogger();
    const signal = new OperatorSignal({ url: URL_WITH_KEY, sender, logger });
    signal.onAttempt(lastAttempt, delivery, { state: 'exhausted', nextAttemptAt: null });
    sent[0]?.answer({ ...ok, statusCode: 500 });
    const throwing = new OperatorSignal({
      url: URL_WITH_KEY,
      sender: { send: async () => Promise.reject(new Error('boom')), close: async () => {} },
      logger,
    });
    throwing.onAttempt(lastAttempt, delivery, { state: 'exhausted', nextAttemptAt: null });
    await signal.close(1_000);
    await throwing.close(1_000);
    expect(lines.map((l) => l.level)).toEqual(['error', 'error']);
    for (const line of lines) {
      expect(line.msg).toMatch(/^operator webhook failed/);
      expect(line.obj).toMatchObject({ deliveryId: 'del-1', traceId: delivery.traceId, event: 'success' });
    }
    expect(lines[0]?.obj.statusCode).toBe(500);
    expect(lines[1]?.obj.err).toBeInstanceOf(Error);
  });

  it('on close, waits for the grace period, then aborts what is left and closes its sender', async () => {
    const { sender, sent, isClosed } = heldSender();
    const { logger, lines } = recordingLogger();
    const signal = new OperatorSignal({ url: URL_WITH_KEY, sender, logger });
    signal.onAttempt(lastAttempt, delivery, { state: 'exhausted', nextAttemptAt: null });
    const started = Date.now();
    await signal.close(50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(sent[0]?.signal?.aborted).toBe(true);
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
