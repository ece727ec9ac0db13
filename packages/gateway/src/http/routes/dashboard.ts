// The dashboard: server-rendered pages over the same store and payment service as the admin
// API, at `/` and `/dashboard/*`. Access: with an admin token, a sign-in page sets a session
// cookie (accepted by the admin API too); a token-less sandbox serves this machine only. Every
// form POST must come from the gateway's own origin.
import { type PaymentDetail, payeeIdSchema, traceIdSchema } from '@payhook/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ParameterError } from '../../errors.js';
import type { Store } from '../../storage/store.js';
import { declareAccess } from '../access.js';
import { authenticate, authKind, tokenMatches } from '../auth.js';
import type { HttpContext } from '../context.js';
import { type EndpointNotice, endpointsPage } from '../pages/endpoints.js';
import { html } from '../pages/html.js';
import { messagePage } from '../pages/layout.js';
import { loginPage } from '../pages/login.js';
import { overviewPage } from '../pages/overview.js';
import { type NoticeName, paymentPage } from '../pages/payment-page.js';
import { paymentsListPage } from '../pages/payments-list.js';
import { RECOVER_FIELDS, type RecoverForm, type RecoverPageData, recoverPage, recoveryPage } from '../pages/recover.js';
import { renderErrorsAsPages, sendPage } from '../pages/respond.js';
import { rotatedPage, type SigningNotice, signingPage } from '../pages/signing.js';
import { idParams, traceParams } from '../params.js';
import { loadPaymentDetail } from '../payment-detail.js';
import { isLoopback, issueSession, isUnsafeMethod, requestOrigin, sessionCookie } from '../session.js';
import { parseInput } from '../validate.js';
import { paymentsQuery } from './admin.js';
import { rotateSecret } from './payee-secrets.js';
import { recoveryAction, requesterOf, selectionSchema } from './recoveries.js';

const TIMELINE = { minutes: 30, bucketSeconds: 30 };
const RECENT_ATTEMPTS = 15;

const loginForm = z.object({ token: z.string().max(1024).default(''), next: z.string().max(2048).default('/') });
const resendForm = z.object({ url: z.string().min(1).max(2048), back: z.string().max(64).optional() });
const actorForm = z.object({
  actor: z
    .string()
    .trim()
    .max(128)
    .optional()
    .transform((v) => (v === '' ? undefined : v)),
});
const pauseForm = z.object({ url: z.string().min(1).max(2048), reason: z.string().max(500).optional() });
const resumeForm = z.object({ url: z.string().min(1).max(2048) });
const payeeForm = z.object({ payeeId: payeeIdSchema });
const rotateForm = payeeForm.extend({
  // Hours, as the form's number field sends them; empty: the gateway's setting. At most 30 days.
  overlapHours: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().min(0).max(720).optional()),
});
/** The Signing page shows this many payees (the API pages through all). */
const SIGNING_PAGE_PAYEES = 500;

/**
 * Where to go after signing in: a path on this gateway, never another site. `//evil`, `/\evil`
 * and `/<tab>/evil` (browsers drop tabs and newlines) are refused; a real path is URL-encoded.
 */
export function localPath(next: string | undefined): string {
  return next !== undefined && /^\/(?![/\\])[\x21-\x5b\x5d-\x7e]*$/.test(next) ? next : '/';
}

