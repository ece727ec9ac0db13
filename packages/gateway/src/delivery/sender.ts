// POSTs a callback with undici: a total deadline per attempt, a cap on the answer's size,
// no redirects followed (undici's request() never follows them).
import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import type { AttemptErrorClass } from '../interfaces.js';
import { type AttemptOutcome, classifyAnswer, classifyError } from './classify.js';
import { type AddressPolicy, guardedLookup, type Resolver, SsrfBlockedError } from './ssrf.js';

export interface CallbackRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}

export interface SendResult extends AttemptOutcome {
  latencyMs: number;
  responseExcerpt: string | null;
  /**
   * Every header of the request, the very object handed to the HTTP client (the caller's and
   * the sender's own `content-type` and `user-agent`): what an attempt records as sent.
   */
  requestHeaders: Record<string, string>;
}

export interface CallbackSender {
  send(req: CallbackRequest, signal?: AbortSignal): Promise<SendResult>;
  close(): Promise<void>;
}

export interface UndiciSenderOptions {
  /** Total deadline of one attempt, connect to last byte. */
  timeoutMs: number;
  /** Answers larger than this fail with `too_large`. */
  maxAnswerBytes: number;
  /** Bytes of the answer kept on the attempt record. */
  excerptBytes?: number;
  userAgent?: string;
  /** Production: connect only to addresses this policy allows (checked at connect time). */
  guard?: { policy: AddressPolicy; resolver?: Resolver };
}

class ResponseTooLarge extends Error {
  override readonly name = 'ResponseTooLarge';
}

export class UndiciSender implements CallbackSender {
  private readonly agent: Agent;

  constructor(private readonly options: UndiciSenderOptions) {
    this.agent = new Agent({
      keepAliveTimeout: 4_000,
      // Header/body timeouts are coarse; the AbortSignal below is the real deadline.
      headersTimeout: options.timeoutMs + 1_000,
      bodyTimeout: options.timeoutMs + 1_000,
      connect: {
        timeout: options.timeoutMs,
        ...(options.guard ? { lookup: guardedLookup(options.guard.policy, options.guard.resolver) } : {}),
      },
    });
  }

  async send(req: CallbackRequest, signal?: AbortSignal): Promise<SendResult> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    // Built once: sent as is and answered back, so what is recorded is what was sent.
    const requestHeaders: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': this.options.userAgent ?? 'payhook',
      ...req.headers,
    };
    // An IP literal is never looked up, so the connect-time hook would not see it: check it here.
    if (this.options.guard) {
      const host = new URL(req.url).hostname.replace(/^\[|\]$/g, '');
      const verdict = isIP(host) !== 0 ? this.options.guard.policy.check(host) : { allowed: true as const };
      if (!verdict.allowed) {
        const outcome = classifyError(new SsrfBlockedError(host, host, verdict.reason));
        return { ...outcome, latencyMs: latency(), responseExcerpt: null, requestHeaders };
      }
    }
    // One controller for both ends of an attempt, the deadline and the caller's shutdown: on Node
    // 20, AbortSignal.timeout plus AbortSignal.any cost ~50 µs of every callback in the profile.
    const attempt = new AbortController();
    const deadline = setTimeout(() => attempt.abort(timeoutError(this.options.timeoutMs)), this.options.timeoutMs);
    const onShutdown = () => attempt.abort(signal?.reason);
    if (signal?.aborted) onShutdown();
    else signal?.addEventListener('abort', onShutdown, { once: true });
    try {
      const res = await request(req.url, {
        method: 'POST',
        body: req.body,
        headers: requestHeaders,
        dispatcher: this.agent,
        signal: attempt.signal,
      });
      const text = await readCapped(res.body, this.options.maxAnswerBytes);
      const outcome = classifyAnswer(res.statusCode, text);
      const responseExcerpt = excerpt(text, this.options.excerptBytes ?? 1024);
      return { ...outcome, latencyMs: latency(), responseExcerpt, requestHeaders };
    } catch (error) {
      // An abort by the caller (shutdown) is not the receiver's fault, but it is still no answer.
      const byShutdown = signal?.aborted === true && attempt.signal.reason === signal.reason;
      const outcome = byShutdown ? aborted() : classifyError(error);
      return { ...outcome, latencyMs: latency(), responseExcerpt: null, requestHeaders };
    } finally {
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onShutdown);
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** What AbortSignal.timeout aborts with, so the deadline classifies as `timeout`. */
function timeoutError(ms: number): DOMException {
  return new DOMException(`no complete answer within ${ms} ms`, 'TimeoutError');
}

function aborted(): AttemptOutcome {
  const errorClass: AttemptErrorClass = 'network';
  return { success: false, statusCode: null, errorClass, errorMessage: 'attempt aborted by shutdown' };
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(err?: Error): unknown }, cap: number) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > cap) {
      const error = new ResponseTooLarge(`answer exceeded ${cap} bytes`);
      body.destroy(error);
      throw error;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function excerpt(text: string, max: number): string | null {
  if (text === '') return null;
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
