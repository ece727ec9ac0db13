// What operators and tools read: the health check, the OpenAPI document and its page.
import { okEnvelope } from '@payhook/protocol';
import type { FastifyInstance } from 'fastify';
import { UnavailableError } from '../../errors.js';
import type { HttpContext } from '../context.js';
import { buildOpenApiDocument } from '../openapi.js';
import { apiDocsPage } from '../pages/api-docs.js';
import { sendPage } from '../pages/respond.js';

/** A database that does not answer within this is as good as down, for a load balancer. */
export const HEALTH_TIMEOUT_MS = 2_000;

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
  app.get('/healthz', async (request, reply) => {
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

  // Built once: the document only depends on how this gateway was configured.
  const document = buildOpenApiDocument({
    sandboxEnabled: ctx.sandboxEnabled,
    tokenConfigured: ctx.adminToken !== undefined,
    publicUrl: ctx.publicUrl,
  });
  const json = JSON.stringify(document);
  const page = apiDocsPage(document);

  app.get('/openapi.json', async (_request, reply) =>
    reply.header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-cache').send(json),
  );

  app.get('/docs', async (_request, reply) => sendPage(reply, page));
}
