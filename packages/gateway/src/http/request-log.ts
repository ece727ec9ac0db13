// Fastify's per-request log lines, with the hot reads at debug. payments_result and payments_info
// are what a merchant calls for every callback it verifies: two info lines per read, each walking
// the headers through the redacting serializer, cost more than the read itself, and a lookup
// changes nothing an operator audits. Errors stay at error level; every other route keeps info.
import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

/** Routes (Fastify's form) whose request lines are written at debug. */
export const HOT_READS: ReadonlySet<string> = new Set(['/v1/payments_result', '/v1/payments_info']);

const isHotRead = (request: FastifyRequest) => HOT_READS.has(request.routeOptions?.url ?? '');

export class RequestLogController extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (isHotRead(request)) request.log.debug({ req: request }, 'incoming request');
    else super.incomingRequest(request, reply, metadata);
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
    metadata?: Record<string, unknown>,
  ): void {
    if (!error && isHotRead(request)) {
      reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
    } else super.requestCompleted(error, request, reply, metadata);
  }
}
