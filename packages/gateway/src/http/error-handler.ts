// Every error becomes MixPay's envelope here, and only here, as error-answers.ts says. Bad input:
// the code and a message saying what to fix. Anything unexpected: -1 with no internals, logged in full.
import { errorEnvelope } from '@payhook/protocol';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError, PayhookError } from '../errors.js';
import type { Clock } from '../interfaces.js';
import { answerTo, type ErrorAnswer, frameworkRefusal, UNEXPECTED } from './error-answers.js';

const sendEnvelope = (reply: FastifyReply, answer: ErrorAnswer, now: number) =>
  reply.status(answer.status).send(errorEnvelope(answer.code, answer.message, now));

/** Fastify's refusals of bad input carry a 4xx status; anything else it throws is a bug. */
const isRefusal = (error: Error): error is FastifyError => {
  const status = (error as FastifyError).statusCode;
  return status !== undefined && status >= 400 && status < 500;
};

export function installErrorHandling(app: FastifyInstance, clock: Clock): void {
  app.setErrorHandler((error: FastifyError | PayhookError | Error, request, reply) => {
    if (error instanceof PayhookError) return sendEnvelope(reply, answerTo(error), clock.now());
    if (isRefusal(error)) return sendEnvelope(reply, frameworkRefusal(error, request), clock.now());
    request.log.error({ err: error }, 'unhandled error');
    return sendEnvelope(reply, UNEXPECTED, clock.now());
  });

  app.setNotFoundHandler((request, reply) => {
    const error = new NotFoundError(`no route for ${request.method} ${request.url.split('?')[0]}`);
    sendEnvelope(reply, answerTo(error), clock.now());
  });
}

/**
 * Fastify's `frameworkErrors`: a malformed or overlong URL is refused by the router before any
 * handler runs; without this it would answer Fastify's own JSON instead of MixPay's envelope.
 */
export function answerRouterErrors(clock: Clock) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    sendEnvelope(reply, frameworkRefusal(error, request), clock.now());
  };
}
