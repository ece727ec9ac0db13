// Signing secrets of payees (signed callbacks, opt-in): set or rotate, look at, remove. The
// secret is generated here and shown once, in the answer to PUT; nothing else ever shows it,
// and it is never logged. Admin routes: the admin token guards them like the rest of /admin.
import { okEnvelope, payeeIdSchema } from '@payhook/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { generateSigningSecret } from '../../delivery/signature.js';
import { NotFoundError } from '../../errors.js';
import type { HttpContext } from '../context.js';
import { parseInput } from '../validate.js';

const payeeParams = z.object({ payeeId: payeeIdSchema });

export async function payeeSecretRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { store, clock } = ctx;
  const missing = (payeeId: string) => new NotFoundError(`payee ${payeeId} has no signing secret`);

  /** Sets a new secret (rotating: the old one stops signing at once) and answers it, once. */
  app.put('/admin/payees/:payeeId/secret', async (request, reply) => {
    const { payeeId } = parseInput(payeeParams, request.params);
    const secret = { payeeId, secret: generateSigningSecret(), createdAt: clock.now() };
    await store.payeeSecrets.set(secret);
    reply.header('cache-control', 'no-store');
    return okEnvelope(secret, clock.now());
  });

  /** Whether the payee's callbacks are signed, and since when; never the secret itself. */
  app.get('/admin/payees/:payeeId/secret', async (request) => {
    const { payeeId } = parseInput(payeeParams, request.params);
    const found = await store.payeeSecrets.get(payeeId);
    if (!found) throw missing(payeeId);
    return okEnvelope({ payeeId, signed: true, createdAt: found.createdAt }, clock.now());
  });

  /** Stops signing the payee's callbacks, from the next attempt on. */
  app.delete('/admin/payees/:payeeId/secret', async (request) => {
    const { payeeId } = parseInput(payeeParams, request.params);
    if (!(await store.payeeSecrets.delete(payeeId))) throw missing(payeeId);
    return okEnvelope({ payeeId, signed: false }, clock.now());
  });
}
