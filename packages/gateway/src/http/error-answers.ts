// How each kind of error is answered over HTTP: its status, MixPay's envelope code and, for a
// browser, a page's title. The one table of it: the envelope (error-handler.ts), the error pages
// (pages/respond.ts) and the checkout page's refused actions all answer from it.
import { ErrorCode } from '@payhook/protocol';
import type { FastifyError, FastifyRequest } from 'fastify';
import type { ErrorKind, PayhookError } from '../errors.js';

/** What an answer to an error says. */
export interface ErrorAnswer {
  status: number;
  code: number;
  message: string;
  title: string;
}

const ANSWERS: Record<ErrorKind | 'unexpected', Omit<ErrorAnswer, 'message'>> = {
  parameter: { status: 400, code: ErrorCode.parameterError, title: 'Bad request' },
  notFound: { status: 404, code: ErrorCode.notFound, title: 'Not found' },
  conflict: { status: 409, code: ErrorCode.parameterError, title: 'Not possible now' },
  unauthorized: { status: 401, code: ErrorCode.insufficientPermissions, title: 'Sign in needed' },
  forbidden: { status: 403, code: ErrorCode.insufficientPermissions, title: 'Refused' },
  rateLimited: { status: 429, code: ErrorCode.rateLimited, title: 'Too many requests' },
  // Same code as a spent budget: a client that backs off on 1429 backs off here too. The title is
  // what overload pages have always said.
  overloaded: { status: 503, code: ErrorCode.rateLimited, title: 'Bad request' },
  unavailable: { status: 503, code: ErrorCode.serverError, title: 'Unavailable' },
  // Neither a PayhookError nor Fastify's refusal: a bug.
  unexpected: { status: 500, code: ErrorCode.serverError, title: 'Server error' },
};

/** How `error` is answered. */
export function answerTo(error: PayhookError): ErrorAnswer {
  const answer = ANSWERS[error.kind];
  return { ...answer, code: error.code ?? answer.code, message: error.message };
}

/** The answer to an error that is a bug: no internals, whatever it says (the caller logs it). */
export const UNEXPECTED: ErrorAnswer = { ...ANSWERS.unexpected, message: 'Server error, please try again later.' };

/**
 * Fastify's own refusal of a request, before any route ran: a malformed URL or JSON body, a body
 * too large, an unsupported content type. Bad input, answered with Fastify's more precise status.
 */
export function frameworkRefusal(error: FastifyError, request: FastifyRequest): ErrorAnswer {
  const status = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 400;
  const answer = ANSWERS[status === 429 ? 'rateLimited' : 'parameter'];
  // Fastify's own text is a bare "Unsupported Media Type": say which type, and what to send.
  const message =
    error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
      ? `content-type: ${request.headers['content-type'] ?? '(none)'} is not supported; send application/json or application/x-www-form-urlencoded`
      : error.message;
  return { ...answer, status, message };
}
