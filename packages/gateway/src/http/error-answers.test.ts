// Each kind of error answers one status, one MixPay code and one page title, whoever throws it.
import type { FastifyError, FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  OverloadedError,
  ParameterError,
  type PayhookError,
  RateLimitedError,
  UnauthorizedError,
  UnavailableError,
} from '../errors.js';
import { answerTo, frameworkRefusal, UNEXPECTED } from './error-answers.js';

describe('answerTo', () => {
  const cases: [PayhookError, { status: number; code: number; title: string }][] = [
    [new ParameterError('m'), { status: 400, code: 10011, title: 'Bad request' }],
    [new NotFoundError('m'), { status: 404, code: 404, title: 'Not found' }],
    [new ConflictError('m'), { status: 409, code: 10011, title: 'Not possible now' }],
    [new UnauthorizedError('m'), { status: 401, code: 2000, title: 'Sign in needed' }],
    [new ForbiddenError('m'), { status: 403, code: 2000, title: 'Refused' }],
    [new RateLimitedError('m'), { status: 429, code: 1429, title: 'Too many requests' }],
    [new OverloadedError('m'), { status: 503, code: 1429, title: 'Bad request' }],
    [new UnavailableError('m'), { status: 503, code: -1, title: 'Unavailable' }],
  ];
  it.each(cases)('answers a %s', (error, answer) => {
    expect(answerTo(error)).toEqual({ ...answer, message: 'm' });
  });

  it("takes a parameter error's own, more precise code", () => {
    expect(answerTo(new ParameterError('assetId: x is not supported', 10002))).toEqual({
      status: 400,
      code: 10002,
      title: 'Bad request',
      message: 'assetId: x is not supported',
    });
  });

  it('names each error by its class', () => {
    expect(new ParameterError('m').name).toBe('ParameterError');
    expect(new OverloadedError('m').name).toBe('OverloadedError');
  });
});

describe('frameworkRefusal', () => {
  const request = (contentType?: string) =>
    ({ headers: contentType === undefined ? {} : { 'content-type': contentType } }) as FastifyRequest;
  const fastifyError = (statusCode: number | undefined, code: string, message: string) =>
    Object.assign(new Error(message), { statusCode, code }) as FastifyError;

  it("keeps Fastify's status and message, as a parameter error", () => {
    const answer = frameworkRefusal(
      fastifyError(413, 'FST_ERR_CTP_BODY_TOO_LARGE', 'Request body is too large'),
      request(),
    );
    expect(answer).toMatchObject({ status: 413, code: 10011, message: 'Request body is too large' });
  });

  it('says which content type is not supported, and what to send', () => {
    const answer = frameworkRefusal(fastifyError(415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE', 'Unsupported'), request('a/b'));
    expect(answer).toMatchObject({
      status: 415,
      code: 10011,
      message: 'content-type: a/b is not supported; send application/json or application/x-www-form-urlencoded',
    });
    expect(frameworkRefusal(fastifyError(415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE', ''), request()).message).toMatch(
      /^content-type: \(none\) is not supported/,
    );
  });

  it('answers a 429 as rate limited, and a refusal without a 4xx status as 400', () => {
    expect(frameworkRefusal(fastifyError(429, 'X', 'slow down'), request())).toMatchObject({ status: 429, code: 1429 });
    expect(frameworkRefusal(fastifyError(undefined, 'X', 'bad'), request())).toMatchObject({
      status: 400,
      code: 10011,
    });
  });
});

it('answers the unexpected with -1 and no internals', () => {
  expect(UNEXPECTED).toMatchObject({ status: 500, code: -1, message: 'Server error, please try again later.' });
});
