// Endpoints in the admin API: health per callback URL and per host, pause and resume. The paths
// and bodies are linked to from the dashboard and the CLI; keep them.
import {
  type EndpointList,
  type EndpointStatus,
  okEnvelope,
  type PausedEndpoint,
  type ResumedEndpoint,
} from '@payhook/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { apiRoute } from '../api-route.js';
import { authKind } from '../auth.js';
import type { HttpContext } from '../context.js';

const url = z.string().min(1).max(2048);
const listQuery = z.object({ host: z.string().min(1).max(300).optional() });
const healthQuery = z.object({ url });
const pauseBody = z.object({
  url,
  reason: z.string().max(500).optional(),
  /** Who asks, as the operator names themselves; recorded beside how the request authenticated. */
  actor: z.string().max(100).optional(),
});
const resumeBody = z.object({ url });

export async function endpointRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { endpoints, clock } = ctx;

  apiRoute(
    app,
    {
      method: 'GET',
      url: '/admin/endpoints',
      tag: 'admin',
      summary: 'Callback URLs and hosts: health, last error, retrying deliveries, exhaustion forecast, pauses',
      query: listQuery,
    },
    async ({ query }) => okEnvelope<EndpointList>(await endpoints.list(query), clock.now()),
  );

  apiRoute(
    app,
    {
      method: 'GET',
      url: '/admin/endpoints/health',
      tag: 'admin',
      summary: 'One callback URL’s health',
      query: healthQuery,
      notFound: true,
    },
    async ({ query }) => okEnvelope<EndpointStatus>(await endpoints.status(query.url), clock.now()),
  );

  apiRoute(
    app,
    {
      method: 'POST',
      url: '/admin/endpoints/pause',
      tag: 'admin',
      summary: 'Pause a callback URL: nothing is sent and no time passes on its schedules until it is resumed',
      body: pauseBody,
      example: { url: 'https://shop.example/mixpay/callback', reason: 'shop migrating its database' },
    },
    async ({ body }, request) =>
      okEnvelope<PausedEndpoint>(
        await endpoints.pause(body.url, {
          auth: authKind(request, ctx.adminToken, clock.now()),
          actor: body.actor,
          reason: body.reason,
        }),
        clock.now(),
      ),
  );

  apiRoute(
    app,
    {
      method: 'POST',
      url: '/admin/endpoints/resume',
      tag: 'admin',
      summary: 'Resume a paused callback URL: each delivery continues with the gap it had left',
      body: resumeBody,
      example: { url: 'https://shop.example/mixpay/callback' },
      notFound: true,
    },
    async ({ body }) => okEnvelope<ResumedEndpoint>(await endpoints.resume(body.url), clock.now()),
  );
}
