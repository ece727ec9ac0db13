// Every error becomes MixPay's envelope here, and only here. Bad input: the code and a
// message saying what to fix. Anything unexpected: -1 with no internals, logged in full.
import { ErrorCode, errorEnvelope } from '@payhook/protocol';
import type { FastifyError, FastifyInstance } from 'fastify';
import { PayhookError } from '../errors.js';
import type { Clock } from '../interfaces.js';

export function installErrorHandling(app: FastifyInstance, clock: Clock): void {
  app.setErrorHandler((error: FastifyError | PayhookError | Error, request, reply) => {
    if (error instanceof PayhookError) {
      return reply.status(error.httpStatus).send(errorEnvelope(error.code, error.message, clock.now()));
    }
    const status = (error as FastifyError).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      // Fastify's own refusals: malformed JSON, unsupported content type, body too large.
      const code = status === 429 ? ErrorCode.rateLimited : ErrorCode.parameterError;
      // Fastify's own text is a bare "Unsupported Media Type": say which type, and what to send.
      const message =
        (error as FastifyError).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? `content-type: ${request.headers['content-type'] ?? '(none)'} is not supported; send application/json or application/x-www-form-urlencoded`
          : error.message;
      return reply.status(status).send(errorEnvelope(code, message, clock.now()));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply
      .status(500)
      .send(errorEnvelope(ErrorCode.serverError, 'Server error, please try again later.', clock.now()));
  });

  app.setNotFoundHandler((request, reply) => {
    reply
      .status(404)
      .send(
        errorEnvelope(ErrorCode.notFound, `no route for ${request.method} ${request.url.split('?')[0]}`, clock.now()),
      );
  });
}
