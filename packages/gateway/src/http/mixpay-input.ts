// How MixPay's clients send parameters, read as one record: JSON bodies (with or without
// `;charset=UTF-8`), form bodies and the query string, on GET and POST alike (MIXPAY-API.md §11.1).

import { withoutAbsent } from '@payhook/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parse as parseLossless } from 'lossless-json';
import secureJson from 'secure-json-parse';
import { ParameterError } from '../errors.js';

/**
 * Replaces the JSON parser of `scope` with one that hands every number literal over as its
 * source text: `{"quoteAmount": 10.10}` reaches the schema as `"10.10"`, never as a float
 * (JSON.parse would turn 0.1 + 0.2-style amounts into binary approximations). The schemas
 * accept numeric strings wherever MixPay takes a number. An empty body is no parameters, and
 * `__proto__` / `constructor.prototype` keys are refused, as Fastify's own parser does.
 */
export function installMixPayJson(scope: FastifyInstance): void {
  scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = (body as string).trim();
    if (text === '') return done(null, {});
    try {
      const value = parseLossless(text, null, { parseNumber: (literal: string) => literal });
      if (typeof value === 'object' && value !== null) {
        secureJson.scan(value, { protoAction: 'error', constructorAction: 'error' });
      }
      done(null, value);
    } catch (error) {
      done(new ParameterError(`body is not valid JSON: ${(error as Error).message}`), undefined);
    }
  });
}

/**
 * The request's parameters: the query string, overridden by the body's fields (MixPay reads
 * both), without those that are `""` or `null` (MixPay: absent). A body that is not an object is
 * handed on as it is, for the schema to refuse.
 */
export function requestInput(request: FastifyRequest): Record<string, unknown> {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const body = request.body;
  if (body === undefined || body === null) return withoutAbsent(query);
  if (typeof body !== 'object' || Array.isArray(body)) return body as Record<string, unknown>;
  return withoutAbsent({ ...query, ...(body as Record<string, unknown>) });
}
