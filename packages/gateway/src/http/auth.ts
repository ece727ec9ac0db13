// Bearer-token check for admin and sandbox-control routes, compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import { errorEnvelope } from '@payhook/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../interfaces.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Hashing first makes the comparison constant-time whatever the lengths. */
export function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

export function requireToken(token: string, clock: Clock) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!tokenMatches(presented, token)) {
      return reply
        .status(401)
        .send(errorEnvelope(2000, 'Insufficient permissions: send Authorization: Bearer <admin token>', clock.now()));
    }
  };
}
