// Signing secrets of payees (signed callbacks, opt-in): set or rotate, look at, remove. The
// secret is generated here and shown once, in the answer to PUT; nothing else ever shows it,
// and it is never logged. A rotation overlaps: the replaced secret keeps signing beside the new
// one (two signatures in one header) for PAYHOOK_SECRET_ROTATION_OVERLAP or the request's
// `overlapSeconds`, so a receiver can switch secrets at its own pace. Admin routes: the admin
// token guards them like the rest of /admin.
import {
  okEnvelope,
  type PayeeSecretCreated,
  type PayeeSecretList,
  type PayeeSecretRemoved,
  type PayeeSecretStatus,
  payeeIdSchema,
} from '@payhook/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { generateSigningSecret } from '../../delivery/signature.js';
import { NotFoundError, ParameterError } from '../../errors.js';
import { MAX_SECRET_ROTATION_OVERLAP_SECONDS } from '../../settings.js';
import type { PayeeSecret } from '../../storage/store.js';
import { apiRoute } from '../api-route.js';
import type { HttpContext } from '../context.js';
import { payeeParams } from '../params.js';

/** Whole seconds, a JSON number or the digits of one (the query's form). */
const overlapSeconds = z
  .preprocess(
    (v) => (typeof v === 'string' && /^\d{1,12}$/.test(v) ? Number(v) : v),
    z
      .number({ error: 'must be a whole number of seconds' })
      .int('must be a whole number of seconds')
      .min(0, 'must be 0 (switch at once) or more seconds')
      .max(MAX_SECRET_ROTATION_OVERLAP_SECONDS, `must be at most ${MAX_SECRET_ROTATION_OVERLAP_SECONDS} (30 days)`),
  )
  .optional();
const rotation = z.object({ overlapSeconds });

/** The list's page: a few hundred payees at most sign, so 100 a page, 1,000 at most. */
const MAX_SECRET_LIST = 1000;
const secretListQuery = z.object({
  after: payeeIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_SECRET_LIST).default(100),
});

const rotationEndsAt = (secret: PayeeSecret) => secret.previous?.until ?? null;

/** Sets or rotates a payee's secret (the admin API's PUT and the dashboard's form): the answer holds it, once. */
export async function rotateSecret(
  ctx: Pick<HttpContext, 'store' | 'clock'>,
  payeeId: string,
  overlapMs: number,
): Promise<PayeeSecretCreated> {
  const stored = await ctx.store.payeeSecrets.set(
    { payeeId, secret: generateSigningSecret(), createdAt: ctx.clock.now() },
    overlapMs,
  );
  return { payeeId, secret: stored.secret, createdAt: stored.createdAt, rotationEndsAt: rotationEndsAt(stored) };
}

export async function payeeSecretRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { store, clock } = ctx;
  const missing = (payeeId: string) => new NotFoundError(`payee ${payeeId} has no signing secret`);

  /** What the three routes share: one resource, a payee's secret. */
  const resource = { url: '/admin/payees/:payeeId/secret', tag: 'admin', params: payeeParams } as const;

  /** Every payee that signs, with the rotation running at `now`; never a secret. Two segments after
   * /admin/payees, so it never meets `/admin/payees/:payeeId/secret` (three). */
  apiRoute(
    app,
    {
      method: 'GET',
      url: '/admin/payees/secrets',
      tag: 'admin',
      summary: 'The payees whose callbacks are signed, since when, and any rotation in progress (never a secret)',
      description: 'By payeeId, `limit` a page (100; at most 1000); pass `next` as `after` for the next page.',
      query: secretListQuery,
    },
    async ({ query }) => {
      const now = clock.now();
      const rows = await store.payeeSecrets.list(now, query);
      const last = rows.at(-1);
      const answer: PayeeSecretList = {
        payees: rows.map((row) => ({ ...row, signed: true as const })),
        next: rows.length === query.limit && last ? last.payeeId : null,
      };
      return okEnvelope(answer, now);
    },
  );

  /** Sets a new secret (rotating: the old one keeps signing through the overlap) and answers it, once. */
  apiRoute(
    app,
    {
      ...resource,
      method: 'PUT',
      summary: "Set or rotate a payee's signing secret (signed callbacks); the answer shows it, once",
      description:
        'Rotating keeps the previous secret signing too (both signatures in one `webhook-signature` header) ' +
        'until `rotationEndsAt`: `overlapSeconds` (body or query; 0 switches at once) or ' +
        'PAYHOOK_SECRET_ROTATION_OVERLAP. A secret still in an earlier overlap stops signing.',
      query: rotation,
      body: rotation,
      example: { overlapSeconds: 3600 },
    },
    async ({ params: { payeeId }, query, body }, _request, reply) => {
      if (query.overlapSeconds !== undefined && body.overlapSeconds !== undefined) {
        throw new ParameterError('overlapSeconds: give it in the body or the query, not both');
      }
      const seconds = body.overlapSeconds ?? query.overlapSeconds;
      const overlapMs = seconds === undefined ? ctx.secretRotationOverlapMs : seconds * 1000;
      const answer = await rotateSecret(ctx, payeeId, overlapMs);
      reply.header('cache-control', 'no-store');
      return okEnvelope(answer, answer.createdAt);
    },
  );

  /** Whether the payee's callbacks are signed, since when, and until when a rotation overlaps; never a secret. */
  apiRoute(
    app,
    {
      ...resource,
      method: 'GET',
      summary: "Whether a payee's callbacks are signed, since when, and whether a rotation is in progress",
      notFound: true,
    },
    async ({ params: { payeeId } }) => {
      const now = clock.now();
      const found = await store.payeeSecrets.get(payeeId, now);
      if (!found) throw missing(payeeId);
      const status: PayeeSecretStatus = {
        payeeId,
        signed: true,
        createdAt: found.createdAt,
        rotationEndsAt: rotationEndsAt(found),
      };
      return okEnvelope(status, now);
    },
  );

  /** Stops signing the payee's callbacks, with either secret, from the next attempt on. */
  apiRoute(
    app,
    {
      ...resource,
      method: 'DELETE',
      summary: "Stop signing a payee's callbacks (removes the current and any previous secret)",
      notFound: true,
    },
    async ({ params: { payeeId } }) => {
      if (!(await store.payeeSecrets.delete(payeeId))) throw missing(payeeId);
      return okEnvelope<PayeeSecretRemoved>({ payeeId, signed: false }, clock.now());
    },
  );
}
