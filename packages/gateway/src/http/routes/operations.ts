// What operators and tools read: the health check, the OpenAPI document and its page.
import { okEnvelope } from '@payhook/protocol';
import type { FastifyInstance } from 'fastify';
import { UnavailableError } from '../../errors.js';
import { registeredRoutes } from '../access.js';
import { type ApiRouteSpec, apiRoute } from '../api-route.js';
import type { HttpContext } from '../context.js';
import { buildOpenApiDocument } from '../openapi.js';
import { apiDocsPage } from '../pages/api-docs.js';
import type { SafeHtml } from '../pages/html.js';
import { sendPage } from '../pages/respond.js';

/** A database that does not answer within this is as good as down, for a load balancer. */
export const HEALTH_TIMEOUT_MS = 2_000;

const HEALTH_CHECK: ApiRouteSpec = {
  method: 'GET',
  url: '/healthz',
  tag: 'operations',
  summary: 'Checks the database: 200, or 503 in the envelope when it is unreachable',
  unavailable: true,
};

class HealthTimeout extends Error {
  override readonly name = 'HealthTimeout';
}

export async function operationsRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { clock, store } = ctx;

  /** Runs `check`, failing it when the database does not answer in time. */
  const withinTimeout = async (check: () => Promise<void>) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        check(),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(
            () => reject(new HealthTimeout(`no answer within ${HEALTH_TIMEOUT_MS} ms`)),
            HEALTH_TIMEOUT_MS,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };

  // Healthy means able to take a payment: the database answers AND commits a write. A gateway
  // whose disk turned read-only answers reads but fails every change, so a read is not enough.
  apiRoute(app, HEALTH_CHECK, async (_input, request, reply) => {
    reply.header('cache-control', 'no-store');
    const failed = (error: unknown, what: string) => {
      request.log.error({ err: error }, `health check: ${what}`);
      return new UnavailableError(what);
    };
    try {
      await withinTimeout(() => store.ping());
    } catch (error) {
      throw failed(error, 'database unreachable');
    }
    try {
      await withinTimeout(() => store.probeCommit(clock.now()));
    } catch (error) {
      throw failed(error, 'database cannot commit writes');
    }
    return okEnvelope({ status: 'ok', mode: ctx.mode, database: store.capabilities.dialect }, clock.now());
  });

  // Built once, on first use, when every route is registered: the document only depends on what
  // this gateway serves and how it was configured.
  let built: { json: string; page: SafeHtml } | undefined;
  const docs = () => {
    if (built === undefined) {
      const document = buildOpenApiDocument(registeredRoutes(app), {
        tokenConfigured: ctx.adminToken !== undefined,
        publicUrl: ctx.publicUrl,
      });
      built = { json: JSON.stringify(document), page: apiDocsPage(document) };
    }
    return built;
  };

  apiRoute(
    app,
    {
      method: 'GET',
      url: '/openapi.json',
      tag: 'operations',
      summary: 'This document',
      produces: 'application/openapi+json',
    },
    async (_input, _request, reply) =>
      reply
        .header('content-type', 'application/json; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send(docs().json),
  );

  apiRoute(
    app,
    { method: 'GET', url: '/docs', tag: 'operations', summary: 'This document as a page', produces: 'text/html' },
    async (_input, _request, reply) => sendPage(reply, docs().page),
  );
}
