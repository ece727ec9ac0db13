// Recoveries over the admin API: a selection of deliveries, a dry run of it, and a recorded
// action run in batches whose progress is read back here. The selection's schema is the one the
// dashboard's Recover page parses its form with.
import {
  ATTEMPT_ERROR_CLASSES,
  CALLBACK_EVENTS,
  type DeliverySelection,
  formBoolean,
  okEnvelope,
  parseInstant,
  payeeIdSchema,
  type Recovery,
  type RecoveryPage,
  type RecoveryPreview,
  type RecoveryRequester,
} from '@payhook/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { apiRoute } from '../api-route.js';
import { authenticate } from '../auth.js';
import type { HttpContext } from '../context.js';
import { idParams } from '../params.js';

/** An instant: epoch ms (a number or digits), or an ISO 8601 date-time (UTC unless it names a zone). */
const instant = z
  .union([z.number().int().min(0), z.string()], { error: 'must be epoch ms or an ISO 8601 date-time' })
  .transform((v, ctx) => {
    const ms = typeof v === 'number' ? v : parseInstant(v);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be epoch ms or an ISO 8601 date-time' });
      return z.NEVER;
    }
    return ms;
  });

/** Which deliveries: every field narrows; `{}` selects every delivery the action may act on. */
export const selectionSchema = z.strictObject({
  state: z.enum(['pending', 'retrying', 'delivered', 'exhausted']).optional(),
  createdFrom: instant.optional(),
  createdTo: instant.optional(),
  payeeId: payeeIdSchema.optional(),
  eventType: z.enum(CALLBACK_EVENTS).optional(),
  url: z.string().min(1).max(2048).optional(),
  errorClass: z.enum(ATTEMPT_ERROR_CLASSES).optional(),
  notRedelivered: formBoolean.optional(),
}) satisfies z.ZodType<DeliverySelection, unknown>;

export const recoveryAction = z.enum(['redeliver', 'retry_now']);

const recoveryRequest = z.object({
  selection: selectionSchema,
  action: recoveryAction,
  /** redeliver only: send to this URL instead (judged as a payment's callbackUrl is). */
  newUrl: z.string().min(1).max(2048).optional(),
  /** Answer the count and a sample, change nothing. */
  dryRun: formBoolean.optional(),
  /** Who asks, in the requester's own words (recorded beside how the request was let in). */
  actor: z.string().trim().min(1).max(128).optional(),
});

const recoveriesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** Paging cursor: `<requestedAt>:<id>` of the last recovery seen. */
  before: z
    .string()
    .regex(/^\d+:[^:]{1,64}$/, 'must be <requestedAt>:<id>')
    .transform((v) => {
      const at = v.indexOf(':');
      return { requestedAt: Number(v.slice(0, at)), id: v.slice(at + 1) };
    })
    .optional(),
});

/** How the request was let in (bearer token, dashboard session, or no token set), and who it says it is. */
export function requesterOf(request: FastifyRequest, ctx: HttpContext, actor?: string): RecoveryRequester {
  const auth =
    ctx.adminToken === undefined ? 'none' : (authenticate(request, ctx.adminToken, ctx.clock.now()) ?? 'none');
  return { auth, actor: actor ?? null };
}

export async function recoveryRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { recoveries, store, clock } = ctx;

  apiRoute(
    app,
    {
      method: 'POST',
      url: '/admin/recoveries',
      tag: 'admin',
      summary: 'Redeliver, or retry now, every delivery a selection holds (or only count them: dryRun)',
      description:
        'Records the recovery and runs it in batches: poll GET /admin/recoveries/{id} for progress. ' +
        'redeliver takes delivered or exhausted deliveries (to newUrl when given); retry_now takes pending ' +
        'ones, skipping any attempt in flight. Deliveries created after the request are never taken.',
      body: recoveryRequest,
      example: {
        selection: { state: 'exhausted', url: 'https://old-shop.example/mixpay/callback', notRedelivered: true },
        action: 'redeliver',
        newUrl: 'https://shop.example/mixpay/callback',
        dryRun: true,
      },
    },
    async ({ body }, request) => {
      if (body.dryRun) return okEnvelope<RecoveryPreview>(await recoveries.preview(body), clock.now());
      const recovery = await recoveries.request({
        selection: body.selection,
        action: body.action,
        newUrl: body.newUrl,
        requestedBy: requesterOf(request, ctx, body.actor),
      });
      return okEnvelope<Recovery>(recovery, clock.now());
    },
  );

  apiRoute(
    app,
    {
      method: 'GET',
      url: '/admin/recoveries',
      tag: 'admin',
      summary: 'Recoveries, newest first, with their progress',
      query: recoveriesQuery,
    },
    async ({ query: q }) => {
      const list = await store.recoveries.list(q.limit, q.before);
      const last = list.at(-1);
      const next = list.length === q.limit && last ? `${last.requestedAt}:${last.id}` : null;
      return okEnvelope<RecoveryPage>({ recoveries: list, next }, clock.now());
    },
  );

  apiRoute(
    app,
    {
      method: 'GET',
      url: '/admin/recoveries/:id',
      tag: 'admin',
      summary: 'One recovery: its selection, who asked, and its progress',
      params: idParams,
      notFound: true,
    },
    async ({ params: { id } }) => okEnvelope<Recovery>(await recoveries.get(id), clock.now()),
  );
}