export async function dashboardRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const back = { href: '/', label: 'Back to the overview' };
  const sameOrigin = (request: FastifyRequest) => requestOrigin(request, ctx.publicUrl) === 'same';
  const refuse = (reply: FastifyReply, status: number, title: string, message: string) =>
    sendPage(reply, messagePage(title, message, back), { status, formsToSelf: true });

  await app.register(async (pub) => {
    declareAccess(pub, 'public');
    renderErrorsAsPages(pub, back);
    pub.get('/dashboard/login', async (request, reply) => {
      const next = localPath((request.query as { next?: string }).next);
      if (ctx.adminToken === undefined || authenticate(request, ctx.adminToken, ctx.clock.now())) {
        return reply.redirect(next, 303);
      }
      return sendPage(reply, loginPage({ next }), { formsToSelf: true });
    });

    pub.post('/dashboard/login', async (request, reply) => {
      if (!sameOrigin(request)) return refuse(reply, 403, 'Refused', 'Sign in from the gateway’s own page.');
      const form = parseInput(loginForm, request.body);
      const next = localPath(form.next);
      if (ctx.adminToken === undefined) return reply.redirect(next, 303);
      if (!tokenMatches(form.token, ctx.adminToken)) {
        return sendPage(reply, loginPage({ next, error: 'That is not the admin token.' }), {
          status: 401,
          formsToSelf: true,
        });
      }
      const session = issueSession(ctx.adminToken, ctx.clock.now());
      reply.header('set-cookie', sessionCookie(request, session.value, session.maxAgeSeconds));
      return reply.redirect(next, 303);
    });

    pub.post('/dashboard/logout', async (request, reply) => {
      if (!sameOrigin(request)) return refuse(reply, 403, 'Refused', 'Sign out from the gateway’s own page.');
      reply.header('set-cookie', sessionCookie(request, '', 0));
      return reply.redirect(ctx.adminToken === undefined ? '/' : '/dashboard/login', 303);
    });
  });

  await app.register(async (pages) => {
    declareAccess(pages, 'dashboard');
    renderErrorsAsPages(pages, back);
    pages.addHook('onRequest', async (request, reply) => {
      if (ctx.adminToken === undefined) {
        if (!isLoopback(request.ip)) {
          return refuse(
            reply,
            403,
            'Forbidden',
            'Without PAYHOOK_ADMIN_TOKEN the dashboard is open to this machine only (127.0.0.1 / ::1).',
          );
        }
      } else if (authenticate(request, ctx.adminToken, ctx.clock.now()) === undefined) {
        if (request.method === 'GET') {
          return reply.redirect(`/dashboard/login?next=${encodeURIComponent(request.url)}`, 303);
        }
        return refuse(reply, 401, 'Signed out', 'Sign in again to do that.');
      }
      if (isUnsafeMethod(request.method) && !sameOrigin(request)) {
        return refuse(reply, 403, 'Refused', 'This form must be sent from the gateway’s own pages.');
      }
    });
    await pageRoutes(pages, ctx);
    await endpointPages(pages, ctx);
    await signingPages(pages, ctx);
  });
}

