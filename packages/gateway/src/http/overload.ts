// Overload is shed, not suffered. Past what the process can serve, its event loop lags; every
// request then waits behind the others until clients time out, the accepted ones included. Here
// @fastify/under-pressure samples the loop's delay, and while its mean is past the threshold
// each new request is refused at once (503, MixPay's envelope with 1429, `retry-after`) before
// any work is done. A request it lets through runs to its end, so nothing accepted is lost.
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OverloadedError } from '../errors.js';

/** How often the loop's delay is judged: pressure starts and ends within about this long. */
export const SAMPLE_INTERVAL_MS = 250;
/** What `retry-after` says: a few samples later, pressure has been judged again. */
export const RETRY_AFTER_S = 1;
/**
 * Connections the kernel queues for accepting (Node's default is 511). An unpooled flood
 * overflowing it gets its SYNs dropped: connect time-outs instead of a quick 503.
 */
export const LISTEN_BACKLOG = 4096;

/**
 * Never shed: a load balancer's health check must tell "busy" from "down" (a busy gateway still
 * commits: /healthz says so), and metrics are what show the overload to the operator.
 */
export const NEVER_SHED: ReadonlySet<string> = new Set(['/healthz', '/metrics']);

export interface OverloadOptions {
  /** Mean event-loop delay in ms past which requests are shed; 0 installs nothing. */
  maxEventLoopDelayMs: number;
}

/** Install on the root instance before any other onRequest hook, so a shed request costs nothing. */
export async function installOverloadShedding(app: FastifyInstance, options: OverloadOptions): Promise<void> {
  if (options.maxEventLoopDelayMs === 0) return;
  await app.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMs,
    sampleInterval: SAMPLE_INTERVAL_MS,
    exposeStatusRoute: false,
    // Resolving lets the request through; rejecting hands the error to error-handler.ts, the one
    // place errors become MixPay's envelope.
    pressureHandler: async (request: FastifyRequest, reply: FastifyReply) => {
      if (NEVER_SHED.has(request.routeOptions.url ?? '')) return;
      reply.header('retry-after', String(RETRY_AFTER_S));
      throw new OverloadedError(`The gateway is overloaded; retry in ${RETRY_AFTER_S} s`);
    },
  });
}
