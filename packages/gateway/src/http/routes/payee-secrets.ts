// Signing secrets of payees (signed callbacks, opt-in): set or rotate, look at, remove. The
// secret is generated here and shown once, in the answer to PUT; nothing else ever shows it,
// and it is never logged. Admin routes: the admin token guards them like the rest of /admin.
import { okEnvelope } from '@payhook/protocol';
import type { FastifyInstance } from 'fastify';
import { generateSigningSecret } from '../../delivery/signature.js';
import { NotFoundError } from '../../errors.js';
import { apiRoute } from '../api-route.js';
import type { HttpContext } from '../context.js';
import { payeeParams } from '../params.js';

export async function payeeSecretRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { store, clock } = ctx;
  const missing = (payeeId: string) => new NotFoundError(`payee ${payeeId} has no signing secret`);

  /** What the three routes share: one resource, a payee's secret. */
  const resource = { url: '/admin/payees/:payeeId/secret', tag: 'admin', params: payeeParams } as const;

  /** Sets a new secret (rotating: the old one stops signing at once) and answers it, once. */
  apiRoute(
    app,
    {
      ...resource,
      method: 'PUT',
      summary: "Set or rotate a payee's signing secret (signed callbacks); the answer shows it, once",
    },
    async ({ params: { payeeId } }, _request, reply) => {
      const secret = { payeeId, secret: generateSigningSecret(), createdAt: clock.now() };
      await store.payeeSecrets.set(secret);
      reply.header('cache-control', 'no-store');
      return okEnvelope(secret, clock.now());
    },
  );

  /** Whether the payee's callbacks are signed, and since when; never the secret itself. */
  apiRoute(
    app,
    {
      ...resource,
      method: 'GET',
      summary: "Whether a payee's callbacks are signed, and since when (never the secret)",
      notFound: true,
    },
    async ({ params: { payeeId } }) => {
      const found = await store.payeeSecrets.get(payeeId);
      if (!found) throw missing(payeeId);
      return okEnvelope({ payeeId, signed: true, createdAt: found.createdAt }, clock.now());
    },
  );

  /** Stops signing the payee's callbacks, from the next attempt on. */
  apiRoute(
    app,
    { ...resource, method: 'DELETE', summary: "Stop signing a payee's callbacks", notFound: true },
    async ({ params: { payeeId } }) => {
      if (!(await store.payeeSecrets.delete(payeeId))) throw missing(payeeId);
      return okEnvelope({ payeeId, signed: false }, clock.now());
    },
  );
}