async function pageRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { store, payments, recoveries, catalog, clock } = ctx;
  const signOut = ctx.adminToken !== undefined;
  const symbolOf = (id: string | null) => catalog.symbolOf(id);

  app.get('/', async (_request, reply) => {
    const now = clock.now();
    const bucketMs = TIMELINE.bucketSeconds * 1000;
    const from = Math.floor((now - TIMELINE.minutes * 60_000) / bucketMs) * bucketMs;
    const [counts, retrying, lateness, buckets, recent, pruning] = await Promise.all([
      store.admin.countDeliveries(),
      store.admin.queueDepth().then((q) => q.retrying),
      store.admin.lateness(1000),
      store.admin.attemptOutcomes(from, bucketMs),
      store.admin.attemptFeed(undefined, RECENT_ATTEMPTS),
      store.retention.state(),
    ]);
    const timeline = { from, to: now, bucketMs, buckets };
    const retention = { retentionMs: ctx.attemptRetentionMs ?? 0, ...pruning };
    return sendPage(
      reply,
      overviewPage({ counts, retrying, lateness, timeline, recent: recent.reverse(), retention, signOut }),
      { formsToSelf: true },
    );
  });

  app.get('/dashboard', async (_request, reply) => reply.redirect('/', 303));

  app.get('/dashboard/payments', async (request, reply) => {
    // The filter form sends empty fields for "any".
    const raw = Object.fromEntries(
      Object.entries(request.query as Record<string, unknown>).filter(([, v]) => v !== ''),
    ) as Record<string, string | undefined>;
    const q = parseInput(paymentsQuery, raw);
    const list = await store.admin.listPayments(q);
    const rows = await Promise.all(
      list.map(async (payment) => {
        const [events, deliveries] = await Promise.all([
          store.admin.listEvents(payment.traceId),
          store.admin.listDeliveries({ traceId: payment.traceId, limit: 100 }),
        ]);
        // listDeliveries is newest first: the first one of an event is its latest.
        return {
          payment,
          events: events.map((event) => ({ event, latest: deliveries.find((d) => d.eventId === event.id) })),
        };
      }),
    );
    const last = list.at(-1);
    const next = list.length === q.limit && last ? `${last.createdAt}:${last.traceId}` : null;
    const filters = {
      status: raw.status,
      search: raw.search,
      deliveryState: raw.deliveryState,
      limit: q.limit,
      before: raw.before,
    };
    return sendPage(reply, paymentsListPage({ rows, filters, next, symbolOf, signOut }), { formsToSelf: true });
  });

  app.get('/dashboard/payments/:traceId', async (request, reply) => {
    const { traceId } = parseInput(traceParams, request.params);
    const detail = await loadPaymentDetail(payments, store, traceId);
    const pausedSince = await pausesOf(store, detail);
    const notice = (request.query as { notice?: string }).notice;
    const requiredConfirmations = (assetId: string) => catalog.get(assetId)?.requiredConfirmations ?? 0;
    return sendPage(
      reply,
      paymentPage({
        detail,
        symbolOf,
        requiredConfirmations,
        now: clock.now(),
        schedule: ctx.schedule,
        signOut,
        notice,
        pausedSince,
      }),
      { formsToSelf: true },
    );
  });

  app.post('/dashboard/deliveries/:id/redeliver', async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const delivery = await payments.redeliver(id);
    return reply.redirect(paymentHref(delivery.traceId, 'redelivered'), 303);
  });

  app.post('/dashboard/deliveries/:id/retry-now', async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const delivery = await recoveries.retryNow(id);
    return reply.redirect(paymentHref(delivery.traceId, 'retrying-now'), 303);
  });

  app.post('/dashboard/deliveries/redeliver-exhausted', async (request, reply) => {
    const form = parseInput(resendForm, request.body);
    const resent = await recoveries.redeliverExhausted(form.url, requesterOf(request, ctx));
    const backTo = traceIdSchema.safeParse(form.back);
    if (!backTo.success) {
      return sendPage(
        reply,
        messagePage(
          'Redelivery scheduled',
          html`${resent.count} exhausted deliveries to <code>${form.url}</code> scheduled again.`,
          { href: `/dashboard/recoveries/${resent.recoveryId}`, label: 'See the recovery' },
          'notice',
        ),
        { formsToSelf: true },
      );
    }
    return reply.redirect(paymentHref(backTo.data, resent.count > 0 ? 'resent' : 'nothing-to-resend'), 303);
  });

  app.get('/dashboard/recover', async (request, reply) => {
    const form = recoverForm(request.query);
    const recent = await store.recoveries.list(20);
    const data: RecoverPageData = { form, recent, signOut };
    // The filter form sends `action` (the select always has one): then the dry run answers.
    if (form.action !== undefined) {
      try {
        data.preview = await recoveries.preview(recoveryInput(form));
      } catch (error) {
        if (!(error instanceof ParameterError)) throw error;
        data.error = error.message;
        return sendPage(reply, recoverPage(data), { status: 400, formsToSelf: true });
      }
    }
    return sendPage(reply, recoverPage(data), { formsToSelf: true });
  });

  app.post('/dashboard/recoveries', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const actor = parseInput(actorForm, body).actor;
    const recovery = await recoveries.request({
      ...recoveryInput(recoverForm(body)),
      requestedBy: requesterOf(request, ctx, actor),
    });
    return reply.redirect(`/dashboard/recoveries/${encodeURIComponent(recovery.id)}`, 303);
  });

  app.get('/dashboard/recoveries/:id', async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    return sendPage(reply, recoveryPage({ recovery: await recoveries.get(id), signOut }), { formsToSelf: true });
  });
}

/** The Recover form's fields as sent, empty ones dropped ("any"). */
function recoverForm(input: unknown): RecoverForm {
  const raw = (input ?? {}) as Record<string, unknown>;
  const form: RecoverForm = {};
  for (const key of RECOVER_FIELDS) {
    const value = raw[key];
    if (typeof value === 'string' && value.trim() !== '') form[key] = value.trim();
  }
  return form;
}

/** The form as a recovery request, parsed with the admin API's own schemas. */
function recoveryInput(form: RecoverForm) {
  const { action, newUrl, ...selection } = form;
  return {
    selection: parseInput(selectionSchema, selection),
    action: parseInput(recoveryAction, action ?? 'redeliver'),
    newUrl,
  };
}

/** The Endpoints page and its Pause / Resume forms (the admin API's POST /admin/endpoints/pause, /resume). */
async function endpointPages(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { endpoints, clock } = ctx;
  const back = (notice: EndpointNotice) => `/dashboard/endpoints?notice=${notice}`;

  app.get('/dashboard/endpoints', async (request, reply) => {
    const { notice, pause } = request.query as { notice?: string; pause?: string };
    const list = await endpoints.list();
    const pauseUrl = typeof pause === 'string' ? pause.slice(0, 2048) : undefined;
    return sendPage(reply, endpointsPage({ list, signOut: ctx.adminToken !== undefined, notice, pauseUrl }), {
      formsToSelf: true,
    });
  });

  app.post('/dashboard/endpoints/pause', async (request, reply) => {
    const form = parseInput(pauseForm, request.body);
    const reason = form.reason?.trim() ? form.reason.trim() : undefined;
    const { changed } = await endpoints.pause(form.url, {
      auth: authKind(request, ctx.adminToken, clock.now()),
      reason,
    });
    return reply.redirect(back(changed ? 'paused' : 'already-paused'), 303);
  });

  app.post('/dashboard/endpoints/resume', async (request, reply) => {
    const form = parseInput(resumeForm, request.body);
    const { changed } = await endpoints.resume(form.url);
    return reply.redirect(back(changed ? 'resumed' : 'not-paused'), 303);
  });
}

/** The Signing page: payees' signing secrets, rotated and removed as PUT / DELETE /admin/payees/{payeeId}/secret do. */
async function signingPages(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { store, clock } = ctx;
  const signOut = ctx.adminToken !== undefined;
  const back = (notice: SigningNotice) => `/dashboard/signing?notice=${notice}`;

  app.get('/dashboard/signing', async (request, reply) => {
    const { notice } = request.query as { notice?: string };
    const rows = await store.payeeSecrets.list(clock.now(), { limit: SIGNING_PAGE_PAYEES + 1 });
    const payees = rows.slice(0, SIGNING_PAGE_PAYEES).map((row) => ({ ...row, signed: true as const }));
    const overlapHours = ctx.secretRotationOverlapMs / 3_600_000;
    return sendPage(reply, signingPage({ payees, more: rows.length > payees.length, overlapHours, signOut, notice }), {
      formsToSelf: true,
    });
  });

  // The answer is the page itself (no redirect): the secret is shown once, never put in a URL;
  // sendPage answers no-store.
  app.post('/dashboard/signing/rotate', async (request, reply) => {
    const form = parseInput(rotateForm, request.body);
    const overlapMs =
      form.overlapHours === undefined ? ctx.secretRotationOverlapMs : Math.round(form.overlapHours * 3600) * 1000;
    const created = await rotateSecret(ctx, form.payeeId, overlapMs);
    return sendPage(reply, rotatedPage(created, signOut), { formsToSelf: true });
  });

  app.post('/dashboard/signing/remove', async (request, reply) => {
    const form = parseInput(payeeForm, request.body);
    const removed = await store.payeeSecrets.delete(form.payeeId);
    return reply.redirect(back(removed ? 'removed' : 'not-signed'), 303);
  });
}

const paymentHref = (traceId: string, notice: NoticeName) =>
  `/dashboard/payments/${encodeURIComponent(traceId)}?notice=${notice}`;

/** When each paused callback URL among a payment's pending deliveries was paused (by primary key). */
async function pausesOf(store: Store, detail: PaymentDetail): Promise<Map<string, number>> {
  const urls = new Set(
    detail.events.flatMap((e) => e.deliveries.filter((d) => d.state === 'pending').map((d) => d.url)),
  );
  const endpoints = await Promise.all([...urls].map((url) => store.endpoints.list({ url })));
  return new Map(endpoints.flat().flatMap((e) => (e.pausedAt === null ? [] : [[e.url, e.pausedAt] as const])));
}
